/**
 * onnxruntime-node adapter. The package loads on first use (never at import time).
 *
 * Defaults chosen for battery-powered boards: intra-op threads do not spin-wait between runs
 * (`session.intra_op.allow_spinning = 0`); the CPU cost of a spinning pool after each run is
 * several times that of the inference itself when a device classifies one frame at a time.
 */
import type * as Ort from 'onnxruntime-node';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { debug, warn } from '../util/debug.js';
import { loadOptional } from '../util/optional.js';
import type { Runtime, RuntimeSession, SessionOptions, Tensor, TensorDType, TensorInfo } from './types.js';

type OrtModule = typeof Ort;

const log = debug('runtime');

function ort(): OrtModule {
  // onnxruntime 1.29+ builds for Linux upload usage telemetry (it resolves and connects to
  // mobile.events.data.microsoft.com seconds after its environment starts, and writes a device id
  // to disk). edgefn promises that nothing touches the network at run time, so it is off unless the
  // application says otherwise. Set before the native module loads: onnxruntime reads it once.
  // test/no-network.test.ts holds this.
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  return loadOptional<OrtModule>('onnxruntime-node', 'to run ONNX models');
}

const DTYPES = {
  float32: 'float32', uint8: 'uint8', int8: 'int8', int32: 'int32', int64: 'int64', float16: 'float16',
} as const satisfies Record<string, TensorDType>;

function toInfo(meta: Ort.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, dtype: 'other', shape: null };
  return {
    name: meta.name,
    dtype: DTYPES[meta.type as keyof typeof DTYPES] ?? 'other',
    shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)),
  };
}

/** Splits requested providers into those this build has and those it lacks. */
function availableProviders(requested: readonly string[]): { use: string[]; missing: string[] } {
  const known = new Map(ort().listSupportedBackends().map((b) => [b.name, b.bundled]));
  const use: string[] = [];
  const missing: string[] = [];
  for (const name of requested) {
    // "bundled: false" providers (cuda, tensorrt) need libraries the offline install skipped.
    if (name === 'cpu' || known.get(name) === true) use.push(name);
    else missing.push(name);
  }
  if (!use.includes('cpu')) use.push('cpu');
  return { use, missing };
}

function ortOptions(options: SessionOptions, providers: string[]): Ort.InferenceSession.SessionOptions {
  const spin = options.spinning ? '1' : '0';
  const o: Ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: options.graphOptimization ?? 'all',
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
  if (options.threads !== undefined) o.intraOpNumThreads = options.threads;
  if (options.interOpThreads !== undefined) o.interOpNumThreads = options.interOpThreads;
  return o;
}

class OnnxSession implements RuntimeSession {
  readonly runtime = 'onnxruntime-node';
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];

  constructor(private readonly session: Ort.InferenceSession, readonly providers: readonly string[], private readonly source: string) {
    this.inputs = session.inputMetadata.map(toInfo);
    this.outputs = session.outputMetadata.map(toInfo);
  }

  async run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Promise<Record<string, Tensor>> {
    const { Tensor: OrtTensor } = ort();
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = t.data instanceof Float32Array
        ? new OrtTensor('float32', t.data, t.dims)
        : new OrtTensor('uint8', t.data, t.dims);
    }
    let results: Ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds, outputNames as string[]);
    } catch (err) {
      throw new EdgefnError(ErrorCode.RUNTIME_FAILED, `onnxruntime failed to run ${this.source}: ${messageOf(err)}`, { cause: err, input: this.source });
    }
    const out: Record<string, Tensor> = {};
    for (const name of outputNames) {
      const t = results[name]!;
      if (!(t.data instanceof Float32Array || t.data instanceof Uint8Array)) {
        throw new EdgefnError(ErrorCode.MODEL_MISMATCH, `${this.source}: output ${name} is ${t.type}; edgefn reads float32 or uint8 outputs`, { input: this.source, field: 'output.name' });
      }
      out[name] = { data: t.data, dims: t.dims };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export const onnxRuntime: Runtime = {
  name: 'onnxruntime-node',
  formats: ['onnx'],

  async init() {
    ort();
  },

  async createSession({ bytes: model, file: source }, options) {
    const { InferenceSession } = ort();
    const { use, missing } = availableProviders(options.executionProviders ?? ['cpu']);
    if (missing.length > 0) {
      warn('EDGEFN_PROVIDER_FALLBACK', `Execution provider(s) ${missing.join(', ')} not available in this onnxruntime-node build; using ${use.join(', ')}`);
    }
    try {
      const session = await InferenceSession.create(model, ortOptions(options, use));
      log('onnx session for %s on %s', source, use.join(','));
      return new OnnxSession(session, use, source);
    } catch (err) {
      if (use.length > 1) {
        // An accelerator that is listed but fails at session creation (driver, libraries): fall back to CPU.
        warn('EDGEFN_PROVIDER_FALLBACK', `Execution provider(s) ${use.filter((p) => p !== 'cpu').join(', ')} failed for ${source} (${messageOf(err)}); using cpu`);
        try {
          return new OnnxSession(await InferenceSession.create(model, ortOptions(options, ['cpu'])), ['cpu'], source);
        } catch (cpuErr) {
          err = cpuErr;
        }
      }
      throw new EdgefnError(ErrorCode.MODEL_UNLOADABLE, `onnxruntime cannot load ${source}: ${messageOf(err)}`, { cause: err, input: source });
    }
  },
};
