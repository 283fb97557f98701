/**
 * The manifest: one JSON file per model version that says everything needed to use it.
 * Pure: parses and validates an already-read JSON value; never touches the file system.
 *
 * Extension rules (so later versions of edgefn can add to it without breaking old files):
 * - `manifestVersion` is the format's own version. A reader refuses a higher major than it knows.
 * - Unknown top-level fields are kept in `extra` and ignored, so newer tools may add sections.
 * - `task` and `format` are closed unions: a value this build cannot run is an error, not a guess.
 *
 * This entry re-exports the files beside it: types.ts (the shape), limits.ts (MANIFEST_LIMITS), parse.ts
 * (the common fields), rollout.ts (how a version takes over), image.ts and tabular.ts (each task's input), reader.ts (field checks).
 * The manifest sits below preprocess and runtime: nothing in this folder imports either (only errors and util).
 */
export * from './types.js';
export { MANIFEST_LIMITS } from './limits.js';
export { parseManifest } from './parse.js';
export { checkRollout, ROLLOUT_DEFAULTS, ROLLOUT_MODES, type RolloutMode, type RolloutProblem, type RolloutSpec } from './rollout.js';
export { imageInputSpec, inputGeometry } from './image.js';
