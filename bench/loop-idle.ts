/**
 * Device-loop figures (a script, never a test):
 *  1. idle CPU: a loop waiting on a real serial port (socat pty), a GPIO pin and a watched folder,
 *     with the rain-tomorrow model loaded, measured with process.cpuUsage() over --seconds;
 *  2. a flood: --flood readings written to the serial port as fast as socat takes them, once per
 *     overflow policy, with the loop's counts.
 *
 *   npm run bench:idle -- [--seconds 20] [--flood 5000]
 */
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load, run, serialSource, type WindowClassifier, type OverflowPolicy } from '../src/index.ts';
import { PtyPair } from '../test/helpers/socat.ts';
import { removeDir, tempDir, RAIN, ROOT } from '../test/helpers/index.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, flood: { type: 'string', default: '5000' } } });
const SECONDS = Number(values.seconds);
const FLOOD = Number(values.flood);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = await tempDir('edgefn-bench-');
const model = await load<WindowClassifier>(RAIN);

// 1. Idle, in a plain node process on dist (see bench/idle-child.mjs).
const pair = new PtyPair(dir);
await pair.start();
const child = spawnSync(process.execPath, [path.join(ROOT, 'bench/idle-child.mjs'), pair.dev, String(SECONDS), RAIN], { encoding: 'utf8' });
if (child.status !== 0) throw new Error(`idle child failed: ${child.stderr}`);
const windows = JSON.parse(child.stdout.trim().split('\n').pop()!) as { cpuMs: number; wallS: number }[];
const cpuMs = windows.reduce((a, w) => a + w.cpuMs, 0);
const wall = windows.reduce((a, w) => a + w.wallS, 0);
console.log(`idle: 3 loops (serial pty, GPIO pin, watched folder) + rain-tomorrow loaded (worker thread): ${cpuMs.toFixed(1)} ms CPU in ${wall.toFixed(1)} s = ${(100 * cpuMs / 1000 / wall).toFixed(3)} % of one core (windows: ${windows.map((w) => `${w.cpuMs.toFixed(1)} ms`).join(', ')})`);
await pair.kill();

// 2. Flood.
const header = 'date,precipitation,temp_max,temp_min,wind\n';
const line = (i: number) => `d${i},${i % 3 ? 0 : 2.5},${10 + (i % 7)},${4 + (i % 3)},${3 + (i % 5) / 2}\n`;
const payload = header + Array.from({ length: FLOOD }, (_, i) => line(i)).join('');
console.log(`\nflood: ${FLOOD} readings sent at once over the pty; queue capacity 8; rain-tomorrow (window 7)`);
console.log('| policy | received | processed | buffered | dropped (reason) | failed | wall |');
console.log('|---|---|---|---|---|---|---|');
for (const policy of ['block', 'drop-oldest', 'latest', 'reject'] as OverflowPolicy[]) {
  const p = new PtyPair(path.join(dir, policy));
  await mkdir(p.dir);
  await p.start();
  const loop = run({ source: await serialSource({ path: p.dev }), model, queue: { capacity: 8, policy }, handleSignals: false });
  const start = performance.now();
  await p.send(payload);
  while (loop.stats.received < FLOOD) await sleep(20);
  while (loop.stats.queued + loop.stats.inFlight > 0) await sleep(20);
  const s = await loop.stop();
  const dropped = Object.entries(s.dropped).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`).join(', ') || '0';
  console.log(`| ${policy} | ${s.received} | ${s.processed} | ${s.buffered} | ${dropped} | ${s.failed} | ${((performance.now() - start) / 1000).toFixed(2)} s |`);
  await p.kill();
}
await model.dispose();
await removeDir(dir);
