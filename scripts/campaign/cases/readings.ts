/**
 * Extreme and malformed readings for the tabular model (rain-tomorrow, a window of 7): values
 * at the edge of float64 (1e39 overflows float32, ±1e308 overflows the summaries), NaN, strings,
 * missing fields, fields inherited through a prototype or through Object.prototype itself,
 * windows of the wrong length, sparse or with a replaced prototype. A finite answer or a coded
 * error; a missing own field is an error, never filled from a prototype.
 */
import type { Rng } from '../rng.ts';
import type { Case, Category, Ctx, Expect } from '../types.ts';
import { RAIN_FEATURES, rainWindow } from '../paths.ts';

/** A field's value by name, and whether it must be refused (`error`) or may answer (`any`). */
const FIELD: Record<string, { make(): unknown; expect: Expect }> = {
  '1e39': { make: () => 1e39, expect: 'any' },
  '-1e39': { make: () => -1e39, expect: 'any' },
  '1e308': { make: () => 1e308, expect: 'any' },
  '-1e308': { make: () => -1e308, expect: 'any' },
  max: { make: () => Number.MAX_VALUE, expect: 'any' },
  '-max': { make: () => -Number.MAX_VALUE, expect: 'any' },
  'min-value': { make: () => Number.MIN_VALUE, expect: 'answer' },
  '-0': { make: () => -0, expect: 'answer' },
  '1e20': { make: () => 1e20, expect: 'any' },
  nan: { make: () => NaN, expect: 'error' },
  infinity: { make: () => Infinity, expect: 'error' },
  '-infinity': { make: () => -Infinity, expect: 'error' },
  'string-number': { make: () => '1', expect: 'error' },
  'string-empty': { make: () => '', expect: 'error' },
  string: { make: () => 'abc', expect: 'error' },
  null: { make: () => null, expect: 'error' },
  undefined: { make: () => undefined, expect: 'error' },
  true: { make: () => true, expect: 'error' },
  bigint: { make: () => 1n, expect: 'error' },
  object: { make: () => ({}), expect: 'error' },
  array: { make: () => [1], expect: 'error' },
  'boxed-number': { make: () => new Number(3), expect: 'error' },
  symbol: { make: () => Symbol('v'), expect: 'error' },
  missing: { make: () => MISSING, expect: 'error' },
  'getter-throws': { make: () => GETTER, expect: 'error' },
};
const MISSING = Symbol('missing');
const GETTER = Symbol('getter');

const WHERE = ['one', 'feature', 'reading', 'all'] as const;

/** Whole-window shapes. */
const WINDOW: Record<string, { expect: Expect; core?: boolean }> = {
  'length-0': { expect: 'error' }, 'length-1': { expect: 'error' }, 'length-6': { expect: 'error' }, 'length-8': { expect: 'error' },
  'length-100000': { expect: 'error' }, sparse: { expect: 'error', core: true }, 'one-hole': { expect: 'error' },
  'null-proto-window': { expect: 'any', core: true }, 'proxy-window': { expect: 'error' }, 'arrays-of-values': { expect: 'answer' },
  'arrays-too-short': { expect: 'error' }, 'arrays-with-nan': { expect: 'error' }, 'null-proto-readings': { expect: 'answer' },
  'extra-fields': { expect: 'answer' }, 'inherited-reading': { expect: 'error', core: true },
  'object-prototype-polluted': { expect: 'error', core: true }, 'deep-reading': { expect: 'error' },
  'all-1e308': { expect: 'any', core: true }, 'all-max': { expect: 'any' }, 'all-1e39': { expect: 'any', core: true },
  'frozen': { expect: 'answer' }, 'typed-array-readings': { expect: 'any' }, 'batch-with-bad': { expect: 'error' },
};

function generate(r: Rng, scale: number): Case[] {
  const cases: Case[] = [];
  for (const [shape, w] of Object.entries(WINDOW)) {
    cases.push({ id: `readings/window/${shape}`, category: 'readings', params: { shape }, expect: w.expect, ...(w.core ? { core: true } : {}) });
  }
  for (const [value, f] of Object.entries(FIELD)) {
    cases.push({ id: `readings/${value}/one/${cases.length}`, category: 'readings', params: { value, where: 'one', reading: 6, feature: 3, batch: false }, expect: f.expect, core: ['1e39', 'max', '1e308', 'nan', 'missing'].includes(value) });
  }
  for (let i = 0; i < 300 * scale; i++) {
    const value = r.pick(Object.keys(FIELD));
    const where = r.pick(WHERE);
    cases.push({
      id: `readings/${value}/${where}/${cases.length}`, category: 'readings',
      params: { value, where, reading: r.int(0, 6), feature: r.int(0, 3), batch: r.next() < 0.25, window: r.int(0, 20) },
      expect: FIELD[value]!.expect,
    });
  }
  return cases;
}

