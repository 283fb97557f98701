/**
 * Raw pixel objects `{ data, width, height, channels }` that do not add up: wrong lengths, negative,
 * NaN, huge or fractional sizes, the wrong typed arrays, detached buffers, getters that throw,
 * fields inherited from a prototype. Consistent ones are the control: they must answer.
 */
import type { Rng } from '../rng.ts';
import type { Case, Category, Ctx } from '../types.ts';
import { GOLDEN_IMAGE } from '../paths.ts';

const SIZES = ['ok', 0, -1, -0, 1, 1.5, NaN, Infinity, '28', null, 2 ** 31, 2 ** 32, 2 ** 53, 1e9, 100_000, 'bigint'] as const;
const CHANNELS = ['ok', 0, 5, 3.5, '3', null, NaN, -1, 1, 2, 3, 4] as const;
const DATA = [
  'ok', 'short', 'long', 'empty', 'array', 'float32', 'clamped', 'uint16', 'dataview', 'arraybuffer', 'buffer',
  'detached', 'null', 'string', 'shared', 'offset-view',
] as const;
const SHAPES = ['plain', 'getter-throws', 'proxy-throws', 'inherited', 'null-proto', 'frozen', 'class', 'extra-fields'] as const;

interface Params {
  width: (typeof SIZES)[number];
  height: (typeof SIZES)[number];
  channels: (typeof CHANNELS)[number];
  data: (typeof DATA)[number];
  shape: (typeof SHAPES)[number];
  as: 'single' | 'batch';
  w: number;
  h: number;
  c: number;
}

/** The sizes the object claims, and the length its data gets: the same rule as run() below. */
function claimed(p: Params): { w: unknown; h: unknown; c: unknown; n: number } {
  const w = value(p.width, p.w);
  const h = value(p.height, p.h);
  const sane = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
  // The data's length follows the claimed sizes when they are sane, so that only the odd field is odd.
  const n = sane(w) && sane(h) && w * h * p.c <= 1e6 ? w * h * p.c : p.w * p.h * p.c;
  return { w, h, c: value(p.channels, p.c), n };
}

/** A consistent frame of own fields: it must answer. */
function isOk(p: Params): boolean {
  const { w, h, c, n } = claimed(p);
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
  return int(w) && int(h) && (c === 1 || c === 2 || c === 3 || c === 4) && n === w * h * c &&
    ['ok', 'buffer', 'offset-view', 'shared'].includes(p.data) && p.shape !== 'getter-throws' && p.shape !== 'proxy-throws';
}

function generate(r: Rng, scale: number): Case[] {
  const cases: Case[] = [];
  const add = (p: Params, core = false): void => {
    // `inherited` fields may fairly be read or refused; a consistent own object must answer.
    const expect = isOk(p) ? (p.shape === 'inherited' ? 'any' : 'answer') : 'error';
    cases.push({ id: `raw/${p.shape}/${String(p.width)}x${String(p.height)}x${String(p.channels)}/${p.data}/${cases.length}`, category: 'raw', params: { ...p }, expect, ...(core ? { core } : {}) });
  };
  const dims = (): Pick<Params, 'w' | 'h' | 'c'> => ({ w: r.int(1, 64), h: r.int(1, 64), c: r.int(1, 4) });
  for (const shape of SHAPES) add({ width: 'ok', height: 'ok', channels: 'ok', data: 'ok', shape, as: 'single', ...dims() });
  // Extreme aspect ratios with consistent data: they must answer, not fail in the resize.
  for (const [w, h] of [[1, 10_000], [10_000, 1], [1, 100_000], [3, 1]]) add({ width: 'ok', height: 'ok', channels: 'ok', data: 'ok', shape: 'plain', as: 'single', w: w!, h: h!, c: 1 }, true);
  for (const data of DATA) add({ width: 'ok', height: 'ok', channels: 'ok', data, shape: 'plain', as: 'single', ...dims() }, data === 'detached');
  for (let i = 0; i < 250 * scale; i++) {
    const p: Params = {
      width: r.next() < 0.5 ? 'ok' : r.pick(SIZES), height: r.next() < 0.5 ? 'ok' : r.pick(SIZES),
      channels: r.next() < 0.5 ? 'ok' : r.pick(CHANNELS), data: r.next() < 0.4 ? 'ok' : r.pick(DATA),
      shape: r.next() < 0.6 ? 'plain' : r.pick(SHAPES), as: r.pick(['single', 'batch'] as const), ...dims(),
    };
    add(p);
  }
  return cases;
}

function value(v: (typeof SIZES)[number] | (typeof CHANNELS)[number], ok: number): unknown {
  if (v === 'ok') return ok;
  if (v === 'bigint') return BigInt(ok);
  return v;
}

function data(kind: Params['data'], n: number): unknown {
  const bytes = new Uint8Array(n).map((_, i) => (i * 37) & 255);
  switch (kind) {
    case 'ok': return bytes;
    case 'short': return bytes.subarray(0, Math.max(0, n - 1));
    case 'long': return new Uint8Array(n + 1);
    case 'empty': return new Uint8Array(0);
    case 'array': return [...bytes];
    case 'float32': return new Float32Array(n);
    case 'clamped': return new Uint8ClampedArray(n);
    case 'uint16': return new Uint16Array(n);
    case 'dataview': return new DataView(bytes.buffer);
    case 'arraybuffer': return bytes.buffer;
    case 'buffer': return Buffer.from(bytes);
    case 'detached': { const b = new Uint8Array(n); structuredClone(b.buffer, { transfer: [b.buffer] }); return b; }
    case 'null': return null;
    case 'string': return 'x'.repeat(n);
    case 'shared': { const b = new Uint8Array(new SharedArrayBuffer(n)); b.set(bytes); return b; }
    case 'offset-view': { const big = new Uint8Array(n + 16); big.set(bytes, 7); return big.subarray(7, 7 + n); }
  }
}

function shaped(shape: Params['shape'], fields: Record<string, unknown>): unknown {
  switch (shape) {
    case 'plain': return fields;
    case 'getter-throws': return { ...fields, get width(): number { throw new Error('campaign: width getter'); } };
    case 'proxy-throws': return new Proxy(fields, { get() { throw new Error('campaign: proxy get'); }, has() { throw new Error('campaign: proxy has'); }, ownKeys() { throw new Error('campaign: proxy keys'); }, getPrototypeOf() { throw new Error('campaign: proxy proto'); } });
    case 'inherited': return Object.create(fields);
    case 'null-proto': return Object.assign(Object.create(null), fields);
    case 'frozen': return Object.freeze({ ...fields });
    case 'class': return Object.assign(new (class Frame {})(), fields);
    case 'extra-fields': return { ...fields, depth: 8, colorspace: 'srgb', premultiplied: true };
  }
}

async function run(kase: Case, ctx: Ctx): Promise<unknown> {
  const p = kase.params as unknown as Params;
  const { w, h, c, n } = claimed(p);
  const raw = shaped(p.shape, { data: data(p.data, n), width: w, height: h, channels: c });
  return p.as === 'single' ? ctx.image(raw as never) : ctx.image([GOLDEN_IMAGE, raw as never]);
}

export const raw: Category = { name: 'raw', generate, run };
