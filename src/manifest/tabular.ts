/** The input of a tabular task: named features, an optional window of summaries, per-column scaling. */
import { is } from '../util/validate.js';
import { MANIFEST_LIMITS } from './limits.js';
import { batchDimension, type Reader } from './reader.js';
import { SUMMARIES, type Summary, type TabularInputSpec, type WindowSpec } from './types.js';

export function parseTabularInput(r: Reader, obj: Record<string, unknown>): TabularInputSpec {
  const name = r.string(obj, 'name', 'input.name');
  r.oneOf(obj, 'dtype', ['float32'] as const, 'input.dtype', 'float32');
  const features = obj.features;
  if (!Array.isArray(features) || features.length === 0 || !is.arrayOf(features, is.nonEmptyString) || new Set(features).size !== features.length) {
    r.expect('input.features', 'a non-empty array of distinct field names', features);
  }
  if (features.length > MANIFEST_LIMITS.features) r.expect('input.features', `at most ${MANIFEST_LIMITS.features} field names`, features);
  let window: WindowSpec | undefined;
  let columns = features.length;
  if (obj.window !== undefined) {
    const w = r.object(obj, 'window', 'input.window');
    const size = r.positiveInteger(w, 'size', 'input.window.size', MANIFEST_LIMITS.windowSize);
    if (size * features.length > MANIFEST_LIMITS.windowValues) {
      r.fail('input.window.size', `input.window.size ${size} × ${features.length} features makes ${size * features.length} values a window, over ${MANIFEST_LIMITS.windowValues}`);
    }
    const hop = w.hop === undefined ? 1 : r.positiveInteger(w, 'hop', 'input.window.hop', size);
    const summaries = w.summaries;
    if (!Array.isArray(summaries) || summaries.length === 0 || !summaries.every((x) => is.oneOf(x, SUMMARIES))) {
      r.expect('input.window.summaries', `a non-empty array of ${SUMMARIES.join(', ')}`, summaries);
    }
    window = { size, hop, summaries: summaries as Summary[] };
    columns *= summaries.length;
  }
  const shape = obj.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !(shape[0] === -1 || is.positiveInteger(shape[0])) || shape[1] !== columns) {
    r.expect('input.shape', `[batch, ${columns}] (batch -1 or a positive integer; ${columns} = ${window ? 'features × window.summaries' : 'features'})`, shape);
  }
  batchDimension(r, shape);
  const input: TabularInputSpec = { kind: 'tabular', name, shape, dtype: 'float32', features };
  if (window) input.window = window;
  if (obj.normalize !== undefined) {
    const n = r.object(obj, 'normalize', 'input.normalize');
    const mean = r.perChannel(n, 'mean', 'input.normalize.mean', columns, 0);
    input.normalize = { mean, std: r.std(n, 'input.normalize.std', columns) };
  }
  return input;
}
