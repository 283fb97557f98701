/**
 * The drift capture on real files: every input kind, the quota by items and by bytes (oldest
 * first out, exact counts), a vanished path, an unwritable folder, queued concurrent adds, what
 * a killed writer leaves cleaned at open, and the retraining request.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from '../src/index.ts';
import { Capture, sniffExtension } from '../src/drift/capture.ts';
import { readRetrainRequest, writeRetrainRequest, type RetrainRequest } from '../src/drift/retrain.ts';
import { BUNDLED, rejectsWith, removeDir, tempDir } from './helpers/index.ts';
import { assertWhole, goldenPath, sha256 } from './helpers/capture-kit.ts';

const classify = await load(BUNDLED);
const result = (i: number) => ({ label: `c${i}`, score: 0.5, unknown: false, top: [{ label: `c${i}`, index: 0, score: 0.5 }] });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const root = await tempDir('edgefn-capture-');
  try {
    await fn(path.join(root, 'capture'));
  } finally {
    await removeDir(root);
  }
}

test('each input kind: a PNG file, a Buffer, raw pixels (encoded to PNG), a reading, a window; records carry the answer', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 1_000_000, maxItems: 100 });
  const file = goldenPath(0);
  const png = await readFile(file);
  const real = await classify(file);
  const time = new Date('2026-01-02T03:04:05.000Z');
  await capture.add({ input: file, result: real, version: '1.0.0', reason: 'drift', time });
  await capture.add({ input: png, result: real, version: '1.0.0', reason: 'low-confidence' });
  const raw = { data: new Uint8Array(28 * 28).map((_, i) => i % 251), width: 28, height: 28, channels: 1 as const };
  await capture.add({ input: raw, result: await classify(raw), version: '1.0.0', reason: 'drift' });
  await capture.add({ input: { temp_max: 31.5, wind: Number.NaN }, result: result(1), version: '2.0.0', reason: 'drift' });
  await capture.add({ input: [[1, 2], [3, 4]], result: result(2), version: '2.0.0', reason: 'drift', features: ['a', 'b'] });
  const items = await capture.list();
  assert.equal(items.map((i) => i.kind), ['image', 'image', 'image', 'reading', 'window']);
  const [f, b, r, reading, window] = items;
  assert.equal([f!.time, f!.version, f!.reason, f!.label, f!.confidence, f!.source], [time.toISOString(), '1.0.0', 'drift', real.label, real.score, file]);
  assert.is(f!.top[0]!.label, real.top[0]!.label);
  assert.is(f!.sha256, sha256(png), 'the file is copied byte for byte');
  assert.is(b!.sha256, sha256(png));
  assert.ok(f!.file!.endsWith('.png') && b!.file!.endsWith('.png'));
  // The raw pixels come back from the PNG unchanged.
  const sharp = (await import('sharp')).default;
  assert.is((await sharp(path.join(dir, r!.file!)).metadata()).channels, 1, 'gray stays gray');
  const decoded = await sharp(path.join(dir, r!.file!)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  assert.equal([decoded.info.width, decoded.info.height, decoded.info.channels], [28, 28, 1]);
  assert.equal(new Uint8Array(decoded.data), raw.data);
  assert.equal([reading!.file, reading!.reading], [null, { temp_max: 31.5, wind: null }]);
  assert.equal(window!.reading, [{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  const check = await assertWhole(dir);
  assert.equal(capture.usage(), { items: 5, bytes: check.bytes });
  // A fresh open finds the same items.
  assert.equal((await (await Capture.open({ dir, maxBytes: 1_000_000, maxItems: 100 })).list()), items);
}));

test('sniffExtension: png, jpg, webp, gif, unknown', async () => {
  const sharp = (await import('sharp')).default;
  const img = sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } });
  assert.is(sniffExtension(await img.clone().jpeg().toBuffer()), 'jpg');
  assert.is(sniffExtension(await img.clone().webp().toBuffer()), 'webp');
  assert.is(sniffExtension(await img.clone().gif().toBuffer()), 'gif');
  assert.is(sniffExtension(await readFile(goldenPath(1))), 'png');
  assert.is(sniffExtension(new Uint8Array([1, 2, 3])), 'bin');
});

test('quota by items: oldest first out, exactly maxItems kept', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 10_000_000, maxItems: 5 });
  for (let i = 0; i < 12; i++) await capture.add({ input: { i }, result: result(i), version: '1.0.0', reason: 'drift' });
  const items = await capture.list();
  assert.equal(items.map((x) => x.label), ['c7', 'c8', 'c9', 'c10', 'c11']);
  const check = await assertWhole(dir, { maxBytes: 10_000_000, maxItems: 5 });
  assert.equal(check.ids, items.map((x) => x.id));
  // A smaller quota at the next open trims the oldest.
  const smaller = await Capture.open({ dir, maxBytes: 10_000_000, maxItems: 2 });
  assert.equal((await smaller.list()).map((x) => x.label), ['c10', 'c11']);
  assert.is((await readdir(dir)).length, 2);
}));

test('quota by bytes: oldest first out, never over maxBytes, the byte count matches the folder', () => withDir(async (dir) => {
  const maxBytes = 4000;
  const capture = await Capture.open({ dir, maxBytes, maxItems: 1000 });
  // The expected content, kept by hand: each item's size on disk, oldest out until the new one fits.
  const model: { label: string; size: number }[] = [];
  let evicted = 0;
  for (let i = 0; i < 12; i++) {
    await capture.add({ input: goldenPath(i), result: result(i), version: '1.0.0', reason: 'drift' });
    const check = await assertWhole(dir, { maxBytes, maxItems: 1000 }, `after add ${i}:`);
    const newest = check.records.at(-1);
    const size = (await readFile(path.join(dir, `${newest.id}.json`))).length + newest.bytes;
    while (model.reduce((s, m) => s + m.size, 0) + size > maxBytes) { model.shift(); evicted++; }
    model.push({ label: `c${i}`, size });
    assert.equal(check.records.map((r) => r.label), model.map((m) => m.label), `after add ${i}`);
    assert.equal(capture.usage(), { items: check.items, bytes: check.bytes });
  }
  assert.ok(evicted >= 3, `${evicted} evicted`);
}));

test('an image larger than the whole quota: the record is kept without its bytes, saying why', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 1500, maxItems: 10 });
  await capture.add({ input: new Uint8Array(5000), result: result(0), version: '1.0.0', reason: 'drift' });
  await capture.add({ input: goldenPath(3), result: result(1), version: '1.0.0', reason: 'drift' });
  const [big, file] = await capture.list();
  assert.equal([big!.file, big!.error?.code], [null, 'EDGEFN_INPUT_TOO_LARGE']);
  assert.is(file!.error?.code, undefined);
  // A file over the quota is refused before it is read.
  await capture.add({ input: path.join(BUNDLED, '1.0.0/model.onnx'), result: result(2), version: '1.0.0', reason: 'drift' });
  assert.is((await capture.list()).at(-1)!.error?.code, 'EDGEFN_INPUT_TOO_LARGE');
  await assertWhole(dir, { maxBytes: 1500, maxItems: 10 });
}));

test('a vanished path, a folder and raw pixels that do not add up: kept as records with the error, add() resolves', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 100_000, maxItems: 10 });
  const gone = path.join(path.dirname(dir), 'gone.png');
  await writeFile(gone, await readFile(goldenPath(0)));
  const answer = await classify(gone);
  await rm(gone);
  await capture.add({ input: gone, result: answer, version: '1.0.0', reason: 'low-confidence' });
  await capture.add({ input: path.dirname(dir), result: answer, version: '1.0.0', reason: 'drift' });
  await capture.add({ input: { data: new Uint8Array(10), width: 28, height: 28, channels: 1 }, result: answer, version: '1.0.0', reason: 'drift' });
  const [v, folder, raw] = await capture.list();
  assert.equal([v!.kind, v!.file, v!.source, v!.label, v!.error?.code], ['image', null, gone, answer.label, 'EDGEFN_INPUT_UNREADABLE']);
  assert.match(v!.error!.message, /ENOENT/);
  assert.match(folder!.error!.message, /it is a folder/);
  assert.equal([raw!.error?.code, raw!.error?.message], ['EDGEFN_INPUT_INVALID', 'raw pixels 28x28x1 do not match their 10 bytes']);
  await assertWhole(dir);
}));

test('an unwritable folder (under a regular file): open resolves, add() rejects STORE_WRITE_FAILED naming the folder; a folder replaced later too', async () => {
  const root = await tempDir('edgefn-capture-');
  try {
    const blocker = path.join(root, 'a-file');
    await writeFile(blocker, 'not a folder');
    const dir = path.join(blocker, 'capture');
    const capture = await Capture.open({ dir, maxBytes: 100_000, maxItems: 10 });
    const err = await rejectsWith(() => capture.add({ input: goldenPath(0), result: result(0), version: '1.0.0', reason: 'drift' }), 'EDGEFN_STORE_WRITE_FAILED', /^Cannot write to the capture folder .*a-file\/capture: .*ENOTDIR/);
    assert.is(err.input, dir);
    // The queue keeps going after a failure.
    await rejectsWith(() => capture.add({ input: { a: 1 }, result: result(0), version: '1.0.0', reason: 'drift' }), 'EDGEFN_STORE_WRITE_FAILED');
    assert.equal(capture.usage(), { items: 0, bytes: 0 });

    const good = path.join(root, 'capture');
    const c2 = await Capture.open({ dir: good, maxBytes: 100_000, maxItems: 10 });
    await c2.add({ input: { a: 1 }, result: result(0), version: '1.0.0', reason: 'drift' });
    await rm(good, { recursive: true });
    await mkdir(path.dirname(good), { recursive: true });
    await writeFile(good, 'in the way');
    await rejectsWith(() => c2.add({ input: goldenPath(1), result: result(1), version: '1.0.0', reason: 'drift' }), 'EDGEFN_STORE_WRITE_FAILED', /capture folder .*\/capture: /);
  } finally {
    await removeDir(root);
  }
});

test('bad options and items are typed errors', () => withDir(async (dir) => {
  await rejectsWith(() => Capture.open({ dir, maxBytes: 0, maxItems: 1 }), 'EDGEFN_INVALID_ARGUMENT', 'Expected a positive number of bytes for capture.maxBytes but received 0');
  await rejectsWith(() => Capture.open({ dir, maxBytes: 10, maxItems: 1.5 }), 'EDGEFN_INVALID_ARGUMENT', 'Expected a positive integer for capture.maxItems but received 1.5');
  const capture = await Capture.open({ dir, maxBytes: 1000, maxItems: 2 });
  await rejectsWith(() => capture.add({ input: {}, result: {}, version: '1', reason: 'bored' as never }), 'EDGEFN_INVALID_ARGUMENT', /item\.reason/);
}));

test('add() copies the input at once: a frame buffer or a reading reused by the caller after the call is kept as given', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 1_000_000, maxItems: 10 });
  const frame = { data: new Uint8Array(8 * 8).fill(10), width: 8, height: 8, channels: 1 as const };
  const png = new Uint8Array(await readFile(goldenPath(2)));
  const reading = { temp_max: 12 };
  const adds = [frame, png, reading].map((input) => capture.add({ input, result: result(0), version: '1.0.0', reason: 'drift' }));
  frame.data.fill(200);
  const original = sha256(png);
  png.fill(0);
  reading.temp_max = 99;
  await Promise.all(adds);
  const [f, p, r] = await capture.list();
  const sharp = (await import('sharp')).default;
  assert.equal([...new Set(await sharp(path.join(dir, f!.file!)).toColourspace('b-w').raw().toBuffer())], [10]);
  assert.is(p!.sha256, original);
  assert.equal(r!.reading, { temp_max: 12 });
}));

test('concurrent add() calls are queued: all whole, in call order, within quota', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 1_000_000, maxItems: 15 });
  await Promise.all(Array.from({ length: 40 }, (_, i) => capture.add({ input: i % 2 ? goldenPath(i) : { i }, result: result(i), version: '1.0.0', reason: 'drift' })));
  const items = await capture.list();
  assert.equal(items.map((x) => x.label), Array.from({ length: 15 }, (_, k) => `c${25 + k}`));
  await assertWhole(dir, { maxBytes: 1_000_000, maxItems: 15 });
}));

test('open removes what a killed writer leaves: temporary files, data without a record, a record whose data is gone or torn', () => withDir(async (dir) => {
  const capture = await Capture.open({ dir, maxBytes: 1_000_000, maxItems: 10 });
  for (let i = 0; i < 4; i++) await capture.add({ input: goldenPath(i), result: result(i), version: '1.0.0', reason: 'drift' });
  const [a, b, c] = await capture.list();
  await writeFile(path.join(dir, `.${a!.file}.1234.abcd0123.tmp`), 'half');
  await writeFile(path.join(dir, '00000099-0badf00d.png'), 'no record');
  await rm(path.join(dir, b!.file!));
  await writeFile(path.join(dir, c!.file!), 'truncated');
  await writeFile(path.join(dir, 'notes.txt'), 'a user file is left alone');
  const reopened = await Capture.open({ dir, maxBytes: 1_000_000, maxItems: 10 });
  assert.equal((await reopened.list()).map((x) => x.label), ['c0', 'c3']);
  assert.equal((await readdir(dir)).sort(), [a!.file, `${a!.id}.json`, (await reopened.list())[1]!.file, `${(await reopened.list())[1]!.id}.json`, 'notes.txt'].sort());
}));

test('retraining request: written durably into the store folder, read back; a damaged one is a typed error', async () => {
  const nameDir = await tempDir('edgefn-retrain-');
  try {
    assert.is(await readRetrainRequest(nameDir), null);
    const request: RetrainRequest = {
      name: 'fashion-mnist', version: '1.0.0', since: '2026-01-01T00:00:00.000Z', requestedAt: '2026-01-01T01:00:00.000Z',
      window: { calls: 200, size: 200 },
      moved: [{ name: 'brightness', psi: 0.8, ks: { d: 0.5, p: 1e-9 }, mean: 0.1, referenceMean: 0.3, moved: true }],
      captured: { items: 12, bytes: 34567 },
    };
    const file = await writeRetrainRequest(nameDir, request);
    assert.is(file, path.join(nameDir, 'retrain-request.json'));
    assert.equal(await readRetrainRequest(nameDir), request);
    assert.equal((await readdir(nameDir)).sort(), ['retrain-request.json'], 'no temporary file left');
    await writeFile(file, '{"name": "x"');
    await rejectsWith(() => readRetrainRequest(nameDir), 'EDGEFN_INPUT_UNDECODABLE', /retrain-request\.json is not valid JSON/);
    await rejectsWith(() => writeRetrainRequest(path.join(file, 'sub'), request), 'EDGEFN_STORE_WRITE_FAILED', /Cannot write the retraining request .*ENOTDIR/);
  } finally {
    await removeDir(nameDir);
  }
});

test.after(() => classify.dispose());
test.run();
