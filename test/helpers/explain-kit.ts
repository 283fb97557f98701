/**
 * Fixtures for the explanation suites: a copy of rain-tomorrow whose first layer ignores one
 * feature (its weights for that feature's window columns set to 0: a real model that does not use
 * the feature), the ImageNet model in a version folder without a centre crop, and photos cut to
 * its input size, so that the deletion check and the explanation see the same pixels.
 */
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../../src/index.ts';
import { initializerRanges } from './onnx-weights.ts';
import { RAIN_VERSION, ROOT, SHARED_MODELS, tempDir } from './index.ts';

/** The first layer of rain-tomorrow: Linear(24, 32), stored as Gemm's B [32, 24] (transB). */
const COLUMNS = 24, HIDDEN = 32;

/** A version folder of rain-tomorrow whose model ignores `feature` (index in the manifest's features). */
export async function rainIgnoring(feature: number): Promise<string> {
  const dir = path.join(await tempDir(), '1.0.0');
  await cp(RAIN_VERSION, dir, { recursive: true });
  const file = path.join(dir, 'model.onnx');
  const bytes = await readFile(file);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const summaries = manifest.input.window.summaries.length;
  const first = initializerRanges(bytes).find((r) => r.end - r.start === COLUMNS * HIDDEN * 4);
  if (!first) throw new Error('rain-tomorrow: no 32x24 weight found');
  for (let o = 0; o < HIDDEN; o++) {
    for (let s = 0; s < summaries; s++) bytes.writeFloatLE(0, first.start + (o * COLUMNS + feature * summaries + s) * 4);
  }
  await writeFile(file, bytes);
  manifest.model.sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

export async function rainGolden(): Promise<{ input: unknown; label: string }[]> {
  return JSON.parse(await readFile(path.join(RAIN_VERSION, 'golden/index.json'), 'utf8')).items;
}

/** MobileNetV2 (int8) from ../shared with its example manifest, resized to 224 without the centre crop. */
export async function mobilenetUncropped(): Promise<string> {
  const dir = path.join(await tempDir(), '1.0.0');
  await mkdir(dir);
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'examples/imagenet/mobilenetv2-int8/manifest.json'), 'utf8'));
  manifest.input.resize.cropFraction = 1;
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await copyFile(path.join(SHARED_MODELS, 'mobilenetv2-12-int8.onnx'), path.join(dir, 'model.onnx'));
  await copyFile(path.join(SHARED_MODELS, 'imagenet-synset.txt'), path.join(dir, 'labels.txt'));
  return dir;
}

/** A photo as the ImageNet recipe cuts it (shorter side to 256, centre 224), as raw RGB pixels. */
export async function photo224(file: string): Promise<RawImage> {
  const { data } = await sharp(file).resize(256, 256, { fit: 'cover' }).extract({ left: 16, top: 16, width: 224, height: 224 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: 224, height: 224, channels: 3 };
}

/** A golden image of the bundled model as raw 28x28 gray pixels. */
export async function gray28(file: string): Promise<RawImage> {
  const { data, info } = await sharp(file).grayscale().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 1 };
}

/** Spearman's rank correlation of two orders of the same names. */
export function spearman(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  let d2 = 0;
  a.forEach((name, i) => { d2 += (i - b.indexOf(name)) ** 2; });
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** A real FIFO (mkfifo(1)) at `file`. */
export async function mkfifo(file: string): Promise<string> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  await promisify(execFile)('mkfifo', [file]);
  return file;
}
