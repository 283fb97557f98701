/**
 * A cheap model in front of the bundled CNN: accuracy, share escalated and CPU per call of the
 * cascade at several thresholds, against each model alone, on the 10,000 Fashion-MNIST test images.
 *
 *   npm run eval:cascade -- [--fast models/fashion-mnist/1.0.0/baselines/linear] [--detailed models/fashion-mnist]
 *                           [--thresholds 0.5,0.7,0.8,0.9,0.95,0.99] [--batch 1] [--limit N] [--data DIR]
 *                           [--compare] [--rounds 1]
 *
 * Inputs are raw pixels (no PNG decode), one per call by default (a camera loop's pattern; --batch N
 * sends N at a time). Both models run with isolate 'none', so their CPU (onnxruntime's threads
 * included) is this process's: process.cpuUsage() around each run, divided by the images. A pair
 * that prepares inputs alike shares the preparation (an escalated image is decoded once);
 * --compare also measures each threshold with each stage preparing on its own (the detailed model
 * loaded again with another maxInputBytes, a limit raw pixels never reach, so the pair no longer
 * shares), as edgefn did before. --rounds N measures every row N times, interleaved, and keeps the
 * median CPU and wall time. A script, not a test: the figures depend on the machine and its load.
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
    compare: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});

const set = await readTestSet(values.data, values.limit ? Number(values.limit) : undefined);
const batch = Number(values.batch);
const thresholds = values.thresholds!.split(',').map(Number);
const fast = await load(values.fast!, { isolate: 'none' });
const detailed = await load(values.detailed!, { isolate: 'none' });
const apart = values.compare ? await load(values.detailed!, { isolate: 'none', maxInputBytes: 2 ** 30 }) : null;
const inputs: ImageInput[] = Array.from({ length: set.count }, (_, i) => set.pixels(i));

interface Row { name: string; threshold: number | null; correct: number; escalated: number; cpuMs: number; wallMs: number; inferMs: number; shared: boolean }

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
  return { name, threshold, correct, escalated, cpuMs: (cpu.user + cpu.system) / 1000 / set.count, wallMs: wallMs / set.count, inferMs: inferMs / set.count, shared: false };
}

const alone = (m: ImageClassifier) => (x: ImageInput[]) => (batch === 1 ? m(x[0]!).then((r) => [r]) : m(x));

/** One pass of the cascade of `fast` and `second` at threshold t; says whether the pair shared. */
async function measureCascade(second: ImageClassifier, t: number, name: string): Promise<Row> {
  const c = cascade([fast, second], { threshold: t });
  const row = await measure(name, t, (x) => (batch === 1 ? c(x[0]!).then((r) => [r]) : c(x)));
  const s = c.stats();
  if (s.inputs !== set.count || s.escalated !== row.escalated) throw new Error(`stats disagree: ${JSON.stringify(s)}`);
  return { ...row, shared: s.shared === s.escalated && s.escalated > 0 };
}

const plan: (() => Promise<Row>)[] = [
  () => measure(`${fast.name}@${fast.version} alone`, null, alone(fast)),
  () => measure(`${detailed.name}@${detailed.version} alone`, null, alone(detailed)),
  ...thresholds.map((t) => () => measureCascade(detailed, t, 'cascade')),
  ...(apart ? thresholds.map((t) => () => measureCascade(apart, t, 'cascade, each stage prepares')) : []),
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
// Untimed first: the JIT, libvips' caches and onnxruntime's first runs would be billed to the first row.
for (const m of [fast, detailed, ...(apart ? [apart] : [])]) for (let i = 0; i < Math.min(500, set.count); i++) await m(inputs[i]!);
const passes: Row[][] = plan.map(() => []);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [k, step] of plan.entries()) passes[k]!.push(await step());
}
const rows: Row[] = passes.map((p) => ({ ...p[0]!, cpuMs: median(p.map((r) => r.cpuMs)), wallMs: median(p.map((r) => r.wallMs)) }));
await fast.dispose();
await detailed.dispose();
await apart?.dispose();

const pct = (n: number) => (100 * n / set.count).toFixed(2);
const [lin, cnn] = [rows[0]!, rows[1]!];
// One image per call: timings.infer is that image's run. A cascade's result carries the stage that
// answered, so its model time is derived: the fast run for every image, the CNN's for the escalated.
const infer = (r: Row) => (batch !== 1 ? '–' : `${(r.threshold === null ? r.inferMs : lin.inferMs + (r.escalated / set.count) * cnn.inferMs).toFixed(3)} ms`);
console.log(`${set.count} Fashion-MNIST test images as raw pixels, ${batch === 1 ? 'one per call' : `${batch} per call`}; isolate 'none' (model CPU in this process); ${values.rounds} round(s), median; node ${process.version}, ${process.arch}\n`);
console.log('| model | threshold | accuracy | escalated to the CNN | CPU per image | wall per image | model run per image |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.threshold ?? '–'} | ${pct(r.correct)} % | ${r.threshold === null ? '–' : `${pct(r.escalated)} %`} | ${r.cpuMs.toFixed(3)} ms | ${r.wallMs.toFixed(3)} ms | ${infer(r)} |`);
}
const cascades = rows.filter((r) => r.name === 'cascade');
console.log(`\nThe pair ${cascades.every((r) => r.shared || r.escalated === 0) ? 'shares' : 'does not share'} its preparation: ${cascades.every((r) => r.shared || r.escalated === 0) ? 'an escalated image is decoded once' : 'each stage decodes an escalated image on its own'}.`);
// A cascade's CPU is about a + b x share (the fast stage and one preparation for every image, the
// detailed run for the escalated ones): a least-squares line through the cascade rows gives the
// share below which the cascade costs less than the CNN alone. Among the thresholds that keep
// accuracy, the one escalating least is then the cheapest.
const line = (rs: Row[]) => {
  const xs = rs.map((r) => r.escalated / set.count);
  const [mx, my] = [xs.reduce((a, b) => a + b, 0) / rs.length, rs.reduce((a, r) => a + r.cpuMs, 0) / rs.length];
  const b = rs.reduce((acc, r, i) => acc + (xs[i]! - mx) * (r.cpuMs - my), 0) / xs.reduce((acc, x) => acc + (x - mx) ** 2, 0);
  return { a: my - b * mx, b };
};
for (const [label, rs] of [['shared', cascades], ['each stage prepares', rows.filter((r) => r.name !== 'cascade' && r.threshold !== null)]] as const) {
  if (rs.length < 2) continue;
  const { a, b } = line(rs);
  const even = (cnn.cpuMs - a) / b;
  console.log(`Cascade (${label}): CPU per image ≈ ${a.toFixed(3)} + ${b.toFixed(3)} × share ms; below the CNN alone (${cnn.cpuMs.toFixed(3)} ms) ${
    a >= cnn.cpuMs ? 'at no share' : b <= 0 || even >= 1 ? 'at every share' : `while the share escalated stays below ${(100 * even).toFixed(0)} %`}`);
}
const margin = Number(values.margin);
const ok = cascades.filter((r) => 100 * (cnn.correct - r.correct) / set.count <= margin).sort((a, b) => a.escalated - b.escalated);
const best = ok[0];
console.log(best
  ? `Lowest threshold within ${margin} point of the CNN alone: ${best.threshold} (${pct(best.correct)} % vs ${pct(cnn.correct)} %, ${pct(best.escalated)} % escalated, CPU ${(100 * best.cpuMs / cnn.cpuMs).toFixed(0)} % of the CNN's)`
  : `No threshold keeps accuracy within ${margin} point of the CNN alone`);
