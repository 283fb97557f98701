/**
 * The live rollout's policy, pure: the counters a candidate gathers, what they say (agreement,
 * confidence, latency, errors), and the verdict: wait, advance a canary step, promote, or reject.
 *
 * "Clearly broken" is made precise with Wilson score intervals at 99%: after EARLY_MIN compared
 * calls (or candidate runs), agreement whose upper bound is below `minAgreement`, or an error
 * rate whose lower bound is above `maxErrorRate`, rejects at once. At `minCalls` compared calls
 * in the step every rule is judged on its point estimate: all hold → advance (canary) or promote;
 * one fails → reject, naming it. Latency is judged only then: a p50 over a short window is too
 * noisy to call "clearly" broken early.
 */
import type { RolloutSpec } from '../../manifest/rollout.js';
import { percentile } from '../../util/stats.js';

/** Latency samples kept per version (the most recent ones): bounded memory and state size. */
export const LATENCY_WINDOW = 100;
/** Compared calls (or candidate runs) before a rule may be called clearly broken. */
export const EARLY_MIN = 30;
/** 99% two-sided normal quantile. */
const Z = 2.576;

export interface Side {
  /** Sum of the top score over answered items (mean confidence = scoreSum / scored). */
  scoreSum: number;
  scored: number;
  /** The most recent call latencies in ms, at most LATENCY_WINDOW. */
  latencies: number[];
}

export interface StepCounters { compared: number; agreed: number; runs: number; errors: number }

export interface RolloutCounters {
  /** Live calls served while the rollout ran. */
  calls: number;
  /** Items both versions answered, and those whose top-1 agreed. */
  compared: number;
  agreed: number;
  /** Times the candidate was asked (shadow runs and canary answers). */
  candidateRuns: number;
  /** The candidate's failures by error code. */
  errors: Record<string, number>;
  /** Shadow or comparison runs dropped because too many were in flight. */
  dropped: number;
  active: Side;
  candidate: Side;
  /** The same figures for the current canary step (shadow: the whole rollout); the policy judges these. */
  step: StepCounters;
}

export const emptySide = (): Side => ({ scoreSum: 0, scored: 0, latencies: [] });
export const emptyStep = (): StepCounters => ({ compared: 0, agreed: 0, runs: 0, errors: 0 });
export const emptyCounters = (): RolloutCounters => ({
  calls: 0, compared: 0, agreed: 0, candidateRuns: 0, errors: {}, dropped: 0, active: emptySide(), candidate: emptySide(), step: emptyStep(),
});

/** Wilson score interval for `k` successes in `n` trials (n = 0: [0, 1]). */
export function wilson(k: number, n: number, z = Z): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denom = 1 + z2 / n;
  return { low: Math.max(0, (centre - spread) / denom), high: Math.min(1, (centre + spread) / denom) };
}

/** One answer's top-1 and confidence, for any task: a label (or the best of `top`), or a regression's value. */
function top1(r: unknown): { key: string | number | null; score: number | null } {
  const x = r as { label?: unknown; top?: { label?: unknown }[]; score?: unknown; value?: unknown } | null;
  if (x === null || typeof x !== 'object') return { key: null, score: null };
  const score = typeof x.score === 'number' && Number.isFinite(x.score) ? x.score : null;
  if (typeof x.label === 'string') return { key: x.label, score };
  if (Array.isArray(x.top) && typeof x.top[0]?.label === 'string') return { key: x.top[0].label, score };
  if (typeof x.value === 'number') return { key: x.value, score };
  return { key: null, score };
}

/** Top-1 agreement of two answers: the same label; regressions within 1% of each other. */
export function agrees(a: unknown, b: unknown): boolean {
  const x = top1(a).key;
  const y = top1(b).key;
  if (typeof x === 'number' && typeof y === 'number') return Math.abs(x - y) <= 0.01 * Math.max(Math.abs(x), Math.abs(y), 1e-9);
  return x !== null && x === y;
}

/** Adds one call's latency and the answers' confidence to a side. */
export function observe(side: Side, ms: number, answers: readonly unknown[]): void {
  side.latencies.push(Math.round(ms * 100) / 100);
  if (side.latencies.length > LATENCY_WINDOW) side.latencies.splice(0, side.latencies.length - LATENCY_WINDOW);
  for (const a of answers) {
    const s = top1(a).score;
    if (s !== null) { side.scoreSum += s; side.scored++; }
  }
}

/** Counts a comparison of the two versions' answers to the same inputs (item by item). */
export function compare(c: RolloutCounters, active: readonly unknown[], candidate: readonly unknown[]): void {
  const n = Math.min(active.length, candidate.length);
  for (let i = 0; i < n; i++) {
    const same = agrees(active[i], candidate[i]);
    c.compared++; c.step.compared++;
    if (same) { c.agreed++; c.step.agreed++; }
  }
}

