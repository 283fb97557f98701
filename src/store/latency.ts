/**
 * Candidate and active version measured side by side on the golden set, for accuracy and latency.
 *
 * A latency compared against a score cached at another moment is unfair on a device under load:
 * the active version measured while the CPU was idle, the candidate while four other processes
 * burn it, and an identical model looks three times slower. So the two are measured in the same
 * moment: for every item, one call on each, in alternating order (baseline first on even items,
 * candidate first on odd ones), and their p50s compared. A latency over budget is measured once
 * more before it rejects: a burst of load during one pass does not refuse a good version.
 */
import type { AnyModel } from '../model/load.js';
import { percentile } from '../util/stats.js';
import { goldenInput, type GoldenScore, type GoldenSet } from './golden.js';

export interface PairedScore {
  /** Over every item of every set. */
  candidate: GoldenScore;
  /** Null without an active version to compare against. */
  baseline: GoldenScore | null;
  /** Set by set, so that a store-wide set is never drowned by a version's own (larger) one. */
  sets: { source: string; candidate: GoldenScore; baseline: GoldenScore | null }[];
}

interface Tally {
  correct: number;
  times: number[];
}

const tally = (): Tally => ({ correct: 0, times: [] });

async function call(model: AnyModel, input: unknown, label: string, ...into: Tally[]): Promise<void> {
  const r = await model(input);
  for (const t of into) {
    t.times.push(r.timings.total);
    if (r.top[0]!.label === label) t.correct++;
  }
}

function scoreOf(t: Tally): GoldenScore {
  const total = t.times.length;
  return { accuracy: t.correct / total, correct: t.correct, total, p50Ms: percentile(t.times, 50), p95Ms: percentile(t.times, 95) };
}

/** Every item of every set through the candidate and (interleaved) the baseline, one call each. */
export async function scorePaired(candidate: AnyModel, baseline: AnyModel | null, sets: readonly GoldenSet[]): Promise<PairedScore> {
  const all = { c: tally(), b: tally() };
  const perSet: PairedScore['sets'] = [];
  let i = 0;
  for (const set of sets) {
    const one = { c: tally(), b: tally() };
    for (const item of set.items) {
      // Read (and checked) once, so both models score the same bytes.
      const input = await goldenInput(set, item);
      const order: [AnyModel, 'c' | 'b'][] = !baseline ? [[candidate, 'c']] : i % 2 === 0 ? [[baseline, 'b'], [candidate, 'c']] : [[candidate, 'c'], [baseline, 'b']];
      for (const [model, who] of order) await call(model, input, item.label, one[who], all[who]);
      i++;
    }
    perSet.push({ source: set.source, candidate: scoreOf(one.c), baseline: baseline ? scoreOf(one.b) : null });
  }
  return { candidate: scoreOf(all.c), baseline: baseline ? scoreOf(all.b) : null, sets: perSet };
}

export interface LatencyBudget {
  maxLatencyMs?: number;
  maxLatencyRatio?: number;
}

/** Why a measurement is over budget, or null. */
export function overBudget(budget: LatencyBudget, s: PairedScore): string | null {
  const c = s.candidate.p50Ms;
  if (budget.maxLatencyMs !== undefined && c > budget.maxLatencyMs) {
    return `p50 latency ${c.toFixed(1)} ms is over the ${budget.maxLatencyMs} ms budget`;
  }
  if (s.baseline && budget.maxLatencyRatio !== undefined && c > s.baseline.p50Ms * budget.maxLatencyRatio) {
    return `p50 latency ${c.toFixed(1)} ms is over ${budget.maxLatencyRatio}x the active version's ${s.baseline.p50Ms.toFixed(1)} ms, measured side by side`;
  }
  return null;
}

/**
 * The latency verdict: the first measurement when within budget; otherwise a second one decides
 * (and its figures are the ones reported). `over` is set only when both were over budget.
 */
export async function confirmLatency(budget: LatencyBudget, first: PairedScore, measureAgain: () => Promise<PairedScore>): Promise<{ score: PairedScore; over: string | null; measurements: number }> {
  if (overBudget(budget, first) === null) return { score: first, over: null, measurements: 1 };
  const second = await measureAgain();
  const over = overBudget(budget, second);
  return { score: second, over: over === null ? null : `${over} (measured twice)`, measurements: 2 };
}
