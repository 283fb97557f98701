/**
 * Drift detection on real data, through load() with the default monitor (window 500, every 50,
 * PSI 0.25 with KS, 3 evaluations to enter), against the bundled models' profiles:
 *
 *   npm run eval:drift -- [--data /usr/share/datasets/fashion-mnist] [--csv examples/data/seattle-weather-2015.csv]
 *
 * Fashion-MNIST: the 10,000 test images as a stream of raw frames, unshifted (false alarms); then
 * for each shift, a fresh model sees 1,000 unshifted images and then shifted ones (darkened,
 * low-contrast, blurred, rotated, only two classes): calls after the onset until the `drift` event.
 * rain-tomorrow: the 2015 readings (windows of 7 days) played twice as they are; then a fresh model
 * sees the year as it is and then again with a sensor fault on temp_max (+5 °C, stuck, noisy),
 * the year repeating until the event. Also the CPU a call costs with and without the monitor.
 * Needs Debian's dataset-fashion-mnist. A script, not a test.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { load, type ImageClassifier, type WindowClassifier } from '../src/index.ts';
import type { DriftState } from '../src/drift/types.ts';
import { DriftMonitor } from '../src/drift/monitor.ts';
import { MONITOR_DEFAULTS } from '../src/drift/monitor-options.ts';
import { measurer } from '../src/drift/measure.ts';
import { parseProfile } from '../src/drift/profile.ts';
import { outputStats } from '../src/drift/stats.ts';
import { internalsOf } from '../src/model/internals.ts';
import type { Prepared } from '../src/model/tasks/task.ts';
import { DEFAULT_DATA, readTestSet } from './lib/fashion-mnist.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_DATA },
    csv: { type: 'string', default: 'examples/data/seattle-weather-2015.csv' },
    warmup: { type: 'string', default: '1000' },
  },
});

type Raw = { data: Uint8Array; width: number; height: number; channels: 1 };
interface Row { scenario: string; onset: string; detected: string; moved: string }
const rows: Row[] = [];
/** Each row on stderr as it is measured (the table comes at the end). */
const done = (r: Row) => { rows.push(r); console.error(`${r.scenario}: ${r.detected}; ${r.moved}`); };

/** Feeds `inputs` (one at a time, as a stream), calling `at(i)` lazily; returns the calls at each drift event and the state then. */
async function stream<I>(model: { (x: I): Promise<unknown> }, count: number, at: (i: number) => Promise<I> | I, events: { calls: number; state: DriftState }[], stopAtEvent: boolean): Promise<number> {
  let i = 0;
  for (; i < count; i++) {
    await model(await at(i));
    if (stopAtEvent && events.length > 0) return i + 1;
  }
  return i;
}

function monitorFor(events: { calls: number; state: DriftState }[]) {
  return { onDrift: (state: DriftState) => { if (state.drifted) events.push({ calls: state.calls, state }); } };
}

const movedNames = (s: DriftState) => s.moved.map((m) => `${m.name} (PSI ${m.psi.toFixed(2)})`).join(', ');

// ---- Fashion-MNIST -------------------------------------------------------------------------
const set = await readTestSet(values.data);
const raw = (i: number): Raw => set.pixels(i);
const viaSharp = async (i: number, edit: (s: Sharp) => Sharp): Promise<Raw> => {
  const p = raw(i);
  const { data, info } = await edit(sharp(p.data, { raw: p })).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== 28 || info.height !== 28 || info.channels !== 1) throw new Error(`shift produced ${info.width}x${info.height}x${info.channels}`);
  return { data, width: 28, height: 28, channels: 1 };
};
/** Rotated about the centre, corners filled with the background, cropped back to 28x28. */
async function rotated(i: number, degrees: number): Promise<Raw> {
  const p = raw(i);
  const { data, info } = await sharp(p.data, { raw: p }).rotate(degrees, { background: { r: 0, g: 0, b: 0 } }).raw().toBuffer({ resolveWithObject: true });
  const left = Math.floor((info.width - 28) / 2);
  const top = Math.floor((info.height - 28) / 2);
  const out = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extract({ left, top, width: 28, height: 28 }).toColourspace('b-w').raw().toBuffer();
  return { data: new Uint8Array(out), width: 28, height: 28, channels: 1 };
}

const fashion = async (events: { calls: number; state: DriftState }[]) => load<ImageClassifier>('models/fashion-mnist', { monitor: monitorFor(events) });

