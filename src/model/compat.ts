/**
 * Pure check that a loaded model matches its manifest: the input and output names, the input
 * shape and dtype, and one output score per label. A mismatch is a load error, never a wrong
 * answer at run time.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { TensorInfo } from '../runtime/types.js';
import type { Manifest } from '../manifest/index.js';

function fail(source: string, field: string, message: string): never {
  throw new EdgefnError(ErrorCode.MODEL_MISMATCH, `${source}: ${message}`, { input: source, field });
}

const fmt = (shape: readonly (number | null)[] | null): string =>
  shape ? `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]` : 'unknown';

export interface Compatibility {
  /** Whether the model accepts more than one input per run. */
  batchable: boolean;
}

export function checkCompatibility(manifest: Manifest, labels: readonly string[], inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], source: string): Compatibility {
  const input = inputs.find((t) => t.name === manifest.input.name);
  if (!input) {
    fail(source, 'input.name', `the model has no input "${manifest.input.name}" (input.name); its inputs are ${inputs.map((t) => `"${t.name}"`).join(', ')}`);
  }
  if (input.dtype !== manifest.input.dtype) {
    fail(source, 'input.dtype', `input "${input.name}" is ${input.dtype} in the model but ${manifest.input.dtype} in input.dtype`);
  }
  const want = manifest.input.shape;
  if (input.shape) {
    if (input.shape.length !== want.length) {
      fail(source, 'input.shape', `input "${input.name}" has shape ${fmt(input.shape)} in the model but ${fmt(want)} in input.shape`);
    }
    want.forEach((w, i) => {
      const have = input.shape![i]!;
      // A dimension fixed in the model must be the same fixed number in the manifest; a dynamic one
      // in the model may be fixed by the manifest.
      if (have !== null && w !== have) {
        fail(source, 'input.shape', `input "${input.name}" has shape ${fmt(input.shape)} in the model but ${fmt(want.map((d) => (d === -1 ? null : d)))} in input.shape (dimension ${i})`);
      }
    });
  }
  if (inputs.length > 1) {
    fail(source, 'input.name', `the model has ${inputs.length} inputs (${inputs.map((t) => t.name).join(', ')}); edgefn feeds models with one input`);
  }

  const output = outputs.find((t) => t.name === manifest.output.name);
  if (!output) {
    fail(source, 'output.name', `the model has no output "${manifest.output.name}" (output.name); its outputs are ${outputs.map((t) => `"${t.name}"`).join(', ')}`);
  }
  const classes = output.shape?.[output.shape.length - 1];
  if (classes !== undefined && classes !== null && classes !== labels.length) {
    fail(source, 'labels', `output "${output.name}" gives ${classes} scores but the manifest has ${labels.length} labels`);
  }
  const batch = want[0]!;
  return { batchable: batch === -1 || batch > 1 };
}
