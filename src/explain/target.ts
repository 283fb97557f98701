/** Which output an explanation explains: a label by name or index, else the best one at the input. */
import { invalidArgument } from '../util/validate.js';
import type { ExplainTarget } from './types.js';

export function resolveTarget(labels: readonly string[], row: Float32Array, target: string | number | null, regression: boolean, field = 'target'): ExplainTarget {
  let index: number;
  if (target === null) {
    index = 0;
    // A regressor's first output is "the" value; a classifier's is the best label.
    if (!regression) for (let i = 1; i < row.length; i++) if (row[i]! > row[index]!) index = i;
  } else if (typeof target === 'number') {
    if (target >= row.length) throw invalidArgument(`a label index below ${row.length}`, field, target);
    index = target;
  } else {
    index = labels.indexOf(target);
    if (index < 0) throw invalidArgument(`one of the model's labels (${labels.slice(0, 5).join(', ')}${labels.length > 5 ? ', ...' : ''})`, field, target);
  }
  return { label: labels[index] ?? String(index), index, score: row[index]! };
}
