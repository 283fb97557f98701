/**
 * load(): a model folder in, a plain async function out.
 *
 *   const classify = await load('models/fashion-mnist');
 *   const { label, score, top } = await classify('shoe.png');
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { ImageInput } from '../preprocess/image.js';
import { resolveRuntime } from '../runtime/index.js';
import { createIsolatedSession } from '../runtime/isolated.js';
import type { RuntimeSession, TensorInfo } from '../runtime/types.js';
import { debug } from '../util/debug.js';
import { describe, invalidArgument } from '../util/validate.js';
import { checkCompatibility } from './compat.js';
import { modelSource } from './files.js';
import { readLabels, readManifest, resolveVersionDir } from './folder.js';
import type { Manifest } from '../manifest/index.js';
import { INFERRED_NAME } from './teachable.js';
import { resolveCallOptions, resolveLoadOptions, type CallOptions, type LoadOptions, type ResolvedCallOptions, type ResolvedLoadOptions } from './options.js';
import { preparationOf, registerInternals } from './internals.js';
import { Pipeline, type Keep } from './pipeline.js';
import type { Classification } from './tasks/image-classification.js';
import { taskFor } from './tasks/index.js';
import type { Reading, ReadingWindow, Regression } from './tasks/tabular.js';
import { explainer, explainMethod } from '../explain/explain.js';
import { subjectFor } from '../explain/subject.js';
import type { ExplainOptions, Explanation } from '../explain/types.js';
import { attachMonitor, type DriftHook } from '../drift/attach.js';
import type { DriftState } from '../drift/types.js';

const log = debug('model');

export interface Model<I, R> {
  /** Runs the model on several inputs, batched where the model has a batch dimension. */
  (inputs: readonly I[], options?: CallOptions): Promise<R[]>;
  /** Runs the model on one input. (Declared last so that TypeScript infers `R` from it.) */
  (input: I, options?: CallOptions): Promise<R>;
  readonly name: string;
  readonly version: string;
  /** The folder the model was loaded from (the version folder). */
  readonly dir: string;
  readonly manifest: Manifest;
  readonly labels: readonly string[];
  /** The runtime serving it (`onnxruntime-node`) and its execution providers. */
  readonly runtime: string;
  readonly providers: readonly string[];
  /** Where the session runs: `none` (the main thread), `thread` or `process` (`auto` resolved). */
  readonly isolate: 'none' | 'thread' | 'process';
  /** The model file's own inputs and outputs, as the runtime reports them. */
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /**
   * Why the model answers what it does for `input`: an occlusion heat map for an image, per-feature
   * Shapley contributions for a reading or window (see src/explain/). Costs about 20 calls by default.
   */
  explain(input: I, options?: ExplainOptions): Promise<Explanation>;
  /** The drift monitor's state (README "Drift"), or null when the version is not monitored (no profile, or `monitor: false`). */
  drift(): DriftState | null;
  /** Waits for calls under way, then releases the runtime session. Later calls reject with EDGEFN_DISPOSED. */
  dispose(): Promise<void>;
}

export type ImageClassifier = Model<ImageInput, Classification>;
/** A `tabular-classification` model without a window: one reading per call. */
export type TabularClassifier = Model<Reading, Classification>;
/** A `tabular-classification` model with `input.window`: one window of readings per call. */
export type WindowClassifier = Model<ReadingWindow, Classification>;
/** A `regression` model without a window: one reading per call. */
export type Regressor = Model<Reading, Regression>;
/** A `regression` model with `input.window`: one window of readings per call. */
export type WindowRegressor = Model<ReadingWindow, Regression>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model, whatever its input and result
export type AnyModel = Model<any, any>;

/**
 * Below this size an ONNX model runs on the main thread: its run takes about a millisecond (0.5 ms
 * for the bundled 1 MB model on x86-64), less than blocking the event loop is worth avoiding and
 * close to the ~0.25 ms that a round trip to a worker thread adds to every call. TF.js models
 * always get a thread: TF.js has one backend per thread, shared by all models on it.
 */
export const SMALL_MODEL_BYTES = 4 * 1024 * 1024;

async function autoIsolation(versionDir: string, manifest: Manifest): Promise<'none' | 'thread'> {
  if (manifest.format !== 'onnx') return 'thread';
  let bytes = 0;
  for (const f of [manifest.model, ...manifest.files]) bytes += (await stat(path.join(versionDir, f.file)).catch(() => ({ size: 0 }))).size;
  return bytes < SMALL_MODEL_BYTES ? 'none' : 'thread';
}

