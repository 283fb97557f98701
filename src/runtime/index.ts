/**
 * The runtimes edgefn knows, registered by priority. Registering loads nothing: each runtime's
 * package is required on first use.
 */
import { onnxRuntime } from './onnx.js';
import { registerRuntime } from './registry.js';
import { tfjsCpuRuntime, tfjsNodeRuntime, tfjsWasmRuntime } from './tfjs.js';

registerRuntime(onnxRuntime, 100);
registerRuntime(tfjsNodeRuntime, 90);
registerRuntime(tfjsWasmRuntime, 80);
registerRuntime(tfjsCpuRuntime, 70);

export { registerRuntime, registeredRuntimes, resolveRuntime } from './registry.js';
export type { RegisterOptions } from './registry.js';
export type { Runtime, RuntimeSession, SessionOptions, TensorInfo, GraphOptimization } from './types.js';
