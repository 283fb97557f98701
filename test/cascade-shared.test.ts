/**
 * cascade() shares one preparation between stages that prepare inputs alike: the input is read
 * once, by the fast stage, and an escalated one runs on the tensor it made. Reads are counted with
 * inputs whose fields are getters (raw pixels' `data`, a reading's field): each stage that checks
 * an input reads them once. Stages that prepare differently (another normalisation, other decode
 * limits), a store, and calls asking for explanations keep to each stage's own call.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { cascade, load, open, ErrorCode, type Classification, type RawImage, type ReadingWindow, type WindowClassifier } from '../src/index.ts';
import { BUNDLED, BUNDLED_VERSION, RAIN, WORSE_VERSION, golden, installVersion, makeStore, rejectsWith, removeDir, tempDir } from './helpers/index.ts';

const items: { file: string; label: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
const some = items.slice(0, 24);
const pixels: RawImage[] = await Promise.all(some.map(async (g) => {
  const { data, info } = await sharp(golden(g.file)).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
}));

/** The images again, as inputs that count how often a stage reads their pixels. */
function counted(): { inputs: RawImage[]; reads: number[] } {
  const reads = pixels.map(() => 0);
  const inputs = pixels.map((p, i) => ({ width: p.width, height: p.height, channels: p.channels, get data() { reads[i]!++; return p.data; } }));
  return { inputs, reads };
}

const fast = await load(WORSE_VERSION, { isolate: 'none' });
const detailed = await load(BUNDLED, { isolate: 'none' });
const fastAlone = await fast(pixels);
const detailedAlone = await detailed(pixels);

const same = (a: Classification, b: Classification) => {
  assert.equal([a.label, a.score, a.model], [b.label, b.score, b.model]);
  assert.equal(Array.from(a.probabilities), Array.from(b.probabilities));
};

test('stages that prepare alike share: every input read once, an escalated one answered as by the detailed model alone', async () => {
  const c = cascade([fast, detailed], { threshold: 0.7 });
  const { inputs, reads } = counted();
  const out = await c(inputs);
  const up = fastAlone.map((r) => r.score < 0.7);
  assert.ok(up.includes(true) && up.includes(false), 'the golden images route both ways at 0.7');
  assert.equal(reads, pixels.map(() => 1));
  out.forEach((r, i) => {
    same(r, up[i] ? detailedAlone[i]! : fastAlone[i]!);
    assert.is(r.cascade.stage, up[i] ? 'detailed' : 'fast');
  });
  const s = c.stats();
  assert.equal([s.inputs, s.escalated, s.shared, s.detailed.calls], [24, up.filter(Boolean).length, up.filter(Boolean).length, 1]);
  // One at a time, as a camera loop calls: the same.
  const one = counted();
  for (let i = 0; i < 6; i++) same(await c(one.inputs[i]!), up[i] ? detailedAlone[i]! : fastAlone[i]!);
  assert.equal(one.reads.slice(0, 6), [1, 1, 1, 1, 1, 1]);
  assert.is(c.stats().shared, s.shared + up.slice(0, 6).filter(Boolean).length);
  // Calls under way together keep their prepared inputs apart: each is answered for its own images
  // (the fast stage hands back a batch chunk by chunk, with other calls' chunks in between).
  const together = counted();
  const [forward, backward] = await Promise.all([c(together.inputs), c([...together.inputs].reverse())]);
  forward!.forEach((r, i) => same(r, up[i] ? detailedAlone[i]! : fastAlone[i]!));
  backward!.reverse().forEach((r, i) => same(r, up[i] ? detailedAlone[i]! : fastAlone[i]!));
  assert.equal(together.reads, pixels.map(() => 2));
});

test('an escalated batch larger than the detailed model\'s maxBatch runs in its chunks, in input order', async () => {
  const small = await load(BUNDLED, { isolate: 'none', maxBatch: 5 });
  try {
    const c = cascade([fast, small], { threshold: 1 });
    const { inputs, reads } = counted();
    (await c(inputs)).forEach((r, i) => same(r, detailedAlone[i]!));
    assert.equal(reads, pixels.map(() => 1));
    assert.equal([c.stats().escalated, c.stats().shared], [24, 24]);
  } finally {
    await small.dispose();
  }
});

