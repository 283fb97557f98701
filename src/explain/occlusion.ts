/**
 * Occlusion saliency for image models: patches of the preprocessed input tensor are replaced by a
 * neutral value, and each patch's effect on the target's score is spread over its pixels. Neutral
 * is the manifest's padding colour for a `contain` model (by the manifest's own word what the model
 * sees where there is no image: black for Fashion-MNIST); else 0 after normalisation, the training
 * data's mean colour (ImageNet's grey-brown), which the model has seen as "nothing in particular";
 * else (no normalisation) the image's own mean per channel.
 * The perturbed copies run through the model's own batch path; the grid is planned to fit the budget.
 */
import { inputGeometry, type ImageInputSpec } from '../manifest/index.js';
import type { Prepared } from '../model/tasks/task.js';
import { allocate, normalizationTables, writeImage, type PixelLayout, type TensorBuffer } from '../preprocess/tensor.js';
import { minimalGrid, planGrid, type GridPlan, type Meter } from './budget.js';
import { resolveTarget } from './target.js';
import type { ExplainSubject, ImageExplanation, OverlayOptions, ResolvedExplainOptions } from './types.js';

/** Index of value (x, y, c) in one item of the tensor. */
function indexer(spec: ImageInputSpec, width: number, height: number, channels: number): (x: number, y: number, c: number) => number {
  return spec.layout === 'NCHW' ? (x, y, c) => c * width * height + y * width + x : (x, y, c) => (y * width + x) * channels + c;
}

/**
 * The neutral colour as 8-bit pixel values (the order sharp gives: RGB or gray), or null for "the
 * image's own mean". Shared with the deletion check (./deletion.ts), which deletes with it too.
 */
export function neutralPixel(spec: ImageInputSpec, channels: number): number[] | null {
  if (spec.resize.fit === 'contain') return Array.from({ length: channels }, (_, c) => spec.resize.background[c] ?? spec.resize.background[0]!);
  const n = spec.normalize;
  if (!n) return null;
  // The pixel that normalises to 0: v · scale = mean. A BGR model's mean is in BGR order.
  return Array.from({ length: channels }, (_, c) => {
    const t = spec.color === 'bgr' && channels === 3 ? 2 - c : c;
    return Math.min(255, Math.max(0, Math.round((n.mean[t] ?? n.mean[0]!) / n.scale)));
  });
}

/** A pixel as the model's input values (normalised, in the tensor's channel order). */
function inputValues(spec: ImageInputSpec, channels: number, pixel: number[]): number[] {
  const layout: PixelLayout = { width: 1, height: 1, channels, layout: spec.layout, dtype: spec.dtype, swapRB: spec.color === 'bgr' };
  const out = allocate(spec.dtype, channels);
  writeImage(Uint8Array.from(pixel), layout, spec.normalize ? normalizationTables(spec.normalize, channels) : null, out);
  return Array.from(out);
}

/** The mean of each channel over the item (rounded for a uint8 model, which takes whole values). */
export function channelMeans(base: TensorBuffer, spec: ImageInputSpec, width: number, height: number, channels: number): number[] {
  const at = indexer(spec, width, height, channels);
  const means: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum += base[at(x, y, c)]!;
    const m = sum / (width * height);
    means.push(spec.dtype === 'uint8' ? Math.round(m) : m);
  }
  return means;
}

export async function occlusion(
  subject: ExplainSubject,
  checked: unknown,
  options: ResolvedExplainOptions,
  meter: Meter,
  overlay: (heat: Float32Array, width: number, height: number, o?: OverlayOptions) => Promise<Buffer>,
): Promise<ImageExplanation> {
  const spec = subject.manifest.input as ImageInputSpec;
  const { width, height, channels } = inputGeometry(spec);
  const prepared = await subject.prepare(checked);
  const base = allocate(subject.dtype, subject.itemSize);
  prepared.write(base, 0);
  const [row] = await meter.score([prepared], 1);
  const target = resolveTarget(subject.labels, row!, options.target, subject.manifest.task === 'regression');

  const neutral = neutralPixel(spec, channels);
  const fill = neutral ? inputValues(spec, channels, neutral) : channelMeans(base, spec, width, height, channels);
  const at = indexer(spec, width, height, channels);
  const occluded = (x0: number, y0: number, patch: number): Prepared => ({
    decodeMs: 0,
    write(out, offset) {
      out.set(base, offset);
      for (let c = 0; c < channels; c++) {
        for (let y = y0; y < y0 + patch; y++) for (let x = x0; x < x0 + patch; x++) out[offset + at(x, y, c)] = fill[c]!;
      }
    },
  });
  const corners = (g: GridPlan) => g.ys.flatMap((y) => g.xs.map((x) => [x, y] as const));

  // Every pixel: the mean drop of the target's score over the evaluated patches covering it.
  const sum = new Float64Array(width * height);
  const count = new Uint32Array(width * height);
  let patches = 0;
  const evaluate = async (g: GridPlan, required: boolean) => {
    const at0 = corners(g);
    const rows = await meter.score(at0.map(([x, y]) => occluded(x, y, g.patch)), required ? at0.length : 0);
    rows.forEach((r, k) => {
      const drop = target.score - r[target.index]!;
      const [x0, y0] = at0[k]!;
      for (let y = y0; y < y0 + g.patch; y++) for (let x = x0; x < x0 + g.patch; x++) { sum[y * width + x] = sum[y * width + x]! + drop; count[y * width + x]!++; }
    });
    patches += rows.length;
  };
  // The coarsest grid always runs, as a batch: its measured cost plans the finer grid that the rest
  // of the budget affords. Where a finer grid runs, the map is the finer grid's alone: a quadrant's
  // drop spread over the whole quadrant would paint empty background next to the object.
  const least = minimalGrid(width, height);
  await evaluate(least, true);
  const fine = planGrid(width, height, meter.affordable());
  const plan = fine.stride < least.stride ? fine : least;
  const coarse = Float64Array.from(sum, (v, i) => v / count[i]!);
  if (plan !== least) {
    sum.fill(0);
    count.fill(0);
    await evaluate(plan, false);
  }
  const { patch, stride } = plan;
  // Pixels no evaluated patch of the finer grid covers (the budget stopped it) keep the 2x2 grid's value.
  const heatmap = new Float32Array(width * height);
  for (let i = 0; i < heatmap.length; i++) heatmap[i] = count[i]! > 0 ? sum[i]! / count[i]! : coarse[i]!;

  return {
    kind: 'image', method: 'occlusion', target, heatmap, width, height, patch, stride, patches,
    ...meter.report(),
    toPNG: (o?: OverlayOptions) => overlay(heatmap, width, height, o),
  };
}
