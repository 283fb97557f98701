/**
 * A store's drift: `drift` events naming the statistics, the capture of drifted and unsure calls,
 * the retraining request once per episode, and the options. Real model, real files.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open } from '../src/store/open.js';
import { Capture } from '../src/drift/capture.js';
import type { DriftState } from '../src/drift/types.js';
import { ErrorCode } from '../src/errors.js';
import { age, makeStore, rejectsWith } from './helpers/index.js';
import { cycle, darkened, goldenImages, profiledVersion } from './helpers/drift-kit.js';

let golden: Buffer[];
let dark: Buffer[];
const base = { isolate: 'none' as const, settleMs: 0, monitor: { window: 100, every: 10 } };

test.before(async () => {
  golden = await goldenImages(path.join(await profiledVersion(), '.'));
  dark = await darkened(golden);
});

async function profiledStore(): Promise<string> {
  const nameDir = await makeStore();
  await profiledVersion(path.join(nameDir, '1.0.0'));
  await age(path.join(nameDir, '1.0.0'));
  return nameDir;
}

/** One call per input, as a camera loop makes them. */
async function stream(model: (x: Buffer) => Promise<unknown>, inputs: readonly Buffer[]) {
  const results = [];
  for (const x of inputs) results.push(await model(x));
  return results;
}

test('a drifted store emits drift (statistics named), keeps drifted calls, asks for retraining once', async () => {
  const nameDir = await profiledStore();
  const model = await open(nameDir, { ...base, retrainAfter: 30, capture: { maxItems: 20 } });
  const drifts: { version: string; state: DriftState }[] = [];
  const requests: { version: string; file: string }[] = [];
  model.on('drift', (e) => drifts.push(e));
  model.on('retrainRequested', (e) => requests.push(e));
  try {
    await stream(model, cycle(golden, 100));
    assert.equal(drifts.map((d) => d.state.moved.map((s) => s.name)), [], "no drift on the golden images");
    assert.is(model.drift()!.drifted, false);
    await stream(model, cycle(dark, 200));
    assert.is(drifts.length, 1);
    assert.is(drifts[0]!.version, '1.0.0');
    assert.is(drifts[0]!.state.drifted, true);
    const names = drifts[0]!.state.moved.map((s) => s.name);
    assert.ok(names.includes('brightness'), `moved: ${names}`);
    assert.is(model.drift()!.drifted, true);
    // 200 − (calls until the change) drifted calls ≥ 30: the request, once in this episode.
    assert.is(requests.length, 1);
    assert.is(requests[0]!.file, path.join(nameDir, 'retrain-request.json'));
  } finally {
    await model.dispose();
  }
  const request = JSON.parse(await readFile(path.join(nameDir, 'retrain-request.json'), 'utf8'));
  assert.is(request.version, '1.0.0');
  assert.ok(request.moved.some((s: { name: string }) => s.name === 'brightness'));
  const items = await (await Capture.open({ dir: path.join(nameDir, 'capture'), maxBytes: 16 << 20, maxItems: 20 })).list();
  assert.ok(items.length >= 1 && items.length <= 20, `${items.length} items`);
  assert.ok(items.every((i) => i.reason === 'drift' && i.version === '1.0.0'));
});

test('capture: false keeps nothing; monitor: false emits nothing and drift() is null', async () => {
  const nameDir = await profiledStore();
  const quiet = await open(nameDir, { ...base, capture: false });
  const drifts: unknown[] = [];
  quiet.on('drift', (e) => drifts.push(e));
  await stream(quiet, cycle(dark, 150));
  await quiet.dispose();
  assert.is(drifts.length, 1, 'still monitored');
  assert.not.ok(existsSync(path.join(nameDir, 'capture')));

  const off = await open(nameDir, { ...base, monitor: false });
  off.on('drift', (e) => drifts.push(e));
  const results = await stream(off, cycle(dark, 150));
  await off.dispose();
  assert.is(off.drift(), null);
  assert.is(drifts.length, 1);
  assert.ok(results.every((r) => !('drift' in (r as object))));
  assert.not.ok(existsSync(path.join(nameDir, 'capture')));
});

