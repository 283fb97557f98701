/**
 * What cascade() checks once, at the edge: its options, and that its two stages are classifiers
 * whose answers can stand in for each other (same task, same input contract, same labels in the
 * same order). Pure: reads properties, runs nothing.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { Manifest } from '../manifest/index.js';
import { checkKeys, describe, invalidArgument, is } from '../util/validate.js';

/**
 * The fast stage's best score below which the detailed stage answers. 0.9 is the lowest threshold
 * that keeps the bundled pair (softmax regression in front of the CNN) within 0.3 point of the
 * CNN's accuracy on the 10,000 Fashion-MNIST test images, at 86 % of the CNN's CPU with the
 * preparation shared (README, "Cascades").
 */
export const DEFAULT_CASCADE_THRESHOLD = 0.9;

export interface CascadeOptions {
  /** Below this best score of the fast stage (0–1), the detailed stage answers. Default 0.9. */
  threshold?: number;
}

/** What a stage is now: a load() model's own manifest and labels, or a store's active version's. */
export interface StageView {
  manifest: Manifest;
  labels: readonly string[];
}

const CASCADE_KEYS = new Set(['threshold']);
const CLASSIFIERS = ['image-classification', 'tabular-classification'] as const;

export function resolveCascadeOptions(options: unknown): { threshold: number } {
  const o = options === undefined ? {} : options;
  if (!is.object(o)) throw invalidArgument('an options object', 'options', options);
  checkKeys(o, CASCADE_KEYS, 'cascade');
  const threshold = o.threshold ?? DEFAULT_CASCADE_THRESHOLD;
  if (!is.inRange(threshold, 0, 1)) throw invalidArgument('number between 0 and 1', 'threshold', threshold);
  return { threshold };
}

/** Exactly two functions, each from load() or open() (or a cascade): anything else is refused by position. */
export function checkStages(models: unknown): [Function, Function] {
  if (!Array.isArray(models) || models.length !== 2) {
    throw invalidArgument('an array of two model functions [fast, detailed]', 'models', models);
  }
  for (let i = 0; i < 2; i++) {
    const m: unknown = Object.prototype.hasOwnProperty.call(models, i) ? models[i] : undefined;
    if (typeof m !== 'function' || viewOf(m) === null) {
      throw invalidArgument('a classifier from load() or open()', `models[${i}]`, m);
    }
  }
  if (models[0] === models[1]) throw invalidArgument('two different models (the same one twice escalates to itself)', 'models[1]', models[1]);
  return [models[0] as Function, models[1] as Function];
}

/**
 * The stage's current manifest and labels: a load() model carries them; a store (open()) carries
 * its active version in `active`, which a swap replaces, so this is read again at every call.
 */
export function viewOf(stage: Function): StageView | null {
  const own = stage as unknown as Partial<StageView> & { active?: unknown };
  const source = (own.manifest === undefined && typeof own.active === 'function' ? own.active : own) as Partial<StageView>;
  const { manifest, labels } = source;
  if (!is.object(manifest) || !Array.isArray(labels)) return null;
  return { manifest: manifest as unknown as Manifest, labels };
}

/**
 * Whether the detailed stage's answer can replace the fast stage's: both classifiers of the same
 * task, taking the same input (for tabular models the same features in the same order and the same
 * window), with the same labels in the same order (so that `probabilities[k]` and `top[].index`
 * mean the same label whichever stage answered). Image sizes may differ: each stage resizes.
 * Returns the first difference as [field, what was expected, what was received], or null.
 */
export function mismatch(fast: StageView, detailed: StageView): [string, string, unknown] | null {
  for (const [i, v] of [fast, detailed].entries()) {
    if (!(CLASSIFIERS as readonly string[]).includes(v.manifest.task)) {
      return [`models[${i}].manifest.task`, `a classifier (${CLASSIFIERS.join(' or ')})`, v.manifest.task];
    }
  }
  if (detailed.manifest.task !== fast.manifest.task) return ['models[1].manifest.task', `"${fast.manifest.task}" as models[0]`, detailed.manifest.task];
  const [a, b] = [fast.manifest.input, detailed.manifest.input];
  if (a.kind === 'tabular' && b.kind === 'tabular') {
    if (!sameList(a.features, b.features)) return ['models[1].manifest.input.features', `the features of models[0] (${a.features.join(', ')})`, b.features];
    const [wa, wb] = [a.window, b.window];
    if ((wa === undefined) !== (wb === undefined) || (wa && wb && (wa.size !== wb.size || wa.hop !== wb.hop))) {
      return ['models[1].manifest.input.window', wa ? `a window of ${wa.size} readings, hop ${wa.hop}, as models[0]` : 'no window, as models[0]', wb ? `size ${wb.size}, hop ${wb.hop}` : 'none'];
    }
  }
  if (!sameList(fast.labels, detailed.labels)) {
    return ['models[1].labels', `the labels of models[0] in the same order (${describe(fast.labels)})`, detailed.labels];
  }
  return null;
}

/** At cascade(): a mismatch is the caller's argument. */
export function checkPair(fast: StageView, detailed: StageView): void {
  const m = mismatch(fast, detailed);
  if (m) throw invalidArgument(m[1], m[0], m[2]);
}

/** At a call: a store swapped in a version that no longer matches the other stage. */
export function checkSwapped(fast: StageView, detailed: StageView): void {
  const m = mismatch(fast, detailed);
  if (!m) return;
  const [field, what, value] = m;
  throw new EdgefnError(ErrorCode.MODEL_MISMATCH, `The cascade's stages no longer match (${fast.manifest.name}@${fast.manifest.version}, ${detailed.manifest.name}@${detailed.manifest.version}): expected ${what} for ${field} but received ${describe(value)}`, { field });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
