/**
 * Image explanations on the bundled Fashion-MNIST model (ONNX, and its TF.js twin): the deletion
 * check on every golden image, budgets, options, and the overlay's geometry.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { load, open, ErrorCode, type ImageClassifier, type ImageExplanation } from '../src/index.ts';
import { inputFrame, overlayPNG } from '../src/explain/overlay.ts';
import { parseManifest, type ImageInputSpec } from '../src/manifest/index.ts';
import { BUNDLED, BUNDLED_VERSION, ROOT, golden, makeStore, rejectsWith, removeDir } from './helpers/index.ts';
import { deletionAreas, noiseMap, type Areas } from './helpers/deletion-check.ts';
import { gray28 } from './helpers/explain-kit.ts';

const CELL = 4; // 7 x 7 cells of 4 x 4 pixels

/*
 * The check, per image set: (1) on every image, deleting the map's first cells lowers the score
 * faster than deleting its last ones (salient-first area < salient-last area); (2) against random
 * orders of the same cells, salient-first wins on at least 85% of the images and on average by
 * 0.05 or more. Occlusion does not win against random on every image (a confident model keeps its
 * answer until a lot is gone, whatever goes first): measured 95% at maxCalls 60 (mean areas 0.206
 * salient, 0.343 random, 0.693 inverted).
 * A map of noise wins (1) and (2) about half the time, so it fails both: P(≥ 85 of 100) < 1e-12.
 */
function passes(areas: Areas[]): { every: boolean; wins: number; margin: number } {
  const wins = areas.filter((a) => a.salient < a.random).length / areas.length;
  const margin = areas.reduce((s, a) => s + a.random - a.salient, 0) / areas.length;
  return { every: areas.every((a) => a.salient < a.inverted), wins, margin };
}
const ok = (p: ReturnType<typeof passes>) => p.every && p.wins >= 0.85 && p.margin >= 0.05;

