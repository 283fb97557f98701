/**
 * One input's statistics from what a load()ed model's pipeline has for it: its prepared form (an
 * image is written into a scratch slot of the model's layout and dtype, then measured with the
 * normalisation undone) or, for readings, the input itself. The one entry the monitor and
 * `edgefn models profile` both call, so a profile and a window are measured alike.
 */
import { CHANNELS, inputGeometry, type Manifest } from '../manifest/index.js';
import type { Prepared } from '../model/tasks/task.js';
import { imageStats, lastReading, readingStats, windowStats } from './stats.js';
import type { InputStats } from './types.js';

const CHANNEL_NAMES = { gray: ['gray'], rgb: ['r', 'g', 'b'], bgr: ['b', 'g', 'r'] } as const;

export interface Measurer {
  /**
   * `input` as given to the call (readings are taken from it; a raw frame gives its source size),
   * `prepared` as the pipeline handed it back; `source`: the encoded source's size when known.
   */
  measure(input: unknown, prepared: Prepared | null, source?: { width: number; height: number } | null): InputStats;
}

/** A measurer for one model: the scratch slot is allocated once and reused call after call. */
export function measurer(manifest: Manifest): Measurer {
  const spec = manifest.input;
  if (spec.kind !== 'image') {
    const features = spec.features;
    if (spec.window) return { measure: (input) => windowStats(Array.isArray(input) ? input : [], features) };
    return { measure: (input) => readingStats(lastReading(input), features) };
  }
  const { width, height, channels } = inputGeometry(spec);
  const scratch = spec.dtype === 'float32' ? new Float32Array(width * height * channels) : new Uint8Array(width * height * channels);
  const geometry = { width, height, channels, layout: spec.layout, normalize: spec.normalize ?? null };
  const names = CHANNEL_NAMES[spec.color];
  if (names.length !== CHANNELS[spec.color]) throw new Error('channel names out of step with CHANNELS');
  return {
    measure(input, prepared, source) {
      if (!prepared) return {};
      prepared.write(scratch, 0);
      return imageStats(scratch, geometry, source ?? rawSize(input), names);
    },
  };
}

/** A raw frame's own size (it is its source); null for an encoded image, whose size is in its header. */
function rawSize(input: unknown): { width: number; height: number } | null {
  if (typeof input !== 'object' || input === null || input instanceof Uint8Array) return null;
  const { width, height } = input as { width?: unknown; height?: unknown };
  return typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0 ? { width, height } : null;
}
