/**
 * Hostile version folders: special files and links where the manifest names a file. Every such
 * read is refused at once with a typed error, memory stays bounded, no process is left unable
 * to exit, and no message carries a foreign file's hash or size. Each risky call runs in a child
 * process with a deadline (test/helpers/gate-child.ts), so a regression fails instead of hanging.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { cp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, load } from '../src/index.ts';
import { ROOT, installVersion, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const CHILD = path.join(ROOT, 'test/helpers/gate-child.ts');
const TEACHABLE = path.join(ROOT, 'test/fixtures/teachable-machine');
/** Far above what one gate needs (~150 MB), far below what reading /dev/zero takes. */
const RSS_BOUND = 600 * 1024 * 1024;

interface ChildResult { timedOut: boolean; out: any }

/** Runs one job in a child with a deadline; `timedOut` when it had to be killed (a hang). */
function inChild(job: Record<string, unknown>, deadlineMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, deadlineMs);
    child.on('close', () => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      let out: any = null;
      try { out = JSON.parse(line); } catch { out = { unparsed: stdout, stderr }; }
      resolve({ timedOut, out });
    });
  });
}

async function withVersion(fn: (dir: string, nameDir: string) => Promise<void>): Promise<void> {
  const nameDir = path.join(await tempDir('edgefn-special-'), 'fashion-mnist');
  try {
    await fn(await installVersion(nameDir, '1.1.0'), nameDir);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
}

async function replaceWithLink(file: string, target: string): Promise<void> {
  await rm(file);
  await symlink(target, file);
}

async function replaceWithFifo(file: string): Promise<void> {
  await rm(file);
  execFileSync('mkfifo', [file]);
}

const links: [string, string][] = [
  ['labels.txt', '/dev/zero'],
  ['golden/00019.png', '/dev/zero'],
  ['model.onnx', '/dev/zero'],
  ['golden/index.json', '/dev/zero'],
];

for (const [file, target] of links) {
  test(`gate: ${file} linked to ${target} is refused at once, memory bounded`, () => withVersion(async (dir) => {
    await replaceWithLink(path.join(dir, file), target);
    const { timedOut, out } = await inChild({ action: 'gate', dir });
    assert.not.ok(timedOut, 'the gate hung');
    assert.equal([out.report.verdict, out.report.step, out.report.code], ['rejected', 'integrity', ErrorCode.MODEL_MISSING]);
    assert.match(out.report.reason, new RegExp(`${file.replace('.', '\\.')} \\(.*\\): it leads outside .* \\(to /dev/zero\\)`));
    assert.ok(out.peakRss < RSS_BOUND, `peak RSS ${out.peakRss}`);
  }));
}

const fifos = ['model.onnx', 'labels.txt', 'golden/index.json', 'golden/00019.png'];
for (const file of fifos) {
  test(`gate and load: ${file} as a FIFO is refused at once and the process exits by itself`, () => withVersion(async (dir) => {
    await replaceWithFifo(path.join(dir, file));
    const gate = await inChild({ action: 'gate', dir });
    assert.not.ok(gate.timedOut, 'the gate hung (or the process could not exit)');
    assert.equal([gate.out.report.verdict, gate.out.report.code], ['rejected', ErrorCode.MODEL_MISSING]);
    assert.match(gate.out.report.reason, /it is a FIFO \(named pipe\), not a regular file/);
    if (file.startsWith('golden/')) return; // load() does not read golden sets
    for (const isolate of ['none', 'process']) {
      const loaded = await inChild({ action: 'load', dir, isolate });
      assert.not.ok(loaded.timedOut, `load (${isolate}) hung`);
      assert.is(loaded.out.error?.code, ErrorCode.MODEL_MISSING, JSON.stringify(loaded.out));
      assert.match(loaded.out.error.message, /it is a FIFO \(named pipe\), not a regular file/);
    }
  }));
}

test('store: a version whose model.onnx is a FIFO is refused through the update queue; dispose() returns, the process exits', () => withVersion(async (dir, nameDir) => {
  await cp(path.join(ROOT, 'models/fashion-mnist/1.0.0'), path.join(nameDir, '1.0.0'), { recursive: true });
  await replaceWithFifo(path.join(dir, 'model.onnx'));
  const { timedOut, out } = await inChild({ action: 'store', dir: nameDir, version: '1.1.0' });
  assert.not.ok(timedOut, 'activate, scan or dispose hung on the FIFO');
  assert.equal([out.version, out.code], ['1.0.0', ErrorCode.MODEL_MISSING], JSON.stringify(out));
}));

test('a store-wide golden set whose index is a FIFO rejects the version at validation, at once', () => withVersion(async (dir, nameDir) => {
  await cp(path.join(ROOT, 'models/fashion-mnist/1.0.0/golden'), path.join(nameDir, 'golden'), { recursive: true });
  await replaceWithFifo(path.join(nameDir, 'golden', 'index.json'));
  const { timedOut, out } = await inChild({ action: 'gate', dir });
  assert.not.ok(timedOut, 'the gate hung on the store-wide FIFO');
  assert.equal([out.report.verdict, out.report.step, out.report.code], ['rejected', 'validation', ErrorCode.MODEL_MISSING]);
  assert.match(out.report.reason, /^the store-wide golden set .*golden\/index\.json cannot be used: .*it is a FIFO \(named pipe\)/);
}));

test('a store-wide golden image linked to /dev/zero rejects the version at validation, memory bounded', () => withVersion(async (dir, nameDir) => {
  await cp(path.join(ROOT, 'models/fashion-mnist/1.0.0/golden'), path.join(nameDir, 'golden'), { recursive: true });
  await replaceWithLink(path.join(nameDir, 'golden', '00019.png'), '/dev/zero');
  const { timedOut, out } = await inChild({ action: 'gate', dir });
  assert.not.ok(timedOut, 'the gate read /dev/zero');
  assert.equal([out.report.verdict, out.report.step, out.report.code], ['rejected', 'validation', ErrorCode.MODEL_MISSING]);
  assert.match(out.report.reason, /00019\.png .*it leads outside/);
  assert.ok(out.peakRss < RSS_BOUND, `peak RSS ${out.peakRss}`);
}));

test('manifest.json as a FIFO says what it is (not "No manifest.json"), at once', () => withVersion(async (dir) => {
  await replaceWithFifo(path.join(dir, 'manifest.json'));
  const { timedOut, out } = await inChild({ action: 'load', dir });
  assert.not.ok(timedOut, 'load hung on the FIFO manifest');
  assert.is(out.error.code, ErrorCode.MANIFEST_MISSING);
  assert.match(out.error.message, /manifest\.json: it is a FIFO \(named pipe\), not a regular file/);
}));

test('model.onnx linked to /etc/passwd: refused, and the report carries neither its hash nor its size', () => withVersion(async (dir) => {
  const foreign = await readFile('/etc/passwd');
  await replaceWithLink(path.join(dir, 'model.onnx'), '/etc/passwd');
  const { out } = await inChild({ action: 'gate', dir });
  assert.equal([out.report.verdict, out.report.code], ['rejected', ErrorCode.MODEL_MISSING]);
  const text = JSON.stringify(out.report);
  assert.not.ok(text.includes(createHash('sha256').update(foreign).digest('hex')), 'the foreign hash leaked');
  assert.not.ok(new RegExp(`\\b${foreign.length}\\b`).test(text), 'the foreign size leaked');
  await rejectsWith(() => load(dir, { isolate: 'none' }), ErrorCode.MODEL_MISSING, /model\.onnx \(model\.file\): it leads outside/);
}));

test('a link that stays inside the version folder is followed', () => withVersion(async (dir) => {
  await rm(path.join(dir, 'labels.txt'));
  await cp(path.join(ROOT, 'models/fashion-mnist/1.0.0/labels.txt'), path.join(dir, 'golden', 'labels.txt'));
  await symlink('golden/labels.txt', path.join(dir, 'labels.txt'));
  const model = await load(dir, { isolate: 'none' });
  assert.is(model.labels.length, 10);
  await model.dispose();
}));

async function teachable(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(await tempDir('edgefn-tm-'), 'tm');
  await cp(TEACHABLE, dir, { recursive: true });
  await edit(dir);
  return dir;
}

async function setShardPath(dir: string, p: string): Promise<void> {
  const file = path.join(dir, 'model.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  m.weightsManifest[0].paths = [p];
  await writeFile(file, JSON.stringify(m));
}

for (const shard of ['../../../dev/zero', '/dev/zero', '../tm-outside/weights.bin']) {
  test(`Teachable Machine: a shard path ${shard} never leaves the model folder`, async () => {
    const dir = await teachable((d) => setShardPath(d, shard));
    try {
      const { timedOut, out } = await inChild({ action: 'load', dir });
      assert.not.ok(timedOut, 'load read past the folder');
      assert.is(out.error?.code, ErrorCode.MANIFEST_INVALID, JSON.stringify(out));
      assert.match(out.error.message, /which is not a file inside the model folder/);
    } finally {
      await removeDir(path.dirname(dir));
    }
  });
}

test('Teachable Machine: weights.bin linked out of the folder is refused', async () => {
  const dir = await teachable((d) => replaceWithLink(path.join(d, 'weights.bin'), '/dev/zero'));
  try {
    const { timedOut, out } = await inChild({ action: 'load', dir });
    assert.not.ok(timedOut);
    assert.is(out.error?.code, ErrorCode.MODEL_MISSING, JSON.stringify(out));
    assert.match(out.error.message, /weights\.bin .*it leads outside/);
  } finally {
    await removeDir(path.dirname(dir));
  }
});

test('a manifest over 1 MiB is refused before it is parsed', () => withVersion(async (dir) => {
  const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  m.description = 'x'.repeat(1024 * 1024);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
  await rejectsWith(() => load(dir, { isolate: 'none' }), ErrorCode.MANIFEST_INVALID, /manifest\.json: it holds \d+ bytes, over the 1048576-byte limit/);
}));

test.run();
