// P6: a device loop, one call a second, in a plain node process on the built package (dist/) as
// an application runs it (under the bench's TypeScript loader the process would carry the
// loader's code and ticks too, which a device does not). Started by bench/run.ts.
//
//   node bench/paced-child.mjs <model dir> <image> <calls> <interval ms> <spinning on|off>
//
// Prints the CPU of three windows: the 10 calls right after start-up, when V8's memory reducer
// collects the start-up garbage (a few full GCs, once per process, ~8 s after the burst of loading
// and warming up); <calls> calls in the steady state after it, which is what a device loop pays
// hour after hour; and the floor, 10 ticks of the same loop calling nothing: what a node process
// spends waking once a second (timer, event loop, V8's idle tasks) whatever it runs.
import { load } from '../dist/index.mjs';

const [dir, file, n, intervalMs, spin] = process.argv.slice(2);
const cpuMs = (u) => (u.user + u.system) / 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const classify = await load(dir, { spinning: spin === 'on' });
// Warm enough that V8's compiler threads are done: their CPU is not the loop's.
for (let i = 0; i < 300; i++) await classify(file);

async function window(calls, call) {
  let workCpuMs = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const tick = performance.now();
    const a = process.cpuUsage();
    await call();
    workCpuMs += cpuMs(process.cpuUsage(a));
    await sleep(Math.max(0, Number(intervalMs) - (performance.now() - tick)));
  }
  return { totalCpuMs: cpuMs(process.cpuUsage(c0)), workCpuMs };
}
const classifyOne = () => classify(file);
const startup = await window(10, classifyOne);
const steady = await window(Number(n), classifyOne);
const floor = await window(10, async () => {});
await classify.dispose();
console.log(JSON.stringify({ startup, steady, floor }));
