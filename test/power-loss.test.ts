/**
 * Power loss: a child process installs and activates versions in a loop and is killed with
 * SIGKILL at random moments, 100 times. After each kill a fresh process opens the store and must
 * find a complete, valid version active (old or new, never a half state) and classify with it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { open } from '../src/index.ts';
import { BUNDLED_VERSION, ROOT, golden, makeStore, removeDir } from './helpers/index.ts';

const KILLS = Number(process.env.EDGEFN_POWER_LOSS_KILLS ?? 100);
const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
const sample = golden(items[0]!.file);

/** A deterministic pseudo-random sequence, so a failing run can be repeated. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

interface Round { ready: string; lastPhase: string }

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
      const lines = out.trim().split('\n');
      resolve({ ready, lastPhase: lines[lines.length - 1]!.split(' ')[0]! });
    });
  });
}

test(`${KILLS} SIGKILLs during install and activation: every restart finds a complete, valid active version`, async () => {
  const nameDir = await makeStore();
  try {
    (await open(nameDir, { settleMs: 0 })).dispose();
    const rand = random(20261123);
    const phases: Record<string, number> = {};
    let previous = '1.0.0';
    for (let i = 0; i < KILLS; i++) {
      const r = await round(nameDir, Math.floor(rand() * 1500));
      const [version, label] = r.ready.split(' ');
      assert.is(label, items[0]!.label, `round ${i}: the active version classifies`);
      // The active version is the one before or one the killed process had activated: never older.
      assert.ok(Number(version!.split('.')[1]) >= Number(previous.split('.')[1]), `round ${i}: ${version} after ${previous}`);
      previous = version!;
      phases[r.lastPhase] = (phases[r.lastPhase] ?? 0) + 1;
    }
    // A final fresh open in this process too.
    const model = await open(nameDir, { settleMs: 0 });
    assert.is((await model(sample)).label, items[0]!.label);
    console.log(`power-loss: ${KILLS} kills; last phase before each kill: ${JSON.stringify(phases)}; active at the end ${model.version}`);
    await model.dispose();
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test.run();
