/**
 * Teachable Machine image exports (model.json, weights.bin, metadata.json) load without a manifest:
 * this infers one. Pure: takes the parsed metadata.json and model.json.
 *
 * What Teachable Machine's own image library does before predicting, and so what these models
 * expect: the centre square of the picture, resized to `imageSize`, RGB, channels last, each
 * value divided by 127 then minus 1. Outputs are softmax probabilities, one per label.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import { expected, is } from '../util/validate.js';

export const TEACHABLE_FILES = { model: 'model.json', metadata: 'metadata.json', weights: 'weights.bin' } as const;

/** Names the manifest uses until the loaded model says its real input and output names. */
export const INFERRED_NAME = '*';

export function teachableManifest(metadata: unknown, source: string): Record<string, unknown> {
  const fail = (field: string, what: string, value: unknown): never => {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${source}: ${expected(what, field, value)}`, { input: source, field });
  };
  if (!is.object(metadata)) return fail('(root)', 'a Teachable Machine metadata object', metadata);
  const labels = metadata.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every(is.string)) return fail('labels', 'a non-empty array of strings', labels);
  const size = metadata.imageSize ?? 224;
  if (!is.positiveInteger(size)) return fail('imageSize', 'a positive integer', size);
  const rawName = is.nonEmptyString(metadata.modelName) ? metadata.modelName : 'teachable-machine';
  const name = rawName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64) || 'teachable-machine';
  return {
    manifestVersion: 1,
    name,
    // An export carries no version of its own; a store gives it one by its folder name.
    version: '1.0.0',
    task: 'image-classification',
    format: 'tfjs',
    description: `Teachable Machine image model (${String(metadata.packageName ?? '@teachablemachine/image')} ${String(metadata.packageVersion ?? '')}, tm ${String(metadata.tmVersion ?? '?')}); manifest inferred by edgefn`.replace(/ {2,}/g, ' '),
    model: { file: TEACHABLE_FILES.model },
    labels,
    input: {
      name: INFERRED_NAME,
      shape: [-1, size, size, 3],
      layout: 'NHWC',
      dtype: 'float32',
      color: 'rgb',
      resize: { width: size, height: size, fit: 'cover' },
      normalize: { scale: 1 / 127, mean: [1], std: [1] },
    },
    output: { name: INFERRED_NAME, kind: 'probabilities' },
    metrics: { source: 'Teachable Machine export' },
  };
}
