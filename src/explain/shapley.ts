/**
 * Shapley values of a reading's features for one output: feature f's share of
 * v(all features) − v(none), where v(S) is the target's score with the features in S taken from
 * the input and the others from the reference (a windowed model's feature is swapped over the
 * whole window, so it is attributed as one feature, not per summary column).
 *
 * Exact (every coalition, 2^n − 2 runs besides the two ends) when the budget affords it; else
 * permutations sampled with a fixed seed, each reversed too (antithetic pairs). Either way the
 * contributions sum to v(all) − v(none): exactly in the exact method, and in the sampled one
 * because each permutation's marginal steps telescope to it. Only float64 rounding remains.
 */
import type { TabularInputSpec } from '../manifest/index.js';
import type { Prepared } from '../model/tasks/task.js';
import type { Meter } from './budget.js';
import { seeded, shuffled } from './random.js';
import type { Reference, Rows } from './reference.js';
import { resolveTarget } from './target.js';
import type { ExplainSubject, FeatureExplanation, ResolvedExplainOptions } from './types.js';

/** Above this many features the exact method is not tried (2^16 coalitions). */
const MAX_EXACT_FEATURES = 16;

/** A coalition: 1 where the feature comes from the input, 0 where from the reference. */
type Mask = Uint8Array;
const key = (m: Mask) => m.join('');
const fromBits = (bitsOf: number, n: number): Mask => Uint8Array.from({ length: n }, (_, f) => (bitsOf >>> f) & 1);

function coalition(input: Rows, reference: Rows, mask: Mask): Rows {
  return input.map((row, i) => row.map((v, f) => (mask[f] ? v : reference[i]![f]!)));
}

export async function shapley(subject: ExplainSubject, input: Rows, reference: Reference, options: ResolvedExplainOptions, meter: Meter): Promise<FeatureExplanation> {
  const { features } = subject.manifest.input as TabularInputSpec;
  const n = features.length;
  const all = new Uint8Array(n).fill(1), none = new Uint8Array(n);
  const prepare = (mask: Mask): Promise<Prepared> => subject.prepare(coalition(input, reference.rows, mask));
  const [atInput, atReference] = await meter.score(await Promise.all([prepare(all), prepare(none)]), 2);
  const target = resolveTarget(subject.labels, atInput!, options.target, subject.manifest.task === 'regression');
  const value = new Map<string, number>([[key(all), target.score], [key(none), atReference![target.index]!]]);
  const v = (m: Mask) => value.get(key(m))!;
  const scoreMasks = async (masks: Mask[], required: number): Promise<void> => {
    const seen = new Set<string>();
    const todo = masks.filter((m) => { const k = key(m); if (value.has(k) || seen.has(k)) return false; seen.add(k); return true; });
    const rows = await meter.score(await Promise.all(todo.map(prepare)), Math.min(required, todo.length));
    rows.forEach((r, k) => value.set(key(todo[k]!), r[target.index]!));
  };

  const phi = new Float64Array(n);
  let permutations = 0;
  const exact = n <= MAX_EXACT_FEATURES && 2 ** n - 2 <= meter.affordable();
  if (exact) {
    const masks = Array.from({ length: 2 ** n }, (_, b) => fromBits(b, n));
    await scoreMasks(masks, masks.length);
    // φ_f = Σ over S without f of |S|!(n−|S|−1)!/n! · (v(S ∪ f) − v(S)).
    const fact = [1];
    for (let k = 1; k <= n; k++) fact.push(fact[k - 1]! * k);
    for (const mask of masks) {
      const s = mask.reduce((a, b) => a + b, 0);
      for (let f = 0; f < n; f++) {
        if (mask[f]) continue;
        const withF = Uint8Array.from(mask);
        withF[f] = 1;
        phi[f]! += (fact[s]! * fact[n - s - 1]! / fact[n]!) * (v(withF) - v(mask));
      }
    }
  } else {
    const random = seeded(options.seed);
    const pairs = Math.max(1, Math.floor(meter.affordable() / Math.max(1, n - 1) / 2));
    const orders: number[][] = [];
    for (let k = 0; k < pairs; k++) { const p = shuffled(n, random); orders.push(p, [...p].reverse()); }
    // Each order's chain of coalitions: none, its first feature, its first two, ..., all.
    const chains = orders.map((p) => {
      const chain = [none];
      for (const f of p) { const next = Uint8Array.from(chain[chain.length - 1]!); next[f] = 1; chain.push(next); }
      return chain;
    });
    await scoreMasks(chains.flat(), n - 1);
    for (const [k, p] of orders.entries()) {
      const chain = chains[k]!;
      if (!chain.every((m) => value.has(key(m)))) break; // the budget ran out: only whole permutations count
      p.forEach((f, step) => { phi[f]! += v(chain[step + 1]!) - v(chain[step]!); });
      permutations++;
    }
    for (let f = 0; f < n; f++) phi[f] = phi[f]! / permutations;
  }

  const attributions = features.map((feature, f) => ({ feature, contribution: phi[f]! }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return {
    kind: 'features', method: exact ? 'shapley-exact' : 'shapley-sampled', target, referenceScore: v(none),
    reference: reference.source, attributions, permutations, ...meter.report(),
  };
}
