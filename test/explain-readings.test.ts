/**
 * Explanations of readings models on real ONNX models: rain-tomorrow (a windowed classifier, four
 * features), a copy of it whose first layer ignores `wind`, and the temp-max-tomorrow regressor.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load, permutationImportance, goldenImportance, ErrorCode, type FeatureExplanation, type ReadingWindow, type WindowClassifier, type WindowRegressor } from '../src/index.ts';
import { BUNDLED, RAIN, TEMP_MAX, rejectsWith, removeDir, tempDir } from './helpers/index.ts';
import { rainGolden, rainIgnoring, spearman } from './helpers/explain-kit.ts';

const sum = (e: FeatureExplanation) => e.attributions.reduce((a, b) => a + b.contribution, 0);
const win = (x: unknown) => x as ReadingWindow;
const order = (e: { feature: string }[]) => e.map((a) => a.feature);

test('rain-tomorrow: exact Shapley over the 4 features, summing to score − reference score', async () => {
  const model = await load<WindowClassifier>(RAIN);
  try {
    const items = await rainGolden();
    for (const { input } of items.slice(0, 12)) {
      const e = (await model.explain(input as ReadingWindow)) as FeatureExplanation;
      assert.is(e.kind, 'features');
      assert.is(e.method, 'shapley-exact');
      assert.is(e.reference, 'golden');
      // Every coalition of 4 features: 2^4 evaluations, the input and the reference included.
      assert.is(e.calls, 16);
      assert.equal(order(e.attributions).sort(), ['precipitation', 'temp_max', 'temp_min', 'wind']);
      const r = await model(input as ReadingWindow);
      assert.is(e.target.label, r.label);
      assert.is(e.target.score, r.score);
      assert.ok(Math.abs(sum(e) - (e.target.score - e.referenceScore)) < 1e-9, `${sum(e)} vs ${e.target.score - e.referenceScore}`);
      const mags = e.attributions.map((a) => Math.abs(a.contribution));
      assert.equal(mags, [...mags].sort((a, b) => b - a), 'sorted by magnitude');
    }
  } finally {
    await model.dispose();
  }
});

test('sampled Shapley under a small maxCalls: whole permutations only, still summing exactly, repeatable for a seed', async () => {
  const model = await load<WindowClassifier>(RAIN);
  try {
    const { input } = (await rainGolden())[0]!;
    const a = (await model.explain(input as ReadingWindow, { maxCalls: 10, target: 'rain', seed: 7 })) as FeatureExplanation;
    assert.is(a.method, 'shapley-sampled');
    assert.is(a.target.label, 'rain');
    assert.is(a.permutations, 2); // one permutation and its reverse: 2 + 2 × 3 evaluations
    assert.ok(a.calls <= 10, `${a.calls} calls`);
    assert.is(a.maxCalls, 10);
    assert.ok(Math.abs(sum(a) - (a.target.score - a.referenceScore)) < 1e-9);
    const b = (await model.explain(input as ReadingWindow, { maxCalls: 10, target: 'rain', seed: 7 })) as FeatureExplanation;
    assert.equal(b.attributions, a.attributions);
    await rejectsWith(() => model.explain(input as ReadingWindow, { maxCalls: 4 }), ErrorCode.INVALID_ARGUMENT, /^Expected maxCalls of at least 5 .* but received 4$/);
  } finally {
    await model.dispose();
  }
});

test('a feature the model does not use gets exactly 0 (and the same model with it gives it a share)', async () => {
  const items = await rainGolden();
  const ignoring = await rainIgnoring(3); // wind
  const [model, original] = await Promise.all([load<WindowClassifier>(ignoring), load<WindowClassifier>(RAIN)]);
  try {
    for (const { input } of items.slice(0, 8)) {
      const e = (await model.explain(input as ReadingWindow)) as FeatureExplanation;
      const wind = e.attributions.find((a) => a.feature === 'wind')!;
      assert.is(wind.contribution, 0);
      assert.ok(e.attributions.some((a) => Math.abs(a.contribution) > 0.01));
    }
    // The check can fail: the unmodified model does use wind.
    const shares = await Promise.all(items.slice(0, 8).map(async ({ input }) => ((await original.explain(input as ReadingWindow)) as FeatureExplanation).attributions.find((a) => a.feature === 'wind')!.contribution));
    assert.ok(shares.some((s) => Math.abs(s) > 0.01), shares.join(', '));
    const perm = await permutationImportance(model, items.map((i) => i.input));
    assert.is(perm.features.find((f) => f.feature === 'wind')!.importance, 0);
  } finally {
    await Promise.all([model.dispose(), original.dispose()]);
    await removeDir(path.dirname(ignoring));
  }
});

/*
 * Shapley (against the golden mean) and permutation importance (against the set's own spread)
 * measure different things, so only what both can state firmly is compared. Over rain-tomorrow's
 * 60 golden windows, with 20 shuffles, permutation importance splits the features in two pairs:
 * {precipitation, temp_max} ≈ 0.14 each and {temp_min, wind} ≈ 0.03 each, the members of a pair
 * within one standard deviation of each other (so their order is noise), the pairs 10 apart.
 * Check: the same two leaders in both rankings, and Spearman ≥ 0.6 (for 4 items: at most a swap
 * inside each pair). A reversed ranking fails both.
 */
