/**
 * Input paths are opened, checked, then read (issue 13 #12): /dev/zero, /dev/urandom, a FIFO and a
 * folder are refused with INPUT_UNREADABLE before a byte is read, a file over maxInputBytes with
 * INPUT_TOO_LARGE. Devices and FIFOs run in a child process with a deadline: before the fix, /dev/zero grew memory without end and each FIFO held one of libuv's
 * four pool threads for good, so that nothing answered after four and the process could not exit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { load, ErrorCode } from '../src/index.ts';
import { BUNDLED, ROOT, golden, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const SNEAKER = golden('00009.png');
const CHILD = path.join(ROOT, 'test/helpers/input-child.ts');

interface Outcome { input: string; label?: string | null; code?: string | null; message?: string }

/** Runs the child on `inputs`; fails the test if it does not finish (a call that never settled). */
function inChild(inputs: string[], options?: object): Promise<{ outcomes: Outcome[]; peakMiB: number }> {
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE; // libuv's default four pool threads, as in a user's app
  const args = ['--import', 'tsx', CHILD, BUNDLED, JSON.stringify(inputs), ...(options ? [JSON.stringify(options)] : [])];
  return new Promise((resolve, reject) => {
    // The deadline is a hang detector, far above the second the child needs.
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the child did not finish (${err.killed ? 'killed at the deadline: a call never settled' : err.message}): ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

test('/dev/zero, /dev/urandom, a FIFO and a folder: INPUT_UNREADABLE saying what they are; memory stays put', async () => {
  const dir = await tempDir();
  try {
    const fifo = path.join(dir, 'camera.fifo');
    execFileSync('mkfifo', [fifo]);
    const { outcomes, peakMiB } = await inChild(['/dev/zero', '/dev/urandom', fifo, dir, SNEAKER]);
    const [zero, urandom, pipe, folder, sneaker] = outcomes;
    assert.equal([zero!.code, urandom!.code, pipe!.code, folder!.code], Array(4).fill(ErrorCode.INPUT_UNREADABLE));
    assert.match(zero!.message!, /^Cannot read image \/dev\/zero: it is a device, not a regular file$/);
    assert.match(urandom!.message!, /^Cannot read image \/dev\/urandom: it is a device, not a regular file$/);
    assert.match(pipe!.message!, /camera\.fifo: it is a FIFO \(named pipe\), not a regular file$/);
    assert.match(folder!.message!, /: it is a folder, not a file$/);
    assert.is(sneaker!.label, 'Sneaker');
    assert.ok(peakMiB < 1024, `peak RSS ${peakMiB} MiB`); // a read of /dev/zero would not stop below 2 GB
  } finally {
    await removeDir(dir);
  }
});

test('six FIFOs at once, then a normal call: every call settles (libuv has four pool threads)', async () => {
  const dir = await tempDir();
  try {
    const fifos = Array.from({ length: 6 }, (_, i) => path.join(dir, `in-${i}.fifo`));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const { outcomes } = await inChild([...fifos, ...fifos, SNEAKER]);
    assert.equal(outcomes.slice(0, 12).map((o) => o.code), Array(12).fill(ErrorCode.INPUT_UNREADABLE));
    assert.is(outcomes[12]!.label, 'Sneaker');
  } finally {
    await removeDir(dir);
  }
});

test('a file over maxInputBytes: INPUT_TOO_LARGE naming the option, before it is read; the model goes on', async () => {
  const model = await load(BUNDLED, { maxInputBytes: 100 });
  try {
    const err = await rejectsWith(() => model(SNEAKER), ErrorCode.INPUT_TOO_LARGE, /^Cannot read image .*00009\.png: it holds \d+ bytes, over the 100-byte limit \(maxInputBytes\)$/);
    assert.is(err.field, 'maxInputBytes');
    // A Buffer is already in memory: the cap is for files read from a path.
    const { readFile } = await import('node:fs/promises');
    assert.is((await model(await readFile(SNEAKER))).label, 'Sneaker');
  } finally {
    await model.dispose();
  }
  await rejectsWith(() => load(BUNDLED, { maxInputBytes: 0 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer (bytes) for maxInputBytes but received 0 of type number');
});

test.run();
