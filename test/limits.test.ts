/**
 * Bounds that keep one manifest or option value from taking the process down (issue 13 #15):
 * window.size 1e9 ran load() out of heap (SIGABRT); { threads: 5000 } was accepted and dispose()
 * took 35 s; load(dir, null) was accepted while classify(x, null) was refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load, open, verify, ErrorCode, parseManifest } from '../src/index.ts';
import { MANIFEST_LIMITS } from '../src/manifest/index.ts';
import { MAX_THREADS, resolveLoadOptions } from '../src/model/options.ts';
import { BUNDLED, RAIN_VERSION, golden, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const tabular = (edit: (m: any) => void) => {
  const m: any = {
    manifestVersion: 1, name: 't', version: '1.0.0', task: 'tabular-classification', format: 'onnx', model: { file: 'm.onnx' }, labels: ['a', 'b'],
    input: { name: 'x', shape: [-1, 2], features: ['t', 'h'], window: { size: 5, summaries: ['mean'] } }, output: { name: 'y', kind: 'logits' },
  };
  edit(m);
  return m;
};
const image = (edit: (m: any) => void) => {
  const m: any = {
    manifestVersion: 1, name: 'i', version: '1.0.0', task: 'image-classification', format: 'onnx', model: { file: 'm.onnx' }, labels: ['a'],
    input: { name: 'x', shape: [-1, 3, 224, 224], layout: 'NCHW', dtype: 'float32', color: 'rgb', resize: { width: 224, height: 224, fit: 'cover' } },
    output: { name: 'y', kind: 'logits' },
  };
  edit(m);
  return m;
};

test('input.window.size 1e9 is MANIFEST_INVALID at load, not a heap out of memory', async () => {
  const dir = path.join(await tempDir(), '1.0.0');
  try {
    await cp(RAIN_VERSION, dir, { recursive: true });
    const file = path.join(dir, 'manifest.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    m.input.window.size = 1e9;
    await writeFile(file, JSON.stringify(m));
    const err = await rejectsWith(() => load(dir), ErrorCode.MANIFEST_INVALID, /Expected a positive integer up to 10000 for input\.window\.size but received 1000000000 of type number/);
    assert.is(err.field, 'input.window.size');
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('manifest bounds name their field', async () => {
  const cases: [any, string, RegExp][] = [
    [tabular((m) => { m.input.window.hop = 6; }), 'input.window.hop', /positive integer up to 5 for input\.window\.hop/],
    [tabular((m) => { m.input.features = Array.from({ length: 200 }, (_, i) => `f${i}`); m.input.shape = [-1, 200]; m.input.window.size = 10_000; }), 'input.window.size', /makes 2000000 values a window, over 1000000/],
    [tabular((m) => { m.input.features = Array.from({ length: 1025 }, (_, i) => `f${i}`); }), 'input.features', /at most 1024 field names/],
    [tabular((m) => { m.input.shape = [1e6, 2]; }), 'input.shape', /fixed batch of 1000000, over 1024/],
    [image((m) => { m.input.shape = [-1, 3, 100000, 100000]; m.input.resize = { width: 100000, height: 100000 }; }), 'input.resize.width', /positive integer up to 4096/],
    [image((m) => { m.input.resize.cropFraction = 0.01; }), 'input.resize.cropFraction', /cover box over 4096 pixels a side/],
    [image((m) => { m.labels = Array(100_001).fill('x'); }), 'labels', /at most 100000 labels/],
  ];
  for (const [json, field, message] of cases) {
    const err = await rejectsWith(() => parseManifest(json), ErrorCode.MANIFEST_INVALID, message);
    assert.is(err.field, field);
  }
  // The bounds themselves are accepted.
  parseManifest(tabular((m) => { m.input.window.size = MANIFEST_LIMITS.windowSize; m.input.window.hop = MANIFEST_LIMITS.windowSize; }));
  parseManifest(image((m) => { m.input.shape = [1024, 3, 4096, 4096]; m.input.resize = { width: 4096, height: 4096 }; }));
});

test('threads and interOpThreads are bounded (64); within it a model loads and disposes', async () => {
  await rejectsWith(() => load(BUNDLED, { threads: 5000 }), ErrorCode.INVALID_ARGUMENT, 'Expected non-negative integer up to 64 for threads but received 5000 of type number');
  await rejectsWith(() => resolveLoadOptions({ interOpThreads: 65 }), ErrorCode.INVALID_ARGUMENT, 'Expected non-negative integer up to 64 for interOpThreads but received 65 of type number');
  assert.is(resolveLoadOptions({ threads: MAX_THREADS }).session.threads, 64);
  const model = await load(BUNDLED, { threads: 2, isolate: 'none' });
  assert.is((await model(golden('00009.png'))).label, 'Sneaker');
  await model.dispose();
});

test('null options: refused alike by load(), open(), verify() and by a call', async () => {
  const message = 'Expected an options object for options but received null of type null';
  await rejectsWith(() => load(BUNDLED, null as never), ErrorCode.INVALID_ARGUMENT, message);
  await rejectsWith(() => open(BUNDLED, null as never), ErrorCode.INVALID_ARGUMENT, message);
  await rejectsWith(() => verify(path.join(BUNDLED, '1.0.0'), null as never), ErrorCode.INVALID_ARGUMENT, message);
  const model = await load(BUNDLED);
  try {
    await rejectsWith(() => model(golden('00009.png'), null as never), ErrorCode.INVALID_ARGUMENT, message);
  } finally {
    await model.dispose();
  }
});

test('top and maxBatch are bounded', async () => {
  await rejectsWith(() => resolveLoadOptions({ top: 1e9 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer up to 100000 for top but received 1000000000 of type number');
  await rejectsWith(() => resolveLoadOptions({ maxBatch: 1e6 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer up to 1024 for maxBatch but received 1000000 of type number');
});

test.run();
