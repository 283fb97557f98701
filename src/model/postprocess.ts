/**
 * Pure post-processing for classifiers: softmax, top-k, the unknown threshold.
 */

export interface Scored {
  label: string;
  /** Position of the label in the model's output. */
  index: number;
  score: number;
}

/** Numerically stable softmax of `logits[offset .. offset+length)`, into a new array. */
export function softmax(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]!);
  const out = new Float32Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const e = Math.exp(logits[offset + i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < length; i++) out[i] = out[i]! / sum;
  return out;
}

/** The `k` best scores, best first; ties keep the lower index first. */
export function topK(scores: ArrayLike<number>, k: number, labels: readonly string[]): Scored[] {
  // A partial selection: k is small (5) and the label count modest (10–1000), so a sorted
  // insertion into a k-long list beats sorting every score.
  const best: Scored[] = [];
  const n = Math.min(k, scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length === n && s <= best[n - 1]!.score) continue;
    let j = best.length === n ? n - 1 : best.length;
    while (j > 0 && best[j - 1]!.score < s) {
      if (j < n) best[j] = best[j - 1]!;
      j--;
    }
    best[j] = { label: labels[i] ?? String(i), index: i, score: s };
  }
  return best;
}

/** A classifier's answer for one input, before timings and the model's name are added. */
export interface Verdict {
  label: string | null;
  score: number;
  unknown: boolean;
  top: Scored[];
  probabilities: Float32Array;
}

/** From one output row to label, score and top-k; `unknown` below `threshold`. */
export function verdict(row: Float32Array, fromLogits: boolean, labels: readonly string[], top: number, threshold: number): Verdict {
  const probabilities = fromLogits ? softmax(row) : Float32Array.from(row);
  const best = topK(probabilities, top, labels);
  const first = best[0]!;
  const unknown = first.score < threshold;
  return { label: unknown ? null : first.label, score: first.score, unknown, top: best, probabilities };
}
