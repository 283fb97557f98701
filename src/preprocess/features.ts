/**
 * Pure feature logic for tabular models: check a reading's fields, summarise a window of readings
 * per feature, standardise the columns. No I/O; the tabular task and the stream windower use it.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { Summary, TabularInputSpec } from '../manifest/index.js';
import { describe } from '../util/validate.js';

/** One sensor reading: named fields, or the feature values in the manifest's order. */
export type Reading = Readonly<Record<string, number>> | ArrayLike<number>;

const isValues = (r: Reading): r is ArrayLike<number> =>
  Array.isArray(r) || ArrayBuffer.isView(r);

function invalid(message: string, field: string): EdgefnError {
  return new EdgefnError(ErrorCode.INPUT_INVALID, message, { input: field, field });
}

/** The largest magnitude a float32 holds: models take float32, so a reading beyond it has no meaning there. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const own = (o: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(o, key);

/**
 * A reading's own value for `key`: never one inherited from a prototype (`Object.prototype.wind = 5`
 * must not fill a missing field), and a getter or Proxy that throws is a bad reading, not a crash.
 */
function ownValue(reading: object, key: string | number, where: string): unknown {
  try {
    return own(reading, key) ? (reading as Record<string | number, unknown>)[key] : undefined;
  } catch (err) {
    throw new EdgefnError(ErrorCode.INPUT_INVALID, `${where} cannot be read: ${messageOf(err)}`, { input: where, field: where, cause: err });
  }
}

/**
 * The feature values of one reading, in `features` order, each a finite number within float32's
 * range. Throws INPUT_INVALID naming the reading (`field`) and the feature: `input[3].temp_f is NaN`.
 */
export function readingValues(reading: unknown, features: readonly string[], field: string): Float64Array {
  const out = new Float64Array(features.length);
  if (reading === null || typeof reading !== 'object') {
    throw invalid(`${field}: expected a reading (an object with ${features.join(', ')}, or an array of ${features.length} numbers) but received ${describe(reading)}`, field);
  }
  const r = reading as Reading;
  if (isValues(r)) {
    if (r.length !== features.length) throw invalid(`${field}: expected ${features.length} values (${features.join(', ')}) but received ${describe(r.length)}`, field);
    for (let i = 0; i < features.length; i++) {
      const where = `${field}[${i}] (${features[i]})`;
      out[i] = check(ownValue(r, i, where), where);
    }
  } else {
    for (let i = 0; i < features.length; i++) {
      const where = `${field}.${features[i]}`;
      out[i] = check(ownValue(r, features[i]!, where), where);
    }
  }
  return out;
}

function check(v: unknown, where: string): number {
  if (typeof v !== 'number') throw invalid(v === undefined ? `${where} is missing` : `${where} is ${describe(v)}, not a number`, where);
  if (!Number.isFinite(v)) throw invalid(`${where} is ${v}`, where);
  if (Math.abs(v) > FLOAT32_MAX) throw invalid(`${where} is ${v}, beyond the float32 range (±3.4e38) the model takes`, where);
  return v;
}

/** Number of model columns for a tabular input. */
export function columnCount(spec: TabularInputSpec): number {
  return spec.features.length * (spec.window ? spec.window.summaries.length : 1);
}

/**
 * Summaries of each feature over a window, feature-major: for features [a, b] and summaries
 * [mean, std], the columns are [a.mean, a.std, b.mean, b.std]. `std` is the population standard
 * deviation; `slope` the least-squares change per reading.
 */
export function summarise(rows: readonly Float64Array[], summaries: readonly Summary[], out: Float32Array, offset: number): void {
  const n = rows.length;
  const features = rows[0]!.length;
  // x = 0..n-1 centred, for the slope.
  const xMean = (n - 1) / 2;
  let sxx = 0;
  for (let i = 0; i < n; i++) sxx += (i - xMean) ** 2;
  let k = offset;
  for (let f = 0; f < features; f++) {
    let sum = 0, min = Infinity, max = -Infinity, sxy = 0;
    for (let i = 0; i < n; i++) {
      const v = rows[i]![f]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = rows[i]![f]! - mean;
      ss += d * d;
      sxy += (i - xMean) * d;
    }
    for (const s of summaries) {
      switch (s) {
        case 'mean': out[k++] = mean; break;
        case 'std': out[k++] = Math.sqrt(ss / n); break;
        case 'min': out[k++] = min; break;
        case 'max': out[k++] = max; break;
        case 'first': out[k++] = rows[0]![f]!; break;
        case 'last': out[k++] = rows[n - 1]![f]!; break;
        case 'range': out[k++] = max - min; break;
        case 'slope': out[k++] = sxx === 0 ? 0 : sxy / sxx; break;
      }
    }
  }
}

/** The name of each model column: `wind` without a window, `wind.std` with one (feature-major). */
export function columnNames(spec: TabularInputSpec): string[] {
  if (!spec.window) return [...spec.features];
  const names: string[] = [];
  for (const f of spec.features) for (const s of spec.window.summaries) names.push(`${f}.${s}`);
  return names;
}

/**
 * The model's columns for one input: summarised over the window (or the reading as is), cast to
 * float32 and standardised. Readings within float32's range can still overflow here (the range of
 * -3e38 and 3e38, a std of 1e-6 in input.normalize): a column that is not a finite number is
 * INPUT_INVALID naming it, never fed to the model.
 */
export function featureColumns(rows: readonly Float64Array[], spec: TabularInputSpec, names: readonly string[] = columnNames(spec)): Float32Array {
  const out = new Float32Array(columnCount(spec));
  if (spec.window) summarise(rows, spec.window.summaries, out, 0);
  else out.set(rows[0]!);
  if (spec.normalize) standardise(out, 0, spec.normalize);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      const steps = `${spec.window ? 'summarised over the window, ' : ''}cast to float32${spec.normalize ? ' and standardised (input.normalize)' : ''}`;
      throw new EdgefnError(ErrorCode.INPUT_INVALID, `Column ${names[i]} is ${out[i]} once ${steps}: the readings are too large for the model's float32 input`, { field: names[i]! });
    }
  }
  return out;
}

/** Standardises `columns` values in place from `offset`: (x - mean) / std per column. */
export function standardise(out: Float32Array, offset: number, norm: { mean: readonly number[]; std: readonly number[] }): void {
  for (let i = 0; i < norm.mean.length; i++) out[offset + i] = (out[offset + i]! - norm.mean[i]!) / norm.std[i]!;
}
