/**
 * The deletion check of a saliency map (Petsiuk et al., RISE, 2018): delete the pixels the map
 * ranks first, a tenth of the image at a time (set to the image's mean, as occlusion does), and
 * follow the target's score. A map that found what the model uses makes the score fall faster than
 * deleting pixels in a random order: a smaller area under the deletion curve. It runs through the
 * model's public call on raw pixels at the model's input size, so it checks the model, not the
 * explainer's own plumbing.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { ImageInputSpec } from '../manifest/index.js';
import type { RawImage } from '../preprocess/image.js';
import { seeded, shuffled } from './random.js';

interface Scoring {
  (inputs: readonly RawImage[]): Promise<{ probabilities: Float32Array }[]>;
  readonly manifest: { input: unknown };
}

/** Pixel indices, the highest value first (ties in index order). */
export function rankPixels(heat: ArrayLike<number>): number[] {
  return Array.from({ length: heat.length }, (_, i) => i).sort((a, b) => heat[b]! - heat[a]! || a - b);
}

/** A random order of `n` pixels, from a seed. */
export function randomPixels(n: number, seed: number): number[] {
  return shuffled(n, seeded(seed));
}

/**
 * The target's score after deleting the first 0, 1/steps, ..., all of `order`, and the area under
 * that curve (trapezoids over the deleted fraction, 0–1).
 */
export async function deletionCurve(model: Scoring, image: RawImage, order: readonly number[], target: number, steps = 10): Promise<{ scores: number[]; area: number }> {
  const spec = model.manifest.input as ImageInputSpec;
  if (spec.kind !== 'image' || image.width !== spec.resize.width || image.height !== spec.resize.height || (spec.resize.fit === 'cover' && spec.resize.cropFraction !== 1)) {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, 'deletionCurve needs an image model without a centre crop and an image at its input size', { field: 'image' });
  }
  const { data, channels } = image;
  const pixels = image.width * image.height;
  const mean = Array.from({ length: channels }, (_, c) => {
    let s = 0;
    for (let i = c; i < data.length; i += channels) s += data[i]!;
    return Math.round(s / pixels);
  });
  const inputs: RawImage[] = [];
  for (let k = 0; k <= steps; k++) {
    const copy = Uint8Array.from(data);
    const upTo = Math.round((k / steps) * order.length);
    for (let j = 0; j < upTo; j++) for (let c = 0; c < channels; c++) copy[order[j]! * channels + c] = mean[c]!;
    inputs.push({ ...image, data: copy });
  }
  const scores = (await model(inputs)).map((r) => r.probabilities[target]!);
  let area = 0;
  for (let k = 0; k < steps; k++) area += (scores[k]! + scores[k + 1]!) / 2 / steps;
  return { scores, area };
}
