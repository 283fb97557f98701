/**
 * Image classification: sharp decode → tensor → runtime → softmax + top-k.
 */
import { checkImageInput, decodeImage, type ImageInput } from '../../preprocess/image.js';
import { normalizationTables, writeImage, type PixelLayout } from '../../preprocess/tensor.js';
import { inputGeometry, type ImageInputSpec, type Manifest } from '../../manifest/index.js';
import type { ResolvedLoadOptions } from '../options.js';
import { verdict, type Scored } from '../postprocess.js';
import type { Task, Timings } from './task.js';

export interface Classification {
  /** The best label, or null when its score is below the threshold. */
  label: string | null;
  /** The best label's score (probability, 0–1). */
  score: number;
  /** True when the best score is below the threshold. */
  unknown: boolean;
  /** The best labels, best first (`top` option, default 5). */
  top: Scored[];
  /** One probability per label, in the model's label order. */
  probabilities: Float32Array;
  timings: Timings;
  model: { name: string; version: string };
  /** True while the model's drift monitor reports drift (README "Drift"); absent otherwise. */
  drift?: true;
}

export function imageClassification(manifest: Manifest, spec: ImageInputSpec, labels: readonly string[], options: ResolvedLoadOptions): Task<ImageInput, Classification> {
  const { height, width, channels } = inputGeometry(spec);
  const layout: PixelLayout = { width, height, channels, layout: spec.layout, dtype: spec.dtype, swapRB: spec.color === 'bgr' };
  const tables = spec.normalize ? normalizationTables(spec.normalize, channels) : null;
  const itemDims = spec.layout === 'NCHW' ? [channels, height, width] : [height, width, channels];
  const model = { name: manifest.name, version: manifest.version };
  const fromLogits = manifest.output.kind === 'logits';
  const decodeOptions = { limitInputPixels: options.limitInputPixels, maxInputBytes: options.maxInputBytes, maxDecodeBytes: options.maxDecodeBytes };

  return {
    dtype: spec.dtype,
    itemDims,
    check: checkImageInput,
    isBatch: Array.isArray,
    // One pixel: within any limitInputPixels (at least 1), so the warm-up never trips a user's limit.
    warmUpInput: () => ({ data: new Uint8Array(3), width: 1, height: 1, channels: 3 }),
    async prepare(input) {
      const t0 = performance.now();
      const pixels = await decodeImage(input, spec, decodeOptions);
      return {
        decodeMs: performance.now() - t0,
        source: pixels.source,
        write: (out, offset) => writeImage(pixels.data, layout, tables, out, offset),
      };
    },
    finish(row, timings, call) {
      return { ...verdict(row, fromLogits, labels, call.top, call.threshold), timings, model };
    },
  };
}
