/**
 * What edgefn needs from an inference runtime: create a session from model bytes, describe its
 * inputs and outputs, run it, release it. Adapters (onnx.ts, later tfjs) implement this; nothing
 * outside src/runtime imports a runtime package.
 */
import type { Format } from '../manifest/index.js';

export type TensorDType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'float16' | 'other';

export interface TensorInfo {
  name: string;
  dtype: TensorDType;
  /** Dimensions; `null` for a dynamic one (a symbolic name in the model file). */
  shape: (number | null)[] | null;
}

export interface Tensor {
  data: Float32Array | Uint8Array;
  dims: readonly number[];
}

export const GRAPH_OPTIMIZATIONS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimization = (typeof GRAPH_OPTIMIZATIONS)[number];

/** Knobs a runtime may honour; each adapter documents which it uses. */
export interface SessionOptions {
  /** Threads for one operator (ONNX Runtime intra-op). Default: the runtime's own (one per core). */
  threads?: number;
  /** Threads across operators (ONNX Runtime inter-op, parallel mode only). Default 1. */
  interOpThreads?: number;
  /**
   * Let idle worker threads spin-wait for the next run. Off by default: spinning after every run
   * costs several times the CPU (and battery) of the inference itself in a device loop.
   */
  spinning?: boolean;
  /** Graph optimisation level. Default `all`. */
  graphOptimization?: GraphOptimization;
  /** Execution providers in order of preference; unavailable ones fall back to `cpu` with a warning. */
  executionProviders?: string[];
}

export interface RuntimeSession {
  /** The runtime that runs this session, e.g. `onnxruntime-node`. */
  readonly runtime: string;
  /** The execution providers actually in use. */
  readonly providers: readonly string[];
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

/** A model to load: its main file, already read (and checked), and a way to read the files beside it. */
export interface ModelSource {
  /** The main model file's path (the .onnx file, TF.js model.json). */
  file: string;
  bytes: Uint8Array;
  /** Reads a file named relative to the main one, checked against the manifest's sha256 when listed. */
  readSibling(name: string): Promise<Uint8Array>;
}

export interface Runtime {
  readonly name: string;
  readonly formats: readonly Format[];
  /** Loads the runtime's package; throws RUNTIME_UNAVAILABLE when it is missing. Called once. */
  init(): Promise<void>;
  /** Creates a session; throws MODEL_UNLOADABLE when the bytes are not a model it can load. */
  createSession(model: ModelSource, options: SessionOptions): Promise<RuntimeSession>;
}
