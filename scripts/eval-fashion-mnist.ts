/**
 * Accuracy of a Fashion-MNIST model measured through edgefn on the full test set (10,000 images).
 *
 *   npm run eval:fashion -- [--model models/fashion-mnist] [--data /usr/share/datasets/fashion-mnist] [--raw]
 *
 * Each test image is encoded as a PNG and classified from that buffer, so decoding, resizing and
 * normalisation are all on the measured path; --raw feeds the raw pixels instead.
 * Needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist). A script, not a test.
 */
import { parseArgs } from 'node:util';
import { load, type ImageInput } from '../src/index.ts';
import { DEFAULT_DATA, readTestSet } from './lib/fashion-mnist.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/fashion-mnist' },
    data: { type: 'string', default: DEFAULT_DATA },
    raw: { type: 'boolean', default: false },
    limit: { type: 'string' },
  },
});

const set = await readTestSet(values.data, values.limit ? Number(values.limit) : undefined);
const model = await load(values.model!);
console.log(`${model.name}@${model.version} on ${model.runtime}; ${set.count} test images as ${values.raw ? 'raw pixels' : 'PNG buffers'}`);

const perClass = model.labels.map(() => ({ total: 0, correct: 0 }));
let correct = 0;
const started = performance.now();
const BATCH = 250;
for (let i = 0; i < set.count; i += BATCH) {
  const inputs: ImageInput[] = [];
  for (let j = i; j < Math.min(set.count, i + BATCH); j++) inputs.push(values.raw ? set.pixels(j) : await set.png(j));
  const results = await model(inputs);
  results.forEach((r, k) => {
    const truth = set.labels[i + k]!;
    perClass[truth]!.total++;
    if (r.top[0]!.index === truth) {
      correct++;
      perClass[truth]!.correct++;
    }
  });
}
const seconds = (performance.now() - started) / 1000;
await model.dispose();

console.log(`accuracy ${(100 * correct / set.count).toFixed(2)} % (${correct}/${set.count}) in ${seconds.toFixed(1)} s`);
for (const [k, c] of perClass.entries()) {
  console.log(`  ${model.labels[k]!.padEnd(12)} ${(100 * c.correct / c.total).toFixed(1)} %`);
}
