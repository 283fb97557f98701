/**
 * What test/no-network.test.ts traces: everything edgefn does at run time, in one process (and the
 * session hosts it starts). Loads the bundled models (on the main thread, in a worker thread, in a
 * child process; the TF.js one too), classifies, opens a store, activates a second version, runs a folder loop into
 * a JSON-lines file, holds models loaded for a while, disposes everything.
 * `--control` also does what a careless dependency would: fetch('http://127.0.0.1:8123') and a TCP
 * connect to 127.0.0.1:9, so the test
 * can show it sees that; `--quick` does only one load and classify first.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { folderSource, jsonLinesSink, load, open, run, type WindowClassifier } from '../../src/index.ts';
import { BUNDLED, RAIN, ROOT, golden, installVersion, makeStore, tempDir } from './index.ts';

const steps: string[] = [];
const quick = process.argv.includes('--quick');

async function classifyEverywhere(isolates: readonly ('none' | 'thread' | 'process')[]): Promise<void> {
  for (const isolate of isolates) {
    const m = await load(BUNDLED, { isolate });
    const r = await m(golden('00009.png'));
    if (r.label !== 'Sneaker') throw new Error(`isolate ${isolate}: ${String(r.label)}`);
    await m.dispose();
    steps.push(`load+classify ${isolate}`);
  }
}

async function storeAndLoop(): Promise<void> {
  const rain = await load<WindowClassifier>(RAIN);
  await rain.dispose();
  steps.push('load rain');
  // TF.js (tfjs-wasm here, in a worker thread): its .wasm file is read from disk, never fetched.
  const tfjs = await load(path.join(ROOT, 'models/fashion-mnist-tfjs'));
  if ((await tfjs(golden('00009.png'))).label !== 'Sneaker') throw new Error('tfjs');
  await tfjs.dispose();
  steps.push(`load+classify ${tfjs.runtime}`);

  const store = await makeStore();
  const model = await open(store, { settleMs: 50 });
  await model(golden('00009.png'));
  await installVersion(store, '1.1.0');
  await new Promise((resolve) => setTimeout(resolve, 200)); // past settleMs: the copy is complete
  await model.activate('1.1.0');
  await model(golden('00009.png'));
  if (model.version !== '1.1.0') throw new Error(`swap: ${model.version}`);
  steps.push('store open+activate');

  const inbox = path.join(await tempDir('edgefn-nonet-'), 'inbox');
  await mkdir(inbox);
  for (const f of ['00000.png', '00001.png', '00009.png']) await copyFile(golden(f), path.join(inbox, f));
  const loop = run({
    source: await folderSource(inbox, { watch: false, settleMs: 0 }), model,
    sink: jsonLinesSink(path.join(inbox, '..', 'results.jsonl')), handleSignals: false,
  });
  const stats = await loop.done;
  if (stats.processed !== 3) throw new Error(`loop processed ${stats.processed}`);
  steps.push('loop');
  await model.dispose();
}

/**
 * Some libraries phone home on a timer, not at once (onnxruntime 1.30's telemetry: about 9 s after
 * it starts): models stay loaded, on this thread and in a host process, long enough to be seen.
 */
async function hold(ms: number): Promise<void> {
  const held = [await load(BUNDLED, { isolate: 'none' }), await load(BUNDLED, { isolate: 'process' })];
  for (const m of held) await m(golden('00001.png'));
  await new Promise((resolve) => setTimeout(resolve, ms));
  for (const m of held) await m.dispose();
  steps.push(`held models ${ms} ms`);
}

await classifyEverywhere(quick ? ['none'] : ['none', 'thread', 'process']);
if (!quick) {
  await storeAndLoop();
  await hold(Number(process.env.EDGEFN_NONET_HOLD_MS ?? 15_000));
}
if (process.argv.includes('--control')) {
  // fetch refuses ports 9 and 19 itself ("bad port" in the Fetch standard) before any socket: 8123 for
  // fetch, and a plain TCP connect to port 9.
  await fetch('http://127.0.0.1:8123/').catch(() => {});
  await new Promise<void>((resolve) => { net.connect(9, '127.0.0.1').on('error', () => resolve()).on('connect', function (this: net.Socket) { this.destroy(); resolve(); }); });
  steps.push('control fetch');
}
console.log(JSON.stringify(steps));