/** The runtime session, in a host (thread or process) or on this thread. */
async function createSession(isolate: 'none' | 'thread' | 'process', manifest: Manifest, versionDir: string, opts: ResolvedLoadOptions): Promise<RuntimeSession> {
  if (isolate !== 'none') {
    return createIsolatedSession(isolate, {
      format: manifest.format, ...(opts.runtime ? { runtime: opts.runtime } : {}), versionDir, model: manifest.model, files: manifest.files, verify: opts.verify,
    }, opts.session);
  }
  // The bytes checked are the bytes loaded: no window for a file to change in between.
  const source = await modelSource(versionDir, manifest.model, manifest.files, opts.verify);
  const runtime = await resolveRuntime(manifest.format, opts.runtime);
  return runtime.createSession(source, opts.session);
}

/** Keeps the caller's stack on errors raised after native awaits (sharp, onnxruntime). */
function withCallerStack(err: unknown, trace: Error): unknown {
  if (err instanceof EdgefnError && trace.stack) {
    err.stack = `${err.name} [${err.code}]: ${err.message}\n${trace.stack.split('\n').slice(1).join('\n')}`;
  }
  return err;
}

/**
 * Loads a model folder. The result's type follows the manifest's task, which TypeScript cannot
 * see: name it, `load<WindowClassifier>('models/temp-trend')`; the default is an image classifier.
 */
export async function load<M extends AnyModel = ImageClassifier>(dir: string, options?: LoadOptions): Promise<M> {
  const trace = new Error();
  try {
    return await loadModel<M>(dir, options);
  } catch (err) {
    throw withCallerStack(coded(err, `Loading ${describe(dir)}`), trace);
  }
}

/**
 * The last resort at the public edge: every error edgefn raises carries a code. Known causes are
 * fixed where they arise; anything else (a bug) becomes INTERNAL with the original as its cause.
 */
function coded(err: unknown, what: string): EdgefnError {
  if (err instanceof EdgefnError) return err;
  return new EdgefnError(ErrorCode.INTERNAL, `${what} failed unexpectedly (a bug in edgefn, please report it): ${messageOf(err)}`, { cause: err });
}

