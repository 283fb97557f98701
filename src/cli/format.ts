/** Human-readable output for the terminal. */
import type { Classification } from '../model/tasks/image-classification.js';

export const percent = (p: number): string => `${(p * 100).toFixed(1)}%`;

/** Rows in columns, each as wide as its widest cell; columns named in `right` are right-aligned. */
export function table(rows: readonly (readonly string[])[], right: readonly number[] = [], indent = '  '): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => indent + r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

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
