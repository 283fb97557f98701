/**
 * `edgefn explain`, run in-process (the parser and the command, as main.ts routes them): an image
 * with --out, a window of readings, --global over a CSV and a golden index, and refusals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkfifo } from './helpers/explain-kit.ts';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { parseCommand } from '../src/cli/args.ts';
import { explainCommand } from '../src/cli/commands/explain.ts';
import { ErrorCode } from '../src/index.ts';
import { BUNDLED, RAIN, RAIN_VERSION, WEATHER_CSV, golden, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

async function explain(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const cmd = parseCommand(['explain', ...argv]);
  if (cmd.kind !== 'explain') throw new Error('not an explain command');
  const out: string[] = [], err: string[] = [];
  const code = await explainCommand({ ...cmd, model: cmd.model ?? BUNDLED }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('an image: a line with the label, the cost and the peak; --out writes the overlay PNG at the image\'s size', async () => {
  const dir = await tempDir();
  try {
    const out = path.join(dir, 'saliency.png');
    const r = await explain(golden('00009.png'), '--out', out, '--budget', '50');
    assert.is(r.code, 0);
    const lines = r.out.join('\n').split('\n');
    assert.match(lines[0]!, /^.*00009\.png: Sneaker 97\.\d%; occlusion, patch \d+ px, stride \d+ px: \d+ calls in [\d.]+ ms \(budget 50\.0 ms(, stopped by it)?\)$/);
    assert.match(lines[1]!, /^ {2}most salient at x \d+, y \d+ of the 28x28 input/);
    const meta = await sharp(out).metadata();
    assert.equal([meta.format, meta.width, meta.height], ['png', 28, 28]);
    const json = JSON.parse((await explain(golden('00009.png'), '--json')).out[0]!);
    assert.equal([json.kind, json.target.label, json.width, json.heatmap.length], ['image', 'Sneaker', 28, 784]);
    assert.ok(json.calls >= 5);
  } finally {
    await removeDir(dir);
  }
});

test('--out never writes through a symbolic link or into a FIFO', async () => {
  const dir = await tempDir();
  try {
    const target = path.join(dir, 'elsewhere.txt');
    await writeFile(target, 'keep');
    await symlink(target, path.join(dir, 'link.png'));
    await rejectsWith(() => explain(golden('00009.png'), '--out', path.join(dir, 'link.png')), ErrorCode.INVALID_ARGUMENT, /is a symbolic link: edgefn does not write through links$/);
    assert.is(await readFile(target, 'utf8'), 'keep');
    const fifo = await mkfifo(path.join(dir, 'fifo.png'));
    await rejectsWith(() => explain(golden('00009.png'), '--out', fifo), ErrorCode.SINK_FAILED, /^Cannot write .*fifo\.png/);
  } finally {
    await removeDir(dir);
  }
});

test('a window of readings (a JSON file or inline JSON): the attributions, signed, largest first', async () => {
  const items = JSON.parse(await readFile(path.join(RAIN_VERSION, 'golden/index.json'), 'utf8')).items;
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'window.json');
    await writeFile(file, JSON.stringify(items[1].input));
    const r = await explain(file, '--model', RAIN);
    assert.is(r.code, 0);
    assert.match(r.out[0]!, /window\.json: rain 0\.7880 vs 0\.8302 at the reference \(golden\); shapley-exact: 16 calls in/);
    assert.match(r.out[0]!, /\n {2}precipitation {2}-0\.1873\n {2}temp_min {7}\+0\.0783/);
    const inline = JSON.parse((await explain(JSON.stringify(items[1].input), '--model', RAIN, '--json')).out[0]!);
    assert.equal(inline.attributions.map((a: { feature: string }) => a.feature), ['precipitation', 'temp_min', 'temp_max', 'wind']);
    await rejectsWith(() => explain('{"precipitation": 1', '--model', RAIN), ErrorCode.INPUT_INVALID, /^\{"precipitation": 1: not valid JSON/);
    await rejectsWith(() => explain(file, '--model', RAIN, '--out', path.join(dir, 'x.png')), ErrorCode.INVALID_ARGUMENT, /^--out writes a saliency overlay, for image models; rain-tomorrow takes readings$/);
  } finally {
    await removeDir(dir);
  }
});

test('--global: permutation importance over a CSV (cut into windows) and over a golden index (with its labels)', async () => {
  const csv = await explain(WEATHER_CSV, '--model', RAIN, '--global');
  assert.is(csv.code, 0);
  // 365 days of 2015 with the last days of 2014: windows of 7 with a hop of 1.
  assert.match(csv.out[0]!, /seattle-weather-2015\.csv: permutation importance over \d+ inputs \(\d+ calls\)$/);
  assert.match(csv.out[1]!, /^ {2}feature {8}importance {2}± spread\n/);
  assert.equal(csv.out[1]!.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]).sort(), ['precipitation', 'temp_max', 'temp_min', 'wind']);
  const index = JSON.parse((await explain(path.join(RAIN_VERSION, 'golden/index.json'), '--model', RAIN, '--global', '--json')).out[0]!);
  assert.equal([index.items, index.calls, index.accuracy.toFixed(4)], [60, 60 + 60 * 4 * 5, '0.6833']);
  await rejectsWith(() => explain(golden('00009.png'), '--global'), ErrorCode.INVALID_ARGUMENT, '--global ranks the features of a readings model; fashion-mnist takes images');
});

test.run();
