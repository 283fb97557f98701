/**
 * A task is data: check an input, prepare it (decode), write it into its slot of the input
 * tensor, and turn its row of the output into a result. The pipeline (../pipeline.ts) does the
 * batching and the runtime calls; a task never sees the runtime.
 */
import type { DType } from '../../manifest/index.js';
import type { ResolvedCallOptions } from '../options.js';
import type { TensorBuffer } from '../../preprocess/tensor.js';

/** Milliseconds spent on each stage of one call. */
export interface Timings {
  /** Reading and decoding the input, with resize and crop (sharp). */
  decode: number;
  /** Layout and normalisation into the input tensor. */
  preprocess: number;
  /** The runtime call; in a batch call, the run of the batch the input was part of. */
  infer: number;
  /** From the call to its result. */
  total: number;
}

/** An input decoded and ready to be written into the tensor. */
export interface Prepared {
  decodeMs: number;
  /** An image's source size (after EXIF rotation), when known: drift monitoring compares it with the profile. */
  source?: { width: number; height: number } | null;
  /** Writes the input into `out` starting at element `offset`. */
  write(out: TensorBuffer, offset: number): void;
}

export interface Task<I = unknown, R = unknown> {
  /** Input tensor dtype and the dimensions of one item (the shape without the batch). */
  readonly dtype: DType;
  readonly itemDims: readonly number[];
  /** Validates the shape of an input, throwing INVALID_ARGUMENT (or INPUT_INVALID) that names `field`. */
  check(input: unknown, field: string): I;
  /** Whether a call's argument is a batch of inputs rather than one input. */
  isBatch(input: unknown): input is readonly unknown[];
  /** A neutral input run once at load, so the first real call is as fast as the others. */
  warmUpInput(): unknown;
  prepare(input: I): Promise<Prepared>;
  /** Builds the result from `row`, this item's slice of the output. */
  finish(row: Float32Array, timings: Timings, options: ResolvedCallOptions): R;
}
