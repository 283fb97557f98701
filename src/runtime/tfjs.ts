/**
 * TensorFlow.js adapters: three runtimes for the `tfjs` format, tried in this order.
 *   tfjs-node  @tensorflow/tfjs-node (native libtensorflow), when installed and loadable
 *   tfjs-wasm  @tensorflow/tfjs-core + the WebAssembly backend (SIMD where the CPU has it),
 *              whose .wasm files ship in the package: installs offline
 *   tfjs-cpu   @tensorflow/tfjs-core + the plain JavaScript backend
 * Every package loads on first use. TF.js has one engine per process, so one backend serves all
 * TF.js models of a process; a model that asks for another one is told so (or can use `isolate`).
 *
 * Models: layers models and graph models (model.json + weight shards), read through a custom
 * IOHandler from the files the manifest lists, so every shard is checked like the model file.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type * as TfConverter from '@tensorflow/tfjs-converter';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { debug } from '../util/debug.js';
import { loadOptional } from '../util/optional.js';
import type { ModelSource, Runtime, RuntimeSession, Tensor, TensorDType, TensorInfo } from './types.js';

const log = debug('runtime');
const require = createRequire(import.meta.url);

interface Tf {
  core: typeof TfCore;
  layers: typeof TfLayers;
  converter: typeof TfConverter;
}

type Backend = 'tensorflow' | 'wasm' | 'cpu';

let active: { runtime: string; backend: Backend; tf: Tf } | null = null;

async function initBackend(runtime: string, backend: Backend): Promise<Tf> {
  if (active?.runtime === runtime) return active.tf;
  let tf: Tf;
  if (backend === 'tensorflow') {
    // tfjs-node bundles core, layers and converter and registers the native backend.
    const node = loadOptional<typeof TfCore & typeof TfLayers & typeof TfConverter>('@tensorflow/tfjs-node', 'for the tfjs-node runtime (native TensorFlow; its install downloads libtensorflow, so it needs internet at install time)');
    tf = { core: node, layers: node, converter: node };
  } else {
    const core = loadOptional<typeof TfCore>('@tensorflow/tfjs-core', 'to run TF.js models (npm install @tensorflow/tfjs-core @tensorflow/tfjs-layers @tensorflow/tfjs-converter @tensorflow/tfjs-backend-wasm)');
    tf = {
      core,
      layers: loadOptional<typeof TfLayers>('@tensorflow/tfjs-layers', 'to run TF.js layers models'),
      converter: loadOptional<typeof TfConverter>('@tensorflow/tfjs-converter', 'to run TF.js graph models'),
    };
    if (backend === 'wasm') {
      const wasm = loadOptional<{ setWasmPaths(prefix: string): void }>('@tensorflow/tfjs-backend-wasm', 'for the tfjs-wasm runtime');
      // The .wasm binaries ship inside the package: point the loader at them, never at a CDN.
      wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    } else {
      loadOptional('@tensorflow/tfjs-backend-cpu', 'for the tfjs-cpu runtime');
    }
  }
  // Checked after the packages load, so a missing package is what the error names.
  if (active) {
    throw new EdgefnError(ErrorCode.RUNTIME_UNAVAILABLE, `TF.js already runs on ${active.runtime} in this process and has one backend per process; load this model with { isolate: 'thread' } (the default) or 'process' to give it its own`);
  }
  if (!(await tf.core.setBackend(backend))) {
    throw new EdgefnError(ErrorCode.RUNTIME_UNAVAILABLE, `the TF.js ${backend} backend failed to initialise`);
  }
  await tf.core.ready();
  active = { runtime, backend, tf };
  log('TF.js on %s (backend %s%s)', runtime, backend, backend === 'wasm' ? `, SIMD ${tf.core.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.core.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}` : '');
  return tf;
}

const DTYPES = { float32: 'float32', int32: 'int32' } as const satisfies Record<string, TensorDType>;

function info(name: string, shape: readonly (number | null)[] | undefined, dtype: string | undefined): TensorInfo {
  return {
    name,
    dtype: DTYPES[dtype as keyof typeof DTYPES] ?? (dtype === undefined ? 'float32' : 'other'),
    shape: shape ? shape.map((d) => (d === null || d < 0 ? null : d)) : null,
  };
}

/** An IOHandler over the model source: model.json from its bytes, shards through readSibling (checked). */
function ioHandler(tf: Tf, source: ModelSource, modelJson: TfCore.io.ModelJSON): TfCore.io.IOHandler {
  return {
    load: () => tf.core.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
      const specs: TfCore.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const bytes = await source.readSibling(p);
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        }
      }
      return [specs, tf.core.io.concatenateArrayBuffers(buffers)];
    }),
  };
}

interface LayersTopology {
  class_name?: string;
  config?: { layers?: { class_name?: string; config?: { name?: string } }[]; input_layers?: [string, number, number][]; output_layers?: [string, number, number][] };
}

/**
 * Input and output names of a layers model as its model.json gives them. TF.js renames symbolic
 * tensors to keep them unique in a process (a second load of the same model gets `conv1_input_1`),
 * so the names a manifest refers to come from the file, not from the loaded model.
 */
