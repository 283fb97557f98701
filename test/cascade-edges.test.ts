/**
 * cascade() at its edges: options and stages refused once with a typed error naming the field,
 * a store (open()) as a stage whose active version changes between calls, and windowed tabular
 * models in a run() loop (the cascade carries the manifest the loop builds windows from).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cascade, load, open, run, ErrorCode, type ReadingWindow, type WindowClassifier } from '../src/index.ts';
import { BUNDLED, BUNDLED_VERSION, RAIN, TEMP_MAX, WORSE_VERSION, golden, installVersion, makeStore, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
const files = items.map((g) => golden(g.file));
const labels = (await readFile(path.join(BUNDLED_VERSION, 'labels.txt'), 'utf8')).trim().split('\n');

const fast = await load(WORSE_VERSION, { isolate: 'none' });
const detailed = await load(BUNDLED, { isolate: 'none' });

test('options are checked once, at cascade(): threshold in [0, 1], no unknown names, an object', async () => {
  const bad = (o: unknown, message: string) => rejectsWith(() => cascade([fast, detailed], o as never), ErrorCode.INVALID_ARGUMENT, message);
  await bad({ threshold: 1.5 }, 'Expected number between 0 and 1 for threshold but received 1.5 of type number');
  await bad({ threshold: -0.1 }, 'Expected number between 0 and 1 for threshold but received -0.1 of type number');
  await bad({ threshold: NaN }, 'Expected number between 0 and 1 for threshold but received NaN of type number');
  await bad({ threshold: '0.5' }, 'Expected number between 0 and 1 for threshold but received "0.5" of type string');
  await bad({ thresold: 0.5 }, 'Expected one of threshold for cascade option name but received "thresold" of type string');
  await bad(null, 'Expected an options object for options but received null of type null');
  const e = await rejectsWith(() => cascade([fast, detailed], { threshold: 2 }), ErrorCode.INVALID_ARGUMENT);
  assert.is(e.field, 'threshold');
});

test('exactly two classifiers from load() or open(), named by position when not', async () => {
  const bad = (m: unknown, message: string) => rejectsWith(() => cascade(m as never, { threshold: 0.5 }), ErrorCode.INVALID_ARGUMENT, message);
  await bad(fast, 'Expected an array of two model functions [fast, detailed] for models but received a function of type function');
  await bad([fast], 'Expected an array of two model functions [fast, detailed] for models but received [a function] of type array');
  await bad([fast, detailed, fast], 'Expected an array of two model functions [fast, detailed] for models but received [a function, a function, a function] of type array');
  await bad([async (x: unknown) => x, detailed], 'Expected a classifier from load() or open() for models[0] but received a function of type function');
  await bad([fast, 'models/fashion-mnist'], 'Expected a classifier from load() or open() for models[1] but received "models/fashion-mnist" of type string');
  // eslint-disable-next-line no-sparse-arrays
  await bad([fast, ,], 'Expected a classifier from load() or open() for models[1] but received undefined of type undefined');
  await bad([fast, fast], 'Expected two different models (the same one twice escalates to itself) for models[1] but received a function of type function');
});

test('stages whose answers cannot stand in for each other are refused, naming the field', async () => {
  const regressor = await load(TEMP_MAX, { isolate: 'none' });
  const rain = await load(RAIN, { isolate: 'none' });
  const tmp = await installVersion(path.join(await tempDir(), 'reversed'), '1.0.0', BUNDLED_VERSION, (m) => {
    m.labels = [...labels].reverse();
  });
  const reversed = await load(tmp, { isolate: 'none' });
  try {
    let e = await rejectsWith(() => cascade([fast, regressor as never]), ErrorCode.INVALID_ARGUMENT,
      'Expected a classifier (image-classification or tabular-classification) for models[1].manifest.task but received "regression" of type string');
    assert.is(e.field, 'models[1].manifest.task');
    e = await rejectsWith(() => cascade([fast, rain as never]), ErrorCode.INVALID_ARGUMENT,
      'Expected "image-classification" as models[0] for models[1].manifest.task but received "tabular-classification" of type string');
    e = await rejectsWith(() => cascade([fast, reversed]), ErrorCode.INVALID_ARGUMENT, /^Expected the labels of models\[0\] in the same order \(\["T-shirt\/top", "Trouser", .*\) for models\[1\]\.labels but received \["Ankle boot", "Bag", /);
    assert.is(e.field, 'models[1].labels');
  } finally {
    await Promise.all([regressor.dispose(), rain.dispose(), reversed.dispose()]);
    await removeDir(path.dirname(path.dirname(tmp)));
  }
});

test('bad call options are refused before either stage runs', async () => {
  const c = cascade([fast, detailed], { threshold: 0.5 });
  await rejectsWith(() => c(files[0]!, { top: 0 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer for top but received 0 of type number');
  await rejectsWith(() => c(files[0]!, null as never), ErrorCode.INVALID_ARGUMENT, 'Expected an options object for options but received null of type null');
  const s = c.stats();
  assert.equal([s.calls, s.failed, s.inputs, s.fast.calls, s.detailed.calls], [2, 2, 0, 0, 0]);
});

test('a store as the detailed stage: answers come from its active version, swaps included; a swap to other labels is refused, a rollback mends it', async () => {
  const nameDir = await makeStore();
  const store = await open(nameDir, { isolate: 'none', accuracyMargin: 1, settleMs: 0 });
  try {
    const c = cascade([fast, store], { threshold: 1 });
    assert.is((await c(files[0]!)).model.version, '1.0.0');
    await installVersion(nameDir, '1.1.0');
    await store.activate('1.1.0');
    const r = await c(files.slice(0, 2));
    assert.equal(r.map((x) => [x.model.version, x.cascade.stage]), [['1.1.0', 'detailed'], ['1.1.0', 'detailed']]);
    assert.is(c.version, '1.1.0');
    // 1.2.0 renames a label (its golden accuracy allowed to fall): the stages no longer agree.
    await installVersion(nameDir, '1.2.0', BUNDLED_VERSION, (m) => {
      m.labels = labels.map((l) => (l === 'Bag' ? 'Handbag' : l));
      m.golden.minAccuracy = 0.5;
    });
    await store.activate('1.2.0');
    const e = await rejectsWith(() => c(files[0]!), ErrorCode.MODEL_MISMATCH, /^The cascade's stages no longer match \(fashion-mnist@1\.1\.0, fashion-mnist@1\.2\.0\): expected the labels of models\[0\] in the same order/);
    assert.is(e.field, 'models[1].labels');
    await store.rollback();
    assert.is((await c(files[0]!)).model.version, '1.1.0');
  } finally {
    await store.dispose();
    await removeDir(path.dirname(nameDir));
  }
});

test('a store as the fast stage, in a run() loop', async () => {
  const nameDir = await makeStore();
  const store = await open(nameDir, { isolate: 'none' });
  try {
    const c = cascade([store, detailed], { threshold: 0.9 });
    async function* source() { yield* files.slice(0, 20); }
    const stages: string[] = [];
    const stats = await run({ source: source(), model: c, handleSignals: false, queue: { policy: 'block' }, sink: (r) => { stages.push(r.cascade.stage); } }).done;
    assert.equal([stats.received, stats.processed, stats.failed], [20, 20, 0]);
    const alone = await store(files.slice(0, 20));
    assert.equal(stages, alone.map((r) => (r.score < 0.9 ? 'detailed' : 'fast')));
  } finally {
    await store.dispose();
    await removeDir(path.dirname(nameDir));
  }
});

test('windowed tabular classifiers: one window, a batch of windows, and windows built by run() from the cascade\'s manifest', async () => {
  const a = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  const b = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  try {
    const day = (i: number) => ({ precipitation: i % 3 === 0 ? 4 : 0, temp_max: 10 + (i % 5), temp_min: 4, wind: 3 });
    const windows = Array.from({ length: 13 }, (_, k) => Array.from({ length: 7 }, (_, j) => day(k + j)));
    const alone = await a(windows);
    const t = alone.map((r) => r.score).sort()[6]!; // the median score: about half escalate
    const c = cascade<ReadingWindow>([a, b], { threshold: t });
    const one = await c(windows[0]!);
    assert.is(one.cascade.stage, alone[0]!.score < t ? 'detailed' : 'fast');
    const many = await c(windows);
    assert.equal(many.map((r) => r.cascade.stage), alone.map((r) => (r.score < t ? 'detailed' : 'fast')));
    assert.equal(many.map((r) => r.label), alone.map((r) => r.label));
    async function* readings() { for (let i = 0; i < 19; i++) yield day(i); }
    const stats = await run({ source: readings(), model: c, handleSignals: false, queue: { policy: 'block' } }).done;
    assert.equal([stats.received, stats.buffered, stats.processed, stats.failed], [19, 6, 13, 0]);
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
});

test.after(async () => {
  await fast.dispose();
  await detailed.dispose();
});

test.run();
