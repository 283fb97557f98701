/**
 * ONNX vs TF.js parity on the full Fashion-MNIST test set, through edgefn: top-1 agreement, both
 * accuracies, and the p50/p95 latency of single calls on the same inputs (a benchmark, not a test).
 *
 *   npm run eval:tfjs-parity -- [--onnx models/fashion-mnist] [--tfjs models/fashion-mnist-tfjs] [--latency 1000]
 *
 * The two models run in one process, calls alternating (ONNX, TF.js, ONNX, ...), with ONNX Runtime's
 * spinning off (edgefn's default) so one does not slow the other.
 */
import { parseArgs } from 'node:util';
import { load, type ImageInput } from '../src/index.ts';
import { percentile } from '../src/util/stats.ts';
import { DEFAULT_DATA, readTestSet } from './lib/fashion-mnist.ts';

const { values } = parseArgs({
  options: {
    onnx: { type: 'string', default: 'models/fashion-mnist' },
    tfjs: { type: 'string', default: 'models/fashion-mnist-tfjs' },
    data: { type: 'string', default: DEFAULT_DATA },
    latency: { type: 'string', default: '1000' },
  },
});

const set = await readTestSet(values.data);
const onnx = await load(values.onnx!);
const tfjs = await load(values.tfjs!);
console.log(`${onnx.name} on ${onnx.runtime} vs ${tfjs.name} on ${tfjs.runtime}; ${set.count} test images as PNG buffers`);

let agree = 0;
const correct = { onnx: 0, tfjs: 0 };
for (let i = 0; i < set.count; i += 250) {
  const inputs: ImageInput[] = [];
  for (let j = i; j < Math.min(set.count, i + 250); j++) inputs.push(await set.png(j));
  const [a, b] = [await onnx(inputs), await tfjs(inputs)];
  a.forEach((r, k) => {
    const truth = set.labels[i + k]!;
    if (r.top[0]!.index === b[k]!.top[0]!.index) agree++;
    if (r.top[0]!.index === truth) correct.onnx++;
    if (b[k]!.top[0]!.index === truth) correct.tfjs++;
  });
}
const pct = (n: number) => `${(100 * n / set.count).toFixed(2)} %`;
console.log(`top-1 agreement ${pct(agree)} (${agree}/${set.count})`);
console.log(`accuracy: ONNX ${pct(correct.onnx)}, TF.js ${pct(correct.tfjs)}`);

const n = Number(values.latency);
const times = { onnx: [] as number[], tfjs: [] as number[] };
const infer = { onnx: [] as number[], tfjs: [] as number[] };
for (let i = 0; i < 20; i++) { await onnx(set.pixels(i)); await tfjs(set.pixels(i)); } // warm-up
for (let i = 0; i < n; i++) {
  const png = await set.png(i % set.count);
  const [a, b] = [(await onnx(png)).timings, (await tfjs(png)).timings];
  times.onnx.push(a.total);
  infer.onnx.push(a.infer);
  times.tfjs.push(b.total);
  infer.tfjs.push(b.infer);
}
const row = (k: 'onnx' | 'tfjs', m: typeof onnx) =>
  `  ${m.runtime.padEnd(18)} whole call p50 ${percentile(times[k], 50).toFixed(2)} ms, p95 ${percentile(times[k], 95).toFixed(2)} ms; inference alone p50 ${percentile(infer[k], 50).toFixed(2)} ms`;
console.log(`latency over ${n} single calls:`);
console.log(row('onnx', onnx));
console.log(row('tfjs', tfjs));
await onnx.dispose();
await tfjs.dispose();
