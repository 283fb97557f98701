/**
 * A cheap model in front of the bundled CNN: accuracy, share escalated and CPU per call of the
 * cascade at several thresholds, against each model alone, on the 10,000 Fashion-MNIST test images.
 *
 *   npm run eval:cascade -- [--fast models/fashion-mnist/1.0.0/baselines/linear] [--detailed models/fashion-mnist]
 *                           [--thresholds 0.5,0.7,0.8,0.9,0.95,0.99] [--batch 1] [--limit N] [--data DIR]
 *
 * Inputs are raw pixels (no PNG decode), one per call by default (a camera loop's pattern; --batch N
 * sends N at a time). Both models run with isolate 'none', so their CPU (onnxruntime's threads
 * included) is this process's: process.cpuUsage() around each run, divided by the images. A script,
 * not a test: the figures depend on the machine and on what else it is doing.
 */
import { parseArgs } from 'node:util';
import { cascade, load, type Classification, type ImageClassifier, type ImageInput } from '../src/index.ts';
import { DEFAULT_DATA, readTestSet } from './lib/fashion-mnist.ts';

const { values } = parseArgs({
  options: {
    fast: { type: 'string', default: 'models/fashion-mnist/1.0.0/baselines/linear' },
    detailed: { type: 'string', default: 'models/fashion-mnist' },
    thresholds: { type: 'string', default: '0.5,0.7,0.8,0.9,0.95,0.99' },
    batch: { type: 'string', default: '1' },
    limit: { type: 'string' },
    data: { type: 'string', default: DEFAULT_DATA },
    margin: { type: 'string', default: '0.3' },
  },
});

const set = await readTestSet(values.data, values.limit ? Number(values.limit) : undefined);
const batch = Number(values.batch);
const thresholds = values.thresholds!.split(',').map(Number);
const fast = await load(values.fast!, { isolate: 'none' });
const detailed = await load(values.detailed!, { isolate: 'none' });
const inputs: ImageInput[] = Array.from({ length: set.count }, (_, i) => set.pixels(i));

interface Row { name: string; threshold: number | null; correct: number; escalated: number; cpuMs: number; wallMs: number; inferMs: number }

/** Every test image through `model`, `batch` at a time; CPU and wall time per image. */
async function measure(name: string, threshold: number | null, model: (x: ImageInput[]) => Promise<Classification[]>): Promise<Row> {
  let correct = 0;
  let escalated = 0;
  let inferMs = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < set.count; i += batch) {
    const results = await model(inputs.slice(i, i + batch));
    results.forEach((r, k) => {
      if (r.top[0]!.index === set.labels[i + k]) correct++;
      inferMs += r.timings.infer;
      if ((r as { cascade?: { stage: string } }).cascade?.stage === 'detailed') escalated++;
    });
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { name, threshold, correct, escalated, cpuMs: (cpu.user + cpu.system) / 1000 / set.count, wallMs: wallMs / set.count, inferMs: inferMs / set.count };
}

const alone = (m: ImageClassifier) => (x: ImageInput[]) => (batch === 1 ? m(x[0]!).then((r) => [r]) : m(x));
const rows: Row[] = [];
rows.push(await measure(`${fast.name}@${fast.version} alone`, null, alone(fast)));
rows.push(await measure(`${detailed.name}@${detailed.version} alone`, null, alone(detailed)));
for (const t of thresholds) {
  const c = cascade([fast, detailed], { threshold: t });
  rows.push(await measure('cascade', t, (x) => (batch === 1 ? c(x[0]!).then((r) => [r]) : c(x))));
  const s = c.stats();
  if (s.inputs !== set.count || s.escalated !== rows.at(-1)!.escalated) throw new Error(`stats disagree: ${JSON.stringify(s)}`);
}
await fast.dispose();
await detailed.dispose();

const pct = (n: number) => (100 * n / set.count).toFixed(2);
const [lin, cnn] = [rows[0]!, rows[1]!];
// One image per call: timings.infer is that image's run. A cascade's result carries the stage that
// answered, so its model time is derived: the fast run for every image, the CNN's for the escalated.
const infer = (r: Row) => (batch !== 1 ? '–' : `${(r.threshold === null ? r.inferMs : lin.inferMs + (r.escalated / set.count) * cnn.inferMs).toFixed(3)} ms`);
console.log(`${set.count} Fashion-MNIST test images as raw pixels, ${batch === 1 ? 'one per call' : `${batch} per call`}; isolate 'none' (model CPU in this process); node ${process.version}, ${process.arch}\n`);
console.log('| model | threshold | accuracy | escalated to the CNN | CPU per image | wall per image | model run per image |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.threshold ?? '–'} | ${pct(r.correct)} % | ${r.threshold === null ? '–' : `${pct(r.escalated)} %`} | ${r.cpuMs.toFixed(3)} ms | ${r.wallMs.toFixed(3)} ms | ${infer(r)} |`);
}
// A cascade's CPU is about fast + share x detailed (each stage decodes on its own), so among the
// thresholds that keep accuracy, the one escalating least is the cheapest on any pair of models.
const margin = Number(values.margin);
const ok = rows.filter((r) => r.threshold !== null && 100 * (cnn.correct - r.correct) / set.count <= margin).sort((a, b) => a.escalated - b.escalated);
const best = ok[0];
console.log(`\nBreak-even: the cascade costs less CPU than the CNN alone while the share escalated stays below 1 - ${lin.cpuMs.toFixed(3)} / ${cnn.cpuMs.toFixed(3)} = ${(100 * (1 - lin.cpuMs / cnn.cpuMs)).toFixed(0)} %`);
console.log(best
  ? `Lowest threshold within ${margin} point of the CNN alone: ${best.threshold} (${pct(best.correct)} % vs ${pct(cnn.correct)} %, ${pct(best.escalated)} % escalated, CPU ${(100 * best.cpuMs / cnn.cpuMs).toFixed(0)} % of the CNN's)`
  : `No threshold keeps accuracy within ${margin} point of the CNN alone`);
