/**
 * The deletion check of a saliency map (Petsiuk et al., RISE, 2018): cut the image into square
 * cells, delete the cells the map ranks first, a tenth of them at a time (set to the value occlusion
 * uses), and follow the target's score. A map that found what the model uses makes the score fall faster than
 * deleting the same cells in a random order: a smaller area under the deletion curve. It runs through the
 * model's public call on raw pixels at the model's input size, so it checks the model, not the
 * explainer's own plumbing.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { ImageInputSpec } from '../manifest/index.js';
import type { RawImage } from '../preprocess/image.js';
import { neutralPixel } from './occlusion.js';
import { seeded, shuffled } from './random.js';


interface Scoring {
  (inputs: readonly RawImage[]): Promise<{ probabilities: Float32Array }[]>;
  readonly manifest: { input: unknown };
}

/** Square cells of `cell` pixels (the last row and column may be smaller), row-major. */
export function cells(width: number, height: number, cell: number): { x: number; y: number; w: number; h: number }[] {
  const out = [];
  for (let y = 0; y < height; y += cell) for (let x = 0; x < width; x += cell) out.push({ x, y, w: Math.min(cell, width - x), h: Math.min(cell, height - y) });
  return out;
}

/** Cell indices, the highest mean heat first (ties in index order). */
export function rankCells(heat: ArrayLike<number>, width: number, height: number, cell: number): number[] {
  const mean = cells(width, height, cell).map(({ x, y, w, h }) => {
    let s = 0;
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) s += heat[j * width + i]!;
    return s / (w * h);
  });
  return mean.map((_, i) => i).sort((a, b) => mean[b]! - mean[a]! || a - b);
}

/** A random order of `n` cells, from a seed. */
export function randomCells(n: number, seed: number): number[] {
  return shuffled(n, seeded(seed));
}

/**
 * The target's score after deleting the first 0, 1/steps, ..., all of the cells in `order`, and
 * the area under that curve (trapezoids over the deleted fraction, 0–1).
 */
export async function deletionCurve(model: Scoring, image: RawImage, order: readonly number[], target: number, options: { cell: number; steps?: number }): Promise<{ scores: number[]; area: number }> {
  const spec = model.manifest.input as ImageInputSpec;
  if (spec.kind !== 'image' || image.width !== spec.resize.width || image.height !== spec.resize.height || (spec.resize.fit === 'cover' && spec.resize.cropFraction !== 1)) {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, 'deletionCurve needs an image model without a centre crop and an image at its input size', { field: 'image' });
  }
  const { steps = 10, cell } = options;
  const { data, channels, width } = image;
  const grid = cells(image.width, image.height, cell);
  const pixels = image.width * image.height;
  // The same neutral colour as occlusion (./occlusion.ts).
  const neutral = neutralPixel(spec, channels);
  const mean = Array.from({ length: channels }, (_, c) => {
    if (neutral) return neutral[c]!;
    let s = 0;
    for (let i = c; i < data.length; i += channels) s += data[i]!;
    return Math.round(s / pixels);
  });
  const inputs: RawImage[] = [];
  for (let k = 0; k <= steps; k++) {
    const copy = Uint8Array.from(data);
    const upTo = Math.round((k / steps) * order.length);
    for (let j = 0; j < upTo; j++) {
      const { x, y, w, h } = grid[order[j]!]!;
      for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) for (let c = 0; c < channels; c++) copy[(yy * width + xx) * channels + c] = mean[c]!;
    }
    inputs.push({ ...image, data: copy });
  }
  const scores = (await model(inputs)).map((r) => r.probabilities[target]!);
  let area = 0;
  for (let k = 0; k < steps; k++) area += (scores[k]! + scores[k + 1]!) / 2 / steps;
  return { scores, area };
}