{
  const events: { calls: number; state: DriftState }[] = [];
  const model = await fashion(events);
  await stream(model, set.count, raw, events, false);
  done({ scenario: `Fashion-MNIST test set, unshifted (${set.count.toLocaleString('en-US')} calls)`, onset: '—', detected: `${events.length} false alarm${events.length === 1 ? '' : 's'}`, moved: events.map((e) => `at ${e.calls}: ${movedNames(e.state)}`).join('; ') || '—' });
  await model.dispose();
}

const warmup = Number(values.warmup);
const twoClasses = Array.from({ length: set.count }, (_, i) => i).filter((i) => i >= warmup && (set.labels[i] === 0 || set.labels[i] === 1));
const shifts: [string, (k: number) => Promise<Raw>, number][] = [
  ['darkened (×0.6)', (k) => viaSharp(warmup + k, (s) => s.linear(0.6, 0)), set.count - warmup],
  ['darkened a little (×0.85)', (k) => viaSharp(warmup + k, (s) => s.linear(0.85, 0)), set.count - warmup],
  ['low contrast (×0.5 around 0.29)', (k) => viaSharp(warmup + k, (s) => s.linear(0.5, 0.5 * 0.286 * 255)), set.count - warmup],
  ['low contrast a little (×0.85 around 0.29)', (k) => viaSharp(warmup + k, (s) => s.linear(0.85, 0.15 * 0.286 * 255)), set.count - warmup],
  ['blurred (Gaussian σ 1)', (k) => viaSharp(warmup + k, (s) => s.blur(1)), set.count - warmup],
  ['blurred a little (Gaussian σ 0.5)', (k) => viaSharp(warmup + k, (s) => s.blur(0.5)), set.count - warmup],
  ['rotated 90° (camera turned)', (k) => viaSharp(warmup + k, (s) => s.rotate(90)), set.count - warmup],
  ['rotated 15°', (k) => rotated(warmup + k, 15), set.count - warmup],
  ['two classes only (T-shirt/top, Trouser)', (k) => Promise.resolve(raw(twoClasses[k]!)), twoClasses.length],
];
for (const [name, shifted, available] of shifts) {
  const events: { calls: number; state: DriftState }[] = [];
  const model = await fashion(events);
  await stream(model, warmup, raw, events, false);
  const before = events.length;
  const n = await stream(model, available, shifted, events, true);
  const e = events[before];
  done({
    scenario: `Fashion-MNIST ${name}`,
    onset: `after ${warmup.toLocaleString('en-US')} unshifted`,
    detected: before > 0 ? `false alarm during warm-up` : e ? `${e.calls - warmup} calls` : `not in ${n} calls`,
    moved: e ? movedNames(e.state) : '—',
  });
  await model.dispose();
}

// ---- rain-tomorrow -------------------------------------------------------------------------
type Reading = Record<string, number>;
const lines = (await readFile(values.csv!, 'utf8')).split(/\r?\n/).filter((l) => l.trim());
const header = lines[0]!.split(',');
const year: Reading[] = lines.slice(1).map((l) => Object.fromEntries(header.map((h, j) => [h, Number(l.split(',')[j])])) as Reading);
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'];
const clean = (r: Reading): Reading => Object.fromEntries(FEATURES.map((f) => [f, r[f]!]));
/** A deterministic normal deviate per index (Box–Muller on a hash), so runs agree. */
const gauss = (i: number) => {
  const u = (((i * 2654435761) >>> 0) % 1_000_003 + 1) / 1_000_004;
  const v = (((i * 40503 + 7919) * 2246822519 >>> 0) % 1_000_033 + 1) / 1_000_034;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};
const WINDOW = 7;
const daysPerYear = year.length - (WINDOW - 1);
/** Reading d of an endless replay of the year (the lead-in days of December 2014 only once). */
const day = (d: number): Reading => clean(year[d < year.length ? d : (WINDOW - 1) + ((d - year.length) % daysPerYear)]!);
const rain = async (events: { calls: number; state: DriftState }[]) => load<WindowClassifier>('models/rain-tomorrow', { monitor: monitorFor(events) });
const windowAt = (reading: (d: number) => Reading) => (call: number) => Array.from({ length: WINDOW }, (_, k) => reading(call + k));

{
  const events: { calls: number; state: DriftState }[] = [];
  const model = await rain(events);
  await stream(model, 2 * daysPerYear, windowAt(day), events, false);
  done({ scenario: `rain-tomorrow 2015 as it is (the year twice, ${2 * daysPerYear} calls)`, onset: '—', detected: `${events.length} false alarm${events.length === 1 ? '' : 's'}`, moved: events.map((e) => `at ${e.calls}: ${movedNames(e.state)}`).join('; ') || '—' });
  await model.dispose();
}

