/**
 * What the monitor measures of each call (src/drift/stats.ts, measure.ts): image statistics on a
 * 0–1 scale whatever the normalisation (8-bit pixels and the prepared float tensor agree), the
 * shifts the measurement looks for move the statistic they should, readings are NaN where
 * missing or invalid, and an answer's index is the best label's also when it is unknown.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { load, type ImageClassifier } from '../src/index.ts';
import { imageStats, lastReading, outputStats, readingStats, windowStats } from '../src/drift/stats.ts';
import { measurer } from '../src/drift/measure.ts';
import { internalsOf } from '../src/model/internals.ts';
import { normalizationTables, writeImage } from '../src/preprocess/tensor.ts';
import type { Prepared } from '../src/model/tasks/task.ts';
import { golden } from './helpers/index.ts';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`);
const gray = async (file: string) => new Uint8Array(await sharp(file).grayscale().raw().toBuffer());
const G28 = { width: 28, height: 28, channels: 1, layout: 'NHWC' as const };

test('a uniform image: brightness is its level on 0–1, no contrast, no sharpness', () => {
  const s = imageStats(new Uint8Array(28 * 28).fill(51), G28, null, ['gray']);
  close(s.brightness!, 0.2);
  close(s.contrast!, 0);
  close(s.mean_gray!, 0.2);
  close(s.sharpness!, 0);
  assert.not.ok('width' in s, 'no source size when it is not known');
});

test('8-bit HWC pixels and the normalised NCHW float tensor give the same statistics (gray and RGB)', async () => {
  const cases = [
    { channels: 1, names: ['gray'], normalize: { scale: 1 / 255, mean: [0.286], std: [0.353] } },
    { channels: 3, names: ['r', 'g', 'b'], normalize: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  ];
  for (const c of cases) {
    const pixels = new Uint8Array(await sharp(golden('00003.png')).resize(16, 12).toColourspace(c.channels === 1 ? 'b-w' : 'srgb').raw().toBuffer());
    assert.is(pixels.length, 16 * 12 * c.channels);
    const tensor = new Float32Array(pixels.length);
    writeImage(pixels, { width: 16, height: 12, channels: c.channels, layout: 'NCHW', dtype: 'float32', swapRB: false }, normalizationTables(c.normalize, c.channels), tensor);
    const a = imageStats(pixels, { width: 16, height: 12, channels: c.channels, layout: 'NHWC' }, { width: 28, height: 28 }, c.names);
    const b = imageStats(tensor, { width: 16, height: 12, channels: c.channels, layout: 'NCHW', normalize: c.normalize }, { width: 28, height: 28 }, c.names);
    assert.equal(Object.keys(a), Object.keys(b));
    for (const k of Object.keys(a)) close(a[k]!, b[k]!, 1e-5);
    assert.ok(a.contrast! > 0.05 && a.sharpness! > 0, 'a real image has contrast and edges');
    if (c.channels === 3) assert.ok('mean_r' in a && 'mean_g' in a && 'mean_b' in a);
  }
});

test('the shifts the measurement plays move their statistic: darker, flatter, blurred', async () => {
  const file = golden('00007.png');
  const base = imageStats(await gray(file), G28, null, ['gray']);
  const dark = imageStats(new Uint8Array(await sharp(file).grayscale().linear(0.5, 0).raw().toBuffer()), G28, null, ['gray']);
  const flat = imageStats(new Uint8Array(await sharp(file).grayscale().linear(0.4, 0.3 * 255 * 0.6).raw().toBuffer()), G28, null, ['gray']);
  const blurred = imageStats(new Uint8Array(await sharp(file).grayscale().blur(1.5).raw().toBuffer()), G28, null, ['gray']);
  assert.ok(dark.brightness! < base.brightness! * 0.6, `darker: ${dark.brightness} vs ${base.brightness}`);
  assert.ok(flat.contrast! < base.contrast! * 0.5, `flatter: ${flat.contrast} vs ${base.contrast}`);
  assert.ok(blurred.sharpness! < base.sharpness! * 0.5, `blurred: ${blurred.sharpness} vs ${base.sharpness}`);
});

test('the source size and aspect are measured when known', () => {
  const s = imageStats(new Uint8Array(28 * 28), G28, { width: 640, height: 480 }, ['gray']);
  assert.equal([s.width, s.height], [640, 480]);
  close(s.aspect!, 640 / 480);
});

test('pixels that do not fit the geometry (too few, or three channels for one) are a RangeError (a bug in the caller, never a wrong measurement)', () => {
  assert.throws(() => imageStats(new Uint8Array(10), G28, null, ['gray']), /expected 784 values/);
  assert.throws(() => imageStats(new Uint8Array(784 * 3), G28, null, ['gray']), /expected 784 values \(28x28x1\), got 2352/);
});

test('readings: the value where it is a finite number, NaN where missing, a string, not finite or behind a throwing getter', () => {
  const reading: Record<string, unknown> = { a: 1.5, b: '2', c: Infinity, e: null };
  Object.defineProperty(reading, 'f', { get() { throw new Error('sensor gone'); }, enumerable: true });
  const s = readingStats(reading, ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.is(s.a, 1.5);
  for (const k of ['b', 'c', 'd', 'e', 'f']) assert.ok(Number.isNaN(s[k]), k);
  assert.ok(Number.isNaN(readingStats(null as never, ['a']).a));
  assert.equal(lastReading([{ a: 1 }, { a: 2 }]), { a: 2 });
  assert.equal(lastReading({ a: 3 }), { a: 3 });
  assert.equal(lastReading([]), {});
});

test('a window: its last reading\'s values and each feature\'s change from the reading before (NaN where either is missing)', () => {
  const s = windowStats([{ t: 10, w: 3 }, { t: 12.5, w: 'x' }, { t: 11, w: 4 }], ['t', 'w']);
  assert.equal([s.t, s.w, s.change_t], [11, 4, -1.5]);
  assert.ok(Number.isNaN(s.change_w), 'the reading before had no valid w');
  const one = windowStats([{ t: 1 }], ['t']);
  assert.equal(one.t, 1);
  assert.ok(Number.isNaN(one.change_t));
  const none = windowStats([], ['t']);
  assert.ok(Number.isNaN(none.t) && Number.isNaN(none.change_t));
});

test('a noisy sensor keeps its values\' range but not their changes: the change statistic is what moves', () => {
  // A smooth daily cycle, and the same with ±3 alternating noise: the values' spread grows by a few %, the changes' by far more.
  const days = Array.from({ length: 365 }, (_, d) => ({ t: 15 + 8 * Math.sin((2 * Math.PI * d) / 365) }));
  const noisy = days.map((r, d) => ({ t: r.t + (d % 2 === 0 ? 3 : -3) }));
  const spread = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length - (xs.reduce((a, x) => a + x, 0) / xs.length) ** 2);
  const measure = (rs: { t: number }[]) => rs.slice(1).map((_, d) => windowStats(rs.slice(d, d + 2), ['t']));
  const [clean, loud] = [measure(days), measure(noisy)];
  assert.ok(spread(loud.map((s) => s.t!)) < spread(clean.map((s) => s.t!)) * 1.2);
  assert.ok(spread(loud.map((s) => s.change_t!)) > spread(clean.map((s) => s.change_t!)) * 10);
});

test('outputs: the best label\'s index also when the answer is unknown; null for a result that is no classification', () => {
  const probabilities = new Float32Array([0.1, 0.35, 0.3, 0.25]);
  assert.equal(outputStats({ label: null, score: 0.35, unknown: true, probabilities }), { index: 1, confidence: 0.35, unknown: true });
  assert.equal(outputStats({ label: 'b', score: 0.35, unknown: false, probabilities }), { index: 1, confidence: 0.35, unknown: false });
  assert.is(outputStats({ value: 3.2, values: { value: 3.2 } }), null);
  assert.is(outputStats(null), null);
});

test('measurer on a loaded model: the prepared tensor measures as the decoded 8-bit pixels do', async () => {
  const model = await load<ImageClassifier>('models/fashion-mnist', { isolate: 'none' });
  try {
    const kept: Prepared[] = [];
    await internalsOf(model)!.call(golden('00012.png'), undefined, (_i, _r, p) => kept.push(p));
    const viaModel = measurer(model.manifest).measure(golden('00012.png'), kept[0]!, { width: 28, height: 28 });
    const direct = imageStats(await gray(golden('00012.png')), G28, { width: 28, height: 28 }, ['gray']);
    assert.equal(Object.keys(viaModel), Object.keys(direct));
    for (const k of Object.keys(direct)) close(viaModel[k]!, direct[k]!, 1e-5);
    const raw = { data: await gray(golden('00012.png')), width: 28, height: 28, channels: 1 as const };
    const fromRaw = measurer(model.manifest).measure(raw, kept[0]!);
    assert.equal([fromRaw.width, fromRaw.height], [28, 28], 'a raw frame is its own source');
  } finally {
    await model.dispose();
  }
});

test.run();
