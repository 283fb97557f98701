/**
 * One child process of the campaign: loads the bundled models once, runs the cases it is sent one
 * after another, and reports each outcome to the runner over IPC. A crash or a hang here is what
 * the campaign counts: the runner outlives it, re-runs the cases alone and carries on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load, type ImageClassifier, type WindowClassifier } from '../../src/index.ts';
import { category } from './cases/index.ts';
import { fromAnswer, fromError, short } from './outcome.ts';
import { GOLDEN_IMAGE, GOLDEN_IMAGE_LABEL, RAIN_DIR, IMAGE_DIR, rainGolden } from './paths.ts';
import type { Case, ChildMessage, Ctx, Result } from './types.ts';

export interface RunRequest {
  cases: Case[];
  timeoutMs: number;
  cache: string;
  alone: boolean;
}

const send = (m: ChildMessage): void => { process.send?.(m); };

export function hwmKb(): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

let current: string | null = null;
function fatal(kind: string, err: unknown): void {
  const detail = `${kind}: ${short(err instanceof Error ? `${err.name}: ${err.message}` : String(err))}`;
  send({ type: 'fatal', id: current, detail });
  process.exit(70);
}
process.on('unhandledRejection', (err) => fatal('unhandled rejection', err));
process.on('uncaughtException', (err) => fatal('uncaught exception', err));

function timeout(ms: number): { promise: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new TimeoutError()), ms); });
  return { promise, clear: () => clearTimeout(timer) };
}
class TimeoutError extends Error {}

/** rain-tomorrow's answer to its first golden window when the child started (the golden label is not always its answer). */
let baseline = { label: rainGolden.label as string | null, score: 0 };

/** The known inputs must still get their known answers: a bad call must not harm a loaded model. */
async function harmed(ctx: Ctx): Promise<string | null> {
  const t = timeout(10_000);
  try {
    const [img, rain] = await Promise.race([Promise.all([ctx.image(GOLDEN_IMAGE), ctx.rain(rainGolden.input)]), t.promise]);
    if (img.label !== GOLDEN_IMAGE_LABEL) return `golden image answered ${String(img.label)} ${img.score}`;
    if (rain.label !== baseline.label || Math.abs(rain.score - baseline.score) > 1e-6) {
      return `golden rain window answered ${String(rain.label)} ${rain.score}, at start ${baseline.label} ${baseline.score}`;
    }
    return null;
  } catch (err) {
    return err instanceof TimeoutError ? 'the golden inputs got no answer within 10 s' : `golden inputs failed: ${short(String(err))}`;
  } finally {
    t.clear();
  }
}

async function runOne(c: Case, ctx: Ctx, req: RunRequest): Promise<Result> {
  const before = hwmKb();
  const started = performance.now();
  const t = timeout(req.timeoutMs);
  let verdict: { outcome: Result['outcome']; detail: string };
  try {
    // Promise.resolve().then: a synchronous throw from run() counts like a rejection.
    const answer = await Promise.race([Promise.resolve().then(() => category(c.category).run(c, ctx)), t.promise]);
    verdict = fromAnswer(answer, c.expect, c.label);
  } catch (err) {
    verdict = err instanceof TimeoutError ? { outcome: 'hang', detail: `no answer within ${req.timeoutMs} ms` } : fromError(err, c.expect);
  } finally {
    t.clear();
  }
  const ms = performance.now() - started;
  if (verdict.outcome !== 'hang') {
    // Alone, give late failures (an unhandled rejection, a stream error) a moment to surface here.
    if (req.alone) await new Promise((r) => setTimeout(r, 100));
    const harm = await harmed(ctx);
    if (harm) verdict = { outcome: 'model-harmed', detail: `${harm} (case gave ${verdict.outcome} ${verdict.detail})` };
  }
  const after = hwmKb();
  return { id: c.id, category: c.category, ...verdict, ms: Math.round(ms), hwmKb: after, hwmDeltaKb: after - before, alone: req.alone };
}

/**
 * The image model as a 1 GB board gets it by default: a decode budget of a quarter of its memory
 * (256 MiB), so that the campaign's memory bound means the same here as on a Pi. Before
 * maxDecodeBytes existed (older code) the model is loaded without it.
 */
export const DECODE_BUDGET = 256 * 2 ** 20;
async function loadAsOnSmallBoard(): Promise<ImageClassifier> {
  try {
    return await load<ImageClassifier>(IMAGE_DIR, { maxDecodeBytes: DECODE_BUDGET } as never);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EDGEFN_INVALID_ARGUMENT') throw err;
    return load<ImageClassifier>(IMAGE_DIR);
  }
}

async function main(req: RunRequest): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'edgefn-campaign-'));
  const ctx: Ctx = {
    image: await loadAsOnSmallBoard(),
    rain: await load<WindowClassifier>(RAIN_DIR),
    tmp,
    cache: req.cache,
  };
  const first = await ctx.rain(rainGolden.input);
  baseline = { label: first.label, score: first.score };
  send({ type: 'ready', hwmKb: hwmKb() });
  for (const c of req.cases) {
    current = c.id;
    send({ type: 'start', id: c.id });
    const result = await runOne(c, ctx, req);
    send({ type: 'result', result });
    // After a hang or a harmed model this process is no longer a fair judge of the next case.
    if (result.outcome === 'hang' || result.outcome === 'model-harmed') break;
  }
  current = null;
  send({ type: 'done' });
  rmSync(tmp, { recursive: true, force: true });
  // No dispose(): a session held by a hung call could keep it waiting; exiting ends everything.
  process.exit(0);
}

process.once('message', (req: RunRequest) => {
  main(req).catch((err) => fatal('child failed', err));
});