const onsetDay = year.length; // the first replayed day: one clean pass of 2015 first
const stuckAt = day(onsetDay - 1).temp_max!;
const faults: [string, (r: Reading, d: number) => Reading][] = [
  ['temp_max +5 °C (sensor offset)', (r) => ({ ...r, temp_max: r.temp_max! + 5 })],
  [`temp_max stuck (constant ${stuckAt} °C)`, (r) => ({ ...r, temp_max: stuckAt })],
  ['temp_max noisy (+ N(0, 3 °C))', (r, d) => ({ ...r, temp_max: +(r.temp_max! + 3 * gauss(d)).toFixed(1) })],
];
for (const [name, fault] of faults) {
  const events: { calls: number; state: DriftState }[] = [];
  const model = await rain(events);
  const reading = (d: number) => (d >= onsetDay ? fault(day(d), d) : day(d));
  const at = windowAt(reading);
  await stream(model, daysPerYear, at, events, false);
  const before = events.length;
  const n = await stream(model, 4 * daysPerYear, (k) => at(daysPerYear + k), events, true);
  const e = events[before];
  done({
    scenario: `rain-tomorrow ${name}`,
    onset: `after 2015 as it is (${daysPerYear})`,
    detected: before > 0 ? 'false alarm before the fault' : e ? `${e.calls - daysPerYear} calls` : `not in ${n} calls`,
    moved: e ? movedNames(e.state) : '—',
  });
  await model.dispose();
}

// ---- overhead -------------------------------------------------------------------------------
// Two figures. The A/B one (CPU per call with and without the monitor, two models in one process,
// interleaved rounds, the median) includes onnxruntime's threads and whatever else the machine runs,
// so its noise is several %. The direct one times the monitor's own work (measure the prepared
// input, record it, evaluate every 50 calls) on the same inputs, without the model around it.
const off = await load<ImageClassifier>('models/fashion-mnist', { monitor: false, isolate: 'none' });
const on = await load<ImageClassifier>('models/fashion-mnist', { isolate: 'none' });
const cpu: { on: number[]; off: number[] } = { on: [], off: [] };
for (let r = 0; r < 12; r++) {
  const order: ['on' | 'off', ImageClassifier][] = r % 2 ? [['on', on], ['off', off]] : [['off', off], ['on', on]];
  for (const [name, m] of order) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 1000; i++) await m(raw((r * 1000 + i) % set.count));
    const t = process.cpuUsage(t0);
    cpu[name].push((t.user + t.system) / 1000);
  }
}
const prepared: Prepared[] = [];
for (let i = 0; i < 2000; i++) await internalsOf(off)!.call(raw(i), undefined, (_j, _r, p) => prepared.push(p));
const results = await off(Array.from({ length: 2000 }, (_, i) => raw(i)));
const profile = parseProfile(JSON.parse(await readFile('models/fashion-mnist/1.0.0/profile.json', 'utf8')), 'profile.json');
const direct: number[] = [];
for (let r = 0; r < 5; r++) {
  const monitor = new DriftMonitor(profile, { ...MONITOR_DEFAULTS });
  const { measure } = measurer(off.manifest);
  const t0 = process.cpuUsage();
  for (let i = 0; i < 2000; i++) monitor.record(measure(raw(i), prepared[i]!), outputStats(results[i]));
  const t = process.cpuUsage(t0);
  direct.push((t.user + t.system) / 2000);
}
await on.dispose();
await off.dispose();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log('| stream | shift starts | drift event | statistics that moved (at the event) |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.scenario} | ${r.onset} | ${r.detected} | ${r.moved} |`);
const base = median(cpu.off);
console.log(`\nOverhead on the bundled Fashion-MNIST model (raw 28x28 frames, isolate none):`);
console.log(`  the monitor's own work: ${median(direct).toFixed(1)} µs per call (median of 5 rounds of 2,000), ${(100 * median(direct) / base).toFixed(1)} % of a call's CPU`);
console.log(`  A/B, CPU per call (median of 12 interleaved rounds of 1,000): off ${base.toFixed(0)} µs, on ${median(cpu.on).toFixed(0)} µs (${(100 * (median(cpu.on) - base) / base).toFixed(1)} %: noisy, it counts onnxruntime's threads and whatever else the machine runs)`);
