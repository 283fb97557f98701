/**
 * Images that cost more than they weigh (issue 13 #17, #18): decompression bombs generated here
 * with sharp (a few KB on disk) are refused from their header before decoding when the estimated
 * decode memory passes maxDecodeBytes; a small limitInputPixels no longer trips load()'s own
 * warm-up; libvips' repeated lines are said once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { load, ErrorCode, type ImageClassifier } from '../src/index.ts';
import { decodeCost, defaultDecodeBudget } from '../src/preprocess/budget.ts';
import { BUNDLED, ROOT, golden, photo, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const MiB = 2 ** 20;
const flat = (size: number) => sharp({ create: { width: size, height: size, channels: 3, background: { r: 10, g: 200, b: 30 } }, limitInputPixels: false });

let model: ImageClassifier;
test.before(async () => { model = await load(BUNDLED, { maxDecodeBytes: 16 * MiB }); });
test.after(async () => { await model.dispose(); });

test('bombs decoded whole (AVIF, interlaced PNG, progressive JPEG, GIF) are refused from the header, naming maxDecodeBytes', async () => {
  const bombs: [string, Buffer, RegExp][] = [
    ['avif', await flat(1024).avif({ effort: 0 }).toBuffer(), /is a 1024x1024 heif: decoding it would take about 21 MiB, over maxDecodeBytes \(16 MiB\)/],
    ['interlaced png', await flat(2048).png({ progressive: true }).toBuffer(), /is a 2048x2048 png \(interlaced\): decoding it would take about 18 MiB/],
    ['progressive jpeg', await flat(3072).jpeg({ progressive: true }).toBuffer(), /is a 3072x3072 jpeg \(progressive\): decoding it would take about 32 MiB/],
    ['gif', await flat(2048).gif().toBuffer(), /is a 2048x2048 gif: decoding it would take about 32 MiB/],
  ];
  for (const [, bytes, message] of bombs) {
    const err = await rejectsWith(() => model(bytes), ErrorCode.INPUT_TOO_LARGE, message);
    assert.is(err.field, 'maxDecodeBytes');
  }
  // The same pixels streamed (a plain PNG, a baseline JPEG) cost little and are decoded.
  for (const bytes of [await flat(2048).png().toBuffer(), await flat(2048).jpeg().toBuffer()]) {
    assert.ok(Number.isFinite((await model(bytes)).score));
  }
  assert.is((await model(golden('00009.png'))).label, 'Sneaker');
});

test('the estimate: per format, by depth; the default budget is a quarter of memory within 64 MiB–1 GiB', () => {
  assert.is(decodeCost({ format: 'heif', width: 8192, height: 8192, channels: 3, depth: 'uchar' }), 8192 * 8192 * 3 * 7);
  assert.is(decodeCost({ format: 'png', width: 100, height: 100, channels: 4, depth: 'ushort', isProgressive: true }), 100 * 100 * 4 * 2 * 1.5);
  assert.is(decodeCost({ format: 'jpeg', width: 4000, height: 3000, channels: 3 }), 4000 * 3000 * 3 * 0.1);
  assert.is(defaultDecodeBudget(1024 * MiB), 256 * MiB); // a 1 GB Raspberry Pi
  assert.is(defaultDecodeBudget(128 * MiB), 64 * MiB);
  assert.is(defaultDecodeBudget(64 * 1024 * MiB), 1024 * MiB);
});

test('an 8192×8192 AVIF of 1 KB on a 1 GB board: refused, and the process never grows by its 1.2 GB', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'bomb.avif');
    await writeFile(file, await flat(8192).avif({ effort: 0 }).toBuffer());
    // scripts/decode-memory.ts decodes it in a fresh process with the budget a 1 GB board gets.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/decode-memory.ts'), '--child', file, 'guarded', '256'], { cwd: ROOT });
    const r = JSON.parse(stdout) as { outcome: string; grew: number };
    assert.is(r.outcome, ErrorCode.INPUT_TOO_LARGE);
    assert.ok(r.grew < 64 * MiB, `grew ${(r.grew / MiB).toFixed(0)} MiB`);
  } finally {
    await removeDir(dir);
  }
});

test('limitInputPixels below 64: load() succeeds (its warm-up is one pixel); images over it are refused', async () => {
  const small = await load(BUNDLED, { limitInputPixels: 10 });
  try {
    const err = await rejectsWith(() => small(golden('00009.png')), ErrorCode.INPUT_TOO_LARGE, /00009\.png has more pixels than limitInputPixels allows \(10\): it is 28x28$/);
    assert.is(err.field, 'limitInputPixels');
    assert.ok(Number.isFinite((await small({ data: new Uint8Array(9), width: 3, height: 3, channels: 1 })).score));
  } finally {
    await small.dispose();
  }
});

test('libvips says each line once: a corrupt JPEG names its fault once', async () => {
  const bytes = Buffer.from(await sharp(await readFile(photo('coffee.jpg'))).resize(200).jpeg().toBuffer());
  for (let i = 50; i < bytes.length; i += 37) bytes[i]! ^= 0xff;
  const err = await rejectsWith(() => model(bytes), ErrorCode.INPUT_UNDECODABLE, /Bogus Huffman table definition/);
  assert.is(err.message.split('Bogus Huffman table definition').length, 2, err.message);
});

test.run();
