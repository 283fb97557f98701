/**
 * What the gate trusts and in which order: the signature before any file is hashed (also on the
 * boot path, skipValidation), a store-wide golden set that is broken rejects instead of being
 * skipped, a report that says when no store-wide set guards the version's own golden labels,
 * and signing keys that are not Ed25519 private keys refused with a code.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, generateKeys, signManifest, verify } from '../src/index.ts';
import { publicKeyFrom } from '../src/store/signature.ts';
import { checkVersion, NO_SHARED_GOLDEN_WARNING, runGate, type GatePolicy } from '../src/store/gate.ts';
import { readSharedGoldenSet } from '../src/store/golden.ts';
import { sha256 } from '../src/model/files.ts';
import { BUNDLED_VERSION, installVersion, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const keys = generateKeys();
const trusted = publicKeyFrom(keys.publicKeyPem, 'key');
const policy = (o: Partial<GatePolicy> = {}): GatePolicy => ({ trustedKeys: [trusted], accuracyMargin: 0.02, maxLatencyRatio: 3, settleMs: 0, ...o });
const LOAD = { isolate: 'none' as const };

const sign = (m: any) => {
  delete m.signature;
  m.signature = signManifest(m, keys.privateKeyPem);
};

async function withStore(fn: (nameDir: string) => Promise<void>): Promise<void> {
  const nameDir = path.join(await tempDir('edgefn-trust-'), 'fashion-mnist');
  try {
    await fn(nameDir);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
}

async function editManifest(dir: string, edit: (m: any) => void): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  edit(m);
  await writeFile(file, JSON.stringify(m, null, 2));
}

test('signature first: a version tampered in place (model changed, hashes updated, signature broken) is refused at the signature', () => withStore(async (nameDir) => {
  const dir = await installVersion(nameDir, '1.1.0', BUNDLED_VERSION, sign);
  const model = await readFile(path.join(dir, 'model.onnx'));
  model[model.length - 100]! ^= 1;
  await writeFile(path.join(dir, 'model.onnx'), model);
  await editManifest(dir, (m) => { m.model.sha256 = sha256(model); });
  for (const skipValidation of [false, true]) {
    const { report, model: loaded } = await runGate(dir, { policy: policy(), loadOptions: LOAD, skipValidation });
    assert.is(loaded, null);
    assert.equal([report.step, report.code], ['signature', ErrorCode.SIGNATURE_INVALID]);
    assert.match(report.reason!, new RegExp(`the signature by key ${keys.keyId} does not match the manifest's content`));
  }
}));

test('signature first: with a bad signature no listed file is read (a missing file or a link out is not even looked at)', () => withStore(async (nameDir) => {
  const dir = await installVersion(nameDir, '1.1.0', BUNDLED_VERSION, (m) => { sign(m); m.description = 'changed after signing'; });
  await rm(path.join(dir, 'labels.txt'));
  await rm(path.join(dir, 'model.onnx'));
  await symlink('/etc/passwd', path.join(dir, 'model.onnx'));
  for (const skipValidation of [false, true]) {
    const { report } = await runGate(dir, { policy: policy(), loadOptions: LOAD, skipValidation });
    assert.equal([report.step, report.code], ['signature', ErrorCode.SIGNATURE_INVALID], report.reason);
  }
  // The same check on its own, as a store runs it at boot.
  try {
    await checkVersion(dir, policy());
    assert.unreachable('checkVersion accepted a broken signature');
  } catch (err: any) {
    assert.equal([err.step, err.code], ['signature', ErrorCode.SIGNATURE_INVALID]);
  }
  // An unsigned manifest, a malformed signature field: the same step.
  await editManifest(dir, (m) => { delete m.signature; });
  assert.is((await runGate(dir, { policy: policy(), loadOptions: LOAD })).report.step, 'signature');
  await editManifest(dir, (m) => { m.signature = 'not an object'; });
  const { report } = await runGate(dir, { policy: policy(), loadOptions: LOAD });
  assert.equal([report.step, report.code], ['signature', ErrorCode.SIGNATURE_INVALID]);
  assert.match(report.reason!, /signature field is malformed/);
}));

/** A store-wide golden set at <nameDir>/golden, a copy of the bundled one, then broken by `edit`. */
async function sharedGolden(nameDir: string, edit?: (goldenDir: string) => Promise<void>): Promise<void> {
  await cp(path.join(BUNDLED_VERSION, 'golden'), path.join(nameDir, 'golden'), { recursive: true });
  await edit?.(path.join(nameDir, 'golden'));
}

const broken: [string, (g: string) => Promise<void>, string, RegExp][] = [
  ['not JSON', (g) => writeFile(path.join(g, 'index.json'), '{"items": ['), ErrorCode.MANIFEST_INVALID, /index\.json: not valid JSON/],
  ['an image that does not match its sha256', async (g) => { await writeFile(path.join(g, '00019.png'), 'not the image'); }, ErrorCode.MODEL_CHECKSUM, /00019\.png does not match items\[0\]\.sha256/],
  ['an image missing', (g) => rm(path.join(g, '00019.png')), ErrorCode.MODEL_MISSING, /00019\.png \(items\[0\]\.file\): ENOENT/],
];

