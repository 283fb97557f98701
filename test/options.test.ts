import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveCallOptions, resolveLoadOptions, DEFAULT_PIXEL_LIMIT, DEFAULT_MAX_INPUT_BYTES } from '../src/model/options.ts';
import { defaultDecodeBudget } from '../src/preprocess/budget.ts';
import { ErrorCode } from '../src/errors.ts';
import { rejectsWith } from './helpers/index.ts';

test('defaults', () => {
  assert.equal(resolveLoadOptions(undefined), {
    top: 5, threshold: 0, limitInputPixels: DEFAULT_PIXEL_LIMIT, maxInputBytes: DEFAULT_MAX_INPUT_BYTES, maxDecodeBytes: defaultDecodeBudget(), verify: true, maxBatch: 8, isolate: 'auto', session: {},
    monitor: { window: 500, every: 50, psi: 0.25, enter: 3, exit: 3 },
  });
});

test('session knobs pass through', () => {
  const o = resolveLoadOptions({ threads: 2, interOpThreads: 1, spinning: true, graphOptimization: 'basic', executionProviders: ['cuda', 'cpu'], runtime: 'onnxruntime-node' });
  assert.equal(o.session, { threads: 2, interOpThreads: 1, spinning: true, graphOptimization: 'basic', executionProviders: ['cuda', 'cpu'] });
  assert.is(o.runtime, 'onnxruntime-node');
});

test('call options fall back to the load defaults', () => {
  assert.equal(resolveCallOptions({ top: 2 }, { top: 5, threshold: 0.3 }), { top: 2, threshold: 0.3 });
});

const cases: [string, () => unknown, string][] = [
  ['top 0', () => resolveLoadOptions({ top: 0 }), 'Expected positive integer for top but received 0 of type number'],
  ['top as string', () => resolveCallOptions({ top: '3' }), 'Expected positive integer for top but received "3" of type string'],
  ['threshold above 1', () => resolveLoadOptions({ threshold: 60 }), 'Expected number between 0 and 1 for threshold but received 60 of type number'],
  ['pixel limit', () => resolveLoadOptions({ limitInputPixels: -1 }), 'Expected positive integer or false for limitInputPixels but received -1 of type number'],
  ['threads', () => resolveLoadOptions({ threads: 1.5 }), 'Expected non-negative integer (0: the runtime decides) for threads but received 1.5 of type number'],
  ['spinning', () => resolveLoadOptions({ spinning: 'no' }), 'Expected boolean for spinning but received "no" of type string'],
  ['graph optimisation', () => resolveLoadOptions({ graphOptimization: 'max' }), 'Expected one of disabled, basic, extended, all for graphOptimization but received "max" of type string'],
  ['providers', () => resolveLoadOptions({ executionProviders: [] }), 'Expected non-empty array of provider names for executionProviders but received [] of type array'],
  ['unknown option', () => resolveLoadOptions({ treshold: 0.5 }), 'Expected one of top, threshold, limitInputPixels, maxInputBytes, maxDecodeBytes, verify, maxBatch, runtime, isolate, monitor, threads, interOpThreads, spinning, graphOptimization, executionProviders for load option name but received "treshold" of type string'],
  ['unknown call option', () => resolveCallOptions({ threads: 1 }), 'Expected one of top, threshold, explain for call option name but received "threads" of type string'],
  ['options not an object', () => resolveLoadOptions('fast'), 'Expected an options object for options but received "fast" of type string'],
];
for (const [name, fn, message] of cases) {
  test(`rejects ${name}`, async () => {
    await rejectsWith(fn, ErrorCode.INVALID_ARGUMENT, message);
  });
}

test.run();
