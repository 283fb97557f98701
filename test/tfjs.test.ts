/**
 * TF.js models behind the same load(): the WebAssembly backend on the bundled TF.js model, a
 * Teachable Machine export without a manifest, the absent tfjs-node, tensor leaks, broken files.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { load, ErrorCode } from '../src/index.ts';
import { tfjsEngine } from '../src/runtime/tfjs.ts';
import { imageInputSpec } from '../src/manifest/index.ts';
import { ROOT, BUNDLED, copyBundled, golden, photo, rejectsWith, removeDir } from './helpers/index.ts';

const TFJS_MODEL = path.join(ROOT, 'models/fashion-mnist-tfjs');
const TEACHABLE = path.join(ROOT, 'test/fixtures/teachable-machine');
const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED, '1.0.0/golden/index.json'), 'utf8')).items;

test('the bundled TF.js model runs on tfjs-wasm (tfjs-node is not installed) and agrees with the ONNX one', async () => {
  const [tfjsModel, onnxModel] = [await load(TFJS_MODEL, { isolate: 'none' }), await load(BUNDLED)];
  assert.is(tfjsModel.runtime, 'tfjs-wasm');
  assert.equal(tfjsModel.providers, ['wasm']);
  assert.equal(tfjsModel.inputs, [{ name: 'conv1_input', dtype: 'float32', shape: [null, 28, 28, 1] }]);
  assert.equal(tfjsModel.outputs, [{ name: 'logits', dtype: 'float32', shape: [null, 10] }]);
  const files = items.map((i) => golden(i.file));
  const [a, b] = [await tfjsModel(files), await onnxModel(files)];
  let maxDiff = 0;
  a.forEach((r, i) => {
    assert.is(r.label, b[i]!.label, items[i]!.file);
    for (let k = 0; k < 10; k++) maxDiff = Math.max(maxDiff, Math.abs(r.probabilities[k]! - b[i]!.probabilities[k]!));
  });
  assert.ok(maxDiff < 1e-4, `largest probability difference ${maxDiff}`);
  assert.equal(a[0]!.model, { name: 'fashion-mnist-tfjs', version: '1.0.0' });
  await tfjsModel.dispose();
  await onnxModel.dispose();
});

test('no tensor leaks: the engine holds as many tensors after 1,000 calls as after 10', async () => {
  // On the main thread, where this test can read the engine's tensor count.
  const model = await load(TFJS_MODEL, { isolate: 'none' });
  const file = golden(items[0]!.file);
  for (let i = 0; i < 10; i++) await model(file);
  const after10 = tfjsEngine()!.memory().numTensors;
  for (let i = 0; i < 990; i++) await model(file);
  assert.is(tfjsEngine()!.memory().numTensors, after10);
  await model([file, file, file]);
  assert.is(tfjsEngine()!.memory().numTensors, after10);
  await model.dispose();
});

test('a Teachable Machine export loads without a manifest and matches TF.js run by hand', async () => {
  const model = await load(TEACHABLE);
  assert.is(model.name, 'tm-my-image-model');
  assert.equal(model.labels, ['Cat', 'Coffee', 'Person']);
  assert.equal(imageInputSpec(model.manifest).resize, { width: 224, height: 224, fit: 'cover', cropFraction: 1, background: [0, 0, 0] });
  assert.is(model.manifest.output.kind, 'probabilities');
  const r = await model(photo('coffee.jpg'));

  // By hand, as Teachable Machine's image library does it: centre square, 224x224, /127 - 1.
  const { data } = await sharp(photo('coffee.jpg')).resize(224, 224, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  const x = tf.tensor(Float32Array.from(data, (v) => v / 127 - 1), [1, 224, 224, 3]);
  const json = JSON.parse(await readFile(path.join(TEACHABLE, 'model.json'), 'utf8'));
  const weights = await readFile(path.join(TEACHABLE, 'weights.bin'));
  const reference = await tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
  }));
  const y = reference.predict(x) as tf.Tensor;
  const expected = await y.data();
  tf.dispose([x, y]);
  reference.dispose();
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(r.probabilities[k]! - expected[k]!) < 1e-5, `${k}: ${r.probabilities[k]} vs ${expected[k]}`);
  assert.ok(Math.abs(r.probabilities.reduce((s, p) => s + p, 0) - 1) < 1e-5);
  await model.dispose();
});

test('asking for tfjs-node where it is not installed is a clear error naming what to install', async () => {
  await rejectsWith(() => load(TFJS_MODEL, { runtime: 'tfjs-node' }), ErrorCode.RUNTIME_UNAVAILABLE,
    /tfjs-node: @tensorflow\/tfjs-node is needed for the tfjs-node runtime .* install it with: npm install @tensorflow\/tfjs-node/);
});

test('a second TF.js backend on one thread is refused with the way out', async () => {
  await rejectsWith(() => load(TFJS_MODEL, { runtime: 'tfjs-cpu', isolate: 'none' }), ErrorCode.RUNTIME_UNAVAILABLE, /TF\.js already runs on tfjs-wasm in this process .* \{ isolate: 'thread' \}/);
});

test('a malformed model.json and a missing weight shard are clear errors; other models keep working', async () => {
  const working = await load(TFJS_MODEL);
  const before = await working(golden(items[1]!.file));

  const dir = await copyBundled();
  const tfjsDir = path.join(path.dirname(dir), 'tfjs');
  await (await import('node:fs/promises')).cp(path.join(TFJS_MODEL, '1.0.0'), tfjsDir, { recursive: true });
  try {
    await writeFile(path.join(tfjsDir, 'model.json'), '{ "modelTopology": ');
    await rejectsWith(() => load(tfjsDir, { verify: false }), ErrorCode.MODEL_UNLOADABLE, /model\.json is not a TF\.js model\.json: /);
    await rejectsWith(() => load(tfjsDir), ErrorCode.MODEL_CHECKSUM, /model\.json does not match model\.sha256/);

    await (await import('node:fs/promises')).cp(path.join(TFJS_MODEL, '1.0.0/model.json'), path.join(tfjsDir, 'model.json'));
    await rm(path.join(tfjsDir, 'weights.bin'));
    await rejectsWith(() => load(tfjsDir), ErrorCode.MODEL_MISSING, /Cannot read .*weights\.bin \(files\[0\]\.file\): ENOENT/);

    // A shard the manifest does not list is refused when the model is checked.
    const manifestFile = path.join(tfjsDir, 'manifest.json');
    const m = JSON.parse(await readFile(manifestFile, 'utf8'));
    m.files = [];
    await writeFile(manifestFile, JSON.stringify(m));
    await rejectsWith(() => load(tfjsDir), ErrorCode.MANIFEST_INVALID, /the model needs weights\.bin, which files does not list with its sha256/);

    const after = await working(golden(items[1]!.file));
    assert.equal([...after.probabilities], [...before.probabilities]);
  } finally {
    await working.dispose();
    await removeDir(path.dirname(dir));
  }
});

test('isolate: a TF.js model in its own process', async () => {
  const model = await load(TFJS_MODEL, { isolate: 'process', runtime: 'tfjs-cpu' });
  assert.is(model.runtime, 'tfjs-cpu');
  const r = await model(golden(items[2]!.file));
  assert.is(r.label, items[2]!.label);
  await model.dispose();
});

test.run();
