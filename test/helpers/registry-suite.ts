/**
 * The registry checks of test/registry.test.ts, run in a process of their own: registering a
 * runtime changes process-wide state that other suites must not see.
 *
 *   node --import tsx test/helpers/registry-suite.ts
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgefnError, ErrorCode, load, registerRuntime, registeredRuntimes, type Runtime } from '../../src/index.ts';
import { BUNDLED, golden, rejectsWith } from './index.ts';

/** A runtime that cannot load anything: enough to see which one the registry picks. */
function fake(name: string): Runtime {
  return {
    name,
    formats: ['onnx'],
    async init() {},
    async createSession() {
      throw new EdgefnError(ErrorCode.MODEL_UNLOADABLE, `${name} was asked for a session`);
    },
  };
}

test('a built-in runtime cannot be replaced by accident: EDGEFN_INVALID_ARGUMENT, and the built-in one keeps serving', async () => {
  const before = registeredRuntimes('onnx');
  await rejectsWith(() => registerRuntime(fake('onnxruntime-node'), 1000), ErrorCode.INVALID_ARGUMENT,
    'A runtime named "onnxruntime-node" is already registered; pass { replace: true } to replace it');
  assert.equal(registeredRuntimes('onnx'), before);
  const model = await load(BUNDLED, { isolate: 'none' });
  assert.is(model.runtime, 'onnxruntime-node');
  assert.is((await model(golden('00009.png'))).label, 'Sneaker');
  await model.dispose();
});

test('a second runtime under a name a plug-in already took is refused too', async () => {
  registerRuntime(fake('my-runtime'), -10);
  await rejectsWith(() => registerRuntime(fake('my-runtime'), -5), ErrorCode.INVALID_ARGUMENT, /"my-runtime" is already registered/);
  assert.equal(registeredRuntimes('onnx').filter((n) => n === 'my-runtime'), ['my-runtime']);
});

test('{ replace: true } replaces a runtime on purpose, priority included', async () => {
  registerRuntime(fake('onnxruntime-node'), 100, { replace: true });
  await rejectsWith(() => load(BUNDLED, { isolate: 'none', runtime: 'onnxruntime-node' }), ErrorCode.MODEL_UNLOADABLE, /onnxruntime-node was asked for a session/);
});

test('a malformed runtime or option is refused with the field named', async () => {
  await rejectsWith(() => registerRuntime(null as unknown as Runtime), ErrorCode.INVALID_ARGUMENT, 'Expected a runtime object for runtime but received null of type null');
  await rejectsWith(() => registerRuntime({ ...fake('x'), name: '' }), ErrorCode.INVALID_ARGUMENT, 'Expected non-empty string for runtime.name but received "" of type string');
  await rejectsWith(() => registerRuntime({ ...fake('x'), createSession: 1 } as unknown as Runtime), ErrorCode.INVALID_ARGUMENT, 'Expected a function for runtime.createSession but received 1 of type number');
  await rejectsWith(() => registerRuntime(fake('x'), Number.NaN), ErrorCode.INVALID_ARGUMENT, 'Expected finite number for priority but received NaN of type number');
  await rejectsWith(() => registerRuntime(fake('x'), 0, { replcae: true } as object), ErrorCode.INVALID_ARGUMENT, /Expected one of replace for registerRuntime option name but received "replcae"/);
  assert.not.ok(registeredRuntimes().includes('x'));
});

test.run();
