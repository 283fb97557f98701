/**
 * The subject of an explanation, made from a loaded model's task and pipeline: the model's own
 * check, decode and batch path, with each result reduced to the scores an explanation compares
 * (a classifier's probabilities, a regressor's values in label order).
 */
import type { Manifest } from '../manifest/index.js';
import type { ResolvedCallOptions } from '../model/options.js';
import type { Pipeline } from '../model/pipeline.js';
import type { Task } from '../model/tasks/task.js';
import type { ExplainSubject } from './types.js';

interface Scored { probabilities?: Float32Array; values?: Record<string, number> }

export function subjectFor(
  task: Task,
  pipeline: Pipeline<unknown, unknown>,
  model: { manifest: Manifest; labels: readonly string[]; dir: string; verify: boolean },
  call: ResolvedCallOptions,
): ExplainSubject {
  const { labels } = model;
  return {
    ...model,
    dtype: task.dtype,
    itemSize: task.itemDims.reduce((a, b) => a * b, 1),
    maxBatch: pipeline.maxBatch,
    check: (input, field) => task.check(input, field),
    prepare: (checked) => pipeline.prepareInput(checked),
    async score(items) {
      const results = (await pipeline.runPrepared(items, { ...call, top: 1 })) as Scored[];
      return results.map((r) => r.probabilities ?? Float32Array.from(labels, (l) => r.values![l]!));
    },
  };
}
