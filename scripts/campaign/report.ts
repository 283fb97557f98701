/** The campaign's summary: counts by category and outcome, peak memory, and every failing case. */
import type { Campaign } from './runner.ts';
import { FAILURES, OUTCOMES, type Outcome, type Result } from './types.ts';

export type Counts = Record<string, Partial<Record<Outcome, number>>>;

export function counts(results: readonly Result[]): Counts {
  const out: Counts = {};
  for (const r of results) {
    const row = (out[r.category] ??= {});
    row[r.outcome] = (row[r.outcome] ?? 0) + 1;
  }
  return out;
}

export function failures(results: readonly Result[]): Result[] {
  return results.filter((r) => FAILURES.has(r.outcome));
}

/** Cases that took a child's peak memory above `boundKb`. */
export function overMemory(results: readonly Result[], boundKb: number): Result[] {
  return results.filter((r) => r.hwmKb > boundKb && r.hwmKb - r.hwmDeltaKb <= boundKb);
}

export function table(results: readonly Result[]): string {
  const byCat = counts(results);
  const cols = OUTCOMES.filter((o) => results.some((r) => r.outcome === o));
  const rows = Object.keys(byCat).sort();
  const total: Partial<Record<Outcome, number>> = {};
  for (const r of results) total[r.outcome] = (total[r.outcome] ?? 0) + 1;
  const line = (name: string, row: Partial<Record<Outcome, number>>): string[] =>
    [name, ...cols.map((o) => String(row[o] ?? 0)), String(Object.values(row).reduce((a, b) => a + b, 0))];
  const grid = [['category', ...cols, 'total'], ...rows.map((c) => line(c, byCat[c]!)), line('all', total)];
  const widths = grid[0]!.map((_, i) => Math.max(...grid.map((r) => r[i]!.length)));
  return grid.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

export function summary(c: Campaign, seed: number, boundMb: number): string {
  const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
  const failed = failures(c.results);
  const over = overMemory(c.results, boundMb * 1024);
  const heaviest = [...c.results].sort((a, b) => b.hwmDeltaKb - a.hwmDeltaKb).slice(0, 5);
  const lines = [
    table(c.results),
    '',
    `${c.results.length} cases in ${c.children} child processes; peak memory of a child ${mb(c.peakKb)} (bound ${boundMb} MB: ${over.length} case(s) above it)`,
    `heaviest cases (rise of the child's peak): ${heaviest.map((r) => `${r.id} +${mb(r.hwmDeltaKb)}`).join(', ')}`,
  ];
  for (const r of over) lines.push(`  over the memory bound: ${r.id} took the child to ${mb(r.hwmKb)}`);
  if (c.incidents.length) lines.push('', 'batches that ended abnormally:', ...c.incidents.map((i) => `  ${i.batch}: ${i.what}`));
  if (failed.length) {
    lines.push('', `failing cases (replay one: npm run campaign -- --seed ${seed} --case <id>):`);
    for (const r of failed) lines.push(`  ${r.outcome.padEnd(17)} ${r.id}  ${r.detail}`);
  } else {
    lines.push('', 'no failing case');
  }
  return lines.join('\n');
}