test('deletion check on every golden image: the map passes, a noise map and the inverted map fail', async () => {
  const model = await load(BUNDLED);
  try {
    const items: { file: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
    const real: Areas[] = [], noise: Areas[] = [], inverted: Areas[] = [];
    for (const [i, { file }] of items.entries()) {
      const image = await gray28(golden(file));
      const e = (await model.explain(image, { maxCalls: 60, budgetMs: 600_000 })) as ImageExplanation;
      assert.ok(e.calls <= 60);
      const a = await deletionAreas(model, image, e.heatmap, e.target.index, CELL);
      real.push(a);
      inverted.push({ salient: a.inverted, inverted: a.salient, random: a.random });
      noise.push(await deletionAreas(model, image, noiseMap(e.heatmap.length, i + 1), e.target.index, CELL));
    }
    const p = passes(real);
    console.log(`  deletion areas over ${real.length} golden images: salient ${mean(real, 'salient')}, random ${mean(real, 'random')}, inverted ${mean(real, 'inverted')}; salient beats random on ${(p.wins * 100).toFixed(0)}%`);
    assert.ok(ok(p), JSON.stringify(p));
    assert.not.ok(ok(passes(noise)), `noise map: ${JSON.stringify(passes(noise))}`);
    assert.not.ok(ok(passes(inverted)), `inverted map: ${JSON.stringify(passes(inverted))}`);
  } finally {
    await model.dispose();
  }
});

const mean = (xs: Areas[], k: keyof Areas) => (xs.reduce((s, a) => s + a[k], 0) / xs.length).toFixed(3);

test('budgets: calls never pass maxCalls, the smallest plan always runs, the report says what was used', async () => {
  const model = await load(BUNDLED);
  try {
    const input = golden('00009.png');
    const least = (await model.explain(input, { maxCalls: 5 })) as ImageExplanation;
    assert.equal([least.calls, least.patches, least.patch, least.stride, least.maxCalls, least.complete], [5, 4, 14, 14, 5, true]);
    for (const maxCalls of [6, 13, 30, 100, 200]) {
      const e = (await model.explain(input, { maxCalls, budgetMs: 600_000 })) as ImageExplanation;
      assert.ok(e.calls <= maxCalls && e.calls >= 5, `${e.calls} calls for maxCalls ${maxCalls}`);
      assert.is(e.calls, e.patches + 1);
      assert.is(e.budgetMs, 600_000);
      assert.ok(e.runs >= 2 && e.runs <= e.calls);
    }
    // A budget too small for anything past the input: the smallest plan, and the budget as given.
    const tiny = (await model.explain(input, { budgetMs: 0.001 })) as ImageExplanation;
    assert.equal([tiny.calls, tiny.budgetMs], [5, 0.001]);
    // The default: a budget measured from the first run, reported; calls spent within it.
    const byDefault = (await model.explain(input)) as ImageExplanation;
    assert.ok(byDefault.budgetMs > 0 && Number.isFinite(byDefault.budgetMs));
    assert.is(byDefault.maxCalls, null);
    await rejectsWith(() => model.explain(input, { maxCalls: 4 }), ErrorCode.INVALID_ARGUMENT, 'Expected maxCalls of at least 5 for this model (the input and the smallest plan) but received 4');
    await rejectsWith(() => model.explain(input, { budgetMs: -1 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive number (ms) for budgetMs but received -1 of type number');
    await rejectsWith(() => model.explain(input, { budget: 5 } as never), ErrorCode.INVALID_ARGUMENT, /^Expected one of budgetMs, maxCalls, .* for explain option name but received "budget"/);
  } finally {
    await model.dispose();
  }
});

test('the heat map: at the input size, finite, for the predicted label or the one asked for; classify(x, { explain }) attaches it', async () => {
  const model = await load<ImageClassifier>(BUNDLED);
  try {
    const input = golden('00009.png');
    const e = (await model.explain(input, { maxCalls: 50, budgetMs: 600_000 })) as ImageExplanation;
    assert.equal([e.kind, e.method, e.width, e.height, e.heatmap.length, e.target.label], ['image', 'occlusion', 28, 28, 784, 'Sneaker']);
    assert.ok(e.heatmap.every(Number.isFinite));
    assert.ok(e.heatmap.some((v) => v > 0.01), 'some pixels support the answer');
    const other = (await model.explain(input, { maxCalls: 50, budgetMs: 600_000, target: 'Sandal' })) as ImageExplanation;
    assert.equal([other.target.label, other.target.index], ['Sandal', 5]);
    assert.ok(other.target.score < 0.1);
    const r = await model(input, { explain: { maxCalls: 20 } });
    const attached = (r as unknown as { explanation: ImageExplanation }).explanation;
    assert.equal([attached.kind, attached.target.label, attached.target.score], ['image', r.label, r.score]);
    const many = await model([golden('00009.png'), golden('00019.png')], { explain: true });
    assert.equal(many.map((x) => (x as unknown as { explanation: ImageExplanation }).explanation.target.label), many.map((x) => x.label));
    assert.not.ok('explanation' in (await model(input)));
    await rejectsWith(() => model(input, { explain: 'yes' as never }), ErrorCode.INVALID_ARGUMENT, 'Expected true, false or explain options for explain but received "yes" of type string');
    await rejectsWith(() => model.explain(input, { method: 'shapley' }), ErrorCode.INVALID_ARGUMENT, 'Expected occlusion for an image model for method but received "shapley"');
    await rejectsWith(() => model.explain('no-such.png'), ErrorCode.INPUT_UNREADABLE);
    // The model keeps working after a refused explanation.
    assert.is((await model(input)).label, 'Sneaker');
  } finally {
    await model.dispose();
  }
  await rejectsWith(() => model.explain(golden('00009.png')), ErrorCode.DISPOSED);
});

test('overlay geometry: the model\'s input frame on the original image for fill, contain and cover', () => {
  const spec = (resize: object) => ({ resize: { width: 224, height: 224, fit: 'cover', cropFraction: 1, background: [0, 0, 0], ...resize } }) as ImageInputSpec;
  assert.equal(inputFrame(spec({ fit: 'fill' }), 640, 480), { left: 0, top: 0, width: 640, height: 480 });
  // contain: 640x480 scaled by 0.35 to 224x168, padded 28 above and below: the frame reaches 80 px past each edge.
  assert.equal(inputFrame(spec({ fit: 'contain' }), 640, 480), { left: 0, top: -80, width: 640, height: 640 });
  // cover 256 then the centre 224 (cropFraction 0.875): 320x240 → 341.3x256, cut 58.7 from the left.
  const f = inputFrame(spec({ cropFraction: 0.875 }), 320, 240);
  assert.equal([f.left, f.top, f.width, f.height].map((v) => +v.toFixed(3)), [55, 15, 210, 210]);
});

test('overlay PNG: the heat lands where the model looked on the original image (cover with a centre crop)', async () => {
  const manifest = parseManifest(JSON.parse(await readFile(path.join(ROOT, 'examples/imagenet/mobilenetv2-int8/manifest.json'), 'utf8')));
  const spec = manifest.input as ImageInputSpec;
  const image = { data: new Uint8Array(320 * 240 * 3).fill(128), width: 320, height: 240, channels: 3 as const };
  // Hot in the left half of the model's 224x224 input, nothing in the right half.
  const heat = Float32Array.from({ length: 224 * 224 }, (_, i) => (i % 224 < 112 ? 1 : 0));
  const png = await overlayPNG(image, spec, heat, { maxInputBytes: 1 << 20, limitInputPixels: false });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal([info.width, info.height], [320, 240]);
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
  assert.equal(at(20, 120), [128, 128, 128], 'left of the frame (cropped away): untouched');
  assert.ok(at(80, 120)[0]! > 180 && at(80, 120)[2]! < 80, `inside the hot half: red, got ${at(80, 120)}`);
  assert.equal(at(220, 120), [128, 128, 128], 'the cold half: untouched');
  assert.equal(at(300, 120), [128, 128, 128], 'right of the frame: untouched');
});

test('toPNG on the bundled model: the original size, or the width asked for; bad options are named', async () => {
  const model = await load(BUNDLED);
  try {
    const wide = { data: new Uint8Array(56 * 28).fill(30), width: 56, height: 28, channels: 1 as const };
    const e = (await model.explain(wide, { maxCalls: 20 })) as ImageExplanation;
    const meta = await sharp(await e.toPNG()).metadata();
    assert.equal([meta.format, meta.width, meta.height], ['png', 56, 28]);
    const big = await sharp(await e.toPNG({ width: 224, alpha: 0.8 })).metadata();
    assert.equal([big.width, big.height], [224, 112]);
    await rejectsWith(() => e.toPNG({ alpha: 2 }), ErrorCode.INVALID_ARGUMENT, 'Expected number between 0 and 1 for alpha but received 2 of type number');
  } finally {
    await model.dispose();
  }
});

test('a TF.js model explains the same way (through its own session)', async () => {
  const model = await load(path.join(ROOT, 'models/fashion-mnist-tfjs'));
  try {
    const e = (await model.explain(golden('00009.png'), { maxCalls: 20, budgetMs: 600_000 })) as ImageExplanation;
    assert.equal([e.width, e.height, e.target.label], [28, 28, 'Sneaker']);
    assert.ok(e.calls <= 20 && e.heatmap.some((v) => v > 0.01));
  } finally {
    await model.dispose();
  }
});

test('a store: a call\'s { explain } reaches the active version, and its model explains', async () => {
  const nameDir = await makeStore();
  const store = await open(nameDir, { isolate: 'none' });
  try {
    const r = await store(golden('00009.png'), { explain: { maxCalls: 20 } });
    const e = (r as unknown as { explanation: ImageExplanation }).explanation;
    assert.equal([r.label, e.kind, e.target.label], ['Sneaker', 'image', 'Sneaker']);
    assert.ok(e.calls <= 20);
    assert.is(((await store.active.explain(golden('00009.png'), { maxCalls: 5 })) as ImageExplanation).calls, 5);
  } finally {
    await store.dispose();
    await removeDir(path.dirname(nameDir));
  }
});

test.run();
