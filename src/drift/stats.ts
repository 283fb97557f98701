/**
 * What the drift monitor measures of each call: pure and cheap, since it runs on every monitored
 * call (one pass over the model-sized pixels, one over them again for the sharpness).
 *
 * Image statistics are taken on a 0–1 scale, whatever the model's normalisation, so a profile
 * reads the same for every model: 8-bit pixels are divided by 255, a prepared float tensor has
 * the manifest's normalisation undone first. They are taken at the model's resolution (after
 * resize), so they cost the same for a 12 MP still as for a thumbnail; the source's own size is
 * measured separately (`width`, `height`, `aspect`).
 */
import type { NormalizeSpec } from '../manifest/index.js';
import type { InputStats, OutputStats } from './types.js';

export interface ImageGeometry {
  width: number;
  height: number;
  channels: number;
  /** NCHW: one plane per channel; NHWC: channels interleaved (sharp's raw 8-bit output is NHWC). */
  layout: 'NCHW' | 'NHWC';
  /**
   * The normalisation that was applied to a float tensor, to undo (the manifest's `input.normalize`).
   * Ignored for 8-bit pixels; a float tensor without one holds 0–255 values.
   */
  normalize?: NormalizeSpec | null;
}

/** Per channel, the multiplier and offset that take a stored value back to 0–1. */
function toUnit(pixels: Float32Array | Uint8Array, g: ImageGeometry): { mul: Float64Array; add: Float64Array } {
  const mul = new Float64Array(g.channels).fill(1 / 255);
  const add = new Float64Array(g.channels);
  if (pixels instanceof Float32Array && g.normalize) {
    // x = (v·scale − mean) / std, so v = (x·std + mean) / scale, and v / 255 on the 0–1 scale.
    const { scale, mean, std } = g.normalize;
    for (let c = 0; c < g.channels; c++) {
      const s = std[c] ?? std[0]!;
      const m = mean[c] ?? mean[0]!;
      mul[c] = s / scale / 255;
      add[c] = m / scale / 255;
    }
  }
  return { mul, add };
}

/**
 * Brightness (mean of every value), contrast (their std), the mean of each channel
 * (`mean_<name>`), sharpness (variance of the 4-neighbour Laplacian of the channels' average, on
 * the 0–1 scale) and, when `source` is known, the source's `width`, `height` and `aspect`.
 */
export function imageStats(
  pixels: Float32Array | Uint8Array,
  geometry: ImageGeometry,
  source: { width: number; height: number } | null,
  channelNames: readonly string[],
): InputStats {
  const { width, height, channels, layout } = geometry;
  const plane = width * height;
  if (pixels.length !== plane * channels) throw new RangeError(`expected ${plane * channels} values (${width}x${height}x${channels}), got ${pixels.length}`);
  const { mul, add } = toUnit(pixels, geometry);
  // The channels' average per pixel, the luma the sharpness is taken on; a gray image is its own.
  const luma = channels === 1 ? null : new Float64Array(plane);
  const sums = new Float64Array(channels);
  let sum = 0;
  let sumSq = 0;
  for (let c = 0; c < channels; c++) {
    const m = mul[c]!;
    const a = add[c]!;
    const step = layout === 'NCHW' ? 1 : channels;
    let i = layout === 'NCHW' ? c * plane : c;
    let cs = 0;
    let cs2 = 0;
    for (let p = 0; p < plane; p++, i += step) {
      const v = pixels[i]! * m + a;
      cs += v;
      cs2 += v * v;
      if (luma) luma[p]! += v;
    }
    sums[c] = cs;
    sum += cs;
    sumSq += cs2;
  }
  const n = plane * channels;
  const mean = sum / n;
  const stats: InputStats = {
    brightness: mean,
    contrast: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
  };
  for (let c = 0; c < channels; c++) stats[`mean_${channelNames[c] ?? String(c)}`] = sums[c]! / plane;
  stats.sharpness = luma ? laplacianVariance(luma, width, height) / (channels * channels) : laplacianVariance(pixels, width, height) * mul[0]! * mul[0]!;
  if (source) {
    stats.width = source.width;
    stats.height = source.height;
    stats.aspect = source.width / source.height;
  }
  return stats;
}

/**
 * Variance of the 4-neighbour Laplacian over the inner pixels of one plane, in its own units (the
 * Laplacian drops any offset, so a gray plane's is scaled by the square of its multiplier alone).
 */
function laplacianVariance(plane: ArrayLike<number>, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let s = 0;
  let s2 = 0;
  for (let y = 1; y < height - 1; y++) {
    let i = y * width + 1;
    for (let x = 1; x < width - 1; x++, i++) {
      const l = 4 * plane[i]! - plane[i - 1]! - plane[i + 1]! - plane[i - width]! - plane[i + width]!;
      s += l;
      s2 += l * l;
    }
  }
  const n = (width - 2) * (height - 2);
  const m = s / n;
  return Math.max(0, s2 / n - m * m);
}

/**
 * One entry per feature: the reading's value when it is a finite number, NaN when it is missing
 * or not a number. Never throws: a reading the model refuses is still a measurement (all NaN).
 */
export function readingStats(reading: Record<string, unknown>, features: readonly string[]): InputStats {
  const stats: InputStats = {};
  const own = typeof reading === 'object' && reading !== null;
  for (const f of features) {
    let v: unknown;
    try {
      v = own && Object.prototype.hasOwnProperty.call(reading, f) ? reading[f] : undefined;
    } catch {
      v = undefined; // a getter that throws: an invalid reading
    }
    stats[f] = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
  }
  return stats;
}

/**
 * A window's measurement: its last reading's values (the one that just arrived) and, per feature,
 * `change_<feature>`, the change from the reading before. The values alone miss a sensor that
 * turned noisy (its values keep their range; their day-to-day changes do not) and show a stuck
 * one only through its level; the changes show both.
 */
export function windowStats(window: readonly unknown[], features: readonly string[]): InputStats {
  const last = readingStats(lastReading(window), features);
  const prev = readingStats(window.length >= 2 ? lastReading(window.slice(0, -1)) : {}, features);
  const stats: InputStats = { ...last };
  for (const f of features) stats[`change_${f}`] = last[f]! - prev[f]!;
  return stats;
}

/** A window's last reading (the one that just arrived); a single reading is its own. */
export function lastReading(input: unknown): Record<string, unknown> {
  const last = Array.isArray(input) ? (input.length > 0 ? input[input.length - 1] : undefined) : input;
  return typeof last === 'object' && last !== null && !Array.isArray(last) ? (last as Record<string, unknown>) : {};
}

/**
 * What is measured of a classification: the best label's index (the highest probability, also
 * when the answer is unknown), its score and whether it was unknown. Null for a result that is
 * not a classification (a regression has no label to count).
 */
export function outputStats(result: unknown): OutputStats | null {
  if (typeof result !== 'object' || result === null) return null;
  const r = result as { probabilities?: unknown; score?: unknown; unknown?: unknown };
  if (!(r.probabilities instanceof Float32Array) || typeof r.score !== 'number') return null;
  const p = r.probabilities;
  let index = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[index]!) index = i;
  return { index, confidence: r.score, unknown: r.unknown === true };
}
