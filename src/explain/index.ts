/** Explanations: what the public entry (src/index.ts) exports from this folder. */
export { permutationImportance, goldenImportance } from './permutation.js';
export type { ImportanceOptions, ImportanceReport, FeatureImportance } from './permutation.js';
export { deletionCurve, rankCells, randomCells } from './deletion.js';
export type { ExplainOptions, Explanation, ImageExplanation, FeatureExplanation, Attribution, ExplainTarget, OverlayOptions } from './types.js';
