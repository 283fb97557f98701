/**
 * Makes test/fixtures/teachable-machine/: a folder in exactly the layout of a Teachable Machine
 * image export (model.json + weights.bin + metadata.json, no edgefn manifest). The model is small
 * and its weights are seeded, not trained: the tests compare edgefn's answer with TF.js run by hand
 * on Teachable Machine's own preprocessing, so what it predicts does not matter, only that both agree.
 *
 *   node --import tsx tools/make-teachable-fixture.ts test/fixtures/teachable-machine
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const out = process.argv[2]!;
const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
// The shape of a Teachable Machine image model's head, on a much smaller trunk.
const model = tfl.sequential({
  name: 'sequential_1',
  layers: [
    tfl.layers.conv2d({ inputShape: [224, 224, 3], filters: 8, kernelSize: 8, strides: 8, activation: 'relu', kernelInitializer: init(1), name: 'conv_pw' }),
    tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_GlobalAveragePooling2D1' }),
    tfl.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(2), name: 'dense_Dense1' }),
    tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3), useBias: false, name: 'dense_Dense2' }),
  ],
});
await mkdir(out, { recursive: true });
await model.save(tf.io.withSaveHandler(async (artifacts) => {
  await writeFile(path.join(out, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
  await writeFile(path.join(out, 'model.json'), JSON.stringify({
    modelTopology: artifacts.modelTopology,
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v1.3.1',
    convertedBy: null,
    weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
  }));
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
}));
await writeFile(path.join(out, 'metadata.json'), JSON.stringify({
  tfjsVersion: '1.3.1',
  tmVersion: '2.4.10',
  packageVersion: '0.8.4-alpha2',
  packageName: '@teachablemachine/image',
  timeStamp: '2026-11-23T08:00:00.000Z',
  userMetadata: {},
  modelName: 'tm-my-image-model',
  labels: ['Cat', 'Coffee', 'Person'],
  imageSize: 224,
}));
console.log(`wrote ${out}`);
