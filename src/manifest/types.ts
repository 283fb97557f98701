/**
 * The manifest's shape: its closed unions (as const tables) and the types parseManifest returns.
 * Imports only ./rollout.ts's types, so a session host that only needs MANIFEST_FILE or FileRef loads nothing else.
 */
import type { RolloutSpec } from './rollout.js';

export const MANIFEST_VERSION = 1;
/** The manifest's file name in a version folder. */
export const MANIFEST_FILE = 'manifest.json';

export const TASKS = ['image-classification', 'tabular-classification', 'regression'] as const;
export const FORMATS = ['onnx', 'tfjs'] as const;
export const LAYOUTS = ['NCHW', 'NHWC'] as const;
export const DTYPES = ['float32', 'uint8'] as const;
export const COLORS = ['rgb', 'bgr', 'gray'] as const;
export const FITS = ['cover', 'contain', 'fill'] as const;
export const OUTPUT_KINDS = ['logits', 'probabilities', 'values'] as const;
/** Summary features of a window of readings, one column per feature and summary. */
export const SUMMARIES = ['mean', 'std', 'min', 'max', 'first', 'last', 'range', 'slope'] as const;

export type Task = (typeof TASKS)[number];
export type Format = (typeof FORMATS)[number];
export type Layout = (typeof LAYOUTS)[number];
export type DType = (typeof DTYPES)[number];
export type Color = (typeof COLORS)[number];
export type Fit = (typeof FITS)[number];
export type OutputKind = (typeof OUTPUT_KINDS)[number];
export type Summary = (typeof SUMMARIES)[number];

/** Channels each colour mode produces. */
export const CHANNELS = { rgb: 3, bgr: 3, gray: 1 } as const satisfies Record<Color, number>;

/** A file inside the version folder, with its expected sha256 (hex) when the manifest gives one. */
export interface FileRef {
  file: string;
  sha256?: string;
}

export interface ResizeSpec {
  width: number;
  height: number;
  fit: Fit;
  /**
   * Centre-crop fraction, as in the ImageNet recipe "shorter side to 256, centre crop 224"
   * (224/256 = 0.875): resize to cover `width/cropFraction × height/cropFraction`, then cut the
   * centre `width × height`. Only with fit `cover`; 1 means no extra crop.
   */
  cropFraction: number;
  /** Padding colour for fit `contain`, 0–255 per channel of the model's colour. */
  background: number[];
}

export interface NormalizeSpec {
  /** Multiplies each 0–255 pixel value first (1/255 gives 0–1). */
  scale: number;
  /** Subtracted after scaling, one value per channel (or one for all). */
  mean: number[];
  /** Divides after subtracting the mean, one value per channel (or one for all). */
  std: number[];
}

/** The input of an image task. */
export interface ImageInputSpec {
  kind: 'image';
  name: string;
  /** Tensor shape; -1 marks a dynamic dimension (the batch). */
  shape: number[];
  layout: Layout;
  dtype: DType;
  color: Color;
  resize: ResizeSpec;
  /** Absent for uint8 inputs, which take raw 0–255 values. */
  normalize?: NormalizeSpec;
}

/**
 * A sliding window over a stream of readings: the model sees `summaries` of each feature over the
 * last `size` readings. `hop` is how many new readings a stream needs before the next window
 * (1: a result per reading once the window is full).
 */
export interface WindowSpec {
  size: number;
  hop: number;
  summaries: Summary[];
}

/** The input of a tabular task: named numeric features, optionally summarised over a window. */
export interface TabularInputSpec {
  kind: 'tabular';
  name: string;
  /** `[batch, columns]`: columns = features × summaries with a window, else features. */
  shape: number[];
  dtype: 'float32';
  /** Reading fields, in the model's column order. */
  features: string[];
  window?: WindowSpec;
  /** Per-column standardisation `(x - mean) / std`, applied to the final columns. */
  normalize?: { mean: number[]; std: number[] };
}

export type InputSpec = ImageInputSpec | TabularInputSpec;

export interface OutputSpec {
  name: string;
  kind: OutputKind;
}

export interface GoldenRef extends FileRef {
  /** Accuracy the version must reach on its golden set to be activated. */
  minAccuracy?: number;
  /**
   * Baseline models the gate scores on the same golden items, each named by its own manifest
   * inside this version folder (e.g. `baselines/linear/manifest.json`), with its sha256 so the
   * version's signature covers it; the baseline's manifest lists its own files.
   */
  baselines?: FileRef[];
}

/** An Ed25519 signature over the manifest's canonical JSON (RFC 8785) without this field. */
export interface Signature {
  algorithm: 'ed25519';
  /** Which trusted key signed it: the first 16 hex digits of the sha256 of the public key (SPKI DER). */
  keyId: string;
  /** The signature, base64. */
  value: string;
}

export interface Manifest {
  manifestVersion: number;
  name: string;
  version: string;
  task: Task;
  format: Format;
  description?: string;
  /** For ONNX the .onnx file; for TF.js the model.json. */
  model: FileRef;
  /** Further files the model needs (TF.js weight shards), each checked like the model file. */
  files: FileRef[];
  /**
   * Inline labels, or a text file with one label per line. For `regression`, the names of the
   * output values (default `["value"]`).
   */
  labels: string[] | FileRef;
  input: InputSpec;
  output: OutputSpec;
  golden?: GoldenRef;
  /**
   * A marker file the copier writes last (e.g. `READY`): a store that watches for new versions
   * waits for it instead of waiting for the listed files to stop changing.
   */
  ready?: string;
  signature?: Signature;
  /**
   * The version's reference profile (`profile.json`, written by `edgefn models profile`): the
   * statistics of representative inputs and outputs that drift monitoring compares live calls with.
   */
  profile?: FileRef;
  /** How this version takes over once it passed the gate (open()'s `rollout` option overrides it). */
  rollout?: RolloutSpec;
  /** Figures measured when the model was trained (accuracy, dataset, ...). Free-form. */
  metrics: Record<string, string | number | boolean>;
  /** Top-level fields this reader does not know, kept for newer tools. */
  extra: Record<string, unknown>;
}
