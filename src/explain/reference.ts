/**
 * The reference a reading is explained against: what "a feature absent" means. Given by the caller
 * (`reference`), else the golden set's mean input (position by position over a window), else the
 * training means the manifest's input.normalize holds. A profile (a model's recorded input
 * statistics) plugs in here as one more source, before the golden set.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { TabularInputSpec } from '../manifest/index.js';
import { MAX_GOLDEN_INDEX_BYTES, readListedFile } from '../model/files.js';
import { is } from '../util/validate.js';
import type { ExplainSubject, FeatureExplanation } from './types.js';

export type Rows = Float64Array[];
export interface Reference { rows: Rows; source: FeatureExplanation['reference'] }

/** The element-wise mean of several inputs (each rows × features). */
export function meanRows(inputs: readonly Rows[]): Rows {
  const mean = inputs[0]!.map((r) => new Float64Array(r.length));
  for (const rows of inputs) rows.forEach((r, i) => r.forEach((v, f) => { mean[i]![f]! += v / inputs.length; }));
  return mean;
}

async function goldenInputs(subject: ExplainSubject): Promise<Rows[]> {
  const ref = subject.manifest.golden;
  if (!ref) return [];
  const bytes = await readListedFile(subject.dir, ref, 'golden', subject.verify, MAX_GOLDEN_INDEX_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${ref.file}: not valid JSON: ${messageOf(err)}`, { cause: err, input: ref.file });
  }
  const items = is.object(json) && Array.isArray(json.items) ? json.items : [];
  const out: Rows[] = [];
  items.forEach((item: unknown, i) => {
    if (is.object(item) && item.input !== undefined) out.push(subject.check(item.input, `${ref.file} items[${i}].input`) as Rows);
  });
  return out;
}

/** The training means of each feature, where the normalised columns hold them (a `mean` summary over a window). */
function normalizeMeans(spec: TabularInputSpec): Rows | null {
  if (!spec.normalize) return null;
  const { features, window, normalize } = spec;
  if (!window) return [Float64Array.from(features.map((_, f) => normalize.mean[f]!))];
  const at = window.summaries.indexOf('mean');
  if (at < 0) return null;
  const reading = Float64Array.from(features.map((_, f) => normalize.mean[f * window.summaries.length + at]!));
  return Array.from({ length: window.size }, () => Float64Array.from(reading));
}

export async function defaultReference(subject: ExplainSubject): Promise<Reference> {
  const golden = await goldenInputs(subject);
  if (golden.length > 0) return { rows: meanRows(golden), source: 'golden' };
  const means = normalizeMeans(subject.manifest.input as TabularInputSpec);
  if (means) return { rows: means, source: 'normalize' };
  throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${subject.manifest.name} has no golden set with inputs and no input.normalize means to explain against: pass options.reference (a reading, or a window)`, { field: 'reference' });
}
