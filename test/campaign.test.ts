/**
 * The fast subset of the bad-input campaign (scripts/campaign; the whole of it: `npm run campaign`):
 * a few hundred seeded bad inputs of every category, each in a child process with a timeout. None
 * may crash, hang, raise an error without a code, answer a non-finite number, get the wrong kind of
 * outcome, or harm the loaded models; no child's memory may pass the bound. First, the harness
 * shows it sees each of those when it happens.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generate, sample } from '../scripts/campaign/cases/index.ts';
import { HARNESS } from '../scripts/campaign/cases/harness.ts';
import { CACHE, DEFAULT_SEED, FAST_PER_CATEGORY, MEMORY_BOUND_MB, prepare } from '../scripts/campaign/run.ts';
import { failures, overMemory, summary, table } from '../scripts/campaign/report.ts';
import { runCases } from '../scripts/campaign/runner.ts';

test('the campaign counts a crash, a hang, an uncoded error, a NaN answer and a harmed model as such', async () => {
  const cases = generate(DEFAULT_SEED, 1, ['harness']);
  const campaign = await runCases(cases, { batchSize: cases.length, timeoutMs: 3000, cache: CACHE, jobs: 1 });
  const got = Object.fromEntries(campaign.results.map((r) => [r.id, r.outcome]));
  const want = Object.fromEntries(Object.entries(HARNESS).map(([name, h]) => [`harness/${name}`, h.outcome]));
  assert.equal(got, want, table(campaign.results));
  // The batch failed, so every case was run alone to name the culprits.
  assert.ok(campaign.results.every((r) => r.alone));
});

test(`the fast subset (seed ${DEFAULT_SEED}): no crash, hang, uncoded error, NaN answer or harmed model; memory under ${MEMORY_BOUND_MB} MB`, async () => {
  const cases = sample(generate(DEFAULT_SEED), DEFAULT_SEED, FAST_PER_CATEGORY);
  assert.ok(cases.length >= 250, `${cases.length} cases`);
  await prepare(cases);
  const campaign = await runCases(cases, { batchSize: 60, timeoutMs: 5000, cache: CACHE, jobs: 1 });
  const report = summary(campaign, DEFAULT_SEED, MEMORY_BOUND_MB);
  assert.is(campaign.results.filter((r) => r.category !== 'batch').length, cases.length);
  assert.equal(failures(campaign.results).map((r) => `${r.outcome} ${r.id}`), [], report);
  assert.equal(overMemory(campaign.results, MEMORY_BOUND_MB * 1024).map((r) => r.id), [], report);
  // Each category gave both kinds of good outcome somewhere: the cases reach the code they aim at.
  for (const cat of new Set(cases.map((c) => c.category))) {
    const mine = campaign.results.filter((r) => r.category === cat);
    assert.ok(mine.some((r) => r.outcome === 'ok-coded-error'), `${cat}: no coded error\n${report}`);
  }
});

test.run();
