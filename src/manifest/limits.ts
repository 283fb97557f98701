/**
 * Upper bounds, so that one manifest value cannot take the process down (a window of 1e9 readings
 * ran load() out of heap). Generous for any model a single-board computer runs.
 */
export const MANIFEST_LIMITS = {
  /** Largest model input side in pixels (input.resize, and its cover box before a centre crop). */
  imageSide: 4096,
  /** Largest fixed batch dimension in input.shape. */
  batch: 1024,
  /** Most readings in a window (input.window.size; window.hop is at most the size). */
  windowSize: 10_000,
  /** Most features in a reading (input.features). */
  features: 1024,
  /** Most values in one window: features × window.size. */
  windowValues: 1_000_000,
  /** Most inline labels, and most files in `files`. */
  labels: 100_000,
  files: 1000,
  /** Most baseline models a golden set names (each is loaded and scored by the gate). */
  baselines: 8,
  /** Deepest nesting of the manifest's JSON (edgefn's own fields go four levels deep). */
  depth: 32,
  /** Smallest magnitude of a normalize.std value: below it, inputs overflow float32 once divided. */
  minStd: 1e-6,
} as const;