async function loadModel<M extends AnyModel>(dir: string, options?: LoadOptions): Promise<M> {
  if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('a model folder path', 'dir', dir);
  const opts = resolveLoadOptions(options);
  const versionDir = path.resolve(await resolveVersionDir(dir));
  const manifest = await readManifest(versionDir);
  const labels = await readLabels(versionDir, manifest, opts.verify);
  const modelFile = path.join(versionDir, manifest.model.file);
  const isolate = opts.isolate === 'auto' ? await autoIsolation(versionDir, manifest) : opts.isolate;
  const task = taskFor(manifest, labels, opts);
  const sessionReady = createSession(isolate, manifest, versionDir, opts);
  // One blank input through the whole path before the model is handed out: libvips loads and
  // starts on its first image (~150 ms on x86-64) and onnxruntime plans on its first run, and that
  // cost belongs to loading, not to the application's first call. The decode starts only now,
  // after a session host has been started, so that sharp loads on this thread while the host
  // builds its session on its own: the cold start pays for the longer of the two, not the sum.
  const warmUp = task.prepare(task.check(task.warmUpInput(), 'warm-up'));
  warmUp.catch(() => {}); // awaited below; a failed session must not leave it unhandled
  const session = await sessionReady;
  if (manifest.input.name === INFERRED_NAME && session.inputs.length === 1) manifest.input.name = session.inputs[0]!.name;
  if (manifest.output.name === INFERRED_NAME && session.outputs.length === 1) manifest.output.name = session.outputs[0]!.name;
  let pipeline: Pipeline<unknown, unknown>;
  const defaults = { top: opts.top, threshold: opts.threshold };
  try {
    const compat = checkCompatibility(manifest, labels, session.inputs, session.outputs, modelFile);
    pipeline = new Pipeline(task, { manifest, session, maxBatch: compat.batchable ? opts.maxBatch : 1 });
    await pipeline.warmUp(warmUp, defaults);
  } catch (err) {
    await session.release();
    throw err;
  }
  let monitor: DriftHook | null;
  try {
    monitor = await attachMonitor(versionDir, manifest, opts.monitor, opts.verify);
  } catch (err) {
    await session.release();
    throw err;
  }
  log('loaded %s@%s from %s on %s%s', manifest.name, manifest.version, versionDir, session.runtime, isolate === 'none' ? ' (on the main thread)' : ` (in a ${isolate})`);

  const explain = explainer(subjectFor(task, pipeline, { manifest, labels, dir: versionDir, verify: opts.verify }, defaults), opts);

  let inFlight = 0;
  let disposed: Promise<void> | null = null;
  let drained: (() => void) | null = null;

  /** Runs `work` as one call: refused once disposed, counted for dispose() to wait on, errors coded. */
  async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    const trace = new Error();
    if (disposed) throw withCallerStack(new EdgefnError(ErrorCode.DISPOSED, `${manifest.name}@${manifest.version} was disposed`), trace);
    inFlight++;
    try {
      return await work();
    } catch (err) {
      throw withCallerStack(coded(err, `${manifest.name}@${manifest.version}: ${what}`), trace);
    } finally {
      if (--inFlight === 0 && drained) drained();
    }
  }

  /** A call's results, each with its explanation when the call asked for one. */
  async function explained(input: unknown, o: ResolvedCallOptions, keep?: Keep<unknown>): Promise<unknown> {
    const batch = task.isBatch(input);
    const result = await answer(input, o, keep);
    if (!o.explain) return result;
    // One after the other: each explanation fills the runtime with its own batches.
    const results = (batch ? result : [result]) as Record<string, unknown>[];
    for (const [i, r] of results.entries()) {
      r.explanation = await explain(batch ? (input as readonly unknown[])[i] : input, o.explain, batch ? `input[${i}]` : 'input');
    }
    return result;
  }

  async function answer(input: unknown, o: ResolvedCallOptions, next?: Keep<unknown>): Promise<unknown> {
    // A monitored model measures each answered input on its way out (../drift/attach.ts), from
    // the checked input: a reading's values are never read from the caller's object twice.
    if (task.isBatch(input)) {
      // By index, never input.map: a hole is an input that is missing, not one that is skipped.
      const checked: unknown[] = [];
      for (let i = 0; i < input.length; i++) {
        checked.push(task.check(Object.prototype.hasOwnProperty.call(input, i) ? input[i] : undefined, `input[${i}]`));
      }
      return await pipeline.many(checked, o, monitor ? monitor.keep(checked, true, next) : next);
    }
    const checked = task.check(input, 'input');
    return await pipeline.one(checked, o, monitor ? monitor.keep(checked, false, next) : next);
  }

  const call = (input: unknown, callOptions?: CallOptions) => guarded('the call', () => explained(input, resolveCallOptions(callOptions, defaults)));
  const explainOne = explainMethod(explain);

  const model = call as M;
  // For cascade(): a second model of the same preparation runs on what this one prepared.
  registerInternals(model, {
    preparation: preparationOf(manifest, opts),
    call: (input, callOptions, keep) => guarded('the call', () => explained(input, resolveCallOptions(callOptions, defaults), keep)),
    runPrepared: (items, callOptions, indexed) => guarded('the call', () => pipeline.runPrepared(items, resolveCallOptions(callOptions, defaults), indexed)),
  });
  Object.defineProperties(model, {
    name: { value: manifest.name, enumerable: true },
    version: { value: manifest.version, enumerable: true },
    dir: { value: versionDir, enumerable: true },
    manifest: { value: manifest, enumerable: true },
    labels: { value: Object.freeze([...labels]), enumerable: true },
    runtime: { value: session.runtime, enumerable: true },
    providers: { value: session.providers, enumerable: true },
    isolate: { value: isolate, enumerable: true },
    inputs: { value: session.inputs, enumerable: true },
    outputs: { value: session.outputs, enumerable: true },
    explain: { value: (input: unknown, options?: unknown) => guarded('explain()', () => explainOne(input, options)) },
    drift: { value: () => monitor?.state() ?? null },
    dispose: {
      value: () => {
        disposed ??= (async () => {
          if (inFlight > 0) await new Promise<void>((resolve) => { drained = resolve; });
          try {
            await session.release();
          } catch (err) {
            throw coded(err, `${manifest.name}@${manifest.version}: dispose()`);
          }
          log('disposed %s@%s', manifest.name, manifest.version);
        })();
        return disposed;
      },
    },
  });
  return model;
}
