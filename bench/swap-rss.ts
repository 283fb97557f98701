/**
 * Memory across hot swaps: RSS after 0, 10 and 50 swaps between two versions of a model.
 * onnxruntime-node has been reported to leak across session create/release (upstream issue
 * 25325); this measures whether edgefn's swaps do.
 *
 *   node --import tsx bench/swap-rss.ts [--model DIR] [--swaps 50]
 *

 * --isolate none keeps sessions in this process (to see the runtime's own growth); thread or process (the store's default).
 * --model is a version folder (default: the bundled Fashion-MNIST model); a larger one shows a
 * leak sooner, e.g. examples/imagenet/mobilenetv2-fp32-untrained with its model linked beside it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { open } from '../src/index.ts';
import { imageInputSpec } from '../src/manifest/index.ts';
import { writeState } from '../src/store/state.ts';
import { age, installVersion } from '../test/helpers/index.ts';

const { values } = parseArgs({ options: { model: { type: 'string' }, swaps: { type: 'string', default: '50' }, isolate: { type: 'string', default: 'process' } } });
const isolate = values.isolate as 'none' | 'thread' | 'process';
const source = path.resolve(values.model ?? 'models/fashion-mnist/1.0.0');
const swaps = Number(values.swaps);

const root = await mkdtemp(path.join(tmpdir(), 'edgefn-swap-'));
const nameDir = path.join(root, 'm');
await installVersion(nameDir, '1.0.0', source);
await installVersion(nameDir, '1.1.0', source);
await age(nameDir);
// 1.0.0 active, 1.1.0 previous: rollback() then alternates between the two (no golden set needed).
await writeState(nameDir, '1.0.0', '1.1.0');

const mb = () => (process.memoryUsage().rss / 1024 / 1024).toFixed(1);
const model = await open(nameDir, { settleMs: 0, isolate });
const m = model.active.manifest;
const { width, height } = imageInputSpec(m).resize;
const input = { data: new Uint8Array(width * height * 3), width, height, channels: 3 as const };
await model(input);
const rows: [number, string][] = [[0, mb()]];
if (process.env.EDGEFN_MEM_DETAIL) console.log(0, process.memoryUsage());
for (let i = 1; i <= swaps; i++) {
  await model.rollback();
  await model(input);
  if (i === 10 || i % 50 === 0 || i === swaps) {
    global.gc?.();
    rows.push([i, mb()]);
    if (process.env.EDGEFN_MEM_DETAIL) console.log(i, process.memoryUsage());
  }
}
await model.dispose();
await rm(root, { recursive: true, force: true });
console.log(`${m.name} (${source}), sessions ${isolate === 'process' ? 'in a child process' : isolate === 'thread' ? 'in a worker thread' : 'on the main thread'}; RSS of this process:`);
for (const [n, rss] of rows) console.log(`  RSS after ${String(n).padStart(3)} swaps: ${rss} MB`);
console.log(`  growth 0 -> ${swaps}: ${(Number(rows.at(-1)![1]) - Number(rows[0]![1])).toFixed(1)} MB`);
