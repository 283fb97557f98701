/**
 * An application whose session host gets killed, for test/isolation.test.ts. Each scenario runs in
 * its own node process so that an unhandled error or a hang shows as what it is: a non-zero exit
 * code, a stack on stderr, or a timeout. It prints one JSON line per step and `{"done":true}`.
 *
 *   node --import tsx test/helpers/isolation-app.ts <process|thread> <scenario>
 *
 * Kills are real: a process host gets SIGKILL (found with /proc, as any tool would); a thread host
 * gets an uncaught error thrown inside it (the protocol's test-only `fault` request), since nothing
 * outside a thread can kill it alone. The Worker comes from the `edgefn:session-host` diagnostics
 * channel.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { EdgefnError, load, open, type ImageClassifier } from '../../src/index.ts';
import { BUNDLED, RAIN_VERSION, copyBundled, golden, installVersion, makeStore } from './index.ts';

const [isolate, scenario] = process.argv.slice(2) as ['process' | 'thread', string];
const SNEAKER = golden('00009.png');
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
let kills = 0;

interface HostEvent { event: 'start' | 'gone'; model: string; pid?: number; how?: string; released?: boolean; host: ChildProcess | Worker }
const events: HostEvent[] = [];
const onStart: ((e: HostEvent) => void)[] = [];
const goneWaiters: (() => void)[] = [];
subscribe('edgefn:session-host', (m) => {
  const e = m as HostEvent;
  events.push(e);
  if (e.event === 'start') for (const fn of onStart.splice(0)) fn(e);
  else for (const fn of goneWaiters.splice(0)) fn();
});

/** Live (not zombie) child processes of this process, from /proc. */
async function childPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === process.pid && state !== 'Z') pids.push(Number(p));
  }
  return pids;
}

/** The newest host still running (a thread's Worker; a process's pid from /proc). */
function liveThread(): Worker {
  const ended = new Set(events.filter((e) => e.event === 'gone').map((e) => e.host));
  const live = events.filter((e) => e.event === 'start' && !ended.has(e.host));
  return live.at(-1)!.host as Worker;
}

