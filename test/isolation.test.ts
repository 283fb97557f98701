/**
 * A session host that dies never takes the application down (issue 13, defects 1 and 6). Each
 * scenario runs an application in its own node process (test/helpers/isolation-app.ts) that kills
 * its host for real: SIGKILL for a process host, an uncaught error inside a thread host. The
 * application must exit 0 with nothing on stderr, calls under way must reject with
 * EDGEFN_SESSION_DIED, the next call must answer right (golden/00009.png is a Sneaker), and
 * dispose() must end.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers/index.ts';

const APP = path.join(ROOT, 'test/helpers/isolation-app.ts');
const DIED = /^EDGEFN_SESSION_DIED: the session host \((process|thread) \d+\) for \S+model\.onnx (killed by SIGKILL|failed with an uncaught error \(edgefn test fault: an uncaught error in the session host\)) /;
const HOW = { process: 'killed by SIGKILL', thread: 'failed with an uncaught error (edgefn test fault: an uncaught error in the session host)' };
let totalKills = 0;

type Isolate = 'process' | 'thread';
type Step = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON lines

/** Runs a scenario in a fresh application process; it must end by itself, with code 0 and a quiet stderr. */
async function app(isolate: Isolate, scenario: string): Promise<Step> {
  let out: { stdout: string; stderr: string };
  try {
    out = await promisify(execFile)(process.execPath, ['--import', 'tsx', APP, isolate, scenario], { cwd: ROOT, timeout: 120_000 });
  } catch (err) {
    const e = err as { code: unknown; signal: unknown; stdout: string; stderr: string };
    throw new Error(`the application failed (code ${e.code}, signal ${e.signal}):\n${e.stdout}\n${e.stderr}`);
  }
  assert.is(out.stderr, '', 'nothing on stderr (no unhandled error, no stack)');
  const steps: Step = {};
  for (const line of out.stdout.trim().split('\n')) Object.assign(steps, JSON.parse(line));
  assert.ok(steps.done, 'the scenario ran to its end');
  totalKills += steps.kills;
  return steps;
}

for (const isolate of ['process', 'thread'] as const) {
  test(`${isolate}: a host killed between calls: the next call starts a new host and answers; the released host exits with code 0`, async () => {
    const s = await app(isolate, 'between');
    assert.is(s.before, 'Sneaker');
    assert.equal(s.after, ['Sneaker', 'Sneaker']);
    assert.equal(s.ended, [{ how: HOW[isolate], released: false }, { how: 'exited with code 0', released: true }]);
  });

  test(`${isolate}: a host killed with calls under way fails them with EDGEFN_SESSION_DIED, naming the model and how it died`, async () => {
    const s = await app(isolate, 'inflight');
    const died = (s.inflight as string[]).filter((o) => o !== 'Sneaker');
    assert.ok(died.length >= 1, 'the run under way when the host died');
    for (const o of died) assert.match(o, DIED);
    assert.match(died[0]!, /while this call was under way; the next call starts a new one$/);
    assert.is(s.after, 'Sneaker');
  });

  test(`${isolate}: dispose() of a model whose host was just killed resolves`, async () => {
    assert.ok((await app(isolate, 'dispose-dead')).disposed);
  });

  test(`${isolate}: a host killed while dispose() runs: dispose() resolves`, async () => {
    assert.ok((await app(isolate, 'dispose-during')).disposed);
  });

  test(`${isolate}: a host that dies while its session is created fails load() with EDGEFN_SESSION_DIED; the next load works`, async () => {
    const s = await app(isolate, 'create-death');
    assert.match(s.load, DIED);
    assert.match(s.load, /while the session was being created$/);
    assert.is(s.after, 'Sneaker');
  });

  test(`${isolate}: a host that cannot be restarted fails each call with EDGEFN_SESSION_DIED and the reason; once the cause is gone the next call answers`, async () => {
    const s = await app(isolate, 'restart-fails');
    assert.is(s.broken.length, 2);
    for (const o of s.broken) assert.match(o, /^EDGEFN_SESSION_DIED: the session host for \S+model\.onnx died and could not be restarted: \S+model\.onnx does not match model\.sha256/);
    assert.is(s.repaired, 'Sneaker');
  });

  test(`${isolate}: a new host whose model no longer matches the one loaded (verify: false, file replaced) is refused: EDGEFN_SESSION_DIED`, async () => {
    const s = await app(isolate, 'restart-other-model');
    assert.is(s.before, 'Sneaker');
    assert.match(s.other, /^EDGEFN_SESSION_DIED: the session host for \S+model\.onnx died and could not be restarted: \S+model\.onnx: the new session's inputs or outputs differ from those at load; load the model again$/);
  });

  test(`${isolate}: at most 3 restarts a minute: a fourth death leaves calls failing with EDGEFN_SESSION_DIED`, async () => {
    const s = await app(isolate, 'cap');
    assert.equal(s.answers.slice(0, 3), ['Sneaker', 'Sneaker', 'Sneaker']);
    assert.match(s.answers[3], /^EDGEFN_SESSION_DIED: the session host for \S+model\.onnx died 4 times within a minute \(last: (killed by SIGKILL|failed with an uncaught error .*)\); it is not restarted for \d+ s$/);
  });

  test(`${isolate}: three deaths in a stream of 90 calls from 3 callers: every call answers right or fails with EDGEFN_SESSION_DIED`, async () => {
    const s = await app(isolate, 'stream');
    assert.equal(Object.keys(s.tally).sort(), ['EDGEFN_SESSION_DIED', 'Sneaker']);
    assert.is(s.tally.Sneaker + s.tally.EDGEFN_SESSION_DIED, 90);
    assert.ok(s.tally.EDGEFN_SESSION_DIED >= 3, 'each death fails the run under way');
    assert.is(s.after, 'Sneaker');
  });

  test(`${isolate}: store swap: a candidate whose host dies is refused, the active one keeps serving; the active host dying during a swap does not stop it`, async () => {
    const s = await app(isolate, 'swap');
    assert.match(s.candidateKilled, DIED);
    assert.match(s.candidateKilled, /1\.1\.0\/model\.onnx .* while the session was being created$/);
    assert.is(s.activeKilled, 'activated');
    assert.ok(s.during === 'Sneaker' || DIED.test(s.during), s.during);
    assert.is(s.version, '1.2.0');
    assert.is(s.answer, 'Sneaker');
  });
}

test('process: a host that stopped answering (SIGSTOP) is killed by dispose(), which resolves', async () => {
  const s = await app('process', 'dispose-hung');
  assert.ok(s.disposed);
  assert.is(s.hostLeft, 0);
  assert.equal(s.ended, [{ how: 'killed by SIGKILL', released: true }]);
});

test('process: a host whose application was SIGKILLed ends by itself', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', APP, 'process', 'hold'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
  const { host } = JSON.parse(line) as { host: number };
  assert.ok(existsSync(`/proc/${host}`));
  child.kill('SIGKILL');
  // Its channel closes and nothing keeps its event loop alive: it must end (no process.exit).
  for (let i = 0; i < 200 && alive(host); i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(alive(host), `host ${host} still running after its application died`);
});

/** Whether a process runs (a zombie, already ended, does not count). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('no process.exit in src/runtime: only the CLI ends the process', async () => {
  const dir = path.join(ROOT, 'src/runtime');
  for (const f of await readdir(dir)) {
    assert.not.match(await readFile(path.join(dir, f), 'utf8'), /process\.exit\s*\(/, f);
  }
});

test.after(() => console.log(`\n  isolation: ${totalKills} session hosts killed`));

test.run();
