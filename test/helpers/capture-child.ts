/**
 * A writer to kill: opens a capture and adds items in a loop (golden PNG files, Buffers, raw
 * pixels, readings, windows), printing `ADDED <id>` once each add() has resolved.
 * argv: <dir> <maxBytes> <maxItems> <seed>
 */
import { readFile } from 'node:fs/promises';
import { Capture } from '../../src/drift/capture.ts';
import { goldenPath } from './capture-kit.ts';

const [dir, maxBytes, maxItems, seed] = process.argv.slice(2);
const capture = await Capture.open({ dir: dir!, maxBytes: Number(maxBytes), maxItems: Number(maxItems) });
process.stdout.write(`READY ${capture.usage().items}\n`);
const result = (i: number) => ({ label: `class ${i % 3}`, score: 0.4, unknown: false, top: [{ label: `class ${i % 3}`, index: i % 3, score: 0.4 }] });
for (let i = Number(seed); ; i++) {
  const kind = i % 5;
  const input = kind === 0 ? goldenPath(i)
    : kind === 1 ? await readFile(goldenPath(i))
    : kind === 2 ? { data: new Uint8Array(16 * 16).fill(i % 256), width: 16, height: 16, channels: 1 }
    : kind === 3 ? { temp_max: i, wind: 3 }
    : Array.from({ length: 7 }, (_, k) => ({ temp_max: i + k, wind: k }));
  await capture.add({ input, result: result(i), version: '1.0.0', reason: i % 2 ? 'drift' : 'low-confidence' });
  const list = await capture.list();
  process.stdout.write(`ADDED ${list[list.length - 1]!.id}\n`);
}