test('belowConfidence keeps unsure answers while not drifted', async () => {
  const nameDir = await profiledStore();
  const model = await open(nameDir, { ...base, capture: { belowConfidence: 0.99 } });
  const results = (await stream(model, golden)) as { score: number }[];
  await model.dispose();
  assert.is(model.drift()?.drifted ?? false, false);
  const unsure = results.filter((r) => r.score < 0.99).length;
  assert.ok(unsure > 0, 'the golden set has unsure answers');
  const items = await (await Capture.open({ dir: path.join(nameDir, 'capture'), maxBytes: 16 << 20, maxItems: 1000 })).list();
  assert.ok(items.length >= 1 && items.length <= unsure, `${items.length} of ${unsure}`);
  assert.ok(items.every((i) => i.reason === 'low-confidence'));
});

test('a frame buffer the caller reuses right after the call is kept as the model saw it (also the first item, while the capture opens)', async () => {
  const nameDir = await profiledStore();
  const model = await open<{ data: Uint8Array; width: number; height: number; channels: 1 }>(nameDir, { ...base, monitor: { ...base.monitor, enter: 1 } });
  const frames = await Promise.all(dark.map(async (b) => new Uint8Array(await sharp(b).grayscale().raw().toBuffer())));
  const shared = { data: new Uint8Array(28 * 28), width: 28, height: 28, channels: 1 as const };
  let firstDrifted = -1;
  for (let i = 0; i < 200; i++) {
    shared.data.set(frames[i % frames.length]!);
    const r = (await model(shared)) as { drift?: boolean };
    if (r.drift === true && firstDrifted < 0) firstDrifted = i;
    shared.data.fill(255); // the camera writes its next frame into the same buffer
  }
  assert.ok(firstDrifted >= 0, 'drifted');
  await model.dispose();
  const dir = path.join(nameDir, 'capture');
  const items = await (await Capture.open({ dir, maxBytes: 16 << 20, maxItems: 1000 })).list();
  assert.ok(items.length >= 1);
  const first = new Uint8Array(await sharp(path.join(dir, items[0]!.file!)).grayscale().raw().toBuffer());
  assert.ok(first.some((v) => v !== 255), 'the first captured frame is the one the model saw, not the overwritten buffer');
  // The first item is the first drifted call's frame, byte for byte (not a later frame written into the buffer meanwhile).
  assert.ok(Buffer.compare(Buffer.from(frames[firstDrifted % frames.length]!), Buffer.from(first)) === 0, 'the first drifted call\'s frame');
});

test('store drift options are checked, naming the field', async () => {
  const nameDir = await profiledStore();
  const cases: [object, string, string | RegExp][] = [
    [{ capture: 'yes' }, 'capture', 'Expected false or capture options for capture but received "yes" of type string'],
    [{ capture: true }, 'capture', /^Expected false or capture options for capture but received true/],
    [{ capture: { maxMB: 0 } }, 'capture.maxMB', /^Expected positive number of megabytes for capture.maxMB but received 0/],
    [{ capture: { maxItems: 2.5 } }, 'capture.maxItems', /^Expected positive integer up to 100000 for capture.maxItems/],
    [{ capture: { belowConfidence: 2 } }, 'capture.belowConfidence', /^Expected number between 0 and 1 for capture.belowConfidence but received 2/],
    [{ capture: { dir: '' } }, 'capture.dir', /^Expected a folder path for capture.dir/],
    [{ capture: { size: 1 } }, 'capture option name', /^Expected one of dir, maxMB, maxItems, belowConfidence for capture option name but received "size"/],
    [{ retrainAfter: 0 }, 'retrainAfter', /^Expected positive integer \(drifted calls\) for retrainAfter but received 0/],
    [{ monitor: { every: 0 } }, 'monitor.every', /^Expected positive integer up to monitor.window \(500\) for monitor.every/],
  ];
  for (const [options, field, message] of cases) {
    const err = await rejectsWith(() => open(nameDir, { ...base, ...options } as never), ErrorCode.INVALID_ARGUMENT, message);
    assert.is(err.field, field);
  }
});

test.run();
