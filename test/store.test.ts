/**
 * The versioned store on real files: activation through the gate, rollback, rejection of each
 * kind of bad version (the active one keeps serving), hot swap under load, watching, pruning.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile, rm, truncate, readdir, cp, mkdir, copyFile, utimes, rename } from 'node:fs/promises';
import path from 'node:path';
import { open, ErrorCode, generateKeys, signManifest, type GateReport, type StoreModel } from '../src/index.ts';
import { sha256 } from '../src/model/files.ts';
import { BUNDLED_VERSION, WORSE_VERSION, golden, installVersion, rejectsWith } from './helpers/index.ts';
import { withStore } from './helpers/store-kit.ts';

const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
const sample = golden(items[0]!.file);
const FAST = { settleMs: 0 };

async function state(nameDir: string) {
  return JSON.parse(await readFile(path.join(nameDir, 'state.json'), 'utf8'));
}

function record(model: StoreModel) {
  const events: [string, any][] = [];
  for (const e of ['candidate', 'validated', 'rejected', 'activated', 'rolledBack'] as const) {
    model.on(e, (payload: any) => events.push([e, payload]));
  }
  return events;
}

test('first open activates the only version and records it durably', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  assert.is(model.version, '1.0.0');
  assert.is((await model(sample)).label, items[0]!.label);
  assert.equal((await state(nameDir)).active, '1.0.0');
  await model.dispose();
}));

test('a good new version passes the gate, is activated, and can be rolled back', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  const events = record(model);
  await installVersion(nameDir, '1.1.0');
  const report = await model.activate('1.1.0');
  assert.is(report.verdict, 'accepted');
  assert.is(report.accuracy, report.baselineAccuracy); // same weights, same golden set
  assert.ok(report.accuracy! >= 0.85);
  assert.is(report.baselineVersion, '1.0.0');
  assert.ok(report.p50Ms! > 0);
  assert.is(model.version, '1.1.0');
  assert.equal((await model(sample)).model, { name: 'fashion-mnist', version: '1.1.0' });
  assert.equal(events.map((e) => e[0]), ['validated', 'activated']);
  assert.equal(events[1]![1].previous, '1.0.0');
  const st = await state(nameDir);
  assert.equal([st.active, st.previous], ['1.1.0', '1.0.0']);
  const stored: GateReport = JSON.parse(await readFile(path.join(nameDir, '1.1.0.report.json'), 'utf8'));
  assert.is(stored.verdict, 'accepted');

  assert.is(await model.rollback(), '1.0.0');
  assert.is(model.version, '1.0.0');
  assert.equal(events.at(-1), ['rolledBack', { version: '1.0.0', from: '1.1.0', reason: 'rollback()' }]);
  const listed = await model.versions();
  assert.equal(listed.map((v) => [v.version, v.active, v.previous]), [['1.1.0', false, true], ['1.0.0', true, false]]);
  await model.dispose();
}));

test('a worse version is rejected with its accuracy and the baseline\'s; the active one keeps serving', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  const events = record(model);
  await installVersion(nameDir, '1.1.0', WORSE_VERSION);
  const err = await rejectsWith(() => model.activate('1.1.0'), ErrorCode.VALIDATION_FAILED, /^fashion-mnist@1\.1\.0: golden-set accuracy \d+\.\d % is more than 2\.0 % below the active 1\.0\.0's \d+\.\d %$/);
  assert.ok(err);
  const report: GateReport = JSON.parse(await readFile(path.join(nameDir, '1.1.0.report.json'), 'utf8'));
  assert.is(report.verdict, 'rejected');
  assert.is(report.step, 'validation');
  assert.ok(report.accuracy! < report.baselineAccuracy! - 0.02, `${report.accuracy} vs ${report.baselineAccuracy}`);
  assert.is(model.version, '1.0.0');
  assert.is((await model(sample)).model.version, '1.0.0');
  assert.equal(events.map((e) => e[0]), ['rejected']);
  assert.equal((await state(nameDir)).active, '1.0.0');
  await model.dispose();
}));

const flip = async (f: string) => {
  const b = await readFile(f);
  b[Math.floor(b.length / 2)]! ^= 0xff;
  await writeFile(f, b);
};
const setManifest = (dir: string, edit: (m: any) => void) => async () => {
  const f = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(f, 'utf8'));
  edit(m);
  await writeFile(f, JSON.stringify(m));
};

test('each kind of bad version is rejected with its own code; the active version keeps serving', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  const cases: [string, (dir: string) => Promise<void>, string, RegExp][] = [
    ['changed byte', (d) => flip(path.join(d, 'model.onnx')), ErrorCode.MODEL_CHECKSUM, /model\.onnx does not match model\.sha256/],
    ['truncated model', async (d) => {
      await truncate(path.join(d, 'model.onnx'), 5000);
      const sum = sha256(await readFile(path.join(d, 'model.onnx')));
      await setManifest(d, (m) => { m.model.sha256 = sum; })();
    }, ErrorCode.MODEL_UNLOADABLE, /onnxruntime cannot load/],
    ['missing file', (d) => rm(path.join(d, 'labels.txt')), ErrorCode.MODEL_MISSING, /labels\.txt \(labels\.file\)/],
    ['changed golden image', (d) => flip(path.join(d, 'golden', items[5]!.file)), ErrorCode.MODEL_CHECKSUM, new RegExp(`${items[5]!.file} does not match`)],
    ['manifest field wrong', (d) => setManifest(d, (m) => { m.output.kind = 'scores'; })(), ErrorCode.MANIFEST_INVALID, /Expected one of logits, probabilities for output\.kind/],
    ['input shape differs', (d) => setManifest(d, (m) => { m.input.shape = [-1, 1, 32, 32]; m.input.resize.width = 32; m.input.resize.height = 32; })(), ErrorCode.MODEL_MISMATCH, /has shape \[\?, 1, 28, 28\] in the model but \[\?, 1, 32, 32\]/],
    ['folder and manifest versions differ', (d) => setManifest(d, (m) => { m.version = '9.9.9'; })(), ErrorCode.MANIFEST_INVALID, /the folder is named 1\.\d\.0 but its manifest says version 9\.9\.9/],
  ];
  let n = 1;
  for (const [name, breakIt, code, message] of cases) {
    const version = `1.${n++}.0`;
    const dir = await installVersion(nameDir, version);
    await breakIt(dir);
    await rejectsWith(() => model.activate(version), code, message);
    assert.is(model.version, '1.0.0', name);
    assert.is((await model(sample)).label, items[0]!.label, name);
    const report: GateReport = JSON.parse(await readFile(path.join(nameDir, `${version}.report.json`), 'utf8'));
    assert.is(report.code, code, name);
  }
  assert.equal((await state(nameDir)).active, '1.0.0');
  await model.dispose();
}));

test('signatures: with trusted keys, unsigned, unknown-key and tampered versions are rejected; a signed one passes', () => withStore(async (nameDir) => {
  const trusted = generateKeys();
  const stranger = generateKeys();
  const signWith = (keys: ReturnType<typeof generateKeys>) => (m: any) => { delete m.signature; m.signature = signManifest(m, keys.privateKeyPem); };
  // The store's current version must be signed too, or it would not boot with keys required.
  await setManifest(path.join(nameDir, '1.0.0'), signWith(trusted))();
  const model = await open(nameDir, { ...FAST, trustedKeys: [trusted.publicKeyPem] });

  await installVersion(nameDir, '1.1.0');
  await rejectsWith(() => model.activate('1.1.0'), ErrorCode.SIGNATURE_INVALID, /the manifest is not signed and the store requires a signature/);
  await installVersion(nameDir, '1.2.0', BUNDLED_VERSION, signWith(stranger));
  await rejectsWith(() => model.activate('1.2.0'), ErrorCode.SIGNATURE_INVALID, new RegExp(`signed by key ${stranger.keyId}, which is not among the trusted keys`));
  // Signed, then a field changed after signing: the signature no longer matches.
  await installVersion(nameDir, '1.3.0', BUNDLED_VERSION, (m) => { signWith(trusted)(m); m.golden.minAccuracy = 0.1; });
  await rejectsWith(() => model.activate('1.3.0'), ErrorCode.SIGNATURE_INVALID, new RegExp(`the signature by key ${trusted.keyId} does not match`));
  assert.is(model.version, '1.0.0');

  await installVersion(nameDir, '1.4.0', BUNDLED_VERSION, signWith(trusted));
  const report = await model.activate('1.4.0');
  assert.is(report.signedBy, trusted.keyId);
  assert.is(model.version, '1.4.0');
  await model.dispose();
}));

test('a version folder still being copied is refused as incomplete, not as damaged', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { settleMs: 60_000 });
  const dir = path.join(nameDir, '1.1.0');
  await mkdir(dir);
  await copyFile(path.join(BUNDLED_VERSION, 'manifest.json'), path.join(dir, 'manifest.json'));
  await setManifest(dir, (m) => { m.version = '1.1.0'; })();
  await copyFile(path.join(BUNDLED_VERSION, 'model.onnx'), path.join(dir, 'model.onnx')); // labels and golden not yet
  await rejectsWith(() => model.activate('1.1.0'), ErrorCode.VERSION_INCOMPLETE, /1\.1\.0 is still being copied/);
  // With a READY marker in the manifest, completeness is the marker's presence.
  const dir2 = await installVersion(nameDir, '1.2.0', BUNDLED_VERSION, (m) => { m.ready = 'READY'; });
  const old = new Date(Date.now() - 3_600_000);
  for (const f of ['manifest.json', 'model.onnx', 'labels.txt', 'golden/index.json']) await utimes(path.join(dir2, f), old, old);
  await rejectsWith(() => model.activate('1.2.0'), ErrorCode.VERSION_INCOMPLETE, /its marker file READY \(ready\) is not there yet/);
  await writeFile(path.join(dir2, 'READY'), '');
  assert.is((await model.activate('1.2.0')).verdict, 'accepted');
  await model.dispose();
}));

test('hot swap under load: every call succeeds, on the old version or the new one', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  await installVersion(nameDir, '1.1.0');
  const files = items.map((i) => golden(i.file));
  const calls: Promise<{ model: { version: string } }>[] = [];
  for (let i = 0; i < 300; i++) calls.push(model(files[i % files.length]!));
  const swapped = model.activate('1.1.0');
  for (let i = 0; i < 300; i++) calls.push(model(files[i % files.length]!));
  const results = await Promise.all(calls);
  await swapped;
  const versions = new Set(results.map((r) => r.model.version));
  assert.is(results.length, 600);
  assert.ok(versions.has('1.0.0'));
  assert.equal([...versions].every((v) => v === '1.0.0' || v === '1.1.0'), true);
  assert.is((await model(sample)).model.version, '1.1.0');
  await model.dispose();
}));

test('watch: a version copied file by file is picked up once complete, then validated and activated', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { watch: true, settleMs: 400 });
  const events = record(model);
  const activated = new Promise((resolve) => model.once('activated', resolve));
  // An OTA agent copying slowly: manifest first, then the files, 150 ms apart.
  const dir = path.join(nameDir, '1.1.0');
  await mkdir(path.join(dir, 'golden'), { recursive: true });
  await setManifest(BUNDLED_VERSION, () => {}); // no-op, keeps helper shape
  const m = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'manifest.json'), 'utf8'));
  m.version = '1.1.0';
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
  for (const f of ['model.onnx', 'labels.txt', 'profile.json']) {
    await new Promise((r) => setTimeout(r, 150));
    await copyFile(path.join(BUNDLED_VERSION, f), path.join(dir, f));
  }
  await cp(path.join(BUNDLED_VERSION, 'golden'), path.join(dir, 'golden'), { recursive: true });
  await cp(path.join(BUNDLED_VERSION, 'baselines'), path.join(dir, 'baselines'), { recursive: true });
  await activated;
  assert.is(model.version, '1.1.0');
  assert.equal(events.map((e) => e[0]).filter((e) => e !== 'candidate'), ['validated', 'activated']);
  assert.not.ok(events.some((e) => e[0] === 'rejected'), 'nothing rejected while copying');
  await model.dispose();
}));

test('watch: a rejected version is not retried until its files change', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { watch: true, settleMs: 0 });
  const events = record(model);
  const rejected = new Promise((resolve) => model.once('rejected', resolve));
  // Staged beside the store and renamed in, so the watcher sees only the whole version (with
  // settleMs 0 it would otherwise judge each half-copied state, each a different fingerprint).
  const staging = path.join(path.dirname(nameDir), 'staging');
  const dir = path.join(nameDir, '1.1.0');
  await rename(await installVersion(staging, '1.1.0', WORSE_VERSION), dir);
  await rejected;
  await model.scan();
  await model.scan();
  assert.is(events.filter((e) => e[0] === 'rejected').length, 1);
  // New files arrive under the same version (a fixed model): it is checked again.
  await cp(BUNDLED_VERSION, dir, { recursive: true, force: true });
  await setManifest(dir, (m) => { m.version = '1.1.0'; })();
  await model.scan();
  assert.is(model.version, '1.1.0');
  await model.dispose();
}));

test('prune keeps the newest versions, the active and the previous one', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { ...FAST, keep: 2 });
  for (const v of ['1.1.0', '1.2.0', '1.3.0']) {
    await installVersion(nameDir, v);
    await model.activate(v);
  }
  const left = (await readdir(nameDir)).filter((f) => /^\d/.test(f) && !f.endsWith('.json')).sort();
  assert.equal(left, ['1.2.0', '1.3.0']);
  await model.dispose();
}));

test('boot: an active version that no longer loads falls back to the previous one', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  await installVersion(nameDir, '1.1.0');
  await model.activate('1.1.0');
  await model.dispose();
  await flip(path.join(nameDir, '1.1.0', 'model.onnx'));
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const again = await open(nameDir, FAST);
  const rolled = await new Promise<any>((resolve) => again.once('rolledBack', resolve));
  process.off('warning', onWarning);
  assert.is(again.version, '1.0.0');
  assert.is(rolled.from, '1.1.0');
  assert.ok(warnings.some((w) => (w as NodeJS.ErrnoException).code === 'EDGEFN_ACTIVE_INVALID'));
  assert.equal((await state(nameDir)).active, '1.0.0');
  await again.dispose();
}));

test('no valid version at all is a clear error listing each version\'s reason', () => withStore(async (nameDir) => {
  await flip(path.join(nameDir, '1.0.0', 'model.onnx'));
  await rejectsWith(() => open(nameDir, FAST), ErrorCode.NO_VALID_VERSION, /No valid version in .*fashion-mnist:\n {2}1\.0\.0: .*does not match model\.sha256/);
}));

test('store options are validated with the field named', async () => {
  await rejectsWith(() => open('/tmp/x', { keep: 0 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer for keep but received 0 of type number');
  await rejectsWith(() => open('/tmp/x', { trustedKeys: ['not a key'] }), ErrorCode.INVALID_ARGUMENT, /^trustedKeys\[0\] is not an Ed25519 public key/);
  await rejectsWith(() => open('/tmp/x', { threshold: 2 }), ErrorCode.INVALID_ARGUMENT, 'Expected number between 0 and 1 for threshold but received 2 of type number');
});

test.run();
