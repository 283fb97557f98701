/**
 * Tabular tasks: named numeric features (one reading, or a window of readings summarised per
 * feature) → a classifier's label and scores, or a regression's values.
 */
import { columnCount, columnNames, featureColumns, readingValues, type Reading } from '../../preprocess/features.js';
import { EdgefnError, ErrorCode } from '../../errors.js';
import { describe } from '../../util/validate.js';
import type { Manifest, TabularInputSpec } from '../../manifest/index.js';
import { verdict } from '../postprocess.js';
import type { Classification } from './image-classification.js';
import type { Task, Timings } from './task.js';

export type { Reading };
/** The last `window.size` readings, oldest first. */
export type ReadingWindow = readonly Reading[];

export interface Regression {
  /** The first output value. */
  value: number;
  /** Every output value by name (the manifest's labels; `value` for a single output). */
  values: Record<string, number>;
  timings: Timings;
  model: { name: string; version: string };
  /** True while the model's drift monitor reports drift (README "Drift"); absent otherwise. */
  drift?: true;
}

/** A reading or a window, checked and turned into rows of feature values. */
type Rows = Float64Array[];

function inputTask(manifest: Manifest, spec: TabularInputSpec): Pick<Task<Rows>, 'dtype' | 'itemDims' | 'check' | 'isBatch' | 'warmUpInput' | 'prepare'> {
  const columns = columnCount(spec);
  const names = columnNames(spec);
  const { features, window } = spec;
  const isReading = (x: unknown) => x !== null && typeof x === 'object' && !(Array.isArray(x) && x.length > 0 && typeof x[0] === 'object');
  return {
    dtype: 'float32',
    itemDims: [columns],
    isBatch: window
      // A window is an array of readings; a batch is an array of windows.
      ? (x): x is readonly unknown[] => Array.isArray(x) && x.length > 0 && Array.isArray(x[0]) && !isReading(x[0])
      : (x): x is readonly unknown[] => Array.isArray(x) && (x.length === 0 || (typeof x[0] === 'object' && x[0] !== null)),
    warmUpInput: () => {
      const zero = new Array<number>(features.length).fill(0);
      return window ? new Array(window.size).fill(zero) : zero;
    },
    check(input, field) {
      if (!window) return [readingValues(input, features, field)];
      if (!Array.isArray(input) || input.length !== window.size) {
        throw new EdgefnError(ErrorCode.INPUT_INVALID, `${field}: expected a window of ${window.size} readings (input.window.size of ${manifest.name}) but received ${Array.isArray(input) ? `${input.length}` : describe(input)}`, { input: field, field });
      }
      // By index, never input.map: a window with holes or a replaced prototype is a bad input, not a TypeError.
      const rows: Rows = [];
      for (let i = 0; i < window.size; i++) {
        rows.push(readingValues(Object.prototype.hasOwnProperty.call(input, i) ? input[i] : undefined, features, `${field}[${i}]`));
      }
      return rows;
    },
    async prepare(rows) {
      // The columns are computed (and checked finite) here, so that an overflow is this input's error.
      const values = featureColumns(rows, spec, names);
      return {
        decodeMs: 0,
        write(out, offset) {
          (out as Float32Array).set(values, offset);
        },
      };
    },
  };
}

export function tabularClassification(manifest: Manifest, spec: TabularInputSpec, labels: readonly string[]): Task<Rows, Classification> {
  const model = { name: manifest.name, version: manifest.version };
  const fromLogits = manifest.output.kind === 'logits';
  return {
    ...inputTask(manifest, spec),
    finish: (row, timings, call) => ({ ...verdict(row, fromLogits, labels, call.top, call.threshold), timings, model }),
  };
}

export function regression(manifest: Manifest, spec: TabularInputSpec, labels: readonly string[]): Task<Rows, Regression> {
  const model = { name: manifest.name, version: manifest.version };
  return {
    ...inputTask(manifest, spec),
    finish(row, timings) {
      const values: Record<string, number> = {};
      labels.forEach((name, i) => { values[name] = row[i]!; });
      return { value: row[0]!, values, timings, model };
    },
  };
}
