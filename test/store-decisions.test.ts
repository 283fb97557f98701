/**
 * Decisions that hold (issue 12): a rollback survives the watcher and a restart; every boot checks
 * the recorded version again (signature first) and honours stored rejections; minVersion; a swap
 * that cannot be recorded releases the new version; reports are never written through a link.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, readdir, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import path from 'node:path';
import { open, ErrorCode, generateKeys } from '../src/index.ts';
import { sha256 } from '../src/model/files.ts';
import { writeState } from '../src/store/state.ts';
import { BUNDLED_VERSION, WORSE_VERSION, golden, installVersion, rejectsWith } from './helpers/index.ts';
import { childPids, editManifest, leftovers, nextEvent, signWith, stageVersion, until, withStore } from './helpers/store-kit.ts';

const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
const sample = golden(items[0]!.file);
const FAST = { settleMs: 0 };

function catchWarnings() {
  const warnings: NodeJS.ErrnoException[] = [];
  const on = (w: Error) => warnings.push(w as NodeJS.ErrnoException);
  process.on('warning', on);
  return { warnings, stop: () => process.off('warning', on) };
}

test('a rollback holds: the watcher and a restart keep the older version until the newer one\'s files change', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { watch: true, settleMs: 0 });
  const activated = nextEvent(model, 'activated');
  await stageVersion(nameDir, '1.1.0');
  assert.is((await activated).version, '1.1.0');
  assert.is(await model.rollback(), '1.0.0');
  await model.scan();
  await model.scan();
  assert.is(model.version, '1.0.0', 'the watcher does not undo the rollback');
  await model.dispose();

  const again = await open(nameDir, { watch: true, settleMs: 0 });
  await again.scan();
  assert.is(again.version, '1.0.0', 'nor does a restart');
  const listed = await again.versions();
  assert.equal(listed[0]!.held?.verdict, 'rolledBack');
  // New files under 1.1.0 (a fixed build): judged again, and activated.
  const reactivated = nextEvent(again, 'activated');
  await writeFile(path.join(nameDir, '1.1.0', 'labels.txt'), await readFile(path.join(BUNDLED_VERSION, 'labels.txt')));
  assert.is((await reactivated).version, '1.1.0');
  await again.dispose();
}));

test('boot checks the recorded version every time: tampered in place (hashes updated, signature broken) it is not served', () => withStore(async (nameDir) => {
  const keys = generateKeys();
  await editManifest(path.join(nameDir, '1.0.0'), signWith(keys));
  const opts = { ...FAST, trustedKeys: [keys.publicKeyPem] };
  const model = await open(nameDir, opts);
  await installVersion(nameDir, '1.1.0', BUNDLED_VERSION, signWith(keys));
  await model.activate('1.1.0');
  await model.dispose();

  // Between two boots: a byte of the model changed and its hash updated in the manifest; the old signature stays.
  const file = path.join(nameDir, '1.1.0', 'model.onnx');
  const bytes = await readFile(file);
  bytes[1000]! ^= 1;
  await writeFile(file, bytes);
  await editManifest(path.join(nameDir, '1.1.0'), (m) => { m.model.sha256 = sha256(bytes); });

  const w = catchWarnings();
  const again = await open(nameDir, opts);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  w.stop();
  assert.is(again.version, '1.0.0');
  assert.ok(w.warnings.some((x) => x.code === 'EDGEFN_ACTIVE_INVALID' && /1\.1\.0 cannot be served .*does not match/.test(x.message)), w.warnings.map((x) => x.message).join('\n'));
  await again.dispose();
}));

test('state.json naming an unsigned or a rejected version does not make it served after a restart', () => withStore(async (nameDir) => {
  const keys = generateKeys();
  await editManifest(path.join(nameDir, '1.0.0'), signWith(keys));
  const opts = { ...FAST, trustedKeys: [keys.publicKeyPem] };
  (await open(nameDir, opts)).dispose();
  await installVersion(nameDir, '1.1.0'); // unsigned
  await writeState(nameDir, '1.1.0', '1.0.0'); // a well-formed, checksummed state: only the version is wrong
  const a = await open(nameDir, opts);
  assert.is(a.version, '1.0.0', 'unsigned');
  await a.dispose();

  // Without keys: a version the gate rejected, then named in the state.
  await installVersion(nameDir, '1.2.0', WORSE_VERSION);
  const b = await open(nameDir, FAST);
  await rejectsWith(() => b.activate('1.2.0'), ErrorCode.VALIDATION_FAILED);
  await b.dispose();
  await writeState(nameDir, '1.2.0', '1.0.0');
  const c = await open(nameDir, FAST);
  assert.is(c.version, '1.0.0', 'rejected');
  await c.dispose();
}));

test('minVersion: activate, rollback and boot never make a version below it active; without it a downgrade is allowed', () => withStore(async (nameDir) => {
  const plain = await open(nameDir, FAST);
  await installVersion(nameDir, '1.1.0');
  await plain.activate('1.1.0');
  await plain.dispose();

  const floored = await open(nameDir, { ...FAST, minVersion: '1.1.0' });
  await rejectsWith(() => floored.activate('1.0.0'), ErrorCode.DOWNGRADE_REFUSED, /1\.0\.0 is below the store's minVersion 1\.1\.0/);
  await rejectsWith(() => floored.rollback(), ErrorCode.DOWNGRADE_REFUSED, /1\.0\.0 is below the store's minVersion 1\.1\.0/);
  assert.is(floored.version, '1.1.0');
  await floored.dispose();

  const again = await open(nameDir, FAST);
  assert.is((await again.activate('1.0.0')).verdict, 'accepted', 'an explicit downgrade without minVersion');
  await again.dispose();
  const booted = await open(nameDir, { ...FAST, minVersion: '1.1.0' });
  assert.is(booted.version, '1.1.0', 'boot skips the recorded 1.0.0, below the floor');
  await booted.dispose();
  await rejectsWith(() => open(nameDir, { ...FAST, minVersion: '2.0.0' }), ErrorCode.DOWNGRADE_REFUSED, /1\.1\.0 is below minVersion 2\.0\.0/);
  await rejectsWith(() => open(nameDir, { minVersion: 'v1' }), ErrorCode.INVALID_ARGUMENT, 'Expected a semantic version such as 1.2.0 for minVersion but received "v1" of type string');
  await rejectsWith(() => open(nameDir, { lockTimeoutMs: -1 }), ErrorCode.INVALID_ARGUMENT, /for lockTimeoutMs/);
}));

test('a swap that cannot be recorded releases the new version (no host process left), rejects STORE_WRITE_FAILED, leaves no temporary file', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST); // isolate 'process': each version's session in a child
  const before = childPids();
  // state.json replaced by a folder: the rename over it fails.
  await rm(path.join(nameDir, 'state.json'));
  await mkdir(path.join(nameDir, 'state.json', 'x'), { recursive: true });
  await installVersion(nameDir, '1.1.0');
  for (let i = 0; i < 3; i++) {
    await rejectsWith(() => model.activate('1.1.0'), ErrorCode.STORE_WRITE_FAILED, /cannot record 1\.1\.0 as active .*; 1\.0\.0 stays active/);
  }
  assert.ok(await until(() => childPids().length === before.length), `host processes: ${before.length} before, ${childPids().length} after`);
  assert.equal(leftovers(await readdir(nameDir)), []);
  assert.is(model.version, '1.0.0');
  assert.is((await model(sample)).label, items[0]!.label);
  await model.dispose();
}));

test('a report planted as a link is replaced, not written through', () => withStore(async (nameDir) => {
  const victim = path.join(path.dirname(nameDir), 'victim.txt');
  await writeFile(victim, 'precious\n');
  await installVersion(nameDir, '1.1.0');
  await symlink(victim, path.join(nameDir, '1.1.0.report.json'));
  const model = await open(nameDir, FAST);
  await model.activate('1.1.0');
  assert.is(await readFile(victim, 'utf8'), 'precious\n');
  assert.ok((await lstat(path.join(nameDir, '1.1.0.report.json'))).isFile());
  await model.dispose();
}));

test('a broken store-wide golden set rejects the version with its code instead of being skipped', () => withStore(async (nameDir) => {
  const model = await open(nameDir, FAST);
  const shared = path.join(nameDir, 'golden');
  await mkdir(shared);
  await writeFile(path.join(shared, 'a.png'), await readFile(sample));
  await writeFile(path.join(shared, 'index.json'), JSON.stringify({ items: [{ file: 'a.png', label: items[0]!.label, sha256: '0'.repeat(64) }] }));
  await installVersion(nameDir, '1.1.0');
  const err = await rejectsWith(() => model.activate('1.1.0'), ErrorCode.MODEL_CHECKSUM, /store-wide golden set .* cannot be used/);
  assert.ok(err);
  assert.is(model.version, '1.0.0');
  await model.dispose();
}));

test.run();
