/**
 * The README's examples, run as real child processes the way a user runs them: Ctrl-C (SIGINT)
 * ends each (a 10 s bound is a hang check, not a timing), a second Ctrl-C or SIGKILL leaves no
 * socat behind (checked with ps), a missing folder is one line of error with exit code 1 and no
 * file, and a folder of 500 images is scored in full.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { golden, removeDir, ROOT, tempDir } from './helpers/index.ts';
import { goneWithin, processesWith, startExample } from './helpers/example-process.ts';

const STATS = /^stopped \((\w+)\): received (\d+), processed (\d+), failed (\d+), dropped (.+)$/;

/** Starts serial-sensor --simulate and waits for its first answer; returns it and its pty folder. */
async function station() {
  const ex = startExample('serial-sensor', ['--simulate', '--rate', '50']);
  const reading = await ex.line(/^reading \//);
  const dir = path.dirname(reading.split(' ')[1]!.replace(/;$/, ''));
  assert.match(dir, /edgefn-station-/);
  await ex.line(/tomorrow: (dry|rain)/);
  assert.ok(processesWith(dir).some((p) => p.includes('socat')), 'socat runs while the example does');
  return { ex, dir };
}

test('serial-sensor --simulate: Ctrl-C ends it with its counts, and socat with it', async () => {
  const { ex, dir } = await station();
  ex.child.kill('SIGINT');
  const how = await ex.exit();
  assert.ok(how !== null, `still running 10 s after SIGINT:\n${ex.stdout()}`);
  assert.equal(how, { code: 0, signal: null }, ex.stderr());
  const last = ex.stdout().trim().split('\n').pop()!;
  const m = STATS.exec(last);
  assert.ok(m, last);
  assert.is(m![1], 'SIGINT');
  assert.equal(await goneWithin(dir), []);
  assert.is(existsSync(dir), false, 'the pty folder is removed');
});

test('serial-sensor --simulate: a second Ctrl-C, or SIGKILL, leaves no socat behind', async () => {
  for (const how of ['twice', 'SIGKILL'] as const) {
    const { ex, dir } = await station();
    if (how === 'twice') {
      ex.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 30));
      if (ex.child.exitCode === null) ex.child.kill('SIGINT');
    } else {
      ex.child.kill('SIGKILL');
    }
    assert.ok((await ex.exit()) !== null, `${how}: still running`);
    assert.equal(await goneWithin(dir), [], `${how}: socat left running`);
  }
});

test("watch-folder as the README runs it, with no inbox folder: one line of error, exit code 1, no results file", async () => {
  const cwd = await tempDir();
  try {
    await symlink(path.join(ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
    const ex = startExample('watch-folder', ['--dir', 'inbox', '--out', 'results.jsonl'], cwd);
    const how = await ex.exit(60_000);
    assert.equal(how, { code: 1, signal: null }, ex.stderr());
    assert.equal(ex.stderr().trim().split('\n'), [`watch-folder: EDGEFN_DEVICE_UNAVAILABLE Cannot read folder ${path.join(cwd, 'inbox')}: no such folder`]);
    assert.is(ex.stdout(), '');
    assert.equal((await readdir(cwd)).sort(), ['node_modules']);
  } finally {
    await removeDir(cwd);
  }
});

test('serial-sensor with a port that is not there, motion-camera with no camera command: one line of error, exit code 1', async () => {
  const serial = startExample('serial-sensor', ['--port', '/dev/ttyEDGEFN-NONE']);
  assert.equal(await serial.exit(60_000), { code: 1, signal: null }, serial.stderr());
  // (The simulated-GPIO warning comes first on a machine without GPIO.)
  assert.match(serial.stderr().trim().split('\n').pop()!, /^serial-sensor: EDGEFN_DEVICE_UNAVAILABLE Cannot open serial port \/dev\/ttyEDGEFN-NONE: /);
  assert.not.match(serial.stderr(), /\n\s+at /); // no stack trace
  const cam = startExample('motion-camera', []);
  assert.equal(await cam.exit(60_000), { code: 1, signal: null }, cam.stderr());
  assert.equal(cam.stderr().trim().split('\n'), ['motion-camera: EDGEFN_DEVICE_UNAVAILABLE Camera command rpicam-still not found on PATH (Raspberry Pi OS: apt install rpicam-apps)']);
});

test('watch-folder on a folder of 500 images: every one is scored and written; Ctrl-C ends it', async () => {
  const dir = await tempDir();
  try {
    const inbox = path.join(dir, 'inbox');
    await mkdir(inbox);
    const goldens = (await readdir(path.dirname(golden('00000.png')))).filter((f) => f.endsWith('.png')).sort();
    for (let i = 0; i < 500; i++) await copyFile(golden(goldens[i % goldens.length]!), path.join(inbox, `${String(i).padStart(4, '0')}.png`));
    const out = path.join(dir, 'results.jsonl');
    const ex = startExample('watch-folder', ['--dir', inbox, '--out', out]);
    await ex.line(/^0499\.png /, 300_000);
    ex.child.kill('SIGINT');
    const how = await ex.exit();
    assert.equal(how, { code: 0, signal: null }, ex.stderr());
    assert.is(ex.stdout().trim().split('\n').pop(), 'stopped (SIGINT): received 500, processed 500, failed 0, dropped none');
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { input: string });
    assert.is(new Set(lines.map((l) => path.basename(l.input))).size, 500);
    assert.is(lines.length, 500);
  } finally {
    await removeDir(dir);
  }
});

test('motion-camera --simulate: Ctrl-C ends it with its counts', async () => {
  const ex = startExample('motion-camera', ['--simulate', '--every', '100']);
  await ex.line(/%  LED (on|off)/);
  ex.child.kill('SIGINT');
  const how = await ex.exit();
  assert.equal(how, { code: 0, signal: null }, ex.stderr());
  assert.match(ex.stdout().trim().split('\n').pop()!, /^stopped \(SIGINT\): received \d+, processed [1-9]\d*, failed 0/);
});

test.run();
