/**
 * Options for load() and for each call, validated once at the edge. Messages name the field.
 */
import { GRAPH_OPTIMIZATIONS, type GraphOptimization, type SessionOptions } from '../runtime/types.js';
import { defaultDecodeBudget } from '../preprocess/budget.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { resolveExplainOptions } from '../explain/options.js';
import type { ExplainOptions, ResolvedExplainOptions } from '../explain/types.js';
import { resolveMonitorOption, type MonitorOptions, type MonitorSettings } from '../drift/monitor-options.js';

/**
 * Images larger than this are refused before decoding (a pixel bomb guard). 100 MP covers every
 * Raspberry Pi camera (the HQ camera is 12.3 MP, a 64 MP sensor fits) while bounding the memory
 * a single hostile file can claim on a board with 1–8 GB.
 */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;

/** Image files read from a path are refused above this size before a byte is read: 64 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * Upper bounds on options, so that one value cannot take the process down. ONNX Runtime starts
 * every thread it is asked for and joins each on dispose (5,000 threads: 35 s); 64 is eight times
 * the cores of the largest boards edgefn targets. `top` and `maxBatch` bound what one call holds.
 */
export const MAX_THREADS = 64;
export const MAX_TOP = 100_000;
export const MAX_BATCH = 1024;

export interface CallOptions {
  /** How many of the best labels `top` holds. Default 5. */
  top?: number;
  /** Below this best score the result is `unknown` with `label: null`. Default 0 (never). */
  threshold?: number;
  /** Attach `explanation` to each result: `true` for the defaults, or explain options (see Model.explain). */
  explain?: boolean | ExplainOptions;
}

export interface LoadOptions extends Omit<CallOptions, 'explain'>, SessionOptions {
  /** Refuse images with more pixels than this; `false` disables the guard. Default 100,000,000. */
  limitInputPixels?: number | false;
  /** Refuse image files (inputs given as a path) larger than this many bytes. Default 64 MiB. */
  maxInputBytes?: number;
  /**
   * Refuse encoded images whose decode would take more memory than this many bytes, estimated from
   * the header before decoding (see preprocess/budget.ts); `false` disables the check. Default:
   * a quarter of the machine's memory, between 64 MiB and 1 GiB.
   */
  maxDecodeBytes?: number | false;
  /** Check the sha256 of every file the manifest lists before loading. Default true. */
  verify?: boolean;
  /** Most inputs per runtime call in a batch call (when the model has a batch dimension). Default 8. */
  maxBatch?: number;
  /** Force a runtime by name (`onnxruntime-node`); default: the best available for the format. */
  runtime?: string;
  /**
   * Where the inference session runs. `auto` (default for load()): `none` for an ONNX model under
   * 4 MiB, whose run (about a millisecond) costs less than the hop to a worker and back, else
   * `thread`. `thread`: a worker thread, so that an inference never blocks the event loop
   * (onnxruntime-node runs synchronously on its caller's thread). `process` (default for open()): a child process, ended on dispose, so that the
   * runtime's memory is given back in full. `none`: on the main thread, the least overhead per
   * call, blocking the event loop while the model runs.
   */
  isolate?: Isolate;
  /**
   * Drift monitoring (README "Drift: noticing when the world moves"): on by default when the
   * version has a profile (`manifest.profile`), `false` turns it off, an object sets the window,
   * the evaluation period, the PSI threshold, the hysteresis and an `onDrift` callback.
   */
  monitor?: boolean | MonitorOptions;
}

export const ISOLATIONS = ['auto', 'none', 'thread', 'process'] as const;
export type Isolate = (typeof ISOLATIONS)[number];

export interface ResolvedCallOptions {
  top: number;
  threshold: number;
  /** Set when the call asked for an explanation of each result. */
  explain?: ResolvedExplainOptions;
}

export interface ResolvedLoadOptions extends ResolvedCallOptions {
  limitInputPixels: number | false;
  maxInputBytes: number;
  maxDecodeBytes: number | false;
  verify: boolean;
  maxBatch: number;
  runtime?: string;
  isolate: Isolate;
  session: SessionOptions;
  /** false: no monitor; else its settings (used only when the version has a profile). */
  monitor: MonitorSettings | false;
}

const LOAD_KEYS = new Set([
  'top', 'threshold', 'limitInputPixels', 'maxInputBytes', 'maxDecodeBytes', 'verify', 'maxBatch', 'runtime', 'isolate', 'monitor',
  'threads', 'interOpThreads', 'spinning', 'graphOptimization', 'executionProviders',
]);
const CALL_KEYS = new Set(['top', 'threshold', 'explain']);

export function resolveCallOptions(options: unknown, defaults: ResolvedCallOptions = { top: 5, threshold: 0 }): ResolvedCallOptions {
  if (options === undefined) return defaults;
  if (!is.object(options)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, CALL_KEYS, 'call');
  const call = readCallOptions(options, defaults);
  const { explain } = options;
  if (explain === undefined || explain === false) return call;
  if (explain !== true && !is.object(explain)) throw invalidArgument('true, false or explain options', 'explain', explain);
  return { ...call, explain: resolveExplainOptions(explain, 'explain') };
}

