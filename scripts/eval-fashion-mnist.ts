/**
 * Accuracy of a Fashion-MNIST model measured through edgefn on the full test set (10,000 images).
 *
 *   npm run eval:fashion -- [--model models/fashion-mnist] [--data /usr/share/datasets/fashion-mnist] [--raw]
 *
 * Each test image is encoded as a PNG and classified from that buffer, so decoding, resizing and
 * normalisation are all on the measured path; --raw feeds the raw pixels instead.
 * Needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist). A script, not a test.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { load, type ImageInput } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fashion-mnist' },
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    raw: { type: 'boolean', default: false },
    limit: { type: 'string' },
  },
});

async function idx(file: string): Promise<{ dims: number[]; data: Uint8Array }> {
  const buf = gunzipSync(await readFile(path.join(values.data!, file)));
  const ndim = buf[3]!;
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: buf.subarray(4 + 4 * ndim) };
}

const images = await idx('t10k-images-idx3-ubyte.gz');
const labels = await idx('t10k-labels-idx1-ubyte.gz');
const [count, h, w] = images.dims as [number, number, number];
const n = Math.min(count, values.limit ? Number(values.limit) : count);

const model = await load(values.model!);
console.log(`${model.name}@${model.version} on ${model.runtime}; ${n} test images as ${values.raw ? 'raw pixels' : 'PNG buffers'}`);

const perClass = model.labels.map(() => ({ total: 0, correct: 0 }));
let correct = 0;
const started = performance.now();
const BATCH = 250;
for (let i = 0; i < n; i += BATCH) {
  const inputs: ImageInput[] = [];
  const end = Math.min(n, i + BATCH);
  for (let j = i; j < end; j++) {
    const pixels = images.data.subarray(j * h * w, (j + 1) * h * w);
    const raw = { data: pixels, width: w, height: h, channels: 1 as const };
    inputs.push(values.raw ? raw : await sharp(pixels, { raw: raw }).png().toBuffer());
  }
  const results = await model(inputs);
  results.forEach((r, k) => {
    const truth = labels.data[i + k]!;
    perClass[truth]!.total++;
    if (r.top[0]!.index === truth) {
      correct++;
      perClass[truth]!.correct++;
    }
  });
}
const seconds = (performance.now() - started) / 1000;
await model.dispose();

console.log(`accuracy ${(100 * correct / n).toFixed(2)} % (${correct}/${n}) in ${seconds.toFixed(1)} s`);
for (const [k, c] of perClass.entries()) {
  console.log(`  ${model.labels[k]!.padEnd(12)} ${(100 * c.correct / c.total).toFixed(1)} %`);
}
