/**
 * Tabular tasks on real models: the bundled rain-tomorrow classifier (NOAA daily observations)
 * and the temp-max-tomorrow regression fixture, both windowed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load, open, ErrorCode, parseManifest, type Classification, type WindowClassifier, type WindowRegressor, type Reading, type ReadingWindow } from '../src/index.ts';
import { summarise, readingValues } from '../src/preprocess/features.ts';
import { scoreGoldenSet, readGoldenSet } from '../src/store/golden.ts';
import { RAIN, RAIN_VERSION, TEMP_MAX, installVersion, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const rows = (xs: number[][]) => xs.map((r) => Float64Array.from(r));

test('summaries: feature-major columns, population std, least-squares slope', () => {
  const out = new Float32Array(2 * 8);
  summarise(rows([[1, 10], [2, 10], [4, 10], [5, 10]]), ['mean', 'std', 'min', 'max', 'first', 'last', 'range', 'slope'], out, 0);
  // mean 3, population std sqrt(2.5), slope: x = -1.5..1.5, sxy = 3 + 0.5 + 0.5 + 3 = 7, sxx = 5 → 1.4
  assert.equal([...out.slice(0, 8)].map((x) => +x.toFixed(5)), [3, +Math.sqrt(2.5).toFixed(5), 1, 5, 1, 5, 4, 1.4]);
  assert.equal([...out.slice(8)], [10, 0, 10, 10, 10, 10, 0, 0]);
});

test('a reading: named fields or values in order; missing, NaN and wrong types are INPUT_INVALID naming the field', async () => {
  assert.equal([...readingValues({ a: 1, b: 2, extra: 9 }, ['a', 'b'], 'r')], [1, 2]);
  assert.equal([...readingValues([3, 4], ['a', 'b'], 'r')], [3, 4]);
  const cases: [unknown, RegExp][] = [
    [{ a: 1 }, /^r\.b is missing$/],
    [{ a: 1, b: NaN }, /^r\.b is NaN$/],
    [{ a: 1, b: '2' }, /^r\.b is "2", not a number$/],
    [[1, Infinity], /^r\[1\] \(b\) is Infinity$/],
    [[1], /^r: expected 2 values \(a, b\) but received 1$/],
    [null, /^r: expected a reading/],
  ];
  for (const [reading, message] of cases) await rejectsWith(() => readingValues(reading, ['a', 'b'], 'r'), ErrorCode.INPUT_INVALID, message);
});

test('manifest: tabular inputs are validated with the field named', () => {
  const base = () => JSON.parse(JSON.stringify({
    manifestVersion: 1, name: 't', version: '1.0.0', task: 'tabular-classification', format: 'onnx',
    model: { file: 'm.onnx' }, labels: ['a', 'b'],
    input: { name: 'x', shape: [-1, 4], features: ['t', 'h'], window: { size: 5, summaries: ['mean', 'max'] } },
    output: { name: 'y', kind: 'logits' },
  }));
  const m = parseManifest(base());
  assert.equal(m.input, { kind: 'tabular', name: 'x', shape: [-1, 4], dtype: 'float32', features: ['t', 'h'], window: { size: 5, hop: 1, summaries: ['mean', 'max'] } });
  const bad: [(m: any) => void, string, RegExp][] = [
    [(m) => { m.input.shape = [-1, 2]; }, 'input.shape', /Expected \[batch, 4\] \(batch -1 or a positive integer; 4 = features × window.summaries\)/],
    [(m) => { m.input.window.summaries = ['median']; }, 'input.window.summaries', /Expected a non-empty array of mean, std, min, max, first, last, range, slope/],
    [(m) => { m.input.features = ['t', 't']; }, 'input.features', /distinct field names/],
    [(m) => { m.input.window.size = 0; }, 'input.window.size', /positive integer/],
    [(m) => { m.input.normalize = { mean: [0, 0, 0], std: [1] }; }, 'input.normalize.mean', /1 or 4 numbers/],
    [(m) => { m.output.kind = 'values'; }, 'output.kind', /Expected one of logits, probabilities for output.kind but received "values"/],
    [(m) => { m.task = 'regression'; m.output.kind = 'logits'; }, 'output.kind', /Expected one of values for output.kind but received "logits"/],
  ];
  for (const [edit, field, message] of bad) {
    const json = base();
    edit(json);
    try {
      parseManifest(json);
      assert.unreachable(field);
    } catch (err: any) {
      assert.is(err.code, ErrorCode.MANIFEST_INVALID, err.message);
      assert.is(err.field, field, err.message);
      assert.match(err.message, message);
    }
  }
  const reg = base();
  reg.task = 'regression';
  delete reg.labels;
  delete reg.output.kind;
  const r = parseManifest(reg);
  assert.equal([r.labels, r.output.kind], [['value'], 'values']);
});

test('rain-tomorrow: the golden set (60 windows of 2015) scores as in training, through load()', async () => {
  const model = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  try {
    assert.is(model.manifest.task, 'tabular-classification');
    const set = await readGoldenSet(RAIN_VERSION, model.manifest.golden!, true);
    assert.is(set.items.length, 60);
    const score = await scoreGoldenSet(model, set);
    assert.ok(score.accuracy >= model.manifest.golden!.minAccuracy!, `accuracy ${score.accuracy}`);
    // One window, then the same window in a batch: the same probabilities.
    const window = (set.items[0] as { input: Reading[] }).input;
    const one = await model(window);
    const [batched] = await model([window, window]);
    assert.equal([...batched!.probabilities], [...one.probabilities]);
    assert.is(one.top.length, 2);
    assert.equal(one.model, { name: 'rain-tomorrow', version: '1.0.0' });
  } finally {
    await model.dispose();
  }
});

test('rain-tomorrow equals the model run by hand on the same summaries', async () => {
  const model = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path.join(RAIN_VERSION, 'model.onnx'));
  try {
    const spec = model.manifest.input as any;
    const window = Array.from({ length: 7 }, (_, i) => ({ precipitation: i * 1.5, temp_max: 12 + i, temp_min: 4 + i / 2, wind: 3 - i / 4 }));
    // By hand: per feature [mean, std, min, max, last, slope], then (x - mean) / std.
    const cols: number[] = [];
    for (const f of spec.features) {
      const v = window.map((r: any) => r[f]);
      const mean = v.reduce((a: number, b: number) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a: number, b: number) => a + (b - mean) ** 2, 0) / v.length);
      const slope = v.reduce((a: number, b: number, i: number) => a + (i - 3) * (b - mean), 0) / 28;
      cols.push(mean, std, Math.min(...v), Math.max(...v), v[6], slope);
    }
    const x = Float32Array.from(cols.map((c, i) => (c - spec.normalize.mean[i]) / spec.normalize.std[i]));
    const out = await session.run({ features: new ort.Tensor('float32', x, [1, x.length]) });
    const logits = out.logits!.data as Float32Array;
    const r = await model(window);
    const e = logits.map((l) => Math.exp(l));
    const sum = e.reduce((a, b) => a + b, 0);
    r.probabilities.forEach((p, i) => assert.ok(Math.abs(p - e[i]! / sum) < 1e-5, `${p} vs ${e[i]! / sum}`));
  } finally {
    await model.dispose();
    await session.release();
  }
});

test('regression: a value per output name; a bad reading rejects that call only', async () => {
  const model = await load<WindowRegressor>(TEMP_MAX);
  try {
    const manifest = JSON.parse(await readFile(path.join(TEMP_MAX, '1.0.0/manifest.json'), 'utf8'));
    assert.is(manifest.task, 'regression');
    const window = Array.from({ length: 7 }, () => ({ precipitation: 0, temp_max: 20, temp_min: 11, wind: 3 }));
    const r = await model(window);
    assert.equal(Object.keys(r.values), ['temp_max']);
    assert.is(r.value, r.values.temp_max);
    // A week of steady 20 C days: tomorrow's maximum is near 20 C.
    assert.ok(Math.abs(r.value - 20) < 4, `predicted ${r.value}`);
    const broken = window.map((x, i) => (i === 2 ? { ...x, wind: NaN } : x));
    await rejectsWith(() => model(broken), ErrorCode.INPUT_INVALID, /^input\[2\]\.wind is NaN$/);
    await rejectsWith(() => model(window.slice(1)), ErrorCode.INPUT_INVALID, /expected a window of 7 readings .* but received 6/);
    assert.is((await model(window)).value, r.value);
  } finally {
    await model.dispose();
  }
});

test('a store of a sensor model: the gate scores the inline golden windows, the swap keeps answering', async () => {
  const root = await tempDir('edgefn-store-');
  const nameDir = path.join(root, 'rain-tomorrow');
  await installVersion(nameDir, '1.0.0', RAIN_VERSION);
  // Versions are installed a moment before they are judged: settling is test/gate-settle.test.ts's subject, not this one's.
  const store = await open<ReadingWindow, Classification>(nameDir, { watch: false, isolate: 'none', settleMs: 0 });
  try {
    const window = Array.from({ length: 7 }, (_, i) => ({ precipitation: i % 2 ? 6 : 0, temp_max: 9, temp_min: 5, wind: 4.5 }));
    const before = await store(window);
    await installVersion(nameDir, '1.1.0', RAIN_VERSION);
    const report = await store.activate('1.1.0');
    // The same weights under a new version: scored on the 60 inline windows, at least minAccuracy.
    assert.ok(report.accuracy! >= 0.6, `accuracy ${report.accuracy}`);
    assert.is(report.baselineVersion, '1.0.0');
    assert.is(store.version, '1.1.0');
    const after = await store(window);
    assert.equal([...after.probabilities], [...before.probabilities]);
    assert.equal(after.model, { name: 'rain-tomorrow', version: '1.1.0' });
  } finally {
    await store.dispose();
    await removeDir(root);
  }
});

test.run();
