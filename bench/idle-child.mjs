// Idle CPU of running loops, in a plain node process on the built package (dist), because a
// TypeScript loader thread would add its own ticks. Started by bench/loop-idle.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { folderSource, gpioSource, load, run, serialSource, SimulatedPin } from '../dist/index.mjs';

const [serialPath, seconds, modelDir] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const model = await load(modelDir);
const loops = [
  run({ source: await serialSource({ path: serialPath }), model, handleSignals: false }),
  run({ source: await gpioSource(new SimulatedPin(4, 'in', 'both')), model: async (e) => e, handleSignals: false }),
  run({ source: await folderSource(mkdtempSync(path.join(tmpdir(), 'edgefn-idle-'))), model: async (f) => f, handleSignals: false }),
];
// Start-up garbage is collected in the first seconds (V8's memory reducer): not the loop's cost.
await sleep(10_000);
const windows = [];
for (let k = 0; k < 3; k++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep((Number(seconds) * 1000) / 3);
  const c = process.cpuUsage(c0);
  windows.push({ cpuMs: (c.user + c.system) / 1000, wallS: (performance.now() - t0) / 1000 });
}
for (const l of loops) await l.stop();
await model.dispose();
console.log(JSON.stringify(windows));
