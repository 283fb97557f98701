/**
 * Bad values as inputs, on the real bundled models: a number that is not finite is never an
 * answer (issue 13 #13), and every error edgefn raises carries a code (#14): sparse arrays,
 * replaced prototypes, values nested 100,000 deep, a Proxy that throws. After each, the model
 * still answers correctly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { load, ErrorCode, parseManifest, type ImageClassifier, type WindowClassifier } from '../src/index.ts';
import { BUNDLED, BUNDLED_VERSION, RAIN, RAIN_VERSION, golden, rejectsWith, removeDir, tempDir } from './helpers/index.ts';
import { poisonWeights } from './helpers/onnx-weights.ts';

const day = { precipitation: 0, temp_max: 11.1, temp_min: 4.4, wind: 2.6 };
const week = (edit: Partial<typeof day> = {}) => Array.from({ length: 7 }, () => ({ ...day, ...edit }));
const SNEAKER = golden('00009.png');

let rain: WindowClassifier;
let fashion: ImageClassifier;

test.before(async () => {
  rain = await load<WindowClassifier>(RAIN);
  fashion = await load(BUNDLED);
});
test.after(async () => {
  await rain.dispose();
  await fashion.dispose();
});

/** The models still answer, and with finite scores. */
async function stillServing(): Promise<void> {
  const r = await rain(week());
  assert.ok(Number.isFinite(r.score) && r.label !== null, `rain answered ${r.label} ${r.score}`);
  const f = await fashion(SNEAKER);
  assert.is(f.label, 'Sneaker');
}

test('readings beyond float32 (1e39, ±1e308, Number.MAX_VALUE) are INPUT_INVALID naming the field, never a NaN score', async () => {
  for (const v of [1e39, 1e308, -1e308, Number.MAX_VALUE]) {
    const err = await rejectsWith(() => rain(week({ wind: v })), ErrorCode.INPUT_INVALID, /^input\[0\]\.wind is .*beyond the float32 range/);
    assert.is(err.field, 'input[0].wind');
  }
  await stillServing();
});

test('readings within float32 whose summaries overflow it are INPUT_INVALID naming the column', async () => {
  // 3e38 mm of rain fits a float32; divided by the column's std (under 1) in input.normalize, it does not.
  const w = week({ precipitation: 3e38 });
  const err = await rejectsWith(() => rain(w), ErrorCode.INPUT_INVALID, /^Column precipitation\.min is Infinity once summarised over the window, cast to float32 and standardised \(input\.normalize\)/);
  assert.is(err.field, 'precipitation.min');
  // In a batch, the failing window is named.
  await rejectsWith(() => rain([week(), w]), ErrorCode.INPUT_INVALID, /^input\[1\]: Column precipitation\.min is Infinity/);
  await stillServing();
});

test('normalize.std of 1e-300 (inputs overflow once divided) is refused when the manifest is read', async () => {
  const m = () => ({
    manifestVersion: 1, name: 'm', version: '1.0.0', task: 'tabular-classification', format: 'onnx', model: { file: 'm.onnx' }, labels: ['a', 'b'],
    input: { name: 'x', shape: [-1, 2], features: ['t', 'h'], normalize: { mean: [0], std: [1e-300] } }, output: { name: 'y', kind: 'logits' },
  });
  await rejectsWith(() => parseManifest(m()), ErrorCode.MANIFEST_INVALID, /Expected numbers of magnitude at least 0\.000001 .* for input\.normalize\.std/);
  const img = JSON.parse(JSON.stringify({
    manifestVersion: 1, name: 'm', version: '1.0.0', task: 'image-classification', format: 'onnx', model: { file: 'm.onnx' }, labels: ['a'],
    input: { name: 'x', shape: [-1, 1, 8, 8], layout: 'NCHW', dtype: 'float32', color: 'gray', resize: { width: 8, height: 8 }, normalize: { std: 1e-300 } },
    output: { name: 'y', kind: 'logits' },
  }));
  await rejectsWith(() => parseManifest(img), ErrorCode.MANIFEST_INVALID, /input\.normalize\.std/);
  img.input.normalize = { scale: 1e300 };
  const err = await rejectsWith(() => parseManifest(img), ErrorCode.MANIFEST_INVALID, /input\.normalize turns the pixel value 255 of channel 0 into Infinity in float32/);
  assert.is(err.field, 'input.normalize');
});

