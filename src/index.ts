/**
 * edgefn: run ML models inside the application on single-board computers. A model is a plain function.
 */
export { load } from './model/load.js';
export type { Model, AnyModel, ImageClassifier, TabularClassifier, WindowClassifier, Regressor, WindowRegressor } from './model/load.js';
export type { Reading, ReadingWindow, Regression } from './model/tasks/tabular.js';
export type { Classification } from './model/tasks/image-classification.js';
export type { Timings } from './model/tasks/task.js';
export type { Scored } from './model/postprocess.js';
export type { CallOptions, LoadOptions } from './model/options.js';
export { permutationImportance, goldenImportance, deletionCurve, rankCells, randomCells } from './explain/index.js';
export type { ExplainOptions, Explanation, ImageExplanation, FeatureExplanation, Attribution, ExplainTarget, OverlayOptions, ImportanceOptions, ImportanceReport, FeatureImportance } from './explain/index.js';
export { DEFAULT_PIXEL_LIMIT, DEFAULT_MAX_INPUT_BYTES, MAX_THREADS, MAX_TOP, MAX_BATCH } from './model/options.js';
export { parseManifest, MANIFEST_VERSION, MANIFEST_LIMITS } from './manifest/index.js';
export { ROLLOUT_MODES, ROLLOUT_DEFAULTS } from './manifest/index.js';
export type { RolloutSpec, RolloutMode } from './manifest/index.js';
export type { Manifest, InputSpec, ImageInputSpec, TabularInputSpec, WindowSpec, Summary, OutputSpec, ResizeSpec, NormalizeSpec, FileRef, Task, Format, Layout, DType, Color, Fit, OutputKind } from './manifest/index.js';
export type { ImageInput, RawImage } from './preprocess/image.js';
export { registerRuntime, registeredRuntimes } from './runtime/index.js';
export type { Runtime, RuntimeSession, SessionOptions, TensorInfo, GraphOptimization, RegisterOptions } from './runtime/index.js';
export { EdgefnError, ErrorCode, isEdgefnError } from './errors.js';
export { open } from './store/open.js';
export * from './model/cascade.js';
export { run } from './loop/run.js';
export type { RunOptions, LoopStats, Loop } from './loop/run.js';
export type { Source, Sink } from './loop/types.js';
export { OVERFLOW_POLICIES } from './loop/queue.js';
export * from './io/index.js';
export type { OverflowPolicy, DropReason } from './loop/queue.js';
export type { StoreModel, StoreEvents, VersionInfo, RolloutStatus } from './store/open.js';
export type { RolloutFigures } from './store/rollout/policy.js';
export type { RolloutReport } from './store/rollout/decide.js';
export type { StoreOptions } from './store/options.js';
export type { BaselineKind, BaselineScore, GateReport, GateStep, Lift } from './store/gate.js';
export { generateKeys, signManifest } from './store/signature.js';
export { verify } from './store/verify.js';
export type { VerifyOptions } from './store/verify.js';
