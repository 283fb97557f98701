/**
 * load() on the real bundled model: results, batches, options, and every bad input rejecting only
 * its own call while the model keeps serving.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { load, ErrorCode, type ImageClassifier } from '../src/index.ts';
import { ROOT, BUNDLED, BUNDLED_VERSION, copyBundled, golden, photo, rejectsWith, removeDir } from './helpers/index.ts';

interface GoldenItem { file: string; label: string }
const goldenItems: GoldenItem[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;

const Model = suite<{ model: ImageClassifier }>('model', { model: undefined as unknown as ImageClassifier });
Model.before(async (ctx) => {
  ctx.model = await load(BUNDLED);
});
Model.after(async (ctx) => {
  await ctx.model.dispose();
});

Model('loads the highest version of a model folder, with its manifest and labels', ({ model }) => {
  assert.is(model.name, 'fashion-mnist');
  assert.is(model.version, '1.0.0');
  assert.is(model.dir, BUNDLED_VERSION);
  assert.is(model.runtime, 'onnxruntime-node');
  assert.equal(model.providers, ['cpu']);
  assert.is(model.labels.length, 10);
  assert.is(model.labels[7], 'Sneaker');
  assert.equal(model.inputs.map((t) => [t.name, t.dtype, t.shape]), [['input', 'float32', [null, 1, 28, 28]]]);
});

Model('classifies a golden image: label, score, top, probabilities, timings, model', async ({ model }) => {
  const item = goldenItems.find((g) => g.label === 'Sneaker')!;
  const r = await model(golden(item.file));
  assert.is(r.label, 'Sneaker');
  assert.is(r.unknown, false);
  assert.is(r.top.length, 5);
  assert.is(r.top[0]!.label, r.label);
  assert.is(r.top[0]!.score, r.score);
  assert.ok(r.top.every((t, i) => i === 0 || t.score <= r.top[i - 1]!.score));
  assert.instance(r.probabilities, Float32Array);
  assert.is(r.probabilities.length, 10);
  assert.ok(Math.abs(r.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.is(r.probabilities[7], r.score);
  for (const k of ['decode', 'preprocess', 'infer', 'total'] as const) assert.ok(r.timings[k] >= 0, k);
  assert.ok(r.timings.total >= r.timings.decode + r.timings.infer);
  assert.equal(r.model, { name: 'fashion-mnist', version: '1.0.0' });
});

Model('the golden set is classified at the accuracy the manifest promises', async ({ model }) => {
  const results = await model(goldenItems.map((g) => golden(g.file)));
  const correct = results.filter((r, i) => r.label === goldenItems[i]!.label).length;
  assert.is(results.length, 100);
  assert.ok(correct / 100 >= model.manifest.golden!.minAccuracy!, `${correct}/100`);
});

Model('a batch gives the same answers as single calls, in input order', async ({ model }) => {
  const files = goldenItems.slice(0, 19).map((g) => golden(g.file)); // 8 + 8 + 3: three runs
  const batch = await model(files);
  for (const [i, file] of files.entries()) {
    const single = await model(file);
    assert.is(batch[i]!.label, single.label);
    assert.ok(Math.abs(batch[i]!.score - single.score) < 1e-5);
  }
});

Model('path, Buffer and raw pixels of the same image agree', async ({ model }) => {
  const file = golden(goldenItems[3]!.file);
  const bytes = await readFile(file);
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const [a, b, c] = await Promise.all([model(file), model(bytes), model({ data, width: info.width, height: info.height, channels: info.channels as 1 })]);
  assert.equal([...b.probabilities], [...a.probabilities]);
  assert.equal([...c.probabilities], [...a.probabilities]);
});

Model('threshold: a best score below it is unknown with label null, top-k kept', async ({ model }) => {
  const file = golden(goldenItems[0]!.file);
  const sure = await model(file, { top: 3 });
  assert.is(sure.top.length, 3);
  const r = await model(file, { threshold: Math.min(1, sure.score + 0.0001) });
  assert.is(r.unknown, true);
  assert.is(r.label, null);
  assert.is(r.top[0]!.label, sure.label);
  assert.is((await model(file, { threshold: sure.score - 0.0001 })).label, sure.label);
});

Model('isolate auto: the 1 MB model runs on the main thread, a TF.js model in a worker', async ({ model }) => {
  assert.is(model.isolate, 'none');
  const tfjs = await load(path.join(ROOT, 'models/fashion-mnist-tfjs'));
  assert.is(tfjs.isolate, 'thread');
  await tfjs.dispose();
});

Model('in a worker thread an inference does not block the event loop', async ({ model }) => {
  // A batch of 100 in one runtime call: long enough for a 1 ms timer to fire many times during it,
  // were it not running on the main thread. A blocking call lets at most one tick through.
  const big = await load(BUNDLED, { maxBatch: 100, isolate: 'thread' });
  assert.is(big.isolate, 'thread');
  const files = goldenItems.map((g) => golden(g.file));
  await big(files);
  let ticks = 0;
  let during = 0;
  const timer = setInterval(() => ticks++, 1);
  const t0 = performance.now();
  const results = await big(files);
  const ms = performance.now() - t0;
  during = ticks;
  clearInterval(timer);
  assert.is(results.length, 100);
  assert.ok(during >= Math.min(5, Math.floor(ms / 4)), `${during} ticks in ${ms.toFixed(1)} ms`);
  await big.dispose();
  assert.ok(model.inputs.length === 1);
});

Model('each bad input rejects its own call with a code; the model keeps serving', async ({ model }) => {
  const good = golden(goldenItems[0]!.file);
  const before = await model(good);
  const corrupt = Buffer.from('this is not an image at all, just text');
  const jpeg = await readFile(photo('coffee.jpg'));
  const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));

  await rejectsWith(() => model('/nonexistent/shoe.png'), ErrorCode.INPUT_UNREADABLE, /^Cannot read image \/nonexistent\/shoe\.png: ENOENT/);
  const e1 = await rejectsWith(() => model(corrupt), ErrorCode.INPUT_UNDECODABLE, /^Cannot decode image Buffer\(38 bytes\): /);
  assert.is(e1.input, 'Buffer(38 bytes)');
  assert.ok(e1.cause instanceof Error, 'keeps the sharp error as cause');
  await rejectsWith(() => model(truncated), ErrorCode.INPUT_UNDECODABLE, /Cannot decode image Buffer/);
  await rejectsWith(() => model(42 as never), ErrorCode.INVALID_ARGUMENT, 'Expected a file path, a Buffer or raw pixels { data, width, height, channels } for input but received 42 of type number');
  await rejectsWith(() => model({ data: new Uint8Array(10), width: 28, height: 28, channels: 1 }), ErrorCode.INVALID_ARGUMENT, 'Expected 784 bytes (width × height × channels) for input.data but received a Uint8Array of type object');
  await rejectsWith(() => model(good, { top: 0 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer for top but received 0 of type number');
  // In a batch the error names the item; nothing is returned for the others.
  const e2 = await rejectsWith(() => model([good, corrupt, good]), ErrorCode.INPUT_UNDECODABLE, /^input\[1\]: Cannot decode image Buffer\(38 bytes\)/);
  assert.is(e2.input, 'Buffer(38 bytes)');
  await rejectsWith(() => model([good, null as never]), ErrorCode.INVALID_ARGUMENT, /for input\[1\] but received null/);

  const after = await model(good);
  assert.equal([...after.probabilities], [...before.probabilities]);
});

Model('errors carry the caller\'s stack, not only the native one', async ({ model }) => {
  const err = await rejectsWith(() => model(Buffer.from('junk')), ErrorCode.INPUT_UNDECODABLE);
  assert.match(err.stack!, /load\.test\.ts/);
});

Model.run();

const Load = suite('load errors');

Load('a folder without a manifest', async () => {
  await rejectsWith(() => load('/tmp'), ErrorCode.MANIFEST_MISSING, 'No manifest.json in /tmp nor in a version folder below it (such as /tmp/1.0.0/manifest.json)');
});

Load('a bad argument and a bad option name the field', async () => {
  await rejectsWith(() => load(undefined as never), ErrorCode.INVALID_ARGUMENT, 'Expected a model folder path for dir but received undefined of type undefined');
  await rejectsWith(() => load(BUNDLED, { top: -1 }), ErrorCode.INVALID_ARGUMENT, 'Expected positive integer for top but received -1 of type number');
});

async function broken(edit: (dir: string) => Promise<void>): Promise<string> {
  const dir = await copyBundled();
  await edit(dir);
  return dir;
}

const editManifest = (change: (m: any) => void) => async (dir: string) => {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  change(m);
  await writeFile(file, JSON.stringify(m));
};

const loadCases: [string, (dir: string) => Promise<void>, string, RegExp, object?][] = [
  ['manifest not JSON', async (d) => writeFile(path.join(d, 'manifest.json'), '{ "name": '), ErrorCode.MANIFEST_INVALID, /manifest\.json: not valid JSON/],
  ['manifest field wrong', editManifest((m) => { m.input.layout = 'CHW'; }), ErrorCode.MANIFEST_INVALID, /Expected one of NCHW, NHWC for input\.layout but received "CHW"/],
  ['model file missing', async (d) => rm(path.join(d, 'model.onnx')), ErrorCode.MODEL_MISSING, /Cannot read .*model\.onnx \(model\.file\): ENOENT/],
  ['labels file missing', async (d) => rm(path.join(d, 'labels.txt')), ErrorCode.MODEL_MISSING, /labels\.txt \(labels\.file\)/],
  ['a changed byte', async (d) => {
    const f = path.join(d, 'model.onnx');
    const b = await readFile(f);
    b[b.length - 100]! ^= 0xff;
    await writeFile(f, b);
  }, ErrorCode.MODEL_CHECKSUM, /model\.onnx does not match model\.sha256: expected [0-9a-f]{64}, found [0-9a-f]{64}/],
  ['a truncated model (checksum off)', async (d) => truncate(path.join(d, 'model.onnx'), 2000), ErrorCode.MODEL_UNLOADABLE, /onnxruntime cannot load .*model\.onnx/, { verify: false }],
  ['input name differs', editManifest((m) => { m.input.name = 'image'; }), ErrorCode.MODEL_MISMATCH, /the model has no input "image" \(input\.name\); its inputs are "input"/],
  ['input shape differs', editManifest((m) => { m.input.shape = [-1, 1, 32, 32]; m.input.resize.width = 32; m.input.resize.height = 32; }), ErrorCode.MODEL_MISMATCH, /input "input" has shape \[\?, 1, 28, 28\] in the model but \[\?, 1, 32, 32\] in input\.shape \(dimension 2\)/],
  ['dtype differs', editManifest((m) => { m.input.dtype = 'uint8'; delete m.input.normalize; }), ErrorCode.MODEL_MISMATCH, /input "input" is float32 in the model but uint8 in input\.dtype/],
  ['output name differs', editManifest((m) => { m.output.name = 'probs'; }), ErrorCode.MODEL_MISMATCH, /no output "probs" \(output\.name\); its outputs are "logits"/],
  ['label count differs', editManifest((m) => { m.labels = ['a', 'b', 'c']; }), ErrorCode.MODEL_MISMATCH, /output "logits" gives 10 scores but the manifest has 3 labels/],
  ['unknown runtime', async () => {}, ErrorCode.RUNTIME_UNAVAILABLE, /No runtime can run onnx models:\n {2}tensorflow: not a known runtime/, { runtime: 'tensorflow' }],
];

for (const [name, edit, code, message, options] of loadCases) {
  Load(`${name}: ${code}`, async () => {
    const dir = await broken(edit);
    try {
      await rejectsWith(() => load(dir, options), code, message);
    } finally {
      await removeDir(path.dirname(dir));
    }
  });
}

Load('a requested accelerator that is missing falls back to CPU with a warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const model = await load(BUNDLED, { executionProviders: ['tensorrt', 'cpu'] });
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(model.providers, ['cpu']);
  const w = warnings.find((x) => (x as NodeJS.ErrnoException).code === 'EDGEFN_PROVIDER_FALLBACK');
  assert.ok(w, 'warned');
  assert.match(w!.message, /tensorrt not available/);
  assert.ok((await model(golden(goldenItems[0]!.file))).label);
  await model.dispose();
});

Load('dispose waits for calls under way; later calls reject with EDGEFN_DISPOSED', async () => {
  const model = await load(BUNDLED);
  const pending = model(goldenItems.map((g) => golden(g.file)));
  const disposed = model.dispose();
  assert.is((await pending).length, 100);
  await disposed;
  await rejectsWith(() => model(golden(goldenItems[0]!.file)), ErrorCode.DISPOSED, 'fashion-mnist@1.0.0 was disposed');
});

/** Node child processes of this process, by pid (Linux /proc). */
async function childPids(): Promise<number[]> {
  const { readdir: rd, readFile: rf } = await import('node:fs/promises');
  const pids: number[] = [];
  for (const p of await rd('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = await rf(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

Load('isolate: the session runs in a child process, gives the same answers, and the process ends on dispose', async () => {
  const inProcess = await load(BUNDLED, { isolate: 'none' });
  const before = await childPids();
  const isolated = await load(BUNDLED, { isolate: 'process' });
  const hosts = (await childPids()).filter((p) => !before.includes(p));
  assert.is(hosts.length, 1);
  assert.equal(isolated.inputs, inProcess.inputs);
  const files = goldenItems.slice(0, 10).map((g) => golden(g.file));
  const [a, b] = [await inProcess(files), await isolated(files)];
  assert.equal(b.map((r) => [...r.probabilities]), a.map((r) => [...r.probabilities]));
  await isolated.dispose();
  assert.not.ok((await childPids()).includes(hosts[0]!), 'the host exited');
  await inProcess.dispose();
});

Load('isolate: a host that dies between calls is replaced by the next call, not the application', async () => {
  const before = await childPids();
  const model = await load(BUNDLED, { isolate: 'process' });
  const [host] = (await childPids()).filter((p) => !before.includes(p));
  process.kill(host!, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  // test/isolation.test.ts holds the rest: calls in flight fail with EDGEFN_SESSION_DIED, restarts are capped.
  assert.is((await model(golden(goldenItems[0]!.file))).label, goldenItems[0]!.label);
  const [next] = (await childPids()).filter((p) => !before.includes(p));
  assert.ok(next !== undefined && next !== host, 'a new host process serves the call');
  await model.dispose();
});

Load('isolate: load errors from the host keep their codes', async () => {
  const dir = await broken(async (d) => {
    const f = path.join(d, 'model.onnx');
    const b = await readFile(f);
    b[b.length - 100]! ^= 0xff;
    await writeFile(f, b);
  });
  try {
    await rejectsWith(() => load(dir, { isolate: 'process' }), ErrorCode.MODEL_CHECKSUM, /model\.onnx does not match model\.sha256/);
  } finally {
    await removeDir(path.dirname(dir));
  }
});

Load('isolate thread: a session that fails while the warm-up decode is under way rejects once, nothing unhandled', async () => {
  const dir = await broken(async (d) => truncate(path.join(d, 'model.onnx'), 2000));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await rejectsWith(() => load(dir, { isolate: 'thread', verify: false }), ErrorCode.MODEL_UNLOADABLE, /onnxruntime cannot load .*model\.onnx/);
    // Give a stray rejection (the warm-up decode's) the turns it needs to surface.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await removeDir(path.dirname(dir));
  }
});

Load.run();
