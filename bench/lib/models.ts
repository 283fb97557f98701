/**
 * The models benchmarked: the bundled Fashion-MNIST model, and a MobileNetV2-size ImageNet model
 * from ../shared/models (or EDGEFN_BENCH_IMAGENET=/path/to/model.onnx), skipped with a message when
 * absent. Each is a version folder edgefn loads, plus what the other contenders need.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, symlink, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CACHE, ROOT } from './inputs.ts';

export interface BenchModel {
  key: 'fashion' | 'imagenet';
  title: string;
  /** edgefn version folder. */
  dir: string;
  onnx: string;
  /** A transformers.js model folder for the same graph (input renamed pixel_values), or null. */
  hf: string | null;
}

export const FASHION: BenchModel = {
  key: 'fashion',
  title: 'Fashion-MNIST CNN (bundled, 1 MB)',
  dir: path.join(ROOT, 'models/fashion-mnist/1.0.0'),
  onnx: path.join(ROOT, 'models/fashion-mnist/1.0.0/model.onnx'),
  hf: null,
};

export function imagenetOnnx(): string {
  return process.env.EDGEFN_BENCH_IMAGENET ?? path.resolve(ROOT, '../shared/models/mobilenetv2-fp32-untrained.onnx');
}

/** The ImageNet model as an edgefn version folder and a transformers.js folder, or null when absent. */
export async function imagenet(): Promise<BenchModel | null> {
  const onnx = imagenetOnnx();
  if (!existsSync(onnx)) return null;
  const dir = path.join(CACHE, 'imagenet', '1.0.0');
  await rm(path.join(CACHE, 'imagenet'), { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'examples/imagenet/mobilenetv2-fp32-untrained/manifest.json'), 'utf8'));
  delete manifest.model.sha256; // the file may be another MobileNetV2-size model given by the variable
  manifest.labels = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await symlink(onnx, path.join(dir, 'model.onnx'));
  return { key: 'imagenet', title: `MobileNetV2 fp32 (${path.basename(onnx)})`, dir, onnx, hf: await transformersFolder(onnx, manifest) };
}

/** transformers.js wants pixel_values in, logits out, and a Hugging Face style folder. */
async function transformersFolder(onnx: string, manifest: { input: { name: string; normalize: { mean: number[]; std: number[] } }; output: { name: string } }): Promise<string> {
  const { onnx: proto } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto');
  const model = proto.ModelProto.decode(await readFile(onnx));
  const rename = (from: string, to: string) => {
    for (const v of model.graph!.input!) if (v.name === from) v.name = to;
    for (const v of model.graph!.output!) if (v.name === from) v.name = to;
    for (const n of model.graph!.node!) {
      n.input = n.input!.map((x) => (x === from ? to : x));
      n.output = n.output!.map((x) => (x === from ? to : x));
    }
  };
  rename(manifest.input.name, 'pixel_values');
  rename(manifest.output.name, 'logits');
  const dir = path.join(CACHE, 'hf', 'mobilenetv2');
  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'onnx', 'model.onnx'), proto.ModelProto.encode(model).finish());
  const id2label = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [String(i), `class ${i}`]));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mobilenet_v2', architectures: ['MobileNetV2ForImageClassification'], id2label, label2id: Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)])) }));
  // The same recipe as the edgefn manifest: shorter side 256, centre crop 224, /255, ImageNet mean/std.
  await writeFile(path.join(dir, 'preprocessor_config.json'), JSON.stringify({
    image_processor_type: 'MobileNetV2ImageProcessor', do_resize: true, size: { shortest_edge: 256 }, resample: 2,
    do_center_crop: true, crop_size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255,
    do_normalize: true, image_mean: manifest.input.normalize.mean, image_std: manifest.input.normalize.std,
  }));
  return path.join(CACHE, 'hf');
}

