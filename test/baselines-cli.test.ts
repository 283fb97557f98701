/**
 * Baselines where a user sees them: `edgefn models verify` (table and --json, --min-lift) on a
 * version in a store, with the active version listed as 'previous', and the report the store keeps.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../src/errors.ts';
import { open } from '../src/store/open.ts';
import { installVersion, rejectsWith } from './helpers/index.ts';
import { edgefnSrc as edgefn, withStore } from './helpers/store-kit.ts';

const FAST = { settleMs: 0 };

test('models verify prints every baseline, the version and its lift over the best; --json gives the report', () => withStore(async (nameDir) => {
  (await open(nameDir, FAST)).dispose();
  const candidate = await installVersion(nameDir, '1.1.0');
  const r = await edgefn('models', 'verify', candidate, '--min-lift', '0.05');
  assert.is(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^1\.1\.0: accepted \(accuracy \d+\.\d%, baseline 1\.0\.0 \d+\.\d%/);
  assert.match(lines[1]!, /^ {2}baseline +kind +accuracy$/);
  assert.match(lines[2]!, /^ {2}majority class \(always "T-shirt\/top"\) +majority +10\.0%$/);
  assert.match(lines[3]!, /^ {2}prior-weighted guess +prior +10\.0%$/);
  assert.match(lines[4]!, /^ {2}1\.0\.0 \(active version\) +previous +\d+\.\d%$/);
  assert.match(lines[5]!, /^ {2}baselines\/linear +model +\d+\.\d%$/);
  assert.match(lines[6]!, /^ {2}fashion-mnist@1\.1\.0 \(this version\) +candidate +\d+\.\d%$/);
  assert.match(lines[7]!, /^ {2}lift: \+\d+\.\d points over baselines\/linear, the best majority, prior or model baseline$/);
  assert.is(lines.length, 8);
  console.log(r.stdout.trimEnd());

  const j = JSON.parse((await edgefn('models', 'verify', candidate, '--json')).stdout);
  assert.equal(j.baselines.map((b: { kind: string }) => b.kind), ['majority', 'prior', 'previous', 'model']);
  assert.equal(j.baselines[2].name, '1.0.0 (active version)');
  assert.is(j.baselines[2].accuracy, j.baselineAccuracy, 'the active version, measured beside the candidate');
  // The same model as the active one: the lift is over the linear baseline, not the (equal) previous version.
  assert.equal(j.lift.over, j.baselines[3]);
}));

test('models verify --min-lift above the lift: exit 1, BASELINE_NOT_BEATEN, and the table still shown', () => withStore(async (nameDir) => {
  const r = await edgefn('models', 'verify', path.join(nameDir, '1.0.0'), '--min-lift', '0.5');
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^1\.0\.0: rejected at validation: fashion-mnist@1\.0\.0: golden-set accuracy .* does not beat the best baseline, baselines\/linear at \d+\.\d %, by minLift 50\.0 points .*\[EDGEFN_BASELINE_NOT_BEATEN\]/);
  assert.match(r.stdout, /\n {2}baselines\/linear +model +\d+\.\d%\n/);
}));

test('the store keeps the baselines in the version\'s report; a store opened with minLift refuses a version that misses it', () => withStore(async (nameDir) => {
  (await open(nameDir, FAST)).dispose();
  await installVersion(nameDir, '1.1.0');
  await installVersion(nameDir, '1.2.0');
  const store = await open(nameDir, FAST);
  try {
    const report = await store.activate('1.1.0');
    const stored = JSON.parse(await readFile(path.join(nameDir, '1.1.0.report.json'), 'utf8'));
    assert.equal(stored.baselines, report.baselines);
    assert.equal(stored.baselines.map((b: { kind: string }) => b.kind), ['majority', 'prior', 'previous', 'model']);
    assert.equal(stored.lift.over.name, 'baselines/linear');
  } finally {
    await store.dispose();
  }
  const strict = await open(nameDir, { ...FAST, minLift: 0.5 });
  try {
    await rejectsWith(() => strict.activate('1.2.0'), ErrorCode.BASELINE_NOT_BEATEN, /does not beat the best baseline, baselines\/linear/);
    const stored = JSON.parse(await readFile(path.join(nameDir, '1.2.0.report.json'), 'utf8'));
    assert.equal([stored.verdict, stored.code, stored.baselines.length], ['rejected', ErrorCode.BASELINE_NOT_BEATEN, 4]);
    assert.is(strict.version, '1.1.0');
  } finally {
    await strict.dispose();
  }
}));

test.run();