test('a copy of the CNN with another normalisation prepares differently: not shared, it answers as alone', async () => {
  const dir = await installVersion(path.join(await tempDir(), 'fashion-mnist'), '1.0.1', BUNDLED_VERSION, (m) => {
    m.input.normalize.mean = [0.5];
  });
  const shifted = await load(dir, { isolate: 'none' });
  try {
    const shiftedAlone = await shifted(pixels);
    // Were the CNN's tensor fed to the copy, its answers would be the CNN's: they differ.
    assert.not.equal(Array.from(shiftedAlone[0]!.probabilities), Array.from(detailedAlone[0]!.probabilities));
    const c = cascade([detailed, shifted], { threshold: 1 });
    const { inputs, reads } = counted();
    (await c(inputs)).forEach((r, i) => same(r, shiftedAlone[i]!));
    (await c([inputs[0]!])).forEach((r) => same(r, shiftedAlone[0]!));
    assert.equal(reads, pixels.map((_, i) => (i === 0 ? 4 : 2)));
    assert.equal([c.stats().escalated, c.stats().shared], [25, 0]);
  } finally {
    await shifted.dispose();
    await removeDir(path.dirname(path.dirname(dir)));
  }
});

test('other decode limits prepare differently: the detailed model\'s own limit still refuses', async () => {
  const strict = await load(BUNDLED, { isolate: 'none', limitInputPixels: 1000 });
  try {
    const c = cascade([fast, strict], { threshold: 1 });
    const big = await sharp(golden(some[0]!.file)).resize(56, 56).png().toBuffer();
    await rejectsWith(() => c(big), ErrorCode.INPUT_TOO_LARGE, /it is 56x56/);
    const { inputs, reads } = counted();
    await c(inputs.slice(0, 3));
    assert.equal([reads.slice(0, 3), c.stats().shared], [[2, 2, 2], 0]);
  } finally {
    await strict.dispose();
  }
});

test('a store, and a call asking for explanations, go through each stage\'s own call', async () => {
  const nameDir = await makeStore();
  const store = await open(nameDir, { isolate: 'none' });
  try {
    const c = cascade([fast, store], { threshold: 1 });
    const { inputs, reads } = counted();
    (await c(inputs.slice(0, 3))).forEach((r, i) => same(r, detailedAlone[i]!));
    assert.equal([reads.slice(0, 3), c.stats().shared], [[2, 2, 2], 0]);
  } finally {
    await store.dispose();
    await removeDir(path.dirname(nameDir));
  }
  const c = cascade([fast, detailed], { threshold: 1 });
  const r = (await c(pixels[1]!, { explain: { maxCalls: 20 } })) as Classification & { explanation?: { method: string } };
  same(r, detailedAlone[1]!);
  assert.is(r.explanation?.method, 'occlusion');
  assert.is(c.stats().shared, 0);
  await c(pixels[1]!);
  assert.is(c.stats().shared, 1);
});

test('a shared run on a disposed detailed model rejects as the model does; the fast stage failing still escalates', async () => {
  const doomed = await load(BUNDLED, { isolate: 'none' });
  const c = cascade([fast, doomed], { threshold: 1 });
  await doomed.dispose();
  await rejectsWith(() => c(pixels[0]!), ErrorCode.DISPOSED, 'fashion-mnist@1.0.0 was disposed');
  await rejectsWith(() => c(pixels.slice(0, 2)), ErrorCode.DISPOSED, 'fashion-mnist@1.0.0 was disposed');
  assert.equal([c.stats().calls, c.stats().failed, c.stats().shared], [2, 2, 0]);
  const gone = await load(WORSE_VERSION, { isolate: 'none' });
  await gone.dispose();
  const d = cascade([gone, detailed], { threshold: 0 });
  same(await d(pixels[2]!), detailedAlone[2]!);
  assert.equal([d.stats().fastFailed, d.stats().shared], [1, 0]);
});

test('windowed tabular classifiers of one manifest share: each reading read once per window', async () => {
  const a = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  const b = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  try {
    let reads = 0;
    const day = (i: number) => ({ precipitation: i % 3 === 0 ? 4 : 0, temp_max: 10 + (i % 5), temp_min: 4, get wind() { reads++; return 3; } });
    const windows = Array.from({ length: 9 }, (_, k) => Array.from({ length: 7 }, (_, j) => day(k + j)));
    const alone = await b(windows);
    reads = 0;
    const c = cascade<ReadingWindow>([a, b], { threshold: 1 });
    (await c(windows)).forEach((r, i) => same(r, alone[i]!));
    assert.equal([reads, c.stats().shared], [63, 9]);
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
});

test.after(async () => {
  await fast.dispose();
  await detailed.dispose();
});

test.run();
