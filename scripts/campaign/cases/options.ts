/**
 * Abused options: per call (`classify(x, options)`) and at load (`load(dir, options)`), with
 * wrong types, out-of-range numbers, 5,000 threads, Proxies, inherited and deeply nested values,
 * and odd `dir` arguments. A bad option is a coded error at once; a model that loads must answer
 * and let go of its session within the case's time.
 */
import { load } from '../../../src/index.ts';
import type { Case, Category, Ctx, Expect } from '../types.ts';
import { GOLDEN_IMAGE, GOLDEN_IMAGE_LABEL, IMAGE_DIR, rainWindow } from '../paths.ts';
import { VALUES } from './values.ts';

const thrower = (what: string) => () => { throw new Error(`campaign: ${what}`); };

/** Option values by name, with what each must give. */
const CALL: Record<string, { make(): unknown; expect: Expect }> = {
  'top-3': { make: () => ({ top: 3 }), expect: 'answer' },
  'top-0': { make: () => ({ top: 0 }), expect: 'error' },
  'top-neg': { make: () => ({ top: -1 }), expect: 'error' },
  'top-nan': { make: () => ({ top: NaN }), expect: 'error' },
  'top-huge': { make: () => ({ top: 1e9 }), expect: 'any' },
  'top-infinity': { make: () => ({ top: Infinity }), expect: 'error' },
  'top-fraction': { make: () => ({ top: 1.5 }), expect: 'error' },
  'top-string': { make: () => ({ top: '3' }), expect: 'error' },
  'top-null': { make: () => ({ top: null }), expect: 'any' },
  'threshold-2': { make: () => ({ threshold: 2 }), expect: 'error' },
  'threshold-neg': { make: () => ({ threshold: -0.1 }), expect: 'error' },
  'threshold-nan': { make: () => ({ threshold: NaN }), expect: 'error' },
  'threshold-string': { make: () => ({ threshold: '0.5' }), expect: 'error' },
  'unknown-key': { make: () => ({ topp: 3 }), expect: 'error' },
  'options-null': { make: () => null, expect: 'error' },
  'options-number': { make: () => 5, expect: 'error' },
  'options-string': { make: () => 'top', expect: 'error' },
  'options-array': { make: () => [3], expect: 'error' },
  'inherited-bad': { make: () => Object.create({ top: 0 }), expect: 'any' },
  'null-proto-ok': { make: () => Object.assign(Object.create(null), { top: 2 }), expect: 'any' },
  'frozen-ok': { make: () => Object.freeze({ top: 2, threshold: 0.1 }), expect: 'answer' },
  'getter-throws': { make: () => ({ get top(): number { throw new Error('campaign: top getter'); } }), expect: 'error' },
  'proxy-throws': { make: () => VALUES['proxy-throws']!.make(), expect: 'error' },
  'deep-nested': { make: () => ({ top: VALUES['deep-object']!.make() }), expect: 'error' },
  'deep-options': { make: () => VALUES['deep-object']!.make(), expect: 'error' },
  'symbol-key': { make: () => ({ [Symbol('top')]: 3 }), expect: 'any' },
};

