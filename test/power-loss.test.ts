/**
 * Power loss: a child process installs, activates, prunes and rolls back versions in a loop and
 * is killed with SIGKILL at random moments, 100 times. After each kill a fresh process opens the
 * store and must find a complete, valid version active (the last one decided, or the one being
 * decided when the kill came; never a half state, never one rolled back from) and classify
 * with it; both state copies stay valid, and leftovers of a kill are cleaned at the next boot.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { open } from '../src/index.ts';
import { readStateFull } from '../src/store/state.ts';
import { BUNDLED_VERSION, ROOT, golden, makeStore, removeDir } from './helpers/index.ts';
import { leftovers } from './helpers/store-kit.ts';

const KILLS = Number(process.env.EDGEFN_POWER_LOSS_KILLS ?? 100);
const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
const sample = golden(items[0]!.file);

/** A deterministic pseudo-random sequence, so a failing run can be repeated. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

interface Round { ready: string; lines: string[] }

function round(nameDir: string, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/churn.ts'), nameDir, sample], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!ready) {
        const m = /^READY (.*)$/m.exec(out);
        if (m) {
          ready = m[1]!;
          timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL' || !ready) {
        reject(new Error(`child ended with ${code ?? signal} before/without a kill:\n${out}\n${err}`));
        return;
      }
      resolve({ ready, lines: out.trim().split('\n') });
    });
  });
}

/** What a restart may serve after a kill: the last decision completed, or the one under way. */
function allowed(lines: string[], booted: string): Set<string> {
  let decided = booted;
  let pending: string | null = null;
  for (const line of lines) {
    const [phase, v] = line.split(' ');
    if (phase === 'PRUNE' || phase === 'ROLLEDBACK') { decided = v!; pending = null; }
    else if (phase === 'ACTIVATE' || phase === 'ROLLBACK') pending = v!;
    else if (phase === 'ACTIVATED') pending = null;
  }
  return new Set([decided, ...(pending ? [pending] : [])]);
}

test(`${KILLS} SIGKILLs during install, activation, pruning and rollback: every restart finds the decided version, complete and valid`, async () => {
  const nameDir = await makeStore();
  try {
    (await open(nameDir, { settleMs: 0 })).dispose();
    const rand = random(20261123);
    const phases: Record<string, number> = {};
    let expected = new Set(['1.0.0']);
    let leftoversSeen = 0;
    for (let i = 0; i < KILLS; i++) {
      const r = await round(nameDir, Math.floor(rand() * 2000));
      const [version, label] = r.ready.split(' ');
      assert.is(label, items[0]!.label, `round ${i}: the active version classifies`);
      assert.ok(expected.has(version!), `round ${i}: serves ${version}, expected one of ${[...expected].join(', ')}`);
      expected = allowed(r.lines, version!);
      const last = r.lines[r.lines.length - 1]!.split(' ')[0]!;
      phases[last] = (phases[last] ?? 0) + 1;
      leftoversSeen += leftovers(await readdir(nameDir)).length;
      const st = await readStateFull(nameDir);
      assert.is(st.source, 'primary', `round ${i}: state.json valid after the kill`);
    }
    // A final fresh open in this process too.
    const model = await open(nameDir, { settleMs: 0 });
    assert.ok(expected.has(model.version), `final: ${model.version}`);
    assert.is((await model(sample)).label, items[0]!.label);
    assert.equal(leftovers(await readdir(nameDir)), [], 'the boot cleaned what kills left');
    console.log(`power-loss: ${KILLS} kills, ${KILLS + 1} restarts checked; last phase before each kill: ${JSON.stringify(phases)}; leftovers found after kills (cleaned at boot): ${leftoversSeen}; active at the end ${model.version}`);
    await model.dispose();
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test.run();
