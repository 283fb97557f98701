/**
 * `edgefn models profile` and the profile's place in the trust chain: the command writes
 * profile.json and lists it with its sha256 (removing a signature that no longer matches, and
 * saying to sign again); the gate's integrity step refuses a profile changed after the fact, and a
 * signature covers it through its hash.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, generateKeys, signManifest } from '../src/index.ts';
import { profileCommand, type ProfileArgs } from '../src/cli/commands/profile.ts';
import { runGate, type GatePolicy } from '../src/store/gate.ts';
import { publicKeyFrom } from '../src/store/signature.ts';
import { sha256 } from '../src/model/files.ts';
import { parseProfile } from '../src/drift/profile.ts';
import { BUNDLED_VERSION, RAIN_VERSION, WEATHER_CSV, installVersion, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const keys = generateKeys();
const LOAD = { isolate: 'none' as const };
const policy = (trusted: boolean): GatePolicy => ({ trustedKeys: trusted ? [publicKeyFrom(keys.publicKeyPem, 'key')] : [], accuracyMargin: 0.02, maxLatencyRatio: 3, settleMs: 0 });
const sign = (m: any) => {
  delete m.signature;
  m.signature = signManifest(m, keys.privateKeyPem);
};

async function profile(versionDir: string, data?: string, json = false): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const args = { kind: 'models', action: { name: 'profile', versionDir, ...(data ? { data } : {}) }, json } as unknown as ProfileArgs;
  const code = await profileCommand(args, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, lines };
}

async function withTemp(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await tempDir('edgefn-profile-');
  try {
    await fn(root);
  } finally {
    await removeDir(root);
  }
}

const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));

test('models profile: golden set plus a folder of images; profile.json listed with its sha256; the gate accepts it', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'fashion-mnist'), '1.1.0', BUNDLED_VERSION, (m) => { delete m.profile; });
  const data = path.join(root, 'reference');
  await mkdir(data);
  for (let i = 0; i < 12; i++) await copyFile(path.join(BUNDLED_VERSION, 'golden', `${String(i).padStart(5, '0')}.png`), path.join(data, `r${i}.png`));
  await writeFile(path.join(data, 'notes.txt'), 'not an image: skipped');
  const { code, lines } = await profile(dir, data);
  assert.is(code, 0);
  assert.match(lines[0]!, /profile of fashion-mnist 1\.1\.0 from 112 inputs \(golden set \(100 items\), reference \(12 images\)\)/);
  const text = await readFile(path.join(dir, 'profile.json'));
  const m = await manifestOf(dir);
  assert.equal(m.profile, { file: 'profile.json', sha256: sha256(text) });
  const p = parseProfile(JSON.parse(text.toString('utf8')), 'profile.json');
  assert.equal([p.items, p.version, p.kind], [112, '1.1.0', 'image']);
  const { report, model } = await runGate(dir, { policy: policy(false), loadOptions: LOAD, skipValidation: true });
  await model?.dispose();
  assert.is(report.verdict, 'accepted', report.reason);
}));

test('models profile on a signed version: the signature is removed and the output says to sign again (text and JSON)', () => withTemp(async (root) => {
  for (const json of [false, true]) {
    const dir = await installVersion(path.join(root, `n${json}`, 'fashion-mnist'), '1.1.0', BUNDLED_VERSION, sign);
    const { lines } = await profile(dir, undefined, json);
    const m = await manifestOf(dir);
    assert.is(m.signature, undefined);
    if (json) {
      const out = JSON.parse(lines.join('\n'));
      assert.is(out.signatureRemoved, true);
      assert.match(out.next, /sign it again \(edgefn models sign .* --key FILE\)/);
    } else {
      assert.ok(lines.some((l) => /its signature no longer matches the manifest and was removed: sign it again \(edgefn models sign /.test(l)), lines.join('\n'));
    }
    const { report } = await runGate(dir, { policy: policy(true), loadOptions: LOAD, skipValidation: true });
    assert.equal([report.step, report.code], ['signature', ErrorCode.SIGNATURE_INVALID]);
    sign(m);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
    const again = await runGate(dir, { policy: policy(true), loadOptions: LOAD, skipValidation: true });
    await again.model?.dispose();
    assert.is(again.report.verdict, 'accepted', again.report.reason);
  }
}));

test('models profile: a FIFO or an undecodable file among the reference images is refused and counted, never waited on', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'fashion-mnist'), '1.1.0');
  const data = path.join(root, 'reference');
  await mkdir(data);
  await copyFile(path.join(BUNDLED_VERSION, 'golden', '00001.png'), path.join(data, 'a.png'));
  await writeFile(path.join(data, 'b.png'), 'not a png');
  const { execFileSync } = await import('node:child_process');
  execFileSync('mkfifo', [path.join(data, 'c.png')]);
  const { lines } = await profile(dir, data, true);
  const out = JSON.parse(lines.join('\n'));
  assert.equal([out.items, out.refused], [101, 2]);
}));

test('models profile on readings: a CSV cut into the model\'s windows', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'rain-tomorrow'), '1.0.0', RAIN_VERSION);
  const { lines } = await profile(dir, WEATHER_CSV, true);
  const out = JSON.parse(lines.join('\n'));
  assert.equal(out.statistics, ['precipitation', 'temp_max', 'temp_min', 'wind', 'change_precipitation', 'change_temp_max', 'change_temp_min', 'change_wind']);
  assert.equal(out.sources, ['golden set (60 items)', 'seattle-weather-2015.csv (366 windows)']);
  assert.is(out.signatureRemoved, false);
}));

test('models profile: readings the model refuses (a blank cell) are counted, not measured: the monitor never sees them, so no missing share', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'rain-tomorrow'), '1.0.0', RAIN_VERSION);
  const lines = (await readFile(WEATHER_CSV, 'utf8')).trim().split('\n');
  lines[100] = lines[100]!.replace(/^([^,]*,[^,]*,)[^,]*/, '$1');
  const csv = path.join(root, 'gap.csv');
  await writeFile(csv, `${lines.join('\n')}\n`);
  const { lines: out } = await profile(dir, csv, true);
  assert.equal([JSON.parse(out.join('\n')).refused, JSON.parse(out.join('\n')).items], [7, 60 + 366 - 7]);
  const p = parseProfile(JSON.parse(await readFile(path.join(dir, 'profile.json'), 'utf8')), 'profile.json');
  assert.equal(p.inputs.map((s) => s.missing), p.inputs.map(() => 0));
}));

