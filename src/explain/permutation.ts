/**
 * Permutation importance of a readings model over a set (`edgefn explain --global`, the gate's
 * report): shuffle one feature across the set (a windowed model's whole feature column over the
 * window travels with it, so features are ranked, not summary columns) and measure how much the
 * model's score drops. It runs through the model's public call, so a store's model (or the model
 * the gate is checking) works the same.
 *
 * Importance of a feature: for a classifier, the mean over the set of the drop in the probability
 * of the reference label (the item's label where given, else the label the model predicts for the
 * item as is); for a regressor, the mean absolute change of the first value. Averaged over
 * `repeats` shuffles with a fixed seed.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { TabularInputSpec } from '../manifest/index.js';
import { readingValues } from '../preprocess/features.js';
import { invalidArgument, is } from '../util/validate.js';
import { seeded, shuffled } from './random.js';

interface Answer { probabilities?: Float32Array; value?: number }
interface ReadingsModel {
  // Any input type: a WindowClassifier takes windows, a TabularClassifier readings (checked below).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (inputs: readonly any[]): Promise<readonly Answer[]>;
  readonly manifest: { input: unknown; task: string };
  readonly labels: readonly string[];
}

export interface ImportanceOptions {
  /** The right label of each input (classifiers); default: the model's own answer on each input. */
  labels?: readonly string[];
  /** Shuffles per feature, averaged. Default 5. */
  repeats?: number;
  /** Seed of the shuffles. Default 1. */
  seed?: number;
}

export interface FeatureImportance {
  feature: string;
  /** Mean drop of the reference label's probability (classifier) or mean |change| of the value (regressor). */
  importance: number;
  /** Standard deviation of the importance over the repeats. */
  spread: number;
}

export interface ImportanceReport {
  /** Most important first. */
  features: FeatureImportance[];
  /** Inputs in the set. */
  items: number;
  /** Model evaluations used: the set once, then once per feature and repeat. */
  calls: number;
  /** Accuracy on the set as is, when labels were given. */
  accuracy: number | null;
}

export async function permutationImportance(model: ReadingsModel, inputs: readonly unknown[], options: ImportanceOptions = {}): Promise<ImportanceReport> {
  const spec = model.manifest.input as TabularInputSpec;
  if (spec.kind !== 'tabular') throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, 'Permutation importance ranks the features of a readings model; this model takes images', { field: 'model' });
  if (!Array.isArray(inputs) || inputs.length < 2) throw invalidArgument('an array of at least 2 inputs', 'inputs', inputs);
  const { repeats = 5, seed = 1, labels } = options;
  if (!is.positiveInteger(repeats) || repeats > 1000) throw invalidArgument('positive integer up to 1000', 'repeats', repeats);
  if (!is.nonNegativeInteger(seed)) throw invalidArgument('non-negative integer', 'seed', seed);
  if (labels !== undefined && (!is.arrayOf(labels, is.string) || labels.length !== inputs.length)) throw invalidArgument(`an array of ${inputs.length} labels`, 'labels', labels);
  const { features, window } = spec;
  // Each input as rows of values in the model's feature order (checked as a call would).
  const rows = inputs.map((input, i) => {
    if (!window) return [readingValues(input, features, `inputs[${i}]`)];
    if (!Array.isArray(input) || input.length !== window.size) throw new EdgefnError(ErrorCode.INPUT_INVALID, `inputs[${i}]: expected a window of ${window.size} readings`, { input: `inputs[${i}]`, field: `inputs[${i}]` });
    return input.map((r, j) => readingValues(r, features, `inputs[${i}][${j}]`));
  });
  const asInput = (r: Float64Array[]) => (window ? r.map((x) => Array.from(x)) : Array.from(r[0]!));

  const regression = model.manifest.task === 'regression';
  const base = await model(rows.map(asInput));
  if (base.length !== rows.length) throw new EdgefnError(ErrorCode.INTERNAL, `The model answered ${base.length} results for ${rows.length} inputs`);
  let calls = rows.length;
  const ref = base.map((a, i) => {
    if (regression) return -1;
    if (labels) {
      const k = model.labels.indexOf(labels[i]!);
      if (k < 0) throw invalidArgument(`labels of the model (${model.labels.join(', ')})`, `labels[${i}]`, labels[i]);
      return k;
    }
    const p = a.probabilities!;
    return p.indexOf(Math.max(...p));
  });
  const score = (a: Answer, i: number) => (regression ? a.value! : a.probabilities![ref[i]!]!);
  const accuracy = labels && !regression ? base.filter((a, i) => { const p = a.probabilities!; return p.indexOf(Math.max(...p)) === ref[i]; }).length / base.length : null;

  const random = seeded(seed);
  const out: FeatureImportance[] = [];
  for (let f = 0; f < features.length; f++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const order = shuffled(rows.length, random);
      const permuted = rows.map((item, i) => item.map((row, j) => {
        const copy = Float64Array.from(row);
        copy[f] = rows[order[i]!]![j]![f]!;
        return copy;
      }));
      const answers = await model(permuted.map(asInput));
      calls += answers.length;
      let drop = 0;
      answers.forEach((a, i) => { const d = score(base[i]!, i) - score(a, i); drop += regression ? Math.abs(d) : d; });
      drops.push(drop / rows.length);
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const spread = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
    out.push({ feature: features[f]!, importance: mean, spread });
  }
  out.sort((a, b) => b.importance - a.importance);
  return { features: out, items: rows.length, calls, accuracy };
}

/**
 * For the store's gate report: permutation importance of a readings model over a golden set's items
 * (their inline inputs, scored against their labels); null for an image model or a set without
 * inline inputs (image golden sets name files), so the gate can call it for every candidate.
 */
export async function goldenImportance(model: ReadingsModel, items: readonly { input?: unknown; label: string }[], options: Omit<ImportanceOptions, 'labels'> = {}): Promise<ImportanceReport | null> {
  if ((model.manifest.input as { kind?: string }).kind !== 'tabular') return null;
  const inline = items.filter((i) => i.input !== undefined);
  if (inline.length < 2) return null;
  return permutationImportance(model, inline.map((i) => i.input), { ...options, labels: inline.map((i) => i.label) });
}
