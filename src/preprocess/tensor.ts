/**
 * Pure tensor layout: from interleaved 8-bit pixels (HWC, as sharp's raw output gives them) to the
 * model's layout and dtype, normalised in one pass.
 *
 * Normalisation goes through a 256-entry lookup table per channel, computed in float64 as
 * `((v * scale) - mean) / std` and rounded once to float32: the result equals the textbook
 * formula bit for bit and costs one table read per value in the hot loop.
 */
import type { DType, Layout, NormalizeSpec } from '../manifest/index.js';

export type TensorBuffer = Float32Array | Uint8Array;

export interface PixelLayout {
  width: number;
  height: number;
  channels: number;
  layout: Layout;
  dtype: DType;
  /** Reverse the channel order (RGB pixels for a BGR model). */
  swapRB: boolean;
}

/** Per-channel lookup tables, built once per model. */
export function normalizationTables(spec: NormalizeSpec, channels: number): Float32Array[] {
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const t = new Float32Array(256);
    const mean = spec.mean[c] ?? spec.mean[0]!;
    const std = spec.std[c] ?? spec.std[0]!;
    for (let v = 0; v < 256; v++) t[v] = (v * spec.scale - mean) / std;
    tables.push(t);
  }
  return tables;
}

export function allocate(dtype: DType, length: number): TensorBuffer {
  return dtype === 'float32' ? new Float32Array(length) : new Uint8Array(length);
}

/**
 * Writes one image into `out` at element offset `offset` (the start of its slot in a batch).
 * `pixels` is HWC with `layout.channels` interleaved channels.
 */
export function writeImage(
  pixels: Uint8Array,
  layout: PixelLayout,
  tables: Float32Array[] | null,
  out: TensorBuffer,
  offset = 0,
): void {
  const { width, height, channels } = layout;
  const plane = width * height;
  if (pixels.length !== plane * channels) {
    throw new RangeError(`expected ${plane * channels} pixel values (${width}x${height}x${channels}), got ${pixels.length}`);
  }
  for (let c = 0; c < channels; c++) {
    // Source channel for destination channel c: reversed for BGR models.
    const src = layout.swapRB && channels === 3 ? 2 - c : c;
    const table = tables ? tables[c]! : null;
    if (layout.layout === 'NCHW') {
      let o = offset + c * plane;
      if (table) for (let i = src; i < pixels.length; i += channels) out[o++] = table[pixels[i]!]!;
      else for (let i = src; i < pixels.length; i += channels) out[o++] = pixels[i]!;
    } else {
      let o = offset + c;
      if (table) for (let i = src; i < pixels.length; i += channels, o += channels) out[o] = table[pixels[i]!]!;
      else for (let i = src; i < pixels.length; i += channels, o += channels) out[o] = pixels[i]!;
    }
  }
}
