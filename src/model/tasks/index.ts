/**
 * The task for a manifest: which input it takes and which result it gives.
 */
import type { Manifest } from '../../manifest/index.js';
import type { ResolvedLoadOptions } from '../options.js';
import { imageClassification } from './image-classification.js';
import { regression, tabularClassification } from './tabular.js';
import type { Task } from './task.js';

export function taskFor(manifest: Manifest, labels: readonly string[], options: ResolvedLoadOptions): Task {
  const { input } = manifest;
  if (input.kind === 'image') return imageClassification(manifest, input, labels, options) as Task;
  return (manifest.task === 'regression' ? regression(manifest, input, labels) : tabularClassification(manifest, input, labels)) as Task;
}
