/**
 * The bad-input campaign: thousands of seeded bad inputs, each in a child process with a timeout.
 *
 *   npm run campaign                         every case of the default seed
 *   npm run campaign -- --seed 7 --scale 2   another seed, twice the random cases
 *   npm run campaign -- --case images/png/bitflip/123 --seed 13    replay one case
 *   npm run campaign -- --fast               the subset `npm test` runs (test/campaign.test.ts)
 *   npm run campaign -- --category paths,readings --json
 *
 * Exits 1 when any case crashed, hung, raised an error without a code, answered NaN, harmed the
 * model or got the wrong kind of outcome, or when memory went over the bound.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CATEGORIES, generate, sample } from './cases/index.ts';
import { ROOT } from './paths.ts';
import { counts, failures, overMemory, summary } from './report.ts';
import { runCases } from './runner.ts';
import type { Case } from './types.ts';

export const DEFAULT_SEED = 13;
/** A child's peak resident memory must stay below this: the bundled models and a bad input, on a 1 GB board. */
export const MEMORY_BOUND_MB = 512;
export const CACHE = path.join(tmpdir(), 'edgefn-campaign-cache');

export async function prepare(cases: readonly Case[]): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  for (const cat of CATEGORIES) await cat.prepare?.(cases.filter((c) => c.category === cat.name), CACHE);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      scale: { type: 'string', default: '1' },
      case: { type: 'string', multiple: true },
      category: { type: 'string' },
      fast: { type: 'boolean', default: false },
      batch: { type: 'string', default: '50' },
      timeout: { type: 'string', default: '10000' },
      jobs: { type: 'string', default: '1' },
      'max-rss-mb': { type: 'string', default: String(MEMORY_BOUND_MB) },
      json: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  const only = values.category?.split(',');
  let cases = generate(seed, Number(values.scale), only);
  if (values.fast) cases = sample(cases, seed, FAST_PER_CATEGORY);
  if (values.case) {
    const ids = new Set(values.case.flatMap((s) => s.split(',')));
    cases = cases.filter((c) => ids.has(c.id));
    for (const id of ids) if (!cases.some((c) => c.id === id)) throw new Error(`no case ${id} in seed ${seed} (scale ${values.scale})`);
  }
  if (values.list) {
    for (const c of cases) console.log(c.id, JSON.stringify(c.params));
    return;
  }
  const boundMb = Number(values['max-rss-mb']);
  console.error(`edgefn campaign: seed ${seed}, ${cases.length} cases`);
  await prepare(cases);
  let done = 0;
  const campaign = await runCases(cases, {
    batchSize: Number(values.batch), timeoutMs: Number(values.timeout), cache: CACHE, jobs: Number(values.jobs),
    onResult: () => { if (++done % 100 === 0) console.error(`  ${done}/${cases.length}`); },
  });
  console.log(summary(campaign, seed, boundMb));
  if (values.json) {
    const dir = path.join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `campaign-${seed}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ seed, scale: Number(values.scale), boundMb, counts: counts(campaign.results), peakKb: campaign.peakKb, incidents: campaign.incidents, results: campaign.results }, null, 1));
    console.log(`results: ${path.relative(ROOT, file)}`);
  }
  if (failures(campaign.results).length > 0 || overMemory(campaign.results, boundMb * 1024).length > 0) process.exitCode = 1;
}

/** How many cases of each category the fast subset takes. */
export const FAST_PER_CATEGORY = 30;

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename ?? '')) await main();