/** Counts one run of the candidate, failed with `code` or not. */
export function candidateRun(c: RolloutCounters, code: string | null): void {
  c.candidateRuns++; c.step.runs++;
  if (code !== null) { c.errors[code] = (c.errors[code] ?? 0) + 1; c.step.errors++; }
}

export type Rule = 'agreement' | 'latency' | 'errors';

export type Verdict =
  | { action: 'wait' }
  | { action: 'advance'; step: number }
  | { action: 'promote' }
  | { action: 'reject'; rule: Rule; reason: string };

/** What the counters say, for reports, events, `model.rollout()` and the CLI. */
export interface RolloutFigures {
  calls: number;
  compared: number;
  agreement: number | null;
  /** 99% Wilson interval of the current step's agreement. */
  agreementBounds: { low: number; high: number };
  meanScore: { active: number | null; candidate: number | null };
  p50Ms: { active: number | null; candidate: number | null };
  p95Ms: { active: number | null; candidate: number | null };
  latencyRatio: number | null;
  candidateRuns: number;
  errorRate: number | null;
  errors: Record<string, number>;
  dropped: number;
  step: StepCounters;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const p = (xs: number[], q: number): number | null => (xs.length ? percentile(xs, q) : null);

export function figures(c: RolloutCounters): RolloutFigures {
  const pa = p(c.active.latencies, 50);
  const pc = p(c.candidate.latencies, 50);
  return {
    calls: c.calls,
    compared: c.compared,
    agreement: ratio(c.agreed, c.compared),
    agreementBounds: wilson(c.step.agreed, c.step.compared),
    meanScore: { active: ratio(c.active.scoreSum, c.active.scored), candidate: ratio(c.candidate.scoreSum, c.candidate.scored) },
    p50Ms: { active: pa, candidate: pc },
    p95Ms: { active: p(c.active.latencies, 95), candidate: p(c.candidate.latencies, 95) },
    latencyRatio: pa !== null && pc !== null && pa > 0 ? pc / pa : null,
    candidateRuns: c.candidateRuns,
    errorRate: ratio(Object.values(c.errors).reduce((a, b) => a + b, 0), c.candidateRuns),
    errors: { ...c.errors },
    dropped: c.dropped,
    step: { ...c.step },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The verdict on the current step (`step`: its index in spec.steps; shadow has one). */
export function judge(spec: RolloutSpec, step: number, c: RolloutCounters): Verdict {
  const s = c.step;
  if (s.runs >= EARLY_MIN) {
    const b = wilson(s.errors, s.runs);
    if (b.low > spec.maxErrorRate) return { action: 'reject', rule: 'errors', reason: `error rate ${pct(s.errors / s.runs)} (${s.errors} of ${s.runs} runs, 99% lower bound ${pct(b.low)}) is above maxErrorRate ${pct(spec.maxErrorRate)}` };
  }
  if (s.compared >= EARLY_MIN) {
    const b = wilson(s.agreed, s.compared);
    if (b.high < spec.minAgreement) return { action: 'reject', rule: 'agreement', reason: `top-1 agreement ${pct(s.agreed / s.compared)} (${s.agreed} of ${s.compared} calls, 99% upper bound ${pct(b.high)}) is below minAgreement ${pct(spec.minAgreement)}` };
  }
  if (s.compared < spec.minCalls) return { action: 'wait' };
  const agreement = s.agreed / s.compared;
  if (agreement < spec.minAgreement) return { action: 'reject', rule: 'agreement', reason: `top-1 agreement ${pct(agreement)} over ${s.compared} calls is below minAgreement ${pct(spec.minAgreement)}` };
  const errorRate = s.runs > 0 ? s.errors / s.runs : 0;
  if (errorRate > spec.maxErrorRate) return { action: 'reject', rule: 'errors', reason: `error rate ${pct(errorRate)} (${s.errors} of ${s.runs} runs) is above maxErrorRate ${pct(spec.maxErrorRate)}` };
  const f = figures(c);
  if (f.latencyRatio !== null && f.latencyRatio > spec.maxLatencyRatio) {
    return { action: 'reject', rule: 'latency', reason: `candidate p50 ${f.p50Ms.candidate!.toFixed(2)} ms is ${f.latencyRatio.toFixed(2)}x the active version's ${f.p50Ms.active!.toFixed(2)} ms, above maxLatencyRatio ${spec.maxLatencyRatio}` };
  }
  const last = spec.mode !== 'canary' || step >= spec.steps.length - 1;
  return last ? { action: 'promote' } : { action: 'advance', step: step + 1 };
}

/** The share of live calls the candidate answers now (shadow: none). */
export const canaryShare = (spec: RolloutSpec, step: number): number => (spec.mode === 'canary' ? spec.steps[Math.min(step, spec.steps.length - 1)]! : 0);
