/**
 * What a model from load() keeps to itself, for edgefn's own composition (cascade()): its call
 * with each input's prepared form handed back, and its run on inputs some model already prepared.
 * Not exported from the package. A WeakMap keyed by the model function, so a dropped model is
 * collected with its entry; only load() registers, so a store (open()), a cascade or any other
 * function has none and is composed through its public call.
 */
import type { Manifest } from '../manifest/index.js';
import type { CallOptions, ResolvedLoadOptions } from './options.js';
import type { Keep } from './pipeline.js';
import type { Prepared } from './tasks/task.js';

/**
 * Everything an input's prepared form depends on. Two models whose preparations are deep-equal
 * check, decode and write any input into the same tensor values: the input spec (layout, dtype,
 * colour, resize, normalisation; a tabular model's features, window and normalisation) and the
 * decode limits of load(). Not the input's name (each session feeds the tensor under its own) nor
 * the batch dimension (each pipeline batches and pads for its own model).
 */
export interface Preparation {
  task: string;
  input: unknown;
  decode: { limitInputPixels: number | false; maxInputBytes: number; maxDecodeBytes: number | false } | null;
}

export interface ModelInternals {
  readonly preparation: Preparation;
  /** The model's own call (options, guard against dispose, coded errors), handing each input's prepared form to `keep`. */
  call(input: unknown, options: CallOptions | undefined, keep: Keep<unknown>): Promise<unknown>;
  /** Runs items prepared by a model of the same preparation, as a call would; `indexed`: errors name the item's index. */
  runPrepared(items: readonly Prepared[], options: CallOptions | undefined, indexed: boolean): Promise<unknown[]>;
}

const registry = new WeakMap<Function, ModelInternals>();

/** Called by load() once per model it hands out. */
export function registerInternals(model: Function, internals: ModelInternals): void {
  registry.set(model, internals);
}

export function internalsOf(model: unknown): ModelInternals | null {
  return typeof model === 'function' ? (registry.get(model) ?? null) : null;
}

/** Taken at load, when the task builds its layout and normalisation from the manifest: later edits to `model.manifest` change neither. */
export function preparationOf(manifest: Manifest, options: ResolvedLoadOptions): Preparation {
  const { name: _name, shape, ...spec } = manifest.input;
  const { limitInputPixels, maxInputBytes, maxDecodeBytes } = options;
  return {
    task: manifest.task,
    input: structuredClone({ ...spec, itemShape: shape.slice(1) }),
    decode: manifest.input.kind === 'image' ? { limitInputPixels, maxInputBytes, maxDecodeBytes } : null,
  };
}

/** The first place where two preparations differ (`input.normalize.mean[0]`), or null when they are deep-equal. */
export function preparationDifference(a: Preparation, b: Preparation): string | null {
  return difference(a, b, '');
}

function difference(a: unknown, b: unknown, at: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return at || '(root)';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
    if (d !== null) return d;
  }
  return null;
}