function layersNames(topology: LayersTopology): { inputs: string[]; outputs: string[] } | null {
  const config = topology.config;
  if (!config?.layers?.length) return null;
  if (config.input_layers && config.output_layers) {
    return { inputs: config.input_layers.map((l) => l[0]), outputs: config.output_layers.map((l) => l[0]) };
  }
  const first = config.layers[0]!;
  const last = config.layers[config.layers.length - 1]!;
  if (!first.config?.name || !last.config?.name) return null;
  // A Sequential model's input layer is the first layer itself, or one named after it.
  const input = first.class_name === 'InputLayer' ? first.config.name : `${first.config.name}_input`;
  return { inputs: [input], outputs: [last.config.name] };
}

class TfjsSession implements RuntimeSession {
  constructor(
    private readonly tf: Tf,
    private readonly model: TfLayers.LayersModel | TfConverter.GraphModel,
    readonly runtime: string,
    readonly providers: readonly string[],
    readonly inputs: readonly TensorInfo[],
    readonly outputs: readonly TensorInfo[],
    private readonly source: string,
  ) {}

  async run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Promise<Record<string, Tensor>> {
    const { core } = this.tf;
    let results: TfCore.Tensor[];
    try {
      // tidy() disposes every intermediate tensor; the outputs it returns are disposed below.
      results = core.tidy(() => {
        const inputs = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, core.tensor(t.data, [...t.dims], t.data instanceof Float32Array ? 'float32' : 'int32')]));
        if ('predict' in this.model && !('executor' in this.model)) {
          const out = (this.model as TfLayers.LayersModel).predict(this.inputs.map((i) => inputs[i.name]!));
          const list = Array.isArray(out) ? out : [out];
          return outputNames.map((n) => list[this.outputs.findIndex((o) => o.name === n)]!);
        }
        const out = (this.model as TfConverter.GraphModel).execute(inputs, [...outputNames]);
        return Array.isArray(out) ? out : [out];
      });
    } catch (err) {
      throw new EdgefnError(ErrorCode.RUNTIME_FAILED, `TF.js failed to run ${this.source}: ${messageOf(err)}`, { cause: err, input: this.source });
    }
    try {
      const out: Record<string, Tensor> = {};
      for (const [i, name] of outputNames.entries()) {
        const t = results[i]!;
        out[name] = { data: Float32Array.from(await t.data()), dims: t.shape };
      }
      return out;
    } finally {
      core.dispose(results);
    }
  }

  async release(): Promise<void> {
    this.model.dispose();
  }
}

function tfjsRuntime(name: string, backend: Backend): Runtime {
  return {
    name,
    formats: ['tfjs'],
    async init() {
      await initBackend(name, backend);
    },
    async createSession(source) {
      const tf = await initBackend(name, backend);
      let modelJson: TfCore.io.ModelJSON;
      try {
        modelJson = JSON.parse(Buffer.from(source.bytes).toString('utf8')) as TfCore.io.ModelJSON;
        if (typeof modelJson !== 'object' || modelJson === null || !modelJson.modelTopology) throw new Error('it has no modelTopology');
        if (!Array.isArray(modelJson.weightsManifest)) throw new Error('it has no weightsManifest');
      } catch (err) {
        throw new EdgefnError(ErrorCode.MODEL_UNLOADABLE, `${source.file} is not a TF.js model.json: ${messageOf(err)}`, { cause: err, input: source.file });
      }
      const topology = modelJson.modelTopology as { class_name?: string; model_config?: unknown; node?: unknown };
      const isLayers = modelJson.format === 'layers-model' || (modelJson.format === undefined && (topology.class_name !== undefined || topology.model_config !== undefined));
      const handler = ioHandler(tf, source, modelJson);
      try {
        if (isLayers) {
          const model = await tf.layers.loadLayersModel(handler);
          const names = layersNames(topology as LayersTopology);
          const stable = names && names.inputs.length === model.inputs.length && names.outputs.length === model.outputs.length ? names : null;
          return new TfjsSession(tf, model, name, [backend],
            model.inputs.map((t, i) => info(stable?.inputs[i] ?? t.name, t.shape, t.dtype)),
            model.outputs.map((t, i) => info(stable?.outputs[i] ?? t.name, t.shape, t.dtype)), source.file);
        }
        const model = await tf.converter.loadGraphModel(handler);
        return new TfjsSession(tf, model, name, [backend],
          model.inputs.map((t) => info(t.name, t.shape, t.dtype)), model.outputs.map((t) => info(t.name, t.shape, t.dtype)), source.file);
      } catch (err) {
        if (err instanceof EdgefnError) throw err;
        throw new EdgefnError(ErrorCode.MODEL_UNLOADABLE, `TF.js cannot load ${source.file}: ${messageOf(err)}`, { cause: err, input: source.file });
      }
    },
  };
}

export const tfjsNodeRuntime = tfjsRuntime('tfjs-node', 'tensorflow');
export const tfjsWasmRuntime = tfjsRuntime('tfjs-wasm', 'wasm');
export const tfjsCpuRuntime = tfjsRuntime('tfjs-cpu', 'cpu');

/** For tests: the TF.js engine in use, if any (tensor counts for leak checks). */
export function tfjsEngine(): typeof TfCore | null {
  return active?.tf.core ?? null;
}
