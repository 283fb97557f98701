/** Turns what a call gave (an answer or an error) into a case's outcome. */
import { EdgefnError } from '../../src/errors.ts';
import type { Expect, Outcome } from './types.ts';

/** The numbers of an answer that must be finite; null when it is not a result at all. */
function numbers(answer: unknown): number[] | null {
  if (Array.isArray(answer)) {
    const all: number[] = [];
    for (const a of answer) {
      const n = numbers(a);
      if (n === null) return null;
      all.push(...n);
    }
    return all;
  }
  if (typeof answer !== 'object' || answer === null) return null;
  const r = answer as Record<string, unknown>;
  if ('score' in r) {
    const top = Array.isArray(r.top) ? r.top.map((t: { score?: unknown }) => t.score) : [NaN];
    const probs = r.probabilities instanceof Float32Array ? [...r.probabilities] : [NaN];
    return [r.score, ...top, ...probs].map((x) => (typeof x === 'number' ? x : NaN));
  }
  if ('value' in r) return [r.value, ...Object.values((r.values ?? {}) as object)].map((x) => (typeof x === 'number' ? x : NaN));
  return null;
}

export function fromAnswer(answer: unknown, expect: Expect, label?: string): { outcome: Outcome; detail: string } {
  const n = numbers(answer);
  if (n === null) return { outcome: 'nan-answer', detail: `not a result: ${typeof answer}` };
  const bad = n.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) return { outcome: 'nan-answer', detail: `a non-finite number (${n[bad]}) in the answer` };
  if (expect === 'error') return { outcome: 'unexpected-answer', detail: 'answered where a coded error was due' };
  const got = (Array.isArray(answer) ? answer : [answer]).map((a: { label?: unknown }) => a.label).find((l) => l !== label);
  if (label !== undefined && got !== undefined) return { outcome: 'unexpected-answer', detail: `answered ${String(got)} where ${label} was due (${summary(answer)})` };
  return { outcome: 'ok-answer', detail: summary(answer) };
}

function summary(answer: unknown): string {
  const one = (Array.isArray(answer) ? answer[0] : answer) as { label?: unknown; score?: number; value?: number } | undefined;
  if (one && 'score' in one) return `${String(one.label)} ${one.score!.toFixed(3)}${Array.isArray(answer) ? ` (+${answer.length - 1})` : ''}`;
  return one && 'value' in one ? `value ${one.value}` : '';
}

export function fromError(err: unknown, expect: Expect): { outcome: Outcome; detail: string } {
  if (err instanceof EdgefnError && typeof err.code === 'string' && err.code.startsWith('EDGEFN_')) {
    if (expect === 'answer') return { outcome: 'unexpected-error', detail: `${err.code}: ${short(err.message)}` };
    return { outcome: 'ok-coded-error', detail: err.code };
  }
  const name = err instanceof Error ? `${err.name}${(err as { code?: unknown }).code ? ` ${String((err as { code?: unknown }).code)}` : ''}` : typeof err;
  return { outcome: 'uncoded-error', detail: `${name}: ${short(err instanceof Error ? err.message : safeString(err))}` };
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return 'an unprintable value';
  }
}

export function short(s: string, max = 160): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}
