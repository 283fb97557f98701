/**
 * Copies in progress and the watcher (issue 12, defect 12): changes inside version folders are
 * seen (a manifest copied last, a version rejected while incomplete then completed), and open()
 * during a copy's settle time waits for it instead of failing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open } from '../src/index.ts';
import { BUNDLED_VERSION, makeStore, removeDir, tempDir } from './helpers/index.ts';
import { nextEvent } from './helpers/store-kit.ts';

const opened: { dispose(): Promise<void> }[] = [];

async function withStore(fn: (nameDir: string) => Promise<void>) {
  const nameDir = await makeStore();
  try {
    await fn(nameDir);
  } finally {
    // A failed assertion must not leave a watcher keeping the process alive.
    for (const m of opened.splice(0)) await m.dispose().catch(() => {});
    await removeDir(path.dirname(nameDir));
  }
}

async function manifestFor(version: string): Promise<string> {
  const m = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'manifest.json'), 'utf8'));
  m.version = version;
  return JSON.stringify(m, null, 2);
}

test('watch: a version whose manifest is copied last is picked up', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { watch: true, settleMs: 300 });
  opened.push(model);
  const activated = nextEvent(model, 'activated');
  const dir = path.join(nameDir, '1.1.0');
  await mkdir(dir);
  for (const f of ['model.onnx', 'labels.txt', 'profile.json']) await copyFile(path.join(BUNDLED_VERSION, f), path.join(dir, f));
  await cp(path.join(BUNDLED_VERSION, 'golden'), path.join(dir, 'golden'), { recursive: true });
  await cp(path.join(BUNDLED_VERSION, 'baselines'), path.join(dir, 'baselines'), { recursive: true });
  await model.scan(); // nothing to judge yet: no manifest
  assert.is(model.version, '1.0.0');
  await writeFile(path.join(dir, 'manifest.json'), await manifestFor('1.1.0'));
  assert.is((await activated).version, '1.1.0');
  await model.dispose();
}));

test('watch: a version rejected while its golden images were missing is judged again when they arrive', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { watch: true, settleMs: 0 });
  opened.push(model);
  const dir = path.join(nameDir, '1.1.0');
  await mkdir(path.join(dir, 'golden'), { recursive: true });
  for (const f of ['model.onnx', 'labels.txt', 'profile.json', 'golden/index.json']) await copyFile(path.join(BUNDLED_VERSION, f), path.join(dir, f));
  await cp(path.join(BUNDLED_VERSION, 'baselines'), path.join(dir, 'baselines'), { recursive: true });
  const rejected = nextEvent(model, 'rejected');
  await writeFile(path.join(dir, 'manifest.json'), await manifestFor('1.1.0'));
  await model.scan();
  assert.is((await rejected).code, 'EDGEFN_MODEL_MISSING');
  assert.is(model.version, '1.0.0');
  // Let the events of the rejection itself (its report written) pass: what must wake the store
  // is the images arriving inside the version folder, not a scan that happened to be due.
  await new Promise((r) => setTimeout(r, 1000));
  // The golden images arrive later (a copy tool that does them last).
  const activated = nextEvent(model, 'activated');
  for (const f of (await import('node:fs')).readdirSync(path.join(BUNDLED_VERSION, 'golden'))) {
    if (f.endsWith('.png')) await copyFile(path.join(BUNDLED_VERSION, 'golden', f), path.join(dir, 'golden', f));
  }
  assert.is((await activated).version, '1.1.0');
  await model.dispose();
}));

test('open() right after an install waits for the settle time instead of failing', async () => {
  const root = await tempDir('edgefn-store-');
  try {
    const nameDir = path.join(root, 'fashion-mnist');
    await cp(BUNDLED_VERSION, path.join(nameDir, '1.0.0'), { recursive: true }); // fresh times: just copied
    const model = await open(nameDir, { settleMs: 1500, isolate: 'none' });
    assert.is(model.version, '1.0.0');
    await model.dispose();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test.run();