test('rain-tomorrow: the averaged attribution magnitudes rank the features as permutation importance does', async () => {
  const model = await load<WindowClassifier>(RAIN);
  try {
    const items = await rainGolden();
    const inputs = items.map((i) => i.input);
    const perm = await permutationImportance(model, inputs, { repeats: 20 });
    assert.is(perm.calls, 60 + 60 * 4 * 20);
    const mag = new Map<string, number>();
    for (const x of inputs) {
      for (const a of ((await model.explain(x as ReadingWindow)) as FeatureExplanation).attributions) mag.set(a.feature, (mag.get(a.feature) ?? 0) + Math.abs(a.contribution));
    }
    const byShapley = [...mag].sort((a, b) => b[1] - a[1]).map(([f]) => f);
    const byPermutation = order(perm.features);
    const agree = (a: string[], b: string[]) => spearman(a, b) >= 0.6 && [...a.slice(0, 2)].sort().join() === [...b.slice(0, 2)].sort().join();
    assert.ok(agree(byShapley, byPermutation), `${byShapley} vs ${byPermutation}`);
    assert.equal([...byShapley.slice(0, 2)].sort(), ['precipitation', 'temp_max']);
    assert.not.ok(agree([...byShapley].reverse(), byPermutation), 'a reversed ranking must fail');
  } finally {
    await model.dispose();
  }
});

test('references: an explicit one, the manifest\'s normalize means without a golden set; a bad one is INPUT_INVALID naming it', async () => {
  const items = await rainGolden();
  const input = items[0]!.input as ReadingWindow;
  const model = await load<WindowClassifier>(RAIN);
  try {
    const e = (await model.explain(input, { reference: input })) as FeatureExplanation;
    assert.is(e.reference, 'option');
    assert.equal(e.attributions.map((a) => a.contribution), [0, 0, 0, 0]);
    await rejectsWith(() => model.explain(input, { reference: [{ precipitation: 1 }] }), ErrorCode.INPUT_INVALID, /^reference: expected a window of 7 readings/);
    await rejectsWith(() => model.explain(input, { method: 'occlusion' }), ErrorCode.INVALID_ARGUMENT, 'Expected shapley for a readings model for method but received "occlusion"');
    await rejectsWith(() => model.explain(input, { target: 'snow' }), ErrorCode.INVALID_ARGUMENT, /^Expected one of the model's labels \(dry, rain\) for target but received "snow"/);
  } finally {
    await model.dispose();
  }
  const dir = path.join(await tempDir(), '1.0.0');
  try {
    await (await import('node:fs/promises')).cp(path.join(RAIN, '1.0.0'), dir, { recursive: true });
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    delete manifest.golden;
    await writeFile(manifestFile, JSON.stringify(manifest));
    const bare = await load<WindowClassifier>(dir);
    try {
      const e = (await bare.explain(input)) as FeatureExplanation;
      assert.is(e.reference, 'normalize');
      assert.ok(Math.abs(sum(e) - (e.target.score - e.referenceScore)) < 1e-9);
    } finally {
      await bare.dispose();
    }
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('a regressor: attributions of its value; classify-style { explain } on a call attaches one to each result', async () => {
  const model = await load<WindowRegressor>(TEMP_MAX);
  try {
    const items = await rainGolden();
    const e = (await model.explain(items[0]!.input as ReadingWindow)) as FeatureExplanation;
    const r = await model(items[0]!.input as ReadingWindow);
    assert.is(e.target.label, 'temp_max');
    assert.is(e.target.score, r.value);
    assert.ok(Math.abs(sum(e) - (e.target.score - e.referenceScore)) < 1e-6 * Math.max(1, Math.abs(r.value)));
    const [a, b] = (await model([win(items[0]!.input), win(items[1]!.input)], { explain: { maxCalls: 100 } })) as unknown as { explanation: FeatureExplanation }[];
    assert.is(a!.explanation.kind, 'features');
    assert.is(b!.explanation.target.score, (await model(items[1]!.input as ReadingWindow)).value);
    await rejectsWith(() => model(items[0]!.input as ReadingWindow, { explain: { maxCalls: 0 } }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer for explain.maxCalls but received 0 of type number');
  } finally {
    await model.dispose();
  }
});

test('the gate\'s report: importance over the golden items against their labels; null for an image model', async () => {
  const items = await rainGolden();
  const [model, images] = await Promise.all([load<WindowClassifier>(RAIN, { isolate: 'process' }), load(BUNDLED)]);
  try {
    const report = (await goldenImportance(model, items))!;
    assert.equal([report.items, report.calls, report.accuracy!.toFixed(4)], [60, 60 + 60 * 4 * 5, '0.6833']);
    assert.equal(order(report.features).sort(), ['precipitation', 'temp_max', 'temp_min', 'wind']);
    assert.is(await goldenImportance(images, [{ label: 'Sneaker' }, { label: 'Bag' }]), null);
    // In a child process, an explanation goes through the same session.
    const e = (await model.explain(win(items[0]!.input))) as FeatureExplanation;
    assert.equal([e.method, e.calls], ['shapley-exact', 16]);
    await rejectsWith(() => permutationImportance(model, [items[0]!.input]), ErrorCode.INVALID_ARGUMENT, /^Expected an array of at least 2 inputs for inputs/);
  } finally {
    await Promise.all([model.dispose(), images.dispose()]);
  }
});

test.run();
