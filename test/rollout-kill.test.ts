/**
 * SIGKILL mid-rollout: a child process (test/helpers/rollout-child.ts) calls a store in a loop
 * while versions arrive and go through canary rollouts (good ones promoted, worse ones rejected),
 * and is killed at random moments, 100 times. After every kill the state must be consistent:
 * state.json valid; exactly one active version, complete (its folder and manifest there) and
 * never a rejected one; the candidate never active without its promotion recorded (previous =
 * the version it replaced); a rollout's counters never below the ones seen before. The next
 * process must serve the recorded active version and resume the recorded rollout with exactly
 * the recorded counters.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { readStateFull, type StoreState } from '../src/store/state.ts';
import { ROOT, makeStore, removeDir } from './helpers/index.ts';

const KILLS = Number(process.env.EDGEFN_ROLLOUT_KILLS ?? 100);

/** A deterministic pseudo-random sequence, so a failing run can be repeated. */
function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

interface Round { ready: string[]; lines: string[] }

/** Runs the child until `killAfterMs` after it is READY, then SIGKILLs it. */
function round(nameDir: string, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/rollout-child.ts'), nameDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready: string[] | null = null;
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready ? null : /^READY (.*)$/m.exec(out);
      if (m) {
        ready = m[1]!.split(' ');
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL' || !ready) reject(new Error(`child ended with ${code ?? signal} before/without a kill:\n${out}\n${err}`));
      else resolve({ ready, lines: out.trim().split('\n') });
    });
  });
}

const exists = (p: string) => lstat(p).then(() => true, () => false);

/** What may be active after a round: the active before it and every version whose promotion the child reported or had under way. */
function allowedActives(before: string, candidate: string, lines: string[]): Set<string> {
  const out = new Set([before, ...(candidate === '-' ? [] : [candidate])]);
  for (const line of lines) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'PROMOTED') out.add(a!);
    // A promotion written but not yet reported: only the candidate under way can be it.
    if (kind === 'ROLLOUT' && (a === 'started' || a === 'resumed' || a === 'advanced')) out.add(b!);
  }
  return out;
}

test(`${KILLS} SIGKILLs during canary rollouts: every restart finds one complete active version and the rollout where it stood`, async () => {
  const nameDir = await makeStore();
  try {
    const rand = random(20261125);
    const phases: Record<string, number> = {};
    let before: StoreState = (await readStateFull(nameDir)).state;
    let resumed = 0;
    let promotions = 0;
    let rejections = 0;
    for (let i = 0; i < KILLS; i++) {
      const r = await round(nameDir, Math.floor(rand() * 500));
      const [active, candidate, calls, answered] = r.ready;
      const where = `round ${i} (${r.lines.slice(-3).join(' | ')})`;
      // The restart serves what was recorded and resumes the recorded rollout with its counters.
      if (before.active !== null) assert.is(active, before.active, `${where}: serves the recorded active version`);
      assert.is(answered, 'ok', `${where}: the first call is answered by the active version or the candidate`);
      assert.is(candidate, before.rollout?.version ?? '-', `${where}: resumes the recorded rollout`);
      if (before.rollout) { assert.is(Number(calls), before.rollout.counters.calls, `${where}: with the recorded counters`); resumed++; }

      const read = await readStateFull(nameDir);
      const st = read.state;
      assert.is(read.source, 'primary', `${where}: state.json valid after the kill`);
      assert.ok(st.active !== null && (await exists(path.join(nameDir, st.active, 'manifest.json'))), `${where}: active ${st.active} is a complete version folder`);
      assert.ok(allowedActives(active!, candidate!, r.lines).has(st.active!), `${where}: active ${st.active} was active or a candidate under way`);
      assert.is(st.decisions[st.active!], undefined, `${where}: the active version is not a rejected one`);
      if (st.active !== active) {
        // Promoted during this round: recorded with the version it replaced as previous, the rollout ended.
        assert.ok(st.previous !== null && st.previous !== st.active && allowedActives(active!, candidate!, r.lines).has(st.previous), `${where}: a promotion records the version it replaced (previous ${st.previous})`);
        promotions++;
      }
      if (st.rollout) {
        assert.is.not(st.rollout.version, st.active, `${where}: the candidate is never the active version`);
        if (before.rollout && before.rollout.startedAt === st.rollout.startedAt) {
          assert.ok(st.rollout.counters.calls >= before.rollout.counters.calls, `${where}: counters never go back (${st.rollout.counters.calls} < ${before.rollout.counters.calls})`);
        }
      }
      rejections += r.lines.filter((l) => l.startsWith('REJECTED')).length;
      const [kind, phase] = r.lines[r.lines.length - 1]!.split(' ');
      const last = kind === 'ROLLOUT' ? `${kind} ${phase}` : kind!;
      phases[last] = (phases[last] ?? 0) + 1;
      before = st;
    }
    assert.ok(resumed > 0, 'some kills landed while a rollout was under way');
    console.log(`rollout-kill: ${KILLS} kills; restarts resumed a rollout ${resumed} times; promotions seen across kills ${promotions}, rejections reported ${rejections}; last line before each kill: ${JSON.stringify(phases)}; active at the end ${before.active}`);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test.run();
