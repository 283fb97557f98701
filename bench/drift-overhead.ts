/**
 * What drift monitoring costs a call: CPU per call of the bundled Fashion-MNIST model (its
 * profile.json bundled) with the monitor on (the defaults) and off (`monitor: false`), on the main
 * thread (isolate 'none', so process.cpuUsage sees all of a call's work), in interleaved rounds
 * (on, off, off, on, ...) so that the machine's other load falls on both alike. Two inputs: the
 * golden images as encoded PNGs (decode included, as a camera saving files would give them) and as
 * raw 28×28 gray frames (the cheapest call, where the monitor's share is largest). Then the
 * monitor's own work, measured alone: measuring a prepared input and recording it.
 *
 *   npm run bench:drift -- [--rounds 7] [--calls 2000]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { load, type ImageClassifier } from '../src/model/load.ts';
import { internalsOf } from '../src/model/internals.ts';
import { measurer } from '../src/drift/measure.ts';
import { DriftMonitor } from '../src/drift/monitor.ts';
import { MONITOR_DEFAULTS } from '../src/drift/monitor-options.ts';
import { parseProfile } from '../src/drift/profile.ts';
import { outputStats } from '../src/drift/stats.ts';
import type { Prepared } from '../src/model/tasks/task.ts';
import { BUNDLED_VERSION } from '../test/helpers/index.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '2000' } } });
const rounds = Number(values.rounds);
const calls = Number(values.calls);

const dir = path.join(BUNDLED_VERSION, 'golden');
const files = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
const pngs = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
const raws = await Promise.all(pngs.map(async (b) => ({ data: new Uint8Array(await sharp(b).grayscale().raw().toBuffer()), width: 28, height: 28, channels: 1 as const })));

const on = await load(BUNDLED_VERSION, { isolate: 'none' });
const off = await load(BUNDLED_VERSION, { isolate: 'none', monitor: false });
if (!on.drift() || off.drift()) throw new Error('expected the monitor on one model only (is profile.json listed in the manifest?)');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU µs per call of `calls` single calls cycling through `inputs`. */
async function cpuPerCall(model: ImageClassifier, inputs: readonly unknown[]): Promise<number> {
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) await model(inputs[i % inputs.length] as never);
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / calls;
}

const rows: string[] = [];
for (const [name, inputs] of [['PNG (28×28, decoded per call)', pngs], ['raw frame (28×28 gray)', raws]] as const) {
  for (let i = 0; i < 200; i++) { await on(inputs[i % inputs.length] as never); await off(inputs[i % inputs.length] as never); } // warm both
  const withMonitor: number[] = [];
  const without: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (r % 2 === 0) { withMonitor.push(await cpuPerCall(on, inputs)); without.push(await cpuPerCall(off, inputs)); }
    else { without.push(await cpuPerCall(off, inputs)); withMonitor.push(await cpuPerCall(on, inputs)); }
  }
  const a = median(withMonitor);
  const b = median(without);
  const ratios = withMonitor.map((w, i) => w / without[i]! - 1);
  rows.push(`| ${name} | ${b.toFixed(1)} | ${a.toFixed(1)} | ${((a / b - 1) * 100).toFixed(1)} % | ${(median(ratios) * 100).toFixed(1)} % (${(Math.min(...ratios) * 100).toFixed(1)} to ${(Math.max(...ratios) * 100).toFixed(1)}) |`);
}

// The monitor's own work, alone: measure a prepared input and record it, as attach.ts does per call.
const kept: { prepared: Prepared; result: unknown }[] = [];
await internalsOf(off)!.call(pngs, undefined, (_i, result, prepared) => kept.push({ prepared, result }));
const profile = parseProfile(JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'profile.json'), 'utf8')), 'profile.json');
const monitor = new DriftMonitor(profile, { ...MONITOR_DEFAULTS });
const { measure } = measurer(on.manifest);
const n = 20_000;
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const k = kept[i % kept.length]!;
  monitor.record(measure(pngs[i % pngs.length], k.prepared), outputStats(k.result));
}
const d = process.cpuUsage(t0);
await Promise.all([on.dispose(), off.dispose()]);

console.log(`Drift monitor overhead, bundled fashion-mnist, isolate 'none', ${rounds} interleaved rounds of ${calls} calls, median CPU per call (µs):\n`);
console.log('| input | monitor off | monitor on | overhead (medians) | overhead per round, median (range) |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(`\nThe monitor's own work (measure + record, window ${MONITOR_DEFAULTS.window}, evaluated every ${MONITOR_DEFAULTS.every}): ${((d.user + d.system) / n).toFixed(1)} µs CPU per call over ${n} calls.`);
