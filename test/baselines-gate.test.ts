/**
 * Baselines in the gate's report, on real models: the bundled CNN against its linear baseline, a
 * model that always answers the majority label, broken baselines, and a regression version.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode } from '../src/errors.ts';
import { load } from '../src/model/load.ts';
import { verify } from '../src/store/verify.ts';
import { copyBundled, removeDir, TEMP_MAX, tempDir } from './helpers/index.ts';
import { childPids, until } from './helpers/store-kit.ts';
import { dominatedVersion, editBaselineManifest, LINEAR_BASELINE, readJson, writeJson } from './helpers/baseline-kit.ts';

// Session processes only: tsx's esbuild service is a child too while it compiles the isolated session's code.
const sessions = () => childPids().filter((pid) => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'esbuild'; } catch { return false; } });
/** Every model the gate loaded (candidate, baselines) was disposed: no session process is left. */
const gone = async () => assert.ok(await until(() => sessions().length === 0), `children left: ${sessions().join(', ')}`);

test('the bundled version: majority class, prior-weighted guess and its linear baseline, with the lift over the best', async () => {
  const dir = await copyBundled();
  try {
    const r = await verify(dir, { settleMs: 0, minLift: 0.05 });
    assert.is(r.verdict, 'accepted', r.reason);
    const [majority, prior, linear, ...rest] = r.baselines!;
    assert.equal(rest, []);
    assert.equal(majority, { name: 'majority class (always "T-shirt/top")', kind: 'majority', accuracy: 0.1 });
    assert.equal([prior!.name, prior!.kind], ['prior-weighted guess', 'prior']);
    assert.ok(Math.abs(prior!.accuracy - 0.1) < 1e-12, 'ten classes, ten items each');
    assert.equal([linear!.name, linear!.kind], ['baselines/linear', 'model']);
    assert.ok(linear!.accuracy > 0.5 && linear!.accuracy < r.accuracy!, `linear ${linear!.accuracy}, CNN ${r.accuracy}`);
    assert.equal(r.lift!.over, linear);
    assert.ok(Math.abs(r.lift!.value - (r.accuracy! - linear!.accuracy)) < 1e-12);
    console.log(`bundled: CNN ${r.accuracy} on ${r.golden!.items} golden items, linear baseline ${linear!.accuracy}, lift ${r.lift!.value.toFixed(3)}`);
    await gone();
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('minLift above the CNN\'s lift over its linear baseline rejects it with BASELINE_NOT_BEATEN, naming both figures', async () => {
  const dir = await copyBundled();
  try {
    const r = await verify(dir, { settleMs: 0, minLift: 0.5 });
    assert.equal([r.verdict, r.step, r.code], ['rejected', 'validation', ErrorCode.BASELINE_NOT_BEATEN]);
    assert.match(r.reason!, /^fashion-mnist@1\.0\.0: golden-set accuracy \d+\.\d % does not beat the best baseline, baselines\/linear at \d+\.\d %, by minLift 50\.0 points \(lift \+\d+\.\d points\)$/);
    assert.is(r.baselines!.length, 3, 'the report still lists every baseline');
    await gone();
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('a model that always answers the majority label: shown in the report, rejected with minLift; the CNN on the same set passes', async () => {
  const constant = await dominatedVersion('Trouser', true);
  const cnn = await dominatedVersion('Trouser', false);
  try {
    const lenient = await verify(constant, { settleMs: 0 });
    assert.is(lenient.verdict, 'accepted', 'no minLift: the lift is reported only');
    assert.is(lenient.accuracy, 0.7);
    assert.equal(lenient.baselines![0], { name: 'majority class (always "Trouser")', kind: 'majority', accuracy: 0.7 });
    assert.equal([lenient.lift!.over.kind, lenient.lift!.value], ['majority', 0]);

    const strict = await verify(constant, { settleMs: 0, minLift: 0.05 });
    assert.equal([strict.verdict, strict.code], ['rejected', ErrorCode.BASELINE_NOT_BEATEN]);
    assert.is(strict.reason, 'fashion-mnist@1.0.0: golden-set accuracy 70.0 % does not beat the best baseline, majority class (always "Trouser") at 70.0 %, by minLift 5.0 points (lift +0.0 points)');

    const real = await verify(cnn, { settleMs: 0, minLift: 0.05 });
    assert.is(real.verdict, 'accepted', real.reason);
    assert.ok(real.lift!.value > 0.2, `CNN lift over the majority class: ${real.lift!.value}`);
  } finally {
    await removeDir(path.dirname(constant));
    await removeDir(path.dirname(cnn));
  }
});

/** Each: a way to break the linear baseline, and the code and message the version is rejected with. */
const broken: [string, (dir: string) => Promise<void>, string, RegExp][] = [
  ['its manifest deleted', (d) => rm(path.join(d, 'baselines/linear/manifest.json')), ErrorCode.MODEL_MISSING, /golden\.baselines\[0\] \(baselines\/linear\/manifest\.json\) cannot be scored: .*manifest\.json/],
  ['its manifest altered (the version\'s hash no longer matches)', async (d) => {
    const f = path.join(d, 'baselines/linear/manifest.json');
    await writeFile(f, (await readFile(f, 'utf8')).replace('"epochs": 10', '"epochs": 11'));
  }, ErrorCode.MODEL_CHECKSUM, /does not match golden\.baselines\[0\]\.sha256/],
  ['its model file deleted', (d) => rm(path.join(d, 'baselines/linear/model.onnx')), ErrorCode.MODEL_MISSING, /model\.onnx/],
  ['its model file altered', async (d) => {
    const f = path.join(d, 'baselines/linear/model.onnx');
    const b = await readFile(f);
    b[b.length - 5] = b[b.length - 5]! ^ 0xff;
    await writeFile(f, b);
  }, ErrorCode.MODEL_CHECKSUM, /model\.onnx does not match model\.sha256/],
  ['its manifest without model.sha256', (d) => editBaselineManifest(d, (m) => { delete m.model.sha256; }), ErrorCode.MANIFEST_INVALID, /model\.sha256 is required for a baseline model/],
  ['its labels without sha256', (d) => editBaselineManifest(d, (m) => { delete m.labels.sha256; }), ErrorCode.MANIFEST_INVALID, /labels\.sha256 is required for a baseline model/],
  ['named without a sha256', async (d) => {
    const m = await readJson(path.join(d, 'manifest.json'));
    delete m.golden.baselines[0].sha256;
    await writeJson(path.join(d, 'manifest.json'), m);
  }, ErrorCode.MANIFEST_INVALID, /golden\.baselines\[0\]\.sha256 is required/],
  ['naming the version\'s own manifest', async (d) => {
    const m = await readJson(path.join(d, 'manifest.json'));
    m.golden.baselines[0] = { file: 'manifest.json', sha256: '0'.repeat(64) };
    await writeJson(path.join(d, 'manifest.json'), m);
  }, ErrorCode.MANIFEST_INVALID, /must name the manifest\.json of a baseline folder inside the version/],
  ['a link to a folder outside the version', async (d) => {
    const outside = path.join(await tempDir(), 'linear');
    await cp(path.join(d, 'baselines/linear'), outside, { recursive: true });
    await rm(path.join(d, 'baselines/linear'), { recursive: true });
    await symlink(outside, path.join(d, 'baselines/linear'));
  }, ErrorCode.MODEL_MISSING, /outside|link/],
];

for (const [what, breakIt, code, message] of broken) {
  test(`a baseline ${what} rejects the version at validation with ${code}, never skipped`, async () => {
    const dir = await copyBundled();
    try {
      await breakIt(dir);
      const r = await verify(dir, { settleMs: 0 });
      assert.equal([r.verdict, r.step, r.code], ['rejected', 'validation', code], r.reason);
      assert.match(r.reason!, message);
      await gone();
    } finally {
      await removeDir(path.dirname(dir));
    }
  });
}

test('a baseline named outside the version folder is refused with the manifest, at integrity', async () => {
  const dir = await copyBundled();
  try {
    const m = await readJson(path.join(dir, 'manifest.json'));
    m.golden.baselines[0].file = '../elsewhere/manifest.json';
    await writeJson(path.join(dir, 'manifest.json'), m);
    const r = await verify(dir, { settleMs: 0 });
    assert.equal([r.verdict, r.step, r.code], ['rejected', 'integrity', ErrorCode.MANIFEST_INVALID]);
    assert.match(r.reason!, /golden\.baselines\[0\]\.file/);
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('with a store-wide golden set the baselines are scored on both sets\' items together', async () => {
  const dir = await copyBundled();
  const nameDir = path.dirname(dir);
  try {
    // The store's own set: the 10 Bag images, each listed 10 times (100 items, all "Bag").
    await mkdir(path.join(nameDir, 'golden'));
    const own = (await readJson(path.join(dir, 'golden/index.json'))).items.filter((i: { label: string }) => i.label === 'Bag');
    for (const i of own) await cp(path.join(dir, 'golden', i.file), path.join(nameDir, 'golden', i.file));
    await writeJson(path.join(nameDir, 'golden/index.json'), { items: Array.from({ length: 10 }, () => own).flat() });
    const r = await verify(dir, { settleMs: 0 });
    assert.is(r.verdict, 'accepted', r.reason);
    assert.is(r.golden!.items, 200);
    // 110 of the 200 items are Bag: majority 55 %, prior 0.55² + 9 × 0.05².
    assert.equal(r.baselines![0], { name: 'majority class (always "Bag")', kind: 'majority', accuracy: 0.55 });
    assert.ok(Math.abs(r.baselines![1]!.accuracy - (0.55 ** 2 + 9 * 0.05 ** 2)) < 1e-12);
    // The linear baseline on the same 200 items, counted here by loading it on its own.
    const model = await load(LINEAR_BASELINE);
    let correct = 0;
    for (const set of [dir, nameDir]) {
      for (const i of (await readJson(path.join(set, 'golden/index.json'))).items) {
        if ((await model(await readFile(path.join(set, 'golden', i.file)))).label === i.label) correct++;
      }
    }
    await model.dispose();
    assert.equal(r.baselines![2], { name: 'baselines/linear', kind: 'model', accuracy: correct / 200 });
  } finally {
    await removeDir(nameDir);
  }
});

test('a regression version has no golden set, so no baselines and no lift, minLift or not', async () => {
  const r = await verify(path.join(TEMP_MAX, '1.0.0'), { settleMs: 0, minLift: 0.5 });
  assert.is(r.verdict, 'accepted', r.reason);
  assert.equal([r.baselines, r.lift], [undefined, undefined]);
});

test.run();
