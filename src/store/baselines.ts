/**
 * What a version's golden-set accuracy is worth: the baselines it is compared with, scored on
 * the same golden items. Pure arithmetic on labels and accuracies; the baseline models are loaded
 * and run by ./baseline-models.ts.
 *
 *   majority   always answering the most common golden label
 *   prior      guessing at random with the golden labels' own frequencies: Σ p_i²
 *   previous   the active version (the gate measures it beside the candidate)
 *   model      a baseline model the manifest names (`golden.baselines`)
 *
 * `lift` is the candidate's accuracy minus the best majority, prior or model baseline. The
 * previous version is listed but not part of the lift: it keeps its own rule (accuracyMargin), so
 * a retrained version about as good as the active one still passes.
 */

export type BaselineKind = 'majority' | 'prior' | 'previous' | 'model';

export interface BaselineScore {
  name: string;
  kind: BaselineKind;
  /** Accuracy on the golden items the candidate was scored on. */
  accuracy: number;
}

export interface Lift {
  /** Candidate accuracy minus the best baseline's (negative: the baseline does better). */
  value: number;
  /** The best of the majority, prior and model baselines (never the previous version). */
  over: BaselineScore;
}

/** The most common label (the first seen among equals) and how often it is right. */
export function majorityClass(labels: readonly string[]): { label: string; accuracy: number } {
  if (labels.length === 0) throw new RangeError('majorityClass: no labels');
  const counts = countLabels(labels);
  let best = labels[0]!;
  for (const [label, n] of counts) if (n > counts.get(best)!) best = label;
  return { label: best, accuracy: counts.get(best)! / labels.length };
}

/** The chance that a guess drawn from the labels' own frequencies is right: Σ p_i². */
export function priorGuess(labels: readonly string[]): number {
  if (labels.length === 0) throw new RangeError('priorGuess: no labels');
  let sum = 0;
  for (const n of countLabels(labels).values()) sum += (n / labels.length) ** 2;
  return sum;
}

/** The two baselines that need no model, on the golden labels. */
export function simpleBaselines(labels: readonly string[]): BaselineScore[] {
  const majority = majorityClass(labels);
  return [
    { name: `majority class (always ${JSON.stringify(majority.label)})`, kind: 'majority', accuracy: majority.accuracy },
    { name: 'prior-weighted guess', kind: 'prior', accuracy: priorGuess(labels) },
  ];
}

/** The candidate's lift over the best baseline that is not the previous version (null: none). */
export function liftOver(candidateAccuracy: number, baselines: readonly BaselineScore[]): Lift | null {
  let over: BaselineScore | null = null;
  for (const b of baselines) if (b.kind !== 'previous' && (over === null || b.accuracy > over.accuracy)) over = b;
  return over === null ? null : { value: candidateAccuracy - over.accuracy, over };
}

/** Why the lift falls short of `minLift`, or null when it does not (or no minLift is set). */
export function liftShortfall(candidateAccuracy: number, lift: Lift | null, minLift: number | undefined): string | null {
  if (minLift === undefined || lift === null) return null;
  // A tolerance far below one golden item's worth: 0.93 - 0.83 is 0.09999999999999998 in floating point.
  if (lift.value >= minLift - 1e-9) return null;
  return `golden-set accuracy ${pct(candidateAccuracy)} does not beat the best baseline, ${lift.over.name} at ${pct(lift.over.accuracy)}, by minLift ${points(minLift)} (lift ${signedPoints(lift.value)})`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const points = (x: number) => `${(100 * x).toFixed(1)} points`;
const signedPoints = (x: number) => `${x >= 0 ? '+' : ''}${points(x)}`;

function countLabels(labels: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts;
}