test('models profile refuses reference data it cannot use, naming it, and leaves the version as it was', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'rain-tomorrow'), '1.0.0', RAIN_VERSION);
  const before = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  const csv = path.join(root, 'no-wind.csv');
  await writeFile(csv, 'date,precipitation,temp_max,temp_min\n2015/01/01,0,1,2\n');
  await rejectsWith(() => profile(dir, csv), ErrorCode.INPUT_INVALID, /no-wind\.csv: its header has no column for wind \(the model takes precipitation, temp_max, temp_min, wind\)/);
  await rejectsWith(() => profile(dir, path.join(root, 'absent.csv')), ErrorCode.INPUT_UNREADABLE);
  const img = await installVersion(path.join(root, 'fashion-mnist'), '1.0.0', BUNDLED_VERSION);
  await mkdir(path.join(root, 'empty'));
  await rejectsWith(() => profile(img, path.join(root, 'empty')), ErrorCode.INPUT_INVALID, /--data .*empty: no images in it/);
  await rejectsWith(() => profile(img, csv), ErrorCode.INPUT_INVALID, /expected a folder of images/);
  const { existsSync } = await import('node:fs');
  await rejectsWith(() => profile(path.dirname(img)), ErrorCode.MANIFEST_MISSING);
  assert.not.ok(existsSync(path.join(path.dirname(img), 'profile.json')), 'nothing written into a model folder of versions');
  assert.is(await readFile(path.join(dir, 'manifest.json'), 'utf8'), before);
}));

test('models profile makes a new profile for a version whose listed profile is gone or changed (the old one is not read)', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'fashion-mnist'), '1.1.0');
  const { rm } = await import('node:fs/promises');
  await rm(path.join(dir, 'profile.json'));
  assert.is((await profile(dir)).code, 0);
  await writeFile(path.join(dir, 'profile.json'), '{"changed": true}');
  assert.is((await profile(dir)).code, 0);
  const m = await manifestOf(dir);
  assert.is(m.profile.sha256, sha256(await readFile(path.join(dir, 'profile.json'))));
}));

test('gate integrity: a profile.json changed after the manifest listed it is refused with MODEL_CHECKSUM', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'fashion-mnist'), '1.1.0');
  const file = path.join(dir, 'profile.json');
  const p = JSON.parse(await readFile(file, 'utf8'));
  p.inputs[0].mean += 0.01;
  await writeFile(file, JSON.stringify(p, null, 2));
  const { report } = await runGate(dir, { policy: policy(false), loadOptions: LOAD, skipValidation: true });
  assert.equal([report.verdict, report.step, report.code], ['rejected', 'integrity', ErrorCode.MODEL_CHECKSUM]);
  assert.match(report.reason!, /profile\.json does not match profile\.sha256/);
}));

test('gate integrity: a profile listed with its right hash that is no profile is refused with MANIFEST_INVALID naming the field', () => withTemp(async (root) => {
  const broken = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'profile.json'), 'utf8'));
  broken.inputs[1].shares = [1];
  const text = JSON.stringify(broken);
  const dir = await installVersion(path.join(root, 'fashion-mnist'), '1.1.0', BUNDLED_VERSION, (m) => { m.profile.sha256 = sha256(Buffer.from(text)); });
  await writeFile(path.join(dir, 'profile.json'), text);
  const { report } = await runGate(dir, { policy: policy(false), loadOptions: LOAD, skipValidation: true });
  assert.equal([report.verdict, report.step, report.code], ['rejected', 'integrity', ErrorCode.MANIFEST_INVALID]);
  assert.match(report.reason!, /profile\.json \(profile\): expected .* for inputs\[1\]\.shares/);
}));

test('signature: a profile changed with its hash updated in a signed manifest breaks the signature', () => withTemp(async (root) => {
  const dir = await installVersion(path.join(root, 'fashion-mnist'), '1.1.0', BUNDLED_VERSION, sign);
  const text = (await readFile(path.join(dir, 'profile.json'), 'utf8')).replace('"items": 2100', '"items": 2101');
  await writeFile(path.join(dir, 'profile.json'), text);
  const m = await manifestOf(dir);
  m.profile.sha256 = sha256(Buffer.from(text));
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  const { report } = await runGate(dir, { policy: policy(true), loadOptions: LOAD, skipValidation: true });
  assert.equal([report.step, report.code], ['signature', ErrorCode.SIGNATURE_INVALID]);
}));

test.run();
