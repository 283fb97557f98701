/**
 * The monitor on the bundled Fashion-MNIST model with real images: quiet on its golden images,
 * drifted on the same images darkened, nothing measured when off, the profile checked.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load, type ImageClassifier, type WindowClassifier } from '../src/model/load.js';
import { measured } from '../src/drift/attach.js';
import type { DriftState } from '../src/drift/types.js';
import { ErrorCode } from '../src/errors.js';
import { RAIN_VERSION, copyBundled, rejectsWith } from './helpers/index.js';
import { cycle, darkened, goldenImages, profiledVersion } from './helpers/drift-kit.js';

let version: string;
let golden: Buffer[];
let dark: Buffer[];
const options = { isolate: 'none' as const, monitor: { window: 100, every: 10 } };

test.before(async () => {
  version = await profiledVersion();
  golden = await goldenImages(version);
  dark = await darkened(golden);
});

/** Calls one by one (as a camera loop does), in batches of 20 for speed: the monitor sees each input in order either way. */
async function stream(model: ImageClassifier, inputs: readonly Buffer[]) {
  const results = [];
  for (let i = 0; i < inputs.length; i += 20) results.push(...(await model(inputs.slice(i, i + 20))));
  return results;
}

test('an unshifted stream (the golden images, 300 calls) raises no drift', async () => {
  const events: DriftState[] = [];
  const model = await load(version, { ...options, monitor: { ...options.monitor, onDrift: (s) => events.push(s) } });
  try {
    const results = await stream(model, cycle(golden, 300));
    const state = model.drift()!;
    assert.is(state.drifted, false);
    assert.is(state.calls, 300);
    assert.equal(state.window, { calls: 100, size: 100 });
    const names = state.statistics.map((s) => s.name);
    for (const n of ['brightness', 'contrast', 'mean_gray', 'sharpness', 'output.label', 'output.confidence']) assert.ok(names.includes(n), `${n} in ${names}`);
    assert.equal(events, []);
    // Results are unchanged while not drifted: no drift key at all.
    assert.ok(results.every((r) => !('drift' in r)));
  } finally {
    await model.dispose();
  }
});

test('darkened images (×0.35) enter drift, naming brightness; results carry drift: true from then on', async () => {
  const events: { state: DriftState; model: { name: string; version: string } }[] = [];
  const model = await load(version, { ...options, monitor: { ...options.monitor, onDrift: (state, m) => events.push({ state, model: m }) } });
  try {
    await stream(model, cycle(golden, 100));
    const results = await stream(model, cycle(dark, 200));
    assert.is(events.length, 1);
    const { state, model: m } = events[0]!;
    assert.equal(m, { name: 'fashion-mnist', version: '1.0.0' });
    assert.is(state.drifted, true);
    const brightness = state.moved.find((s) => s.name === 'brightness');
    assert.ok(brightness, `moved: ${state.moved.map((s) => s.name)}`);
    assert.ok(brightness.psi > 0.25 && brightness.ks!.p < 1e-3, JSON.stringify(brightness));
    assert.ok(brightness.mean < brightness.referenceMean, `${brightness.mean} vs ${brightness.referenceMean}`);
    assert.is(model.drift()!.drifted, true);
    // `drift` is not in Classification's type yet (src/model/tasks/image-classification.ts).
    const marked = results.map((r) => (r as { drift?: boolean }).drift === true);
    const first = marked.indexOf(true);
    assert.ok(first > 0, 'some results before the change are unmarked');
    assert.ok(marked.slice(first).every(Boolean), 'every result after the change is marked');
    // Back to the golden images: the monitor leaves drift once the window is clean again.
    await stream(model, cycle(golden, 200));
    assert.is(events.length, 2);
    assert.is(events[1]!.state.drifted, false);
    assert.is(model.drift()!.drifted, false);
  } finally {
    await model.dispose();
  }
});

test('monitor: false, or a version without a profile, measures nothing and drift() is null', async () => {
  const off = await load(version, { isolate: 'none', monitor: false });
  const bare = await load(await copyBundled().then(unprofiled), { isolate: 'none' });
  const on = await load(version, { isolate: 'none' });
  try {
    const before = measured.inputs;
    await off(golden.slice(0, 30));
    await bare(golden.slice(0, 30));
    await off(golden[0]!);
    assert.is(measured.inputs, before, 'no input measured');
    assert.is(off.drift(), null);
    assert.is(bare.drift(), null);
    // The counter does count: a monitored model measures each input once.
    await on(golden.slice(0, 30));
    await on(golden[0]!);
    assert.is(measured.inputs, before + 31);
    assert.is(on.drift()!.calls, 31);
  } finally {
    await Promise.all([off.dispose(), bare.dispose(), on.dispose()]);
  }
});

test('a profile that does not match its sha256 is refused at load (MODEL_CHECKSUM), as any listed file', async () => {
  const copy = await profiledVersion(await copyBundled());
  const file = path.join(copy, 'profile.json');
  const json = JSON.parse(await readFile(file, 'utf8'));
  json.items += 1;
  await writeFile(file, JSON.stringify(json));
  await rejectsWith(() => load(copy, { isolate: 'none' }), ErrorCode.MODEL_CHECKSUM, /profile\.json does not match profile\.sha256/);
  // Without verification it loads, and monitors.
  const model = await load(copy, { isolate: 'none', verify: false });
  assert.ok(model.drift() !== null);
  await model.dispose();
});

test('readings are measured from the checked input: a getter is read once per call, and values given as arrays measure like named ones', async () => {
  const named = await load<WindowClassifier>(RAIN_VERSION, { isolate: 'none', monitor: { window: 20, every: 10 } });
  const arrays = await load<WindowClassifier>(RAIN_VERSION, { isolate: 'none', monitor: { window: 20, every: 10 } });
  try {
    let reads = 0;
    const values = (i: number): [number, number, number, number] => [i % 3 === 0 ? 4 : 0, 10 + (i % 5), 4 + (i % 3), 3 + (i % 4)];
    const day = (i: number) => {
      const [precipitation, temp_max, temp_min, wind] = values(i);
      return { precipitation, temp_max, temp_min, get wind() { reads++; return wind; } };
    };
    await named(Array.from({ length: 7 }, (_, j) => day(j)));
    assert.is(reads, 7, 'each reading\'s getter read once (by the check), not again by the monitor');
    for (let k = 1; k < 40; k++) await named(Array.from({ length: 7 }, (_, j) => day(k + j)));
    for (let k = 0; k < 40; k++) await arrays(Array.from({ length: 7 }, (_, j) => values(k + j)));
    const a = named.drift()!;
    const b = arrays.drift()!;
    assert.ok(a.statistics.length > 0);
    assert.equal(b.statistics, a.statistics);
  } finally {
    await Promise.all([named.dispose(), arrays.dispose()]);
  }
});

/** The bundled version with any profile taken out of its manifest. */
async function unprofiled(dir: string): Promise<string> {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  delete m.profile;
  await writeFile(file, JSON.stringify(m));
  return dir;
}

test.run();
