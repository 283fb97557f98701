/**
 * Builds the TF.js version of the bundled Fashion-MNIST model by converting the ONNX model's
 * weights (no retraining): the same layers as tools/train_fashion_mnist.py, channels-last.
 *
 *   /usr/bin/python3 tools/onnx_weights.py models/fashion-mnist/1.0.0/model.onnx tools/data/fashion-weights
 *   node --import tsx tools/build-tfjs-fashion.ts tools/data/fashion-weights models/fashion-mnist-tfjs/1.0.0
 *
 * Conversions: ONNX conv kernels [out, in, kh, kw] → TF.js [kh, kw, in, out]; the ONNX model
 * flattens NCHW (c, h, w) before fc1 while TF.js flattens NHWC (h, w, c), so fc1's input rows are
 * permuted; Gemm weights [out, in] → Dense kernels [in, out]. Batch norm was folded into the convs
 * by the ONNX export. Never needed at run time or in CI.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const [weightsPrefix, out] = process.argv.slice(2) as [string, string];
const meta = JSON.parse(await readFile(`${weightsPrefix}.json`, 'utf8')) as { tensors: { name: string; shape: number[]; offset: number }[] };
const bin = await readFile(`${weightsPrefix}.bin`);
const raw = meta.tensors.map((t) => new Float32Array(bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + 4 * t.shape.reduce((a, b) => a * b, 1))));
const shapes = meta.tensors.map((t) => t.shape);

function convKernel(i: number): tf.Tensor {
  return tf.transpose(tf.tensor(raw[i]!, shapes[i]!), [2, 3, 1, 0]);
}

// fc1: [64, 3136] over NCHW-flattened (c=64, h=7, w=7) → kernel [3136, 64] over NHWC-flattened.
const fc1 = tf.reshape(tf.transpose(tf.reshape(tf.tensor(raw[6]!, shapes[6]!), [64, 64, 7, 7]), [2, 3, 1, 0]), [3136, 64]);

const model = tfl.sequential({
  layers: [
    tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }),
    tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }),
    tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
    tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv3' }),
    tfl.layers.flatten({ name: 'flatten' }),
    tfl.layers.dense({ units: 64, activation: 'relu', name: 'fc1' }),
    tfl.layers.dense({ units: 10, name: 'logits' }),
  ],
});
model.setWeights([
  convKernel(0), tf.tensor(raw[1]!), convKernel(2), tf.tensor(raw[3]!), convKernel(4), tf.tensor(raw[5]!),
  fc1, tf.tensor(raw[7]!), tf.transpose(tf.tensor(raw[8]!, shapes[8]!)), tf.tensor(raw[9]!),
]);

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
await mkdir(out, { recursive: true });
await model.save(tf.io.withSaveHandler(async (artifacts) => {
  const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
  await writeFile(path.join(out, 'weights.bin'), weights);
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: 'edgefn tools/build-tfjs-fashion.ts (weights converted from the ONNX model)',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  await writeFile(path.join(out, 'model.json'), JSON.stringify(modelJson));
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
}));

const onnxDir = 'models/fashion-mnist/1.0.0';
const onnxManifest = JSON.parse(await readFile(path.join(onnxDir, 'manifest.json'), 'utf8'));
await cp(path.join(onnxDir, 'labels.txt'), path.join(out, 'labels.txt'));
await cp(path.join(onnxDir, 'golden'), path.join(out, 'golden'), { recursive: true });
const manifest = {
  manifestVersion: 1,
  name: 'fashion-mnist-tfjs',
  version: '1.0.0',
  task: 'image-classification',
  format: 'tfjs',
  description: 'The bundled Fashion-MNIST CNN as a TF.js layers model: weights converted from models/fashion-mnist/1.0.0/model.onnx.',
  model: { file: 'model.json', sha256: sha(await readFile(path.join(out, 'model.json'))) },
  files: [{ file: 'weights.bin', sha256: sha(await readFile(path.join(out, 'weights.bin'))) }],
  labels: onnxManifest.labels,
  // Names as model.json gives them (see layersNames in src/runtime/tfjs.ts).
  input: { ...onnxManifest.input, name: 'conv1_input', shape: [-1, 28, 28, 1], layout: 'NHWC' },
  output: { name: 'logits', kind: 'logits' },
  golden: onnxManifest.golden,
  metrics: { source: 'converted from fashion-mnist@1.0.0 (ONNX)' },
};
await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${out}: input ${manifest.input.name}, output ${manifest.output.name}`);
