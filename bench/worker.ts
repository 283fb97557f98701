/**
 * One contender in its own process (a resident onnxruntime session's spinning threads would slow
 * whatever else ran in the same process). The orchestrator (run.ts) sends requests over IPC and
 * gets timings back; contenders never run at the same time.
 *
 *   node --import tsx bench/worker.ts <contender> <model json> [spinning on|off]
 */
// Cold start counts from here: node's own boot (and the TypeScript loader's) is the same for every
// contender and is left out; every package a contender needs loads after this line.
const moduleStart = performance.now();
import { readFile } from 'node:fs/promises';
import type { BenchModel } from './lib/models.ts';
import type { Contender, ContenderFactory } from './contenders/types.ts';

const [name, modelJson, spin] = process.argv.slice(2) as [string, string, string | undefined];
const model = JSON.parse(modelJson) as BenchModel;
const options = spin === undefined ? {} : { spinning: spin === 'on' };

export type Request =
  | { t: 'run'; file: string }
  | { t: 'batch'; files: string[] }
  | { t: 'sequential'; files: string[] }
  | { t: 'repeat'; file: string; n: number }
  | { t: 'floor'; file: string };

let contender: Contender | null = null;
let floor: { decode(file: string): Promise<void>; infer(): Promise<void> } | null = null;

async function makeFloor(): Promise<NonNullable<typeof floor>> {
  // P0: sharp's decode + resize alone, and session.run alone on a ready tensor.
  const m = JSON.parse(await readFile(`${model.dir}/manifest.json`, 'utf8'));
  const { width, height, fit, cropFraction = 1 } = m.input.resize;
  const channels = m.input.color === 'gray' ? 1 : 3;
  const outer = cropFraction < 1 ? [Math.round(width / cropFraction), Math.round(height / cropFraction)] : [width, height];
  const ort = await import('onnxruntime-node');
  const { default: sharp } = await import('sharp');
  const session = await ort.InferenceSession.create(model.onnx);
  const tensor = new ort.Tensor('float32', new Float32Array(channels * width * height), [1, channels, height, width]);
  return {
    async decode(file) {
      let img = sharp(await readFile(file)).resize(outer[0], outer[1], { fit });
      if (cropFraction < 1) img = img.extract({ left: Math.round((outer[0]! - width) / 2), top: Math.round((outer[1]! - height) / 2), width, height });
      await (channels === 1 ? img.grayscale() : img.removeAlpha()).raw().toBuffer();
    },
    async infer() {
      await session.run({ [m.input.name]: tensor });
    },
  };
}

async function handle(req: Request): Promise<unknown> {
  const t0 = performance.now();
  switch (req.t) {
    case 'run': {
      const label = await contender!.classify(req.file);
      return { ms: performance.now() - t0, label };
    }
    case 'floor': {
      await floor!.decode(req.file);
      const t1 = performance.now();
      await floor!.infer();
      return { decodeMs: t1 - t0, inferMs: performance.now() - t1 };
    }
    case 'batch':
    case 'sequential': {
      // CPU of the whole process (every thread): how many cores the path keeps busy.
      const c0 = process.cpuUsage();
      if (req.t === 'batch') await contender!.batch!(req.files);
      else for (const f of req.files) await contender!.classify(f);
      const c = process.cpuUsage(c0);
      return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
    }
    case 'repeat': {
      global.gc?.();
      const before = process.memoryUsage();
      for (let i = 0; i < req.n; i++) await contender!.classify(req.file);
      global.gc?.();
      const after = process.memoryUsage();
      return { rssBefore: before.rss, rssAfter: after.rss, heapBefore: before.heapTotal, heapAfter: after.heapTotal, liveBefore: before.heapUsed, liveAfter: after.heapUsed, ms: performance.now() - t0 };
    }
  }
}

if (name === 'floor') floor = await makeFloor();
else contender = await ((await import(`./contenders/${name}.ts`)) as { create: ContenderFactory }).create(model, options);
process.send!({ t: 'ready', ms: performance.now() - moduleStart });
process.on('message', (req: Request) => {
  handle(req).then((r) => process.send!({ t: 'done', ...(r as object) }), (err: Error) => process.send!({ t: 'error', message: err.stack }));
});
process.on('disconnect', () => process.exit(0));
