/**
 * `edgefn models ...` as a user runs it: keys, signing, the gate's verdicts, activation, rollback.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WORSE_VERSION, installVersion, makeStore, removeDir } from './helpers/index.ts';
import { edgefnSrc as edgefn } from './helpers/store-kit.ts';

// The CLI from this checkout's source (helpers/store-kit.ts): the store's code as committed, no build needed.

test('keygen, sign, verify (good, worse, tampered, unsigned), activate, list, rollback', async () => {
  const nameDir = await makeStore();
  const keys = path.join(path.dirname(nameDir), 'release');
  try {
    const kg = await edgefn('models', 'keygen', keys);
    assert.is(kg.code, 0, kg.stderr);
    const keyId = /^key ([0-9a-f]{16}):/.exec(kg.stdout)![1]!;
    assert.is(((await import('node:fs')).statSync(`${keys}.key`).mode & 0o777), 0o600);

    // The active version is signed too, so the store boots with the key required.
    assert.is((await edgefn('models', 'sign', path.join(nameDir, '1.0.0'), '--key', `${keys}.key`)).code, 0);
    // First open of the store (through activate): 1.0.0 passes the gate and becomes active.
    const first = await edgefn('models', 'activate', nameDir, '1.0.0', '--trusted-key', `${keys}.pub`);
    assert.is(first.code, 0, first.stderr);
    const listed = await edgefn('models', 'list', nameDir);
    assert.match(listed.stdout, new RegExp(`^\\* 1\\.0\\.0: accepted \\(accuracy \\d+\\.\\d%, p50 \\d+\\.\\d ms, signed by ${keyId}\\)`, 'm'));
    const good = await installVersion(nameDir, '1.1.0');
    const signed = await edgefn('models', 'sign', good, '--key', `${keys}.key`);
    assert.match(signed.stdout, new RegExp(`manifest\\.json: signed by ${keyId}`));
    const worse = await installVersion(nameDir, '1.2.0', WORSE_VERSION);
    await edgefn('models', 'sign', worse, '--key', `${keys}.key`);
    const tampered = await installVersion(nameDir, '1.3.0');
    await edgefn('models', 'sign', tampered, '--key', `${keys}.key`);
    const model = await readFile(path.join(tampered, 'model.onnx'));
    model[1000]! ^= 1;
    await writeFile(path.join(tampered, 'model.onnx'), model);
    const unsigned = await installVersion(nameDir, '1.4.0');

    const ok = await edgefn('models', 'verify', good, '--trusted-key', `${keys}.pub`);
    assert.is(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`^1\\.1\\.0: accepted \\(accuracy \\d+\\.\\d%, baseline 1\\.0\\.0 \\d+\\.\\d%, p50 \\d+\\.\\d ms, signed by ${keyId}\\)`));
    const bad = await edgefn('models', 'verify', worse, '--trusted-key', `${keys}.pub`);
    assert.is(bad.code, 1);
    assert.match(bad.stdout, /^1\.2\.0: rejected at validation: .*below the active 1\.0\.0's .* \[EDGEFN_VALIDATION_FAILED\]/);
    const t = await edgefn('models', 'verify', tampered, '--trusted-key', `${keys}.pub`, '--json');
    assert.is(t.code, 1);
    const tr = JSON.parse(t.stdout);
    assert.equal([tr.verdict, tr.step, tr.code], ['rejected', 'integrity', 'EDGEFN_MODEL_CHECKSUM']);
    const u = await edgefn('models', 'verify', unsigned, '--trusted-key', `${keys}.pub`);
    assert.match(u.stdout, /rejected at signature: .*not signed .*\[EDGEFN_SIGNATURE_INVALID\]/);

    const act = await edgefn('models', 'activate', nameDir, '1.1.0', '--trusted-key', `${keys}.pub`);
    assert.is(act.code, 0, act.stderr);
    assert.match(act.stdout, /^fashion-mnist: 1\.1\.0 is active/);
    const refused = await edgefn('models', 'activate', nameDir, '1.2.0', '--trusted-key', `${keys}.pub`);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /\[EDGEFN_VALIDATION_FAILED\]/);
    const list = await edgefn('models', 'list', nameDir, '--trusted-key', `${keys}.pub`);
    assert.match(list.stdout, /^\* 1\.1\.0: accepted/m);
    assert.match(list.stdout, /^ {2}1\.2\.0: rejected at validation/m);
    assert.match(list.stdout, /^- 1\.0\.0: /m);
    const rb = await edgefn('models', 'rollback', nameDir, '--trusted-key', `${keys}.pub`, '--json');
    assert.equal(JSON.parse(rb.stdout), { name: 'fashion-mnist', active: '1.0.0' });
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test('list is read-only: nothing is booted or written, and it says what is active as recorded', async () => {
  const nameDir = await makeStore();
  try {
    const before = (await readdir(nameDir)).sort();
    const r = await edgefn('models', 'list', nameDir);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /: no active version recorded\n {2}1\.0\.0: not checked yet\n?$/);
    assert.equal((await readdir(nameDir)).sort(), before);
    const json = JSON.parse((await edgefn('models', 'list', nameDir, '--json')).stdout);
    assert.equal([json.active, json.stateSource, json.versions.length], [null, 'none', 1]);
    assert.equal((await readdir(nameDir)).sort(), before);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test('version arguments are version names inside the store: a path is refused, a missing version is VERSION_NOT_FOUND, nothing written', async () => {
  const nameDir = await makeStore();
  const outside = await installVersion(path.dirname(nameDir), '2.0.0'); // beside the store, not in it
  try {
    const before = (await readdir(nameDir)).sort();
    const up = await edgefn('models', 'activate', nameDir, '../2.0.0');
    assert.is(up.code, 2);
    assert.match(up.stderr, /Expected a version name inside the store \(semver, such as 1\.2\.0\) for version but received "\.\.\/2\.0\.0" of type string \[EDGEFN_INVALID_ARGUMENT\]/);
    const missing = await edgefn('models', 'activate', nameDir, '9.9.9');
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /No version 9\.9\.9 in .* \[EDGEFN_VERSION_NOT_FOUND\]/);
    assert.equal((await readdir(nameDir)).sort(), before, 'no state, no stray report');
    assert.ok(outside);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test('keygen refuses to overwrite an existing key unless --force', async () => {
  const nameDir = await makeStore();
  const keys = path.join(path.dirname(nameDir), 'release');
  try {
    assert.is((await edgefn('models', 'keygen', keys)).code, 0);
    const first = await readFile(`${keys}.key`, 'utf8');
    const again = await edgefn('models', 'keygen', keys);
    assert.is(again.code, 2);
    assert.match(again.stderr, new RegExp(`${keys}\\.key already exists: keygen does not replace a key \\(pass --force to replace it\\) \\[EDGEFN_INVALID_ARGUMENT\\]`));
    assert.is(await readFile(`${keys}.key`, 'utf8'), first);
    const forced = await edgefn('models', 'keygen', keys, '--force');
    assert.is(forced.code, 0, forced.stderr);
    assert.is.not(await readFile(`${keys}.key`, 'utf8'), first);
    assert.is(((await import('node:fs')).statSync(`${keys}.key`).mode & 0o777), 0o600);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test('models usage errors exit 2', async () => {
  assert.is((await edgefn('models')).code, 2);
  assert.is((await edgefn('models', 'activate', 'x')).code, 2);
  const r = await edgefn('models', 'sign', 'x');
  assert.is(r.code, 2);
  assert.match(r.stderr, /models sign needs --key FILE/);
});

test.run();
