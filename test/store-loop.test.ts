/**
 * A store's function in the places a load()ed model goes: a run() loop over readings (the loop
 * reads the window from the model's manifest) and explain().
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { open, run, type ReadingWindow, type Classification } from '../src/index.ts';
import { BUNDLED_VERSION, RAIN_VERSION, tempDir, golden } from './helpers/index.ts';

test('a store of a windowed model in a run() loop: readings become windows (the store exposes the active manifest)', async () => {
  const nameDir = path.join(await tempDir('edgefn-store-'), 'rain-tomorrow');
  await cp(RAIN_VERSION, path.join(nameDir, '1.0.0'), { recursive: true });
  const store = await open<ReadingWindow, Classification>(nameDir, { settleMs: 0, isolate: 'none' });
  try {
    assert.is(store.manifest.input.kind, 'tabular');
    assert.equal(store.labels, ['dry', 'rain']);
    const day = (i: number) => ({ precipitation: i % 3 === 0 ? 4 : 0, temp_max: 10 + (i % 5), temp_min: 4, wind: 3 });
    async function* readings() {
      for (let i = 0; i < 12; i++) yield day(i);
    }
    const labels: string[] = [];
    const stats = await run({ source: readings(), model: store, handleSignals: false, queue: { policy: 'block' }, sink: (r: Classification) => { labels.push(r.label!); } }).done;
    // A window of 7 readings: the first 6 fill it, each reading after completes one.
    assert.equal([stats.received, stats.failed, stats.buffered, stats.processed], [12, 0, 6, 6]);
    assert.ok(labels.every((l) => l === 'dry' || l === 'rain'));
  } finally {
    await store.dispose();
  }
});

test('a store explains with its active version', async () => {
  const nameDir = path.join(await tempDir('edgefn-store-'), 'fashion-mnist');
  await cp(BUNDLED_VERSION, path.join(nameDir, '1.0.0'), { recursive: true });
  const store = await open(nameDir, { settleMs: 0, isolate: 'none' });
  try {
    const e = await store.explain(golden('00009.png'), { maxCalls: 20 });
    assert.is(e.target.label, 'Sneaker');
    assert.ok(e.calls <= 20, `used ${e.calls} calls`);
  } finally {
    await store.dispose();
  }
});

test.run();