// A FIFO index and an image linked to /dev/zero: in test/files-special.test.ts, in a child
// process, so that a regression fails there instead of hanging this suite.
for (const [what, edit, code, reason] of broken) {
  test(`a store-wide golden set with ${what} rejects the version at validation, naming the file (verify and runGate)`, () => withStore(async (nameDir) => {
    const dir = await installVersion(nameDir, '1.1.0', BUNDLED_VERSION, sign);
    await sharedGolden(nameDir, edit);
    await rejectsWith(() => readSharedGoldenSet(nameDir), code, reason);
    const { report } = await runGate(dir, { policy: policy(), loadOptions: LOAD, sharedGoldenFrom: nameDir });
    assert.equal([report.verdict, report.step, report.code], ['rejected', 'validation', code]);
    assert.match(report.reason!, /^the store-wide golden set .*fashion-mnist\/golden\/index\.json cannot be used: /);
    assert.match(report.reason!, reason);
    const viaVerify = await verify(dir, { trustedKeys: [keys.publicKeyPem], settleMs: 0, isolate: 'none' });
    assert.equal([viaVerify.verdict, viaVerify.code], ['rejected', code]);
  }));
}

test('no store-wide golden set: accepted, and the report says the version\'s own labels are all that was checked', () => withStore(async (nameDir) => {
  const dir = await installVersion(nameDir, '1.1.0', BUNDLED_VERSION, sign);
  assert.is(await readSharedGoldenSet(nameDir), null);
  const r = await verify(dir, { trustedKeys: [keys.publicKeyPem], settleMs: 0, isolate: 'none' });
  assert.is(r.verdict, 'accepted');
  assert.equal(r.warnings, [NO_SHARED_GOLDEN_WARNING]);
  await sharedGolden(nameDir);
  const withSet = await verify(dir, { trustedKeys: [keys.publicKeyPem], settleMs: 0, isolate: 'none' });
  assert.is(withSet.verdict, 'accepted');
  assert.is(withSet.warnings, undefined);
  assert.is(withSet.golden!.sources.length, 2);
}));

/**
 * A signed version whose labels were shuffled and whose own golden labels were rewritten to
 * agree: its own set passes; the store-wide set (the true labels) is what refuses it.
 */
test('rigged golden labels: passes on its own golden set (with the warning), refused by the store-wide set', () => withStore(async (nameDir) => {
  const active = await installVersion(nameDir, '1.0.0', BUNDLED_VERSION, sign);
  const labels = (await readFile(path.join(BUNDLED_VERSION, 'labels.txt'), 'utf8')).trim().split('\n');
  const shifted = labels.map((_, i) => labels[(i + 1) % labels.length]!);
  const dir = await installVersion(nameDir, '1.1.0');
  const index = JSON.parse(await readFile(path.join(dir, 'golden/index.json'), 'utf8'));
  for (const item of index.items) item.label = shifted[labels.indexOf(item.label)];
  const labelsText = `${shifted.join('\n')}\n`;
  const indexText = JSON.stringify(index);
  await writeFile(path.join(dir, 'labels.txt'), labelsText);
  await writeFile(path.join(dir, 'golden/index.json'), indexText);
  await editManifest(dir, (m) => {
    m.labels.sha256 = sha256(Buffer.from(labelsText));
    m.golden.sha256 = sha256(Buffer.from(indexText));
    sign(m);
  });
  const opts = { trustedKeys: [keys.publicKeyPem], settleMs: 0, isolate: 'none' as const, against: active };
  const alone = await verify(dir, opts);
  assert.is(alone.verdict, 'accepted', alone.reason);
  assert.equal(alone.warnings, [NO_SHARED_GOLDEN_WARNING]);
  await sharedGolden(nameDir);
  const guarded = await verify(dir, opts);
  assert.equal([guarded.verdict, guarded.step, guarded.code], ['rejected', 'validation', ErrorCode.VALIDATION_FAILED]);
  assert.match(guarded.reason!, /^fashion-mnist@1\.1\.0: .*accuracy .* is (more than .* )?below /);
}));

test('signManifest with a key that is not an Ed25519 private key throws EDGEFN_INVALID_ARGUMENT naming the key', async () => {
  const m = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'manifest.json'), 'utf8'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cases: [string, string, RegExp][] = [
    ['an RSA private key', rsa, /^release\.key is not an Ed25519 private key: it is an rsa key$/],
    ['garbage', 'not a key at all', /^release\.key is not an Ed25519 private key: /],
    ['the public key', keys.publicKeyPem, /^release\.key is not an Ed25519 private key: it is a public key; sign with the private one/],
  ];
  for (const [, pem, message] of cases) {
    const err = await rejectsWith(() => signManifest(m, pem, 'release.key'), ErrorCode.INVALID_ARGUMENT, message);
    assert.is(err.field, 'key');
  }
  await rejectsWith(() => signManifest(m, 'garbage'), ErrorCode.INVALID_ARGUMENT, /^the signing key is not an Ed25519 private key/);
});

test.run();