function setField(reading: Record<string, unknown>, feature: string, value: unknown): void {
  if (value === MISSING) delete reading[feature];
  else if (value === GETTER) Object.defineProperty(reading, feature, { get() { throw new Error('campaign: reading getter'); }, enumerable: true });
  else reading[feature] = value;
}

function damaged(p: { value: string; where: (typeof WHERE)[number]; reading: number; feature: number; window?: number }): Record<string, unknown>[] {
  const w: Record<string, unknown>[] = rainWindow(p.window ?? 0);
  for (let i = 0; i < w.length; i++) {
    for (let f = 0; f < RAIN_FEATURES.length; f++) {
      const hit = p.where === 'all' || (p.where === 'one' && i === p.reading && f === p.feature) ||
        (p.where === 'feature' && f === p.feature) || (p.where === 'reading' && i === p.reading);
      if (hit) setField(w[i]!, RAIN_FEATURES[f]!, FIELD[p.value]!.make());
    }
  }
  return w;
}

function shaped(shape: string): unknown {
  const w: Record<string, unknown>[] = rainWindow();
  const fill = (v: number) => w.map((r) => Object.fromEntries(Object.keys(r).map((k) => [k, v])));
  switch (shape) {
    case 'length-0': return [];
    case 'length-1': return w.slice(0, 1);
    case 'length-6': return w.slice(0, 6);
    case 'length-8': return [...w, w[0]];
    case 'length-100000': return Array.from({ length: 100_000 }, () => w[0]);
    case 'sparse': return new Array(7);
    case 'one-hole': { const a = [...w]; delete a[3]; return a; }
    case 'null-proto-window': return Object.setPrototypeOf(w, null);
    case 'proxy-window': return new Proxy(w, { get() { throw new Error('campaign: window get'); } });
    case 'arrays-of-values': return w.map((r) => RAIN_FEATURES.map((f) => r[f]));
    case 'arrays-too-short': return w.map((r) => RAIN_FEATURES.slice(0, 3).map((f) => r[f]));
    case 'arrays-with-nan': return w.map((r, i) => RAIN_FEATURES.map((f) => (i === 2 ? NaN : r[f])));
    case 'null-proto-readings': return w.map((r) => Object.assign(Object.create(null), r));
    case 'extra-fields': return w.map((r) => ({ ...r, humidity: 'high', date: '2015-01-01' }));
    case 'inherited-reading': return w.map((r) => { const { wind, ...rest } = r; return Object.assign(Object.create({ wind }), rest); });
    case 'deep-reading': { let v: unknown = {}; for (let i = 0; i < 100_000; i++) v = { wind: v }; return w.map((r) => ({ ...r, wind: v })); }
    case 'all-1e308': return fill(1e308);
    case 'all-max': return fill(Number.MAX_VALUE);
    case 'all-1e39': return fill(1e39);
    case 'frozen': return Object.freeze(w.map((r) => Object.freeze(r)));
    case 'typed-array-readings': return w.map((r) => Float64Array.from(RAIN_FEATURES.map((f) => r[f] as number)));
    case 'batch-with-bad': return [rainWindow(), w.slice(0, 3)];
    default: throw new Error(`campaign: no window shape ${shape}`);
  }
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const p = c.params as { shape?: string; value: string; where: (typeof WHERE)[number]; reading: number; feature: number; batch: boolean; window?: number };
  if (p.shape === 'object-prototype-polluted') {
    // A reading that lacks `wind` while Object.prototype has one: only own fields count.
    const w = rainWindow().map(({ wind: _w, ...rest }) => rest);
    (Object.prototype as Record<string, unknown>).wind = 5;
    try {
      return await ctx.rain(w as never);
    } finally {
      delete (Object.prototype as Record<string, unknown>).wind;
    }
  }
  if (p.shape) return ctx.rain(shaped(p.shape) as never);
  const w = damaged(p);
  return ctx.rain((p.batch ? [rainWindow(1), w] : w) as never);
}

export const readings: Category = { name: 'readings', generate, run };
