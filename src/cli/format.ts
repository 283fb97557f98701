/** Human-readable output for the terminal. */
import type { Classification } from '../model/tasks/image-classification.js';

export const percent = (p: number): string => `${(p * 100).toFixed(1)}%`;

export function classificationLine(input: string, r: Classification): string {
  const best = r.unknown ? `unknown (best: ${r.top[0]!.label} ${percent(r.score)})` : `${r.label} ${percent(r.score)}`;
  const others = r.top.slice(1, 3).map((t) => `${t.label} ${percent(t.score)}`).join(', ');
  return `${input}: ${best}${others ? `  [${others}]` : ''}  ${r.timings.total.toFixed(1)} ms`;
}

/** The JSON object printed per input with --json: the result with plain arrays. */
export function classificationJson(input: string, r: Classification): Record<string, unknown> {
  return {
    input,
    label: r.label,
    score: r.score,
    unknown: r.unknown,
    top: r.top,
    probabilities: Array.from(r.probabilities),
    timings: r.timings,
    model: r.model,
  };
}
