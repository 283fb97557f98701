/**
 * Copies in progress, by every common method, with the real tools: `cp -r`, `cp -rp` (preserved
 * mtimes), `rsync -a`, a slow file-by-file copy, the manifest last, the golden set last, a stalled
 * write. While a copy runs the gate says VERSION_INCOMPLETE (no verdict is kept); once it has
 * settled the version is judged; a change anywhere in the folder changes its fingerprint, so a
 * version rejected half-copied is judged again when the rest arrives.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../src/index.ts';
import { runGate, type GatePolicy } from '../src/store/gate.ts';
import { installVersion, removeDir, tempDir } from './helpers/index.ts';

const HAS_RSYNC = spawnSync('rsync', ['--version']).status === 0;
if (!HAS_RSYNC) console.warn('gate-settle: rsync is not installed; the rsync cases are skipped (apt-get install -y rsync)');
const rsyncTest = HAS_RSYNC ? test : test.skip;

/** Long enough that a step right after a copy is always inside it, whatever the machine's load. */
const DURING = 60_000;
const policy = (settleMs: number): GatePolicy => ({ trustedKeys: [], accuracyMargin: 0.02, maxLatencyRatio: 3, settleMs });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function judge(dir: string, settleMs: number) {
  const { report, model } = await runGate(dir, { policy: policy(settleMs), loadOptions: { isolate: 'none' } });
  await model?.dispose();
  return { outcome: report.verdict === 'accepted' ? 'accepted' : report.code!, report };
}

/** Once nothing has changed for a while: judged with a short settle time after waiting longer. */
async function judgeSettled(dir: string) {
  await sleep(400);
  return judge(dir, 200);
}

/** A source version folder whose files were all last modified an hour ago, and a store to copy into. */
async function withCopy(fn: (src: string, dst: string) => Promise<void>): Promise<void> {
  const root = await tempDir('edgefn-settle-');
  try {
    const src = await installVersion(path.join(root, 'staging'), '1.1.0');
    await fn(src, path.join(root, 'store', 'fashion-mnist', '1.1.0'));
  } finally {
    await removeDir(root);
  }
}

/** Every file of `dir`, relative, in the order a copy tool would meet them. */
async function filesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

async function copyEach(src: string, dst: string, files: string[], preserve = true, pauseMs = 0): Promise<void> {
  for (const f of files) {
    await mkdir(path.dirname(path.join(dst, f)), { recursive: true });
    execFileSync('cp', [...(preserve ? ['-p'] : []), path.join(src, f), path.join(dst, f)]);
    if (pauseMs) await sleep(pauseMs);
  }
}

const wholeCopies: [string, (src: string, dst: string) => void][] = [
  ['cp -r', (src, dst) => execFileSync('cp', ['-r', src, dst])],
  ['cp -rp (mtimes preserved)', (src, dst) => execFileSync('cp', ['-rp', src, dst])],
];

for (const [method, copy] of wholeCopies) {
  test(`${method}: incomplete right after the copy, accepted once settled`, () => withCopy(async (src, dst) => {
    await mkdir(path.dirname(dst), { recursive: true });
    copy(src, dst);
    assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
    assert.is((await judgeSettled(dst)).outcome, 'accepted');
  }));
}

rsyncTest('rsync -a (mtimes preserved): incomplete right after the copy, accepted once settled', () => withCopy(async (src, dst) => {
  await mkdir(dst, { recursive: true });
  execFileSync('rsync', ['-a', `${src}/`, `${dst}/`]);
  assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
  assert.is((await judgeSettled(dst)).outcome, 'accepted');
}));

rsyncTest('rsync -a, golden images last: incomplete (not damaged) in between, judged again when they arrive', () => withCopy(async (src, dst) => {
  await mkdir(dst, { recursive: true });
  execFileSync('rsync', ['-a', '--exclude', 'golden/*.png', `${src}/`, `${dst}/`]);
  assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
  // Had the copy stalled past the settle time, a verdict: missing golden images.
  const half = await judgeSettled(dst);
  assert.is(half.outcome, ErrorCode.MODEL_MISSING);
  execFileSync('rsync', ['-a', `${src}/`, `${dst}/`]);
  assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
  const whole = await judgeSettled(dst);
  assert.is(whole.outcome, 'accepted');
  assert.is.not(whole.report.fingerprint, half.report.fingerprint, 'the golden images changed the fingerprint');
}));

test('manifest last (cp -p, file by file): incomplete before and right after the manifest arrives', () => withCopy(async (src, dst) => {
  const files = (await filesOf(src)).filter((f) => f !== 'manifest.json');
  await copyEach(src, dst, files);
  assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
  await copyEach(src, dst, ['manifest.json']);
  assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
  assert.is((await judgeSettled(dst)).outcome, 'accepted');
}));

test('a slow file-by-file copy (cp -p, manifest first): never judged while it runs', () => withCopy(async (src, dst) => {
  const files = await filesOf(src);
  const ordered = ['manifest.json', ...files.filter((f) => f !== 'manifest.json')];
  for (const f of ordered) await mkdir(path.dirname(path.join(dst, f)), { recursive: true });
  // The copier runs as its own process, as an OTA agent would: one cp -p per file, 30 ms apart.
  const script = ordered.map((f) => `cp -p '${path.join(src, f)}' '${path.join(dst, f)}'; sleep 0.03`).join('\n');
  const copier = spawn('sh', ['-c', script], { stdio: 'ignore' });
  const done = new Promise((r) => copier.on('close', r));
  let running = true;
  void done.then(() => { running = false; });
  const seen = new Set<string>();
  let polls = 0;
  while (running) {
    const { outcome } = await judge(dst, DURING);
    if (running) { seen.add(outcome); polls++; }
    await sleep(100);
  }
  assert.ok(polls > 0, 'the copy was judged at least once while it ran');
  assert.equal([...seen], [ErrorCode.VERSION_INCOMPLETE]);
  assert.is((await judgeSettled(dst)).outcome, 'accepted');
}));

test('a stalled write of a golden image: incomplete while recent; once judged, finishing the write changes the fingerprint', () => withCopy(async (src, dst) => {
  const files = await filesOf(src);
  const image = files.find((f) => f.endsWith('.png'))!;
  await copyEach(src, dst, files.filter((f) => f !== image));
  const bytes = await readFile(path.join(src, image));
  const handle = await open(path.join(dst, image), 'w');
  try {
    await handle.write(bytes.subarray(0, bytes.length >> 1));
    assert.is((await judge(dst, DURING)).outcome, ErrorCode.VERSION_INCOMPLETE);
    const stalled = await judgeSettled(dst);
    assert.is(stalled.outcome, ErrorCode.MODEL_CHECKSUM);
    await handle.write(bytes.subarray(bytes.length >> 1));
    await handle.close();
    const whole = await judgeSettled(dst);
    assert.is(whole.outcome, 'accepted');
    assert.is.not(whole.report.fingerprint, stalled.report.fingerprint);
  } finally {
    await handle.close().catch(() => {});
  }
}));

test('the fingerprint covers every entry: a file the manifest does not list changes it, reading does not', () => withCopy(async (src) => {
  const first = (await judge(src, 0)).report.fingerprint;
  assert.is((await judge(src, 0)).report.fingerprint, first, 'judging reads every file and changes nothing');
  await copyFile(path.join(src, 'labels.txt'), path.join(src, 'golden', 'notes.txt'));
  assert.is.not((await judge(src, 0)).report.fingerprint, first);
}));

test.run();
