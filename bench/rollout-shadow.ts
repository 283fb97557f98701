/**
 * What a shadow rollout costs the caller and the battery: caller latency p50/p95 and CPU per call
 * with no rollout, with shadow at sample 1.0 and at 0.1. Three stores of the bundled model (the
 * candidate: the same files as a new version, so it never decides), sessions in their own
 * processes as a real store runs them, measured in interleaved rounds so that the machine's
 * other load falls on all three alike. CPU is this process's (process.cpuUsage) plus its session
 * hosts' (utime + stime from /proc/<pid>/stat), measured after each block's shadow runs finished.
 *
 *   node --import tsx bench/rollout-shadow.ts [--rounds 5] [--calls 200] [--pace 0]
 *
 * --pace MS waits that long between calls (a sensor loop); 0 calls back to back.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { open, type StoreModel } from '../src/index.ts';
import { percentile } from '../src/util/stats.ts';
import { installVersion } from '../test/helpers/index.ts';
import { childPids } from '../test/helpers/store-kit.ts';
import { INPUTS } from '../test/helpers/rollout-kit.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, calls: { type: 'string', default: '200' }, pace: { type: 'string', default: '0' } } });
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const pace = Number(values.pace);
const TICK_MS = 1000 / 100; // Linux USER_HZ

/** CPU ms used so far by the given processes (utime + stime). */
function cpuOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * TICK_MS;
}

interface Config { name: string; model: StoreModel; hosts: number[]; latencies: number[]; cpuMs: number; calls: number }

const root = await mkdtemp(path.join(tmpdir(), 'edgefn-shadow-'));
const configs: Config[] = [];
for (const [name, rollout] of [['no rollout', undefined], ['shadow, sample 1.0', { mode: 'shadow', sample: 1, minCalls: 1_000_000 }], ['shadow, sample 0.1', { mode: 'shadow', sample: 0.1, minCalls: 1_000_000 }]] as const) {
  const nameDir = path.join(root, name.replace(/[^a-z0-9]+/g, '-'), 'fashion-mnist');
  await installVersion(nameDir, '1.0.0');
  const before = new Set(childPids());
  const model = await open(nameDir, { settleMs: 0, isolate: 'process', ...(rollout ? { rollout } : {}) });
  if (rollout) {
    await installVersion(nameDir, '1.1.0');
    await model.scan();
    if (model.rollout()?.version !== '1.1.0') throw new Error(`${name}: no candidate`);
  }
  await model(INPUTS[0]!); // warm
  configs.push({ name, model, hosts: childPids().filter((p) => !before.has(p)), latencies: [], cpuMs: 0, calls: 0 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (let r = 0; r < rounds; r++) {
  for (const c of configs) {
    const cpu0 = process.cpuUsage();
    const hosts0 = cpuOf(c.hosts);
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await c.model(INPUTS[i % INPUTS.length]!);
      c.latencies.push(performance.now() - t);
      if (pace > 0) await sleep(pace);
    }
    await sleep(100); // the block's last shadow runs finish inside its CPU figure
    const d = process.cpuUsage(cpu0);
    c.cpuMs += (d.user + d.system) / 1000 + (cpuOf(c.hosts) - hosts0);
    c.calls += calls;
  }
}

const base = configs[0]!;
console.log(`bundled fashion-mnist, isolate 'process', ${rounds} interleaved rounds x ${calls} calls per configuration, ${pace > 0 ? `${pace} ms between calls` : 'back to back'}`);
console.log('configuration        | caller p50 ms | caller p95 ms | CPU ms/call (app + hosts) | vs none | compared | dropped');
for (const c of configs) {
  const f = c.model.rollout()?.figures;
  const cpu = c.cpuMs / c.calls;
  console.log(`${c.name.padEnd(20)} | ${percentile(c.latencies, 50).toFixed(2).padStart(13)} | ${percentile(c.latencies, 95).toFixed(2).padStart(13)} | ${cpu.toFixed(2).padStart(25)} | ${`x${(cpu / (base.cpuMs / base.calls)).toFixed(2)}`.padStart(7)} | ${String(f?.compared ?? '-').padStart(8)} | ${String(f?.dropped ?? '-').padStart(7)}`);
}
for (const c of configs) await c.model.dispose();
await rm(root, { recursive: true, force: true });