test('a model whose weights are all NaN is refused at load with OUTPUT_INVALID, said to be the warm-up', async () => {
  const dir = path.join(await tempDir(), '1.0.0');
  try {
    await cp(RAIN_VERSION, dir, { recursive: true });
    await poisonWeights(dir, NaN);
    const err = await rejectsWith(() => load(dir), ErrorCode.OUTPUT_INVALID, /^At load, on edgefn's warm-up input .*: rain-tomorrow@1\.0\.0 answered NaN in output "logits"/);
    assert.is(err.input, 'warm-up');
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('a bit-flipped model that answers Infinity for real images: OUTPUT_INVALID naming output and model, per input in a batch', async () => {
  const dir = path.join(await tempDir(), '1.0.0');
  try {
    await cp(BUNDLED_VERSION, dir, { recursive: true });
    // The first convolution's weights (initializer 4) set to Infinity: the black warm-up pixel
    // stays finite through the ReLU, a real garment does not.
    await poisonWeights(dir, Infinity, [4]);
    const broken = await load(dir);
    try {
      await rejectsWith(() => broken(SNEAKER), ErrorCode.OUTPUT_INVALID, /^fashion-mnist@1\.0\.0 answered (NaN|-?Infinity) in output "logits"/);
      await rejectsWith(() => broken([SNEAKER, SNEAKER]), ErrorCode.OUTPUT_INVALID, /^input\[0\]: fashion-mnist@1\.0\.0 answered/);
    } finally {
      await broken.dispose();
    }
  } finally {
    await removeDir(path.dirname(dir));
  }
  await stillServing();
});

test('sparse arrays are coded errors naming the hole: images, windows, batches', async () => {
  await rejectsWith(() => fashion(new Array(3) as never), ErrorCode.INVALID_ARGUMENT, /for input\[0\] but received undefined/);
  // eslint-disable-next-line no-sparse-arrays
  await rejectsWith(() => fashion([SNEAKER, , SNEAKER] as never), ErrorCode.INVALID_ARGUMENT, /for input\[1\] but received undefined/);
  await rejectsWith(() => rain(new Array(7)), ErrorCode.INPUT_INVALID, /^input\[0\]: expected a reading/);
  const holed = week();
  delete (holed as unknown[])[3];
  await rejectsWith(() => rain(holed), ErrorCode.INPUT_INVALID, /^input\[3\]: expected a reading .* but received undefined/);
  await rejectsWith(() => rain([1, 2, , 4] as never), ErrorCode.INPUT_INVALID, /expected a window of 7 readings/);
  await stillServing();
});

test('a window or reading whose prototype was replaced is read by its own values', async () => {
  const w = week();
  Object.setPrototypeOf(w, null);
  const r = await rain(w);
  assert.is(r.label, (await rain(week())).label);
  const reading = Object.assign(Object.create(null), day) as typeof day;
  assert.ok(Number.isFinite((await rain(Array.from({ length: 7 }, () => reading))).score));
});

test('inputs and options nested 100,000 deep are INVALID_ARGUMENT, not a stack overflow', async () => {
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  await rejectsWith(() => fashion(deep as never), ErrorCode.INVALID_ARGUMENT, /for input\[0\] but received \[\[\[\.\.\.\]\]\] of type array/);
  await rejectsWith(() => fashion(SNEAKER, { top: deep as never }), ErrorCode.INVALID_ARGUMENT, /for top but received \[\[\[\.\.\.\]\]\]/);
  await rejectsWith(() => rain(deep as never), ErrorCode.INPUT_INVALID);
  await rejectsWith(() => load(BUNDLED, { executionProviders: deep as never }), ErrorCode.INVALID_ARGUMENT, /for executionProviders/);
  const manifest = { manifestVersion: 1, labels: deep };
  await rejectsWith(() => parseManifest(manifest), ErrorCode.MANIFEST_INVALID, /nests deeper than 32 levels/);
  await stillServing();
});

test('a reading whose getter throws, or a Proxy, is INPUT_INVALID; an unforeseen failure is INTERNAL with its cause', async () => {
  const trap = { ...day };
  Object.defineProperty(trap, 'wind', { get() { throw new Error('sensor unplugged'); }, enumerable: true });
  await rejectsWith(() => rain(Array.from({ length: 7 }, () => trap)), ErrorCode.INPUT_INVALID, /^input\[0\]\.wind cannot be read: sensor unplugged/);
  // A revoked Proxy makes even Array.isArray throw: nothing foresees that, and it still gets a code.
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  const err = await rejectsWith(() => fashion(proxy as never), ErrorCode.INTERNAL, /the call failed unexpectedly .*: Cannot perform 'IsArray' on a proxy that has been revoked/);
  assert.instance(err.cause, TypeError);
  await stillServing();
});

test.run();