function readCallOptions(o: Record<string, unknown>, defaults: ResolvedCallOptions): ResolvedCallOptions {
  const top = o.top ?? defaults.top;
  if (!is.positiveInteger(top)) throw invalidArgument('positive integer', 'top', top);
  if (top > MAX_TOP) throw invalidArgument(`positive integer up to ${MAX_TOP}`, 'top', top);
  const threshold = o.threshold ?? defaults.threshold;
  if (!is.inRange(threshold, 0, 1)) throw invalidArgument('number between 0 and 1', 'threshold', threshold);
  return { top, threshold };
}

/**
 * Options of load(): an object or nothing. `null` is refused, as it is by each call
 * (`classify(x, null)`): a value that is not an options object is a mistake to show, not to ignore.
 */
export function resolveLoadOptions(options: unknown): ResolvedLoadOptions {
  const o = options === undefined ? {} : options;
  if (!is.object(o)) throw invalidArgument('an options object', 'options', options);
  checkKeys(o, LOAD_KEYS, 'load');
  const call = readCallOptions(o, { top: 5, threshold: 0 });

  const limit = o.limitInputPixels ?? DEFAULT_PIXEL_LIMIT;
  if (limit !== false && !is.positiveInteger(limit)) throw invalidArgument('positive integer or false', 'limitInputPixels', limit);
  const maxInputBytes = o.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (!is.positiveInteger(maxInputBytes)) throw invalidArgument('positive integer (bytes)', 'maxInputBytes', maxInputBytes);
  const maxDecodeBytes = o.maxDecodeBytes ?? defaultDecodeBudget();
  if (maxDecodeBytes !== false && !is.positiveInteger(maxDecodeBytes)) throw invalidArgument('positive integer (bytes) or false', 'maxDecodeBytes', maxDecodeBytes);
  const verify = o.verify ?? true;
  if (!is.bool(verify)) throw invalidArgument('boolean', 'verify', verify);
  const maxBatch = o.maxBatch ?? 8;
  if (!is.positiveInteger(maxBatch)) throw invalidArgument('positive integer', 'maxBatch', maxBatch);
  if (maxBatch > MAX_BATCH) throw invalidArgument(`positive integer up to ${MAX_BATCH}`, 'maxBatch', maxBatch);
  if (o.runtime !== undefined && !is.nonEmptyString(o.runtime)) throw invalidArgument('runtime name', 'runtime', o.runtime);
  const isolate = o.isolate ?? 'auto';
  if (!is.oneOf(isolate, ISOLATIONS)) throw invalidArgument(`one of ${ISOLATIONS.join(', ')}`, 'isolate', isolate);

  const monitor = resolveMonitorOption(o.monitor);

  const session: SessionOptions = {};
  if (o.threads !== undefined) {
    if (!is.nonNegativeInteger(o.threads)) throw invalidArgument('non-negative integer (0: the runtime decides)', 'threads', o.threads);
    if (o.threads > MAX_THREADS) throw invalidArgument(`non-negative integer up to ${MAX_THREADS}`, 'threads', o.threads);
    session.threads = o.threads;
  }
  if (o.interOpThreads !== undefined) {
    if (!is.nonNegativeInteger(o.interOpThreads)) throw invalidArgument('non-negative integer', 'interOpThreads', o.interOpThreads);
    if (o.interOpThreads > MAX_THREADS) throw invalidArgument(`non-negative integer up to ${MAX_THREADS}`, 'interOpThreads', o.interOpThreads);
    session.interOpThreads = o.interOpThreads;
  }
  if (o.spinning !== undefined) {
    if (!is.bool(o.spinning)) throw invalidArgument('boolean', 'spinning', o.spinning);
    session.spinning = o.spinning;
  }
  if (o.graphOptimization !== undefined) {
    if (!is.oneOf(o.graphOptimization, GRAPH_OPTIMIZATIONS)) {
      throw invalidArgument(`one of ${GRAPH_OPTIMIZATIONS.join(', ')}`, 'graphOptimization', o.graphOptimization);
    }
    session.graphOptimization = o.graphOptimization as GraphOptimization;
  }
  if (o.executionProviders !== undefined) {
    const eps = o.executionProviders;
    if (!is.arrayOf(eps, is.nonEmptyString) || eps.length === 0) {
      throw invalidArgument('non-empty array of provider names', 'executionProviders', eps);
    }
    session.executionProviders = Array.from(eps);
  }

  const resolved: ResolvedLoadOptions = { ...call, limitInputPixels: limit, maxInputBytes, maxDecodeBytes, verify, maxBatch, isolate, session, monitor };
  if (o.runtime !== undefined) resolved.runtime = o.runtime as string;
  return resolved;
}
