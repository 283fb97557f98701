/**
 * Power cut: a child process adds items (PNG files, Buffers, raw pixels, readings, windows) to a
 * capture in a loop and is SIGKILLed at random moments, 50 times. After each kill a fresh
 * Capture.open finds only whole items (each record's data file present, of its size and sha256),
 * within quota, the last item the child saw committed still there, and nothing else in the folder.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Capture } from '../src/drift/capture.ts';
import { ROOT, removeDir, tempDir } from './helpers/index.ts';
import { assertWhole } from './helpers/capture-kit.ts';

const KILLS = Number(process.env.EDGEFN_CAPTURE_KILLS ?? 50);
const QUOTA = { maxBytes: 12_000, maxItems: 9 };

/** A deterministic pseudo-random sequence, so a failing run can be repeated. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function round(dir: string, seed: number, killAfterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/capture-child.ts'), dir, String(QUOTA.maxBytes), String(QUOTA.maxItems), String(seed)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!timer && /^READY/m.test(out)) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child ended with ${code ?? signal} without a kill:\n${out}\n${err}`));
      else resolve(out.split('\n').filter((l) => l.startsWith('ADDED ')).map((l) => l.slice(6)));
    });
  });
}

test(`${KILLS} SIGKILLs while adding: every open finds only whole items, within quota, the last committed one kept`, async () => {
  const root = await tempDir('edgefn-capture-kill-');
  const dir = path.join(root, 'capture');
  try {
    const rand = random(20261125);
    let added = 0;
    let leftoversSeen = 0;
    for (let i = 0; i < KILLS; i++) {
      const ids = await round(dir, i * 1000, Math.floor(rand() * 400));
      added += ids.length;
      const lastSeen = ids.at(-1);
      const names = await readdir(dir);
      // As the kill left it: every record already whole (data first, record last, eviction record first).
      await assertWhole(dir, undefined, `kill ${i}, before open:`, true);
      const before = await Capture.open({ dir, ...QUOTA });
      const listed = (await before.list()).map((x) => x.id);
      const after = await readdir(dir);
      if (after.length < names.length) leftoversSeen++;
      const check = await assertWhole(dir, QUOTA, `kill ${i}:`);
      assert.equal(listed, check.ids, `kill ${i}: open lists what is on disk`);
      assert.equal(before.usage(), { items: check.items, bytes: check.bytes });
      // add() had resolved for lastSeen: it is on disk (a later add evicts the oldest first, and at most two came after it).
      if (lastSeen) assert.ok(listed.includes(lastSeen), `kill ${i}: ${lastSeen} kept`);
    }
    assert.ok(added > KILLS, `the child got work done (${added} adds over ${KILLS} rounds)`);
    console.log(`  ${KILLS} kills, ${added} adds committed, ${leftoversSeen} opens cleaned leftovers of a kill`);
  } finally {
    await removeDir(root);
  }
});

test.run();
