/**
 * A folder is data at rest: every file in it is scored. 500 real PNG files through the bundled
 * model under `block`; 60 new files arriving faster than the model scores them with room for 4
 * names; a missing folder; bad options.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, folderSource, load, run, type Classification, type ImageClassifier, type LoopStats } from '../src/index.ts';
import { BUNDLED, golden, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` real PNGs (the golden images, over and over) named 0000.png, 0001.png, ... */
async function fill(dir: string, count: number, from = 0): Promise<string[]> {
  const goldens = (await readdir(path.dirname(golden('00000.png')))).filter((f) => f.endsWith('.png')).sort();
  const names: string[] = [];
  for (let i = from; i < from + count; i++) {
    const name = `${String(i).padStart(4, '0')}.png`;
    await copyFile(golden(goldens[i % goldens.length]!), path.join(dir, name));
    names.push(name);
  }
  return names;
}

function noneDropped(s: LoopStats): void {
  assert.equal(Object.values(s.dropped).reduce((a, b) => a + b, 0), 0, JSON.stringify(s.dropped));
}

let model: ImageClassifier;
test.before(async () => {
  model = await load(BUNDLED);
});
test.after(async () => {
  await model.dispose();
});

test('500 files already in a folder (no watch): every one is scored once, in name order, none dropped', async () => {
  const dir = await tempDir();
  try {
    const names = await fill(dir, 500);
    const scored: string[] = [];
    const stats = await run({
      source: await folderSource(dir, { watch: false }), model, handleSignals: false, queue: { policy: 'block', capacity: 8 },
      sink: (r: Classification, file: string) => { assert.ok(r.label !== null); scored.push(path.basename(file)); },
    }).done;
    assert.equal([stats.received, stats.processed, stats.failed, stats.stoppedBy], [500, 500, 0, 'end']);
    noneDropped(stats);
    assert.equal(scored, names);
  } finally {
    await removeDir(dir);
  }
});

test('500 files already there, then watched: all 500 scored before the loop is stopped, none dropped', async () => {
  const dir = await tempDir();
  try {
    await fill(dir, 500);
    const scored = new Set<string>();
    const loop = run({
      source: await folderSource(dir, { settleMs: 20 }), model, handleSignals: false, queue: { policy: 'block', capacity: 32 },
      sink: (_r: Classification, file: string) => { scored.add(path.basename(file)); },
    });
    for (let t0 = Date.now(); loop.stats.processed < 500 && Date.now() - t0 < 60_000;) await sleep(20);
    const stats = await loop.stop();
    assert.equal([stats.received, stats.processed, scored.size, stats.stoppedBy], [500, 500, 500, 'stop']);
    noneDropped(stats);
  } finally {
    await removeDir(dir);
  }
});

test('new files arriving faster than they are scored, with room for 4 names: the folder is listed again, every file scored once', async () => {
  const dir = await tempDir();
  const inbox = path.join(dir, 'inbox');
  await mkdir(inbox);
  try {
    const scored: string[] = [];
    const loop = run({
      source: await folderSource(inbox, { settleMs: 10, capacity: 4 }), handleSignals: false, queue: { policy: 'block', capacity: 2 },
      model: async (file: string) => {
        await sleep(15); // slower than the files arrive
        return model(file);
      },
      sink: (_r: Classification, file: string) => { scored.push(path.basename(file)); },
    });
    // Written beside the folder and renamed in, the safe way, as fast as the disk allows.
    const staged = await fill(dir, 60);
    for (const name of staged) await rename(path.join(dir, name), path.join(inbox, name));
    for (let t0 = Date.now(); loop.stats.processed < 60 && Date.now() - t0 < 60_000;) await sleep(20);
    const stats = await loop.stop();
    assert.equal([stats.received, stats.processed, stats.failed], [60, 60, 0]);
    noneDropped(stats);
    assert.equal(scored.slice().sort(), staged);
  } finally {
    await removeDir(dir);
  }
});

test('folder: a missing folder is DEVICE_UNAVAILABLE naming it; bad options name the field', async () => {
  const dir = await tempDir();
  try {
    const missing = path.join(dir, 'nope');
    await rejectsWith(() => folderSource(missing), ErrorCode.DEVICE_UNAVAILABLE, `Cannot read folder ${missing}: no such folder`);
    await rejectsWith(() => folderSource(dir, { capacity: 0 }), ErrorCode.INVALID_ARGUMENT, /Expected a positive integer for capacity but received 0/);
    await rejectsWith(() => folderSource(dir, { extensions: ['.png', 3 as any] }), ErrorCode.INVALID_ARGUMENT, /for extensions/);
    await rejectsWith(() => folderSource(dir, { watch: 'yes' as any }), ErrorCode.INVALID_ARGUMENT, /Expected true or false for watch/);
  } finally {
    await removeDir(dir);
  }
});

test.run();