const LOAD: Record<string, { make(): unknown; expect: Expect; core?: boolean }> = {
  'threads-5000': { make: () => ({ threads: 5000 }), expect: 'any', core: true },
  'threads-neg': { make: () => ({ threads: -1 }), expect: 'error' },
  'threads-nan': { make: () => ({ threads: NaN }), expect: 'error' },
  'threads-fraction': { make: () => ({ threads: 1.5 }), expect: 'error' },
  'threads-string': { make: () => ({ threads: '2' }), expect: 'error' },
  'threads-null': { make: () => ({ threads: null }), expect: 'any' },
  'threads-2^31': { make: () => ({ threads: 2 ** 31 }), expect: 'error' },
  'threads-infinity': { make: () => ({ threads: Infinity }), expect: 'error' },
  'threads-true': { make: () => ({ threads: true }), expect: 'error' },
  'inter-op-5000': { make: () => ({ interOpThreads: 5000 }), expect: 'any' },
  'inter-op-neg': { make: () => ({ interOpThreads: -1 }), expect: 'error' },
  'pixels-0': { make: () => ({ limitInputPixels: 0 }), expect: 'error' },
  'pixels-1': { make: () => ({ limitInputPixels: 1 }), expect: 'any', core: true },
  'pixels-63': { make: () => ({ limitInputPixels: 63 }), expect: 'any' },
  'pixels-784': { make: () => ({ limitInputPixels: 784 }), expect: 'answer' },
  'pixels-neg': { make: () => ({ limitInputPixels: -1 }), expect: 'error' },
  'pixels-nan': { make: () => ({ limitInputPixels: NaN }), expect: 'error' },
  'pixels-true': { make: () => ({ limitInputPixels: true }), expect: 'error' },
  'pixels-infinity': { make: () => ({ limitInputPixels: Infinity }), expect: 'error' },
  'pixels-false': { make: () => ({ limitInputPixels: false }), expect: 'answer' },
  'max-batch-0': { make: () => ({ maxBatch: 0 }), expect: 'error' },
  'max-batch-huge': { make: () => ({ maxBatch: 1e9 }), expect: 'any' },
  'isolate-foo': { make: () => ({ isolate: 'foo' }), expect: 'error' },
  'isolate-null': { make: () => ({ isolate: null }), expect: 'any' },
  'isolate-process': { make: () => ({ isolate: 'process' }), expect: 'answer' },
  'isolate-thread': { make: () => ({ isolate: 'thread' }), expect: 'answer' },
  'runtime-nope': { make: () => ({ runtime: 'nope' }), expect: 'error' },
  'runtime-empty': { make: () => ({ runtime: '' }), expect: 'error' },
  'runtime-number': { make: () => ({ runtime: 5 }), expect: 'error' },
  'providers-cuda': { make: () => ({ executionProviders: ['cuda'] }), expect: 'any' },
  'providers-empty-name': { make: () => ({ executionProviders: [''] }), expect: 'error' },
  'providers-string': { make: () => ({ executionProviders: 'cpu' }), expect: 'error' },
  'providers-empty': { make: () => ({ executionProviders: [] }), expect: 'error' },
  'providers-sparse': { make: () => ({ executionProviders: new Array(2) }), expect: 'error' },
  'graph-x': { make: () => ({ graphOptimization: 'x' }), expect: 'error' },
  'spinning-yes': { make: () => ({ spinning: 'yes' }), expect: 'error' },
  'verify-no': { make: () => ({ verify: 'no' }), expect: 'error' },
  'options-null': { make: () => null, expect: 'error', core: true },
  'options-number': { make: () => 5, expect: 'error' },
  'options-array': { make: () => [], expect: 'error' },
  'unknown-key': { make: () => ({ thread: 2 }), expect: 'error' },
  'getter-throws': { make: () => ({ get threads(): number { throw new Error('campaign: threads getter'); } }), expect: 'error' },
  'proxy-throws': { make: () => VALUES['proxy-throws']!.make(), expect: 'error' },
  'deep-options': { make: () => VALUES['deep-object']!.make(), expect: 'error' },
  'inherited-threads': { make: () => Object.create({ threads: 5000 }), expect: 'any' },
};

const DIRS: Record<string, unknown> = {
  empty: '', null: null, number: 5, array: [IMAGE_DIR], object: {}, symbol: Symbol('dir'),
  'boxed-string': new String(IMAGE_DIR), 'dev-zero': '/dev/zero', 'nul': `${IMAGE_DIR}\0`, url: 'http://127.0.0.1:9/model',
};

function generate(): Case[] {
  const cases: Case[] = [];
  for (const [name, o] of Object.entries(CALL)) {
    for (const target of ['image', 'rain'] as const) {
      cases.push({ id: `options/call/${target}/${name}`, category: 'options', params: { kind: 'call', name, target }, expect: o.expect });
    }
  }
  for (const [name, o] of Object.entries(LOAD)) {
    cases.push({ id: `options/load/${name}`, category: 'options', params: { kind: 'load', name }, expect: o.expect, ...(o.expect !== 'error' ? { label: GOLDEN_IMAGE_LABEL } : {}), ...(o.core ? { core: true } : {}) });
  }
  for (const name of Object.keys(DIRS)) cases.push({ id: `options/dir/${name}`, category: 'options', params: { kind: 'dir', name }, expect: 'error' });
  return cases;
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const { kind, name, target } = c.params as { kind: 'call' | 'load' | 'dir'; name: string; target?: 'image' | 'rain' };
  if (kind === 'call') {
    const o = CALL[name]!.make();
    return target === 'image' ? ctx.image(GOLDEN_IMAGE, o as never) : ctx.rain(rainWindow(), o as never);
  }
  const dir = kind === 'dir' ? DIRS[name] : IMAGE_DIR;
  const model = await load(dir as string, (kind === 'load' ? LOAD[name]!.make() : undefined) as never);
  try {
    return await model(GOLDEN_IMAGE);
  } finally {
    await model.dispose();
  }
}

export const options: Category = { name: 'options', generate, run };
