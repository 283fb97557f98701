/**
 * What an explanation says, and what it needs from a loaded model (a "subject": check, prepare,
 * score). The subject is built by ../model/load.ts from its pipeline; nothing here sees a runtime.
 */
import type { DType, Manifest } from '../manifest/index.js';
import type { Prepared } from '../model/tasks/task.js';
import type { Reading } from '../preprocess/features.js';

/** The last readings of a window, oldest first. */
type ReadingWindow = readonly Reading[];

export const EXPLAIN_METHODS = ['occlusion', 'shapley'] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export interface ExplainOptions {
  /**
   * Time for one explanation, in ms. Default: about 20 calls: 20 times the time of the first run
   * (the input alone), and never fewer than 20 evaluations. Runs are not started past it; the
   * input's own run and the smallest plan (a 2x2 grid, one Shapley permutation) always run.
   */
  budgetMs?: number;
  /** Most model evaluations (one input through the model; a run of 8 counts 8). Default: no limit. */
  maxCalls?: number;
  /** The label (or output) to explain, by name or index. Default: the predicted label (the first output). */
  target?: string | number;
  /** `occlusion` for images, `shapley` for readings (the defaults; nothing else yet). */
  method?: ExplainMethod;
  /** Readings: what "absent" means, one reading (or window). Default: the golden set's mean input. */
  reference?: Reading | ReadingWindow;
  /** Seed of the sampled Shapley permutations (readings with many features). Default 1. */
  seed?: number;
}

export interface ResolvedExplainOptions {
  budgetMs: number | null;
  maxCalls: number;
  target: string | number | null;
  method: ExplainMethod | null;
  reference: unknown;
  seed: number;
}

export interface ExplainTarget {
  label: string;
  index: number;
  /** The target's score at the input: a probability (classifier) or a value (regression). */
  score: number;
}

/** What every explanation reports about its cost. */
export interface ExplainCost {
  /** Model evaluations used (one input through the model), the input's own included. */
  calls: number;
  /** Runtime runs (batches of at most maxBatch evaluations). */
  runs: number;
  elapsedMs: number;
  /** The budget it was given (or the default it computed). */
  budgetMs: number;
  maxCalls: number | null;
  /** False when the budget stopped it before its plan was done (the map or attribution covers less). */
  complete: boolean;
}

export interface OverlayOptions {
  /** Width of the PNG in pixels (the height follows); default the input image's own width. */
  width?: number;
  /** Opacity of the strongest cell, 0–1. Default 0.6. */
  alpha?: number;
}

export interface ImageExplanation extends ExplainCost {
  kind: 'image';
  method: 'occlusion';
  target: ExplainTarget;
  /**
   * Per pixel of the model's input (row-major, width × height): the mean drop of the target's
   * score when a patch covering the pixel is replaced by the image's mean (per channel, after
   * normalisation). Positive: the pixel supports the target.
   */
  heatmap: Float32Array;
  width: number;
  height: number;
  patch: number;
  stride: number;
  /** Patches evaluated. */
  patches: number;
  /** An overlay of the heat map on the input image (red supports the target, blue opposes it), as PNG. */
  toPNG(options?: OverlayOptions): Promise<Buffer>;
}

export interface Attribution {
  feature: string;
  /** Signed share of (score at the input − score at the reference). */
  contribution: number;
}

export interface FeatureExplanation extends ExplainCost {
  kind: 'features';
  /** `shapley-exact` (every coalition) or `shapley-sampled` (permutations with a fixed seed). */
  method: 'shapley-exact' | 'shapley-sampled';
  target: ExplainTarget;
  /** Score of the target at the reference. The contributions sum to `target.score - referenceScore`. */
  referenceScore: number;
  /** Where the reference came from. */
  reference: 'option' | 'golden' | 'normalize';
  /** One per input feature (a windowed model's feature over the whole window), largest |contribution| first. */
  attributions: Attribution[];
  /** Permutations sampled (0 for the exact method). */
  permutations: number;
}

export type Explanation = ImageExplanation | FeatureExplanation;

/** What an explanation needs from a loaded model. */
export interface ExplainSubject {
  manifest: Manifest;
  labels: readonly string[];
  /** The version folder (the golden set is read from it for the default reference). */
  dir: string;
  verify: boolean;
  dtype: DType;
  /** Values in one input item of the tensor. */
  itemSize: number;
  maxBatch: number;
  check(input: unknown, field: string): unknown;
  prepare(checked: unknown): Promise<Prepared>;
  /** One row of scores per item: probabilities for a classifier, values for a regressor. */
  score(items: readonly Prepared[]): Promise<Float32Array[]>;
}
