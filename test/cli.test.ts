/**
 * The built command (dist/cli.mjs) as a user runs it: a real process, real files, exit codes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUNDLED_VERSION, ROOT, golden, edgefn } from './helpers/index.ts';

const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;


test('classify with the bundled model prints label and confidence per image', async () => {
  const sneaker = items.find((i) => i.label === 'Sneaker')!;
  const trouser = items.find((i) => i.label === 'Trouser')!;
  const r = await edgefn('classify', golden(sneaker.file), golden(trouser.file));
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^${golden(sneaker.file)}: Sneaker \\d+\\.\\d%`));
  assert.match(lines[1]!, /: Trouser \d+\.\d%/);
});

test('--json prints one object per input; a failed input is reported, the others printed, exit 1', async () => {
  const r = await edgefn('classify', '--json', '--top', '2', golden(items[0]!.file), '/nonexistent.png', golden(items[10]!.file));
  assert.is(r.code, 1);
  const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(objects.length, 3);
  assert.is(objects[0].label, items[0]!.label);
  assert.is(objects[0].top.length, 2);
  assert.is(objects[0].probabilities.length, 10);
  assert.equal(objects[0].model, { name: 'fashion-mnist', version: '1.0.0' });
  assert.is(objects[1].error.code, 'EDGEFN_INPUT_UNREADABLE');
  assert.is(objects[2].label, items[10]!.label);
  assert.match(r.stderr, /\/nonexistent\.png: Cannot read image .* \[EDGEFN_INPUT_UNREADABLE\]/);
});

test('--threshold marks low-confidence results unknown', async () => {
  const r = await edgefn('classify', '--threshold', '1', golden(items[0]!.file));
  assert.is(r.code, 0);
  assert.match(r.stdout, /: unknown \(best: /);
});

test('inspect describes manifest and model file', async () => {
  const r = await edgefn('inspect', '--model', BUNDLED_VERSION);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fashion-mnist@1\.0\.0 {2}image-classification, onnx on onnxruntime-node \(cpu\)/);
  assert.match(r.stdout, /input {4}input float32 \[\?, 1, 28, 28\]/);
  assert.match(r.stdout, /labels {3}10: T-shirt\/top, Trouser/);
  const j = JSON.parse((await edgefn('inspect', '--json')).stdout);
  assert.is(j.labels.length, 10);
  assert.equal(j.modelOutputs, [{ name: 'logits', dtype: 'float32', shape: [null, 10] }]);
});

test('usage errors exit 2 with the usage text', async () => {
  const r = await edgefn('classify', '--top', 'many', 'x.png');
  assert.is(r.code, 2);
  assert.match(r.stderr, /--top expects an integer, got "many"/);
  assert.match(r.stderr, /Usage:/);
  assert.is((await edgefn('frobnicate')).code, 2);
  assert.is((await edgefn('classify', '--top', '0', 'x.png')).code, 2);
});

test('a model folder that fails to load exits 1 with its code', async () => {
  const r = await edgefn('inspect', '--model', '/tmp');
  assert.is(r.code, 1);
  assert.match(r.stderr, /\[EDGEFN_MANIFEST_MISSING\]/);
});

test('importing edgefn loads neither sharp nor onnxruntime until a model is used, and ONNX never loads TF.js', async () => {
  const script = `
    import { createRequire } from 'node:module';
    const edgefn = await import(${JSON.stringify(path.join(ROOT, 'dist/index.mjs'))});
    const cache = () => Object.keys(createRequire(import.meta.url).cache);
    const loaded = () => cache().filter((k) => /node_modules\\/(sharp|onnxruntime-node)\\//.test(k));
    const before = loaded().length;
    const m = await edgefn.load(${JSON.stringify(BUNDLED_VERSION)});
    await m(${JSON.stringify(golden(items[0]!.file))});
    const tfjs = cache().filter((k) => k.includes('@tensorflow')).length;
    console.log(JSON.stringify({ exports: Object.keys(edgefn).length, before, after: loaded().length, tfjs }));
    await m.dispose();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  const r = JSON.parse(stdout);
  assert.ok(r.exports > 0);
  assert.is(r.before, 0);
  assert.ok(r.after > 0);
  assert.is(r.tfjs, 0, 'an ONNX model never loads TF.js');
});

test('the CommonJS build loads and classifies', async () => {
  const script = `
    const { load } = require(${JSON.stringify(path.join(ROOT, 'dist/index.cjs'))});
    load(${JSON.stringify(BUNDLED_VERSION)}).then(async (m) => { const r = await m(${JSON.stringify(golden(items[0]!.file))}); console.log(r.label); await m.dispose(); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT });
  assert.is(stdout.trim(), items[0]!.label);
});

test.run();
