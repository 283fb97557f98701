/**
 * Figures for the README's "Explanations" section:
 *  - the cost of one explanation at the default budget, as a multiple of one call, for the bundled
 *    model (golden images), rain-tomorrow (golden windows) and MobileNetV2 int8 (../shared/models,
 *    EDGEFN_SHARED_MODELS; left out with a message when absent) on the test photos;
 *  - the deletion check over the bundled model's golden set: areas under the deletion curve,
 *    salient-first vs random cells vs salient-last, at the default budget and at maxCalls 60;
 *  - docs/explain-sneaker.png, the overlay shown in the README.
 *
 *   npm run eval:explain            (node --import tsx scripts/eval-explain.ts)
 *
 * Timings are medians on this machine; the machine's load moves them, the calls do not.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { deletionCurve, load, randomCells, rankCells, type AnyModel, type ExplainOptions, type ImageExplanation, type RawImage } from '../src/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.EDGEFN_SHARED_MODELS ?? path.resolve(ROOT, '../shared/models');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** One call's time and one explanation's (default budget), per input: medians, and the calls used. */
async function cost(model: AnyModel, inputs: unknown[], label: string): Promise<void> {
  const calls: number[] = [], one: number[] = [], explain: number[] = [];
  for (const x of inputs) {
    for (let k = 0; k < 3; k++) one.push((await timed(() => model(x)))[1]);
    const [e, ms] = await timed(() => model.explain(x));
    explain.push(ms);
    calls.push(e.calls);
  }
  const m = median(explain) / median(one);
  console.log(`${label}: one call ${median(one).toFixed(2)} ms, one explanation ${median(explain).toFixed(1)} ms = ${m.toFixed(1)} calls' time; ${median(calls)} evaluations (median; ${Math.min(...calls)}–${Math.max(...calls)})`);
}

const bundled = path.join(ROOT, 'models/fashion-mnist/1.0.0');
const goldenItems: { file: string }[] = JSON.parse(await readFile(path.join(bundled, 'golden/index.json'), 'utf8')).items;
const images = goldenItems.map((i) => path.join(bundled, 'golden', i.file));

const fashion = await load(path.join(ROOT, 'models/fashion-mnist'));
await cost(fashion, images, 'fashion-mnist (28x28, 100 golden images)');

const rain = await load(path.join(ROOT, 'models/rain-tomorrow'));
const windows = JSON.parse(await readFile(path.join(ROOT, 'models/rain-tomorrow/1.0.0/golden/index.json'), 'utf8')).items.map((i: { input: unknown }) => i.input);
await cost(rain, windows, 'rain-tomorrow (4 features over 7 readings, 60 golden windows)');
await rain.dispose();

/** Mean deletion areas over the golden set (7x7 cells of 4 px; random: 3 seeded orders). */
async function deletion(options: ExplainOptions, label: string): Promise<void> {
  let salient = 0, random = 0, inverted = 0, wins = 0, calls = 0;
  for (const file of images) {
    const { data } = await sharp(file).grayscale().raw().toBuffer({ resolveWithObject: true });
    const image: RawImage = { data: new Uint8Array(data), width: 28, height: 28, channels: 1 };
    const e = (await fashion.explain(image, options)) as ImageExplanation;
    calls += e.calls;
    const curve = async (order: number[]) => (await deletionCurve(fashion, image, order, e.target.index, { cell: 4 })).area;
    const s = await curve(rankCells(e.heatmap, 28, 28, 4));
    let r = 0;
    for (let k = 1; k <= 3; k++) r += (await curve(randomCells(49, k))) / 3;
    const inv = await curve(rankCells(e.heatmap.map((v) => -v), 28, 28, 4));
    salient += s; random += r; inverted += inv;
    if (s < r) wins++;
  }
  const n = images.length;
  console.log(`deletion, ${label}: mean area salient-first ${(salient / n).toFixed(3)}, random ${(random / n).toFixed(3)}, salient-last ${(inverted / n).toFixed(3)}; salient beats random on ${wins}/${n} images; ${(calls / n).toFixed(1)} evaluations per explanation`);
}
await deletion({}, 'default budget');
await deletion({ maxCalls: 60, budgetMs: 600_000 }, 'maxCalls 60');

// The README's picture: golden 00009 (a sneaker), a fine grid, drawn 8x.
const e = (await fashion.explain(path.join(bundled, 'golden/00009.png'), { maxCalls: 200, budgetMs: 600_000 })) as ImageExplanation;
await mkdir(path.join(ROOT, 'docs'), { recursive: true });
await writeFile(path.join(ROOT, 'docs/explain-sneaker.png'), await e.toPNG({ width: 224 }));
console.log(`docs/explain-sneaker.png: ${e.target.label} ${(e.target.score * 100).toFixed(1)}%, patch ${e.patch} px, stride ${e.stride} px, ${e.calls} evaluations`);
await fashion.dispose();

const net = ['mobilenetv2-12-int8.onnx', 'imagenet-synset.txt'];
if (!net.every((f) => existsSync(path.join(SHARED, f)))) {
  console.log(`MobileNetV2: ${SHARED} (EDGEFN_SHARED_MODELS) lacks ${net.join(' or ')}; left out`);
} else {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'edgefn-eval-explain-')), '1.0.0');
  try {
    await mkdir(dir);
    await copyFile(path.join(ROOT, 'examples/imagenet/mobilenetv2-int8/manifest.json'), path.join(dir, 'manifest.json'));
    await copyFile(path.join(SHARED, net[0]!), path.join(dir, 'model.onnx'));
    await copyFile(path.join(SHARED, net[1]!), path.join(dir, 'labels.txt'));
    const mobilenet = await load(dir);
    const photos = ['chelsea.jpg', 'coffee.jpg', 'grace-hopper.jpg'].map((p) => path.join(ROOT, 'test/fixtures/photos', p));
    await cost(mobilenet, photos, 'MobileNetV2 int8 (224x224, 3 photos)');
    await mobilenet.dispose();
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
}
