/**
 * Values that are not inputs at all, given to the image model and to the rain model, alone and
 * inside a batch: null, numbers, symbols, sparse arrays, replaced prototypes, Proxies that throw,
 * values nested 100,000 deep, objects whose toString throws. Each must be refused with a code.
 */
import type { Case, Category, Ctx, Expect } from '../types.ts';
import { GOLDEN_IMAGE, rainWindow } from '../paths.ts';

const thrower = (what: string) => () => { throw new Error(`campaign: ${what}`); };

function deep(levels: number, asArray: boolean): unknown {
  let v: unknown = asArray ? [] : {};
  for (let i = 0; i < levels; i++) v = asArray ? [v] : { a: v, data: v, width: 1 };
  return v;
}

/** Builders by name; `any` where refusing and answering are both fair. */
export const VALUES: Record<string, { make(): unknown; expect?: Expect; core?: boolean }> = {
  null: { make: () => null },
  undefined: { make: () => undefined },
  zero: { make: () => 0 },
  'minus-one': { make: () => -1 },
  nan: { make: () => NaN },
  infinity: { make: () => Infinity },
  bigint: { make: () => 10n },
  true: { make: () => true },
  symbol: { make: () => Symbol('x') },
  function: { make: () => () => GOLDEN_IMAGE },
  'empty-object': { make: () => ({}) },
  'empty-array': { make: () => [], expect: 'any' },
  'sparse-3': { make: () => new Array(3), core: true },
  'sparse-hole': { make: () => [, GOLDEN_IMAGE], core: true }, // eslint-disable-line no-sparse-arrays
  'array-of-undefined': { make: () => [undefined] },
  'array-of-null': { make: () => [null, null] },
  'sparse-huge': { make: () => new Array(2 ** 32 - 1), core: true },
  'array-nested': { make: () => [[GOLDEN_IMAGE]] },
  'null-proto-object': { make: () => Object.create(null) },
  'null-proto-array': { make: () => Object.setPrototypeOf([GOLDEN_IMAGE], null), expect: 'any', core: true },
  'array-with-object-proto': { make: () => Object.setPrototypeOf([GOLDEN_IMAGE], Object.prototype), expect: 'any' },
  'tostring-throws': { make: () => ({ toString: thrower('toString'), valueOf: thrower('valueOf') }), core: true },
  'toprimitive-throws': { make: () => ({ [Symbol.toPrimitive]: thrower('toPrimitive') }) },
  'proxy-throws': { make: () => new Proxy({}, { get: thrower('get'), has: thrower('has'), ownKeys: thrower('ownKeys'), getPrototypeOf: thrower('proto'), getOwnPropertyDescriptor: thrower('descriptor') }), core: true },
  'proxy-array-throws': { make: () => new Proxy([GOLDEN_IMAGE], { get: thrower('get'), has: thrower('has') }) },
  'revoked-proxy': { make: () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; } },
  'index-getter-throws': { make: () => { const a = [GOLDEN_IMAGE, GOLDEN_IMAGE]; Object.defineProperty(a, 1, { get: thrower('index 1') }); return a; } },
  'deep-object': { make: () => deep(100_000, false), core: true },
  'deep-array': { make: () => deep(100_000, true), core: true },
  date: { make: () => new Date() },
  regexp: { make: () => /x/ },
  map: { make: () => new Map([['data', 1]]) },
  set: { make: () => new Set([GOLDEN_IMAGE]), expect: 'any' },
  promise: { make: () => Promise.resolve(GOLDEN_IMAGE), expect: 'any' },
  thenable: { make: () => ({ then: thrower('then') }) },
  error: { make: () => new Error('x') },
  'boxed-string': { make: () => new String(GOLDEN_IMAGE), expect: 'any' },
  'boxed-number': { make: () => new Number(5) },
  'megabyte-string': { make: () => 'm'.repeat(1 << 20) },
  'array-buffer': { make: () => new ArrayBuffer(16) },
  'uint16-array': { make: () => new Uint16Array(16) },
  'data-view': { make: () => new DataView(new ArrayBuffer(16)) },
  generator: { make: () => (function* () { yield GOLDEN_IMAGE; })(), expect: 'any' },
  arguments: { make: () => (function (..._a: unknown[]) { return arguments; })(GOLDEN_IMAGE), expect: 'any' },
  'global-this': { make: () => globalThis },
  process: { make: () => process },
  'array-subclass': { make: () => new (class extends Array {})(), expect: 'any' },
  'thousand-nulls': { make: () => new Array(1000).fill(null) },
};

const TARGETS = ['image', 'image-batch', 'rain', 'rain-batch'] as const;

function generate(): Case[] {
  const cases: Case[] = [];
  for (const [name, v] of Object.entries(VALUES)) {
    for (const target of TARGETS) {
      cases.push({ id: `values/${target}/${name}`, category: 'values', params: { name, target }, expect: v.expect ?? 'error', ...(v.core && target.endsWith('batch') === false ? { core: true } : {}) });
    }
  }
  return cases;
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const { name, target } = c.params as { name: string; target: (typeof TARGETS)[number] };
  const v = VALUES[name]!.make();
  switch (target) {
    case 'image': return ctx.image(v as never);
    case 'image-batch': return ctx.image([GOLDEN_IMAGE, v] as never);
    case 'rain': return ctx.rain(v as never);
    case 'rain-batch': return ctx.rain([rainWindow(), v] as never);
  }
}

export const values: Category = { name: 'values', generate, run };
