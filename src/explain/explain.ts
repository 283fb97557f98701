/**
 * One entry for load.ts: `explainer(subject)` returns the `explain(input, options)` a model carries.
 * It checks the input as a call would, picks the method by the input's kind, and keeps the default
 * reference of a readings model once it is computed (the golden set is read once per model).
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { ImageInputSpec } from '../manifest/index.js';
import type { ImageInput } from '../preprocess/image.js';
import { Meter } from './budget.js';
import { occlusion } from './occlusion.js';
import { resolveExplainOptions } from './options.js';
import { overlayPNG, type OverlayLimits } from './overlay.js';
import { defaultReference, type Reference, type Rows } from './reference.js';
import { shapley } from './shapley.js';
import type { ExplainSubject, Explanation, ResolvedExplainOptions } from './types.js';

export type Explainer = (input: unknown, options: ResolvedExplainOptions, field?: string) => Promise<Explanation>;

export function explainer(subject: ExplainSubject, limits: OverlayLimits): Explainer {
  const image = subject.manifest.input.kind === 'image';
  let reference: Promise<Reference> | null = null;
  return async (input, options, field = 'input') => {
    const method = options.method ?? (image ? 'occlusion' : 'shapley');
    if (method !== (image ? 'occlusion' : 'shapley')) {
      throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `Expected ${image ? 'occlusion for an image model' : 'shapley for a readings model'} for method but received "${method}"`, { field: 'method' });
    }
    const checked = subject.check(input, field);
    const meter = new Meter(subject, options);
    if (image) {
      const spec = subject.manifest.input as ImageInputSpec;
      return occlusion(subject, checked, options, meter, (heat, _w, _h, o) => overlayPNG(input as ImageInput, spec, heat, limits, o));
    }
    let ref: Reference;
    if (options.reference !== undefined) {
      ref = { rows: subject.check(options.reference, 'reference') as Rows, source: 'option' };
    } else {
      reference ??= defaultReference(subject);
      reference.catch(() => { reference = null; }); // a failed read is retried by the next explanation
      ref = await reference;
    }
    return shapley(subject, checked as Rows, ref, options, meter);
  };
}

/** `model.explain(input, options)`: options checked here, at the public edge. */
export function explainMethod(explain: Explainer): (input: unknown, options?: unknown) => Promise<Explanation> {
  return (input, options) => explain(input, resolveExplainOptions(options));
}
