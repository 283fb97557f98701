/**
 * One writer at a time (issue 12, defect 11): the store's lock file, stale-lock recovery, a live
 * holder answered with EDGEFN_STORE_LOCKED, two real processes changing one store at once, and a
 * running app following what the CLI decides.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { open, ErrorCode } from '../src/index.ts';
import { processStart } from '../src/store/lock.ts';
import { readStateFull } from '../src/store/state.ts';
import { ROOT, installVersion, rejectsWith } from './helpers/index.ts';
import { edgefnSrc, leftovers, nextEvent, withStore } from './helpers/store-kit.ts';

const FAST = { settleMs: 0, isolate: 'none' as const };

test('a lock left by a killed process (dead pid, or torn) is recovered; the lock is gone after each change', () => withStore(async (nameDir) => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  await writeFile(path.join(nameDir, '.lock'), JSON.stringify({ pid: Number(dead), start: null, token: 'gone' }));
  const model = await open(nameDir, { ...FAST, lockTimeoutMs: 5000 });
  await installVersion(nameDir, '1.1.0');
  await model.activate('1.1.0');
  assert.not.ok(existsSync(path.join(nameDir, '.lock')));
  // Torn: the process died while writing the lock file, long ago.
  await writeFile(path.join(nameDir, '.lock'), '{"pid":');
  const old = new Date(Date.now() - 60_000);
  await utimes(path.join(nameDir, '.lock'), old, old);
  assert.is(await model.rollback(), '1.0.0');
  assert.not.ok(existsSync(path.join(nameDir, '.lock')));
  await model.dispose();
}));

test('a live holder is waited for, then EDGEFN_STORE_LOCKED naming it; a scan says so with a failed event', () => withStore(async (nameDir) => {
  const model = await open(nameDir, { ...FAST, lockTimeoutMs: 300 });
  await installVersion(nameDir, '1.1.0');
  // Process 1 is alive for as long as the container runs: a holder that does not let go.
  await writeFile(path.join(nameDir, '.lock'), JSON.stringify({ pid: 1, start: processStart(1), token: 'held' }));
  await rejectsWith(() => model.activate('1.1.0'), ErrorCode.STORE_LOCKED, /is locked by process 1 .*did not let go within 300 ms/);
  const failed = nextEvent(model, 'failed');
  await model.scan();
  assert.equal(await failed, { operation: 'scan', version: '1.1.0', code: ErrorCode.STORE_LOCKED, reason: (await failed).reason });
  assert.is(model.version, '1.0.0');
  await model.dispose();
}));

interface Racer { done: Promise<string>; check(): Promise<string> }

function racer(nameDir: string, id: number, rounds: number): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/racer.ts'), nameDir, String(id), String(rounds)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: [RegExp, (m: string) => void, (e: Error) => void][] = [];
  const poll = () => {
    for (const w of [...waiters]) {
      const m = w[0].exec(out);
      if (m) { waiters.splice(waiters.indexOf(w), 1); w[1](m[1]!); }
    }
  };
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); poll(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  child.on('exit', (code) => { for (const w of waiters.splice(0)) w[2](new Error(`racer ${id} exited with ${code}:\n${out}\n${err}`)); });
  const wait = (re: RegExp) => new Promise<string>((resolve, reject) => { waiters.push([re, resolve, reject]); poll(); });
  return {
    done: wait(/^DONE (.*)$/m),
    check: () => { child.stdin.write('CHECK\n'); return wait(/^SERVING (.*)$/m); },
  };
}

test('two processes changing one store at once: one writer at a time, the state never names a missing version, both end up serving it', () => withStore(async (nameDir) => {
  (await open(nameDir, FAST)).dispose();
  const ROUNDS = 4;
  const racers = [racer(nameDir, 1, ROUNDS), racer(nameDir, 2, ROUNDS)];
  const done = await Promise.all(racers.map((r) => r.done));
  // One check after the other: a watching store that follows a recorded older version (the last
  // explicit activate) may then judge the newer one above it and activate it; the second check
  // follows whatever the first one settled on. The state is read once both have.
  const serving = [await racers[0]!.check(), await racers[1]!.check()];
  const { state, damaged, repair } = await readStateFull(nameDir);
  assert.equal([damaged, repair], [[], false]);
  assert.ok(state.active !== null && existsSync(path.join(nameDir, state.active, 'manifest.json')), `active ${state.active}`);
  if (state.previous) assert.ok(existsSync(path.join(nameDir, state.previous, 'manifest.json')), `previous ${state.previous}`);
  assert.equal(serving, [state.active, state.active]);
  const fresh = await open(nameDir, FAST);
  assert.is(fresh.version, state.active);
  await fresh.dispose();
  assert.equal(leftovers(await readdir(nameDir)), []);
  console.log(`two racers, ${ROUNDS} rounds each: ${done.join(' | ')}; both serve ${state.active}`);
}));

test('the CLI changes a store a running app watches: the app follows (activated events), nothing else needed', () => withStore(async (nameDir) => {
  const app = await open(nameDir, { watch: true, settleMs: 0 });
  await installVersion(nameDir, '1.1.0');
  await app.scan(); // the app's own watcher activates 1.1.0 first: that is not what this test is about
  await app.rollback();
  const followed = nextEvent(app, 'activated');
  const act = await edgefnSrc('models', 'activate', nameDir, '1.1.0');
  assert.is(act.code, 0, act.stderr);
  assert.equal(await followed, { version: '1.1.0', previous: '1.0.0', report: (await followed).report });
  assert.is(app.version, '1.1.0');
  const back = nextEvent(app, 'activated');
  const rb = await edgefnSrc('models', 'rollback', nameDir);
  assert.is(rb.code, 0, rb.stderr);
  assert.is((await back).version, '1.0.0');
  assert.is(app.version, '1.0.0');
  await app.dispose();
}));

test.run();