/** Kills every session host now: SIGKILL for processes, an uncaught error inside for a thread. */
async function kill(): Promise<void> {
  kills++;
  if (isolate === 'thread') {
    liveThread().postMessage({ t: 'fault', when: 'now' });
    return;
  }
  for (const pid of await childPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      // Ended between the listing and the kill (a dispose() under way lets its host go): gone either way.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** Waits until the killed hosts are gone and the application has seen it. */
async function gone(): Promise<void> {
  if (isolate === 'thread') {
    // An idle host does not keep the application alive; this wait must.
    const alive = setInterval(() => {}, 1000);
    await new Promise<void>((resolve) => goneWaiters.push(resolve));
    clearInterval(alive);
  } else {
    while ((await childPids()).length > 0) await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 50)); // the 'exit' event after the reap
}

/** Makes the next run sent to the live host be under way when the host dies. */
function dieOnNextRun(): void {
  kills++;
  if (isolate === 'thread') {
    liveThread().postMessage({ t: 'fault', when: 'next-run' });
    return;
  }
  const child = events.filter((e) => e.event === 'start').at(-1)!.host as ChildProcess;
  const send = child.send.bind(child) as (...args: unknown[]) => boolean;
  let armed = true;
  child.send = ((...args: unknown[]) => {
    const first = armed && (args[0] as { t: string }).t === 'run';
    if (first) { armed = false; process.kill(child.pid!, 'SIGSTOP'); }
    const sent = send(...args);
    if (first) process.kill(child.pid!, 'SIGKILL'); // stopped: it cannot have answered
    return sent;
  }) as typeof child.send;
}

async function outcome(p: Promise<{ label: string | null }>): Promise<string> {
  try {
    return (await p).label ?? 'null';
  } catch (err) {
    return err instanceof EdgefnError ? `${err.code}: ${err.message}` : `UNCODED: ${String(err)}`;
  }
}

const answer = (m: ImageClassifier) => outcome(m(SNEAKER));

const scenarios: Record<string, () => Promise<void>> = {
  async between() {
    const m = await load(BUNDLED, { isolate });
    say({ before: await answer(m) });
    await kill();
    await gone();
    say({ after: [await answer(m), await answer(m)] });
    await m.dispose();
  },
  async inflight() {
    const m = await load(BUNDLED, { isolate });
    say({ before: await answer(m) });
    dieOnNextRun();
    say({ inflight: await Promise.all(Array.from({ length: 6 }, () => answer(m))) });
    say({ after: await answer(m) });
    await m.dispose();
  },
  async 'dispose-dead'() {
    const m = await load(BUNDLED, { isolate });
    say({ before: await answer(m) });
    await kill();
    await m.dispose(); // before the application has seen the death, or after: both must end
    say({ disposed: true });
  },
  async 'dispose-during'() {
    const m = await load(BUNDLED, { isolate });
    say({ before: await answer(m) });
    const disposed = m.dispose();
    await kill();
    await disposed;
    say({ disposed: true });
  },
  async 'dispose-hung'() {
    const m = await load(BUNDLED, { isolate });
    say({ before: await answer(m) });
    const [pid] = await childPids();
    process.kill(pid!, 'SIGSTOP'); // alive but answering nothing
    await m.dispose();
    say({ disposed: true, hostLeft: (await childPids()).length });
  },
  async 'create-death'() {
    onStart.push((e) => {
      kills++;
      if (e.pid) process.kill(e.pid, 'SIGKILL');
      else (e.host as Worker).postMessage({ t: 'fault', when: 'now' });
    });
    say({ load: await outcome(load(BUNDLED, { isolate }) as unknown as Promise<{ label: null }>) });
    const m = await load(BUNDLED, { isolate });
    say({ after: await answer(m) });
    await m.dispose();
  },
  async 'restart-fails'() {
    const dir = await copyBundled();
    const file = path.join(dir, 'model.onnx');
    const bytes = await readFile(file);
    const m = await load(dir, { isolate });
    say({ before: await answer(m) });
    const bad = Buffer.from(bytes);
    bad[bad.length - 100]! ^= 0xff;
    await writeFile(file, bad);
    await kill();
    await gone();
    say({ broken: [await answer(m), await answer(m)] });
    await writeFile(file, bytes);
    say({ repaired: await answer(m) });
    await m.dispose();
  },
  async 'restart-other-model'() {
    // Without verify, model.onnx replaced by another model while the host was down.
    const dir = await copyBundled();
    const m = await load(dir, { isolate, verify: false });
    say({ before: await answer(m) });
    await writeFile(path.join(dir, 'model.onnx'), await readFile(path.join(RAIN_VERSION, 'model.onnx')));
    await kill();
    await gone();
    say({ other: await answer(m) });
    await m.dispose();
  },
  async cap() {
    const m = await load(BUNDLED, { isolate });
    const answers: string[] = [];
    for (let i = 0; i < 4; i++) {
      await kill();
      await gone();
      answers.push(await answer(m));
    }
    say({ answers });
    await m.dispose();
  },
  async stream() {
    // Three callers, 90 calls; the host dies on the run sent after 15, 40 and 70 answers.
    const m = await load(BUNDLED, { isolate });
    const at = new Set([15, 40, 70]);
    const tally: Record<string, number> = {};
    let answered = 0;
    const caller = async (n: number) => {
      for (let i = 0; i < n; i++) {
        for (const a of at) if (answered >= a && at.delete(a)) dieOnNextRun();
        const o = await answer(m);
        answered++;
        const key = o === 'Sneaker' ? 'Sneaker' : o.split(':')[0]!;
        tally[key] = (tally[key] ?? 0) + 1;
      }
    };
    await Promise.all([caller(30), caller(30), caller(30)]);
    say({ tally, after: await answer(m) });
    await m.dispose();
  },
  async hold() {
    await load(BUNDLED, { isolate });
    const [host] = await childPids();
    say({ host });
    setInterval(() => {}, 1000); // until the test kills this application
    await new Promise(() => {});
  },
  async swap() {
    const nameDir = await makeStore();
    const store = await open(nameDir, { isolate, settleMs: 0 });
    say({ before: await outcome(store(SNEAKER)), version: store.version });
    await installVersion(nameDir, '1.1.0');
    await installVersion(nameDir, '1.2.0');
    // The candidate's host dies while it is created: the swap fails, 1.0.0 keeps serving.
    onStart.push((e) => void (e.model.endsWith('1.1.0/model.onnx') && (kills++, e.pid ? process.kill(e.pid, 'SIGKILL') : (e.host as Worker).postMessage({ t: 'fault', when: 'now' }))));
    say({ candidateKilled: await store.activate('1.1.0').then(() => 'activated', (err: EdgefnError) => `${err.code}: ${err.message}`), version: store.version, answer: await outcome(store(SNEAKER)) });
    // The active version's host dies while 1.2.0 is being checked: the swap completes.
    // The version's own model: a gate also starts hosts for the version's baseline models (baselines/*).
    const active = events.filter((e) => e.event === 'start' && e.model.endsWith('1.0.0/model.onnx')).at(-1)!;
    onStart.push(() => void (kills++, active.pid ? process.kill(active.pid, 'SIGKILL') : (active.host as Worker).postMessage({ t: 'fault', when: 'now' })));
    const during = outcome(store(SNEAKER));
    say({ activeKilled: await store.activate('1.2.0').then(() => 'activated', (err: EdgefnError) => `${err.code}: ${err.message}`), during: await during });
    say({ version: store.version, answer: await outcome(store(SNEAKER)) });
    await store.dispose();
  },
};

await scenarios[scenario]!();
say({ kills, ended: events.filter((e) => e.event === 'gone').map((e) => ({ how: e.how, released: e.released })) });
say({ done: true });
