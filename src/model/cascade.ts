/**
 * cascade(): a cheap model first, the detailed one only when the cheap one is unsure.
 *
 *   const classify = cascade([await load('linear'), await load('cnn')], { threshold: 0.9 });
 *   const r = await classify('shoe.png');   // a Classification, plus r.cascade.stage
 *
 * Composition: the stages are model functions from load() or open() (or other cascades) and answer
 * as they would on their own; the cascade routes inputs between them and counts. Two load() models
 * that prepare inputs alike share the preparation (./cascade-stages.ts): an escalated input is
 * decoded once. It never disposes its stages: the caller loaded them and owns them.
 */
import { EdgefnError, ErrorCode, isEdgefnError } from '../errors.js';
import type { Manifest } from '../manifest/index.js';
import type { ImageInput } from '../preprocess/image.js';
import { debug } from '../util/debug.js';
import { checkPair, checkStages, checkSwapped, resolveCascadeOptions, viewOf, type CascadeOptions, type StageView } from './cascade-check.js';
import { separateStages, sharedStages, type Stages } from './cascade-stages.js';
import { resolveCallOptions, type CallOptions } from './options.js';
import type { Classification } from './tasks/image-classification.js';

export { DEFAULT_CASCADE_THRESHOLD, type CascadeOptions } from './cascade-check.js';

const log = debug('cascade');

/** How a result came about. */
export interface CascadeInfo {
  /** The stage that answered. */
  stage: 'fast' | 'detailed';
  /** Why the detailed stage answered: the fast score was below the threshold, the fast answer was unknown, or the fast stage failed. */
  reason: 'below-threshold' | 'unknown' | 'fast-failed' | null;
  /** The fast stage's best label and score (null when it failed). */
  fastLabel: string | null;
  fastScore: number | null;
  /** The fast stage's error code when it failed on this input. */
  fastError?: string;
}

/**
 * A classification as the stage that answered gave it, with `cascade` added. `timings.total` covers
 * both stages. When the stages share preparation (stats().shared), an escalated input's `decode` is
 * the one decode both stages used, counted once; `preprocess` and `infer` are the detailed stage's.
 */
export type CascadeResult = Classification & { cascade: CascadeInfo };

export interface StageStats {
  /** Calls made to the stage (a batch is one call) and their wall time in ms. */
  calls: number;
  ms: number;
  /** ms per call (0 before any). */
  meanMs: number;
}

export interface CascadeStats {
  /** Cascade calls (a batch is one) and the inputs answered. */
  calls: number;
  inputs: number;
  /** Inputs the detailed stage answered, and their share of `inputs` (0 before any). */
  escalated: number;
  share: number;
  /** Inputs escalated because the fast stage failed on them. */
  fastFailed: number;
  /** Escalated inputs the detailed stage ran on as the fast stage prepared them: read and decoded once. */
  shared: number;
  /** Calls that rejected (the detailed stage failed, bad options, disposed). */
  failed: number;
  fast: StageStats;
  detailed: StageStats;
}

/** A function from load() or open() that classifies `I`. */
export interface CascadeStage<I = ImageInput> {
  (inputs: readonly I[], options?: CallOptions): Promise<Classification[]>;
  (input: I, options?: CallOptions): Promise<Classification>;
}

export interface Cascade<I = ImageInput> {
  (inputs: readonly I[], options?: CallOptions): Promise<CascadeResult[]>;
  (input: I, options?: CallOptions): Promise<CascadeResult>;
  /** The detailed stage's name, version, manifest and labels (a store's: its active version's, read at each access). */
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly labels: readonly string[];
  readonly threshold: number;
  readonly stages: readonly [CascadeStage<I>, CascadeStage<I>];
  stats(): CascadeStats;
  /** Waits for calls under way; later calls reject with EDGEFN_DISPOSED. The stages are not disposed. */
  dispose(): Promise<void>;
}

type Call = (input: unknown, options?: CallOptions) => Promise<unknown>;
type StageName = 'fast' | 'detailed';

/**
 * `I` is the input type: an image by default; name it for tabular models (`cascade<ReadingWindow>(...)`).
 * It is not inferred from the stages: load()'s functions and a store's declare their overloads in a
 * different order, and TypeScript infers from the last one.
 */
export function cascade<I = ImageInput>(models: readonly [CascadeStage<NoInfer<I>>, CascadeStage<NoInfer<I>>], options?: CascadeOptions): Cascade<I> {
  const { threshold } = resolveCascadeOptions(options);
  const [fast, detailed] = checkStages(models) as unknown as [Call, Call];
  checkPair(viewOf(fast)!, viewOf(detailed)!);
  const separate = separateStages(fast, detailed);
  const shared = sharedStages(fast, detailed);
  if (typeof shared !== 'function') log('each stage prepares its own inputs: %s', shared.why);

  const stageStats = (): StageStats => ({ calls: 0, ms: 0, meanMs: 0 });
  const stats: CascadeStats = { calls: 0, inputs: 0, escalated: 0, share: 0, fastFailed: 0, shared: 0, failed: 0, fast: stageStats(), detailed: stageStats() };
  let checked: [Manifest, Manifest, readonly string[], readonly string[]] | null = null;
  let inFlight = 0;
  let disposed: Promise<void> | null = null;
  let drained: (() => void) | null = null;

  /** A store stage may have swapped versions since the last call: check the pair again when it did. */
  const views = (): [StageView, StageView] => {
    const [f, d] = [viewOf(fast)!, viewOf(detailed)!];
    if (!checked || checked[0] !== f.manifest || checked[1] !== d.manifest || checked[2] !== f.labels || checked[3] !== d.labels) {
      checkSwapped(f, d);
      checked = [f.manifest, d.manifest, f.labels, d.labels];
    }
    return [f, d];
  };

  async function timed<T>(name: StageName, run: () => Promise<T>): Promise<T> {
    const s = stats[name];
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      s.calls++;
      s.ms += performance.now() - t0;
      s.meanMs = s.ms / s.calls;
    }
  }

  /** Whether the fast answer stands (null), or why not. */
  const route = (r: Classification | null): CascadeInfo['reason'] => {
    if (r === null) return 'fast-failed';
    if (r.unknown) return 'unknown';
    return r.score < threshold ? 'below-threshold' : null;
  };

  const annotate = (r: Classification, f: Classification | null, fastErr?: unknown): CascadeResult => {
    const reason = r === f ? null : route(f);
    const cascade: CascadeInfo = {
      stage: reason === null ? 'fast' : 'detailed', reason, fastLabel: f?.top[0]?.label ?? null, fastScore: f ? f.score : null,
      ...(fastErr === undefined ? {} : { fastError: isEdgefnError(fastErr) ? fastErr.code : ErrorCode.INTERNAL }),
    };
    const fastMs = reason === null ? 0 : (f?.timings.total ?? 0);
    return { ...r, timings: { ...r.timings, total: r.timings.total + fastMs }, cascade };
  };

  const count = (inputs: number, escalated: number, fastFailed: number, sharing = false) => {
    stats.inputs += inputs;
    stats.escalated += escalated;
    stats.fastFailed += fastFailed;
    if (sharing) stats.shared += escalated;
  };

  /**
   * One input or a batch, told apart by the stages' own rule (load()'s: a batch gives an array of
   * results), so images, readings and windows of readings are all handled as load() handles them.
   * A call asking for explanations goes through each stage's own call, which explains its answers.
   */
  async function routeCall(input: unknown, o: CallOptions | undefined, explain: boolean): Promise<CascadeResult | CascadeResult[]> {
    const stages: Stages = typeof shared === 'function' && !explain ? shared((r) => route(r) !== null) : separate;
    let first: Classification | Classification[];
    try {
      first = await timed('fast', () => stages.fast(input, o));
    } catch (err) {
      // The detailed stage decides: the cascade never fails an input the detailed model alone
      // would answer. A batch call answers all or nothing, so the fast stage's other answers are
      // unknown: the whole batch goes to the detailed stage, which answers it or rejects as alone.
      log('fast stage failed, escalating the call: %s', (err as Error)?.message);
      const d = await timed('detailed', () => separate.detailed(input, o, null));
      const list = Array.isArray(d) ? d : [d];
      count(list.length, list.length, list.length);
      const out = list.map((r) => annotate(r, null, err));
      return Array.isArray(d) ? out : out[0]!;
    }
    if (!Array.isArray(first)) {
      if (route(first) === null) {
        count(1, 0, 0);
        return annotate(first, first);
      }
      const d = (await timed('detailed', () => stages.detailed(input, o, null))) as Classification;
      count(1, 1, 0, stages.shared);
      return annotate(d, first);
    }
    return many(input, o, first, stages);
  }

  async function many(input: unknown, o: CallOptions | undefined, first: Classification[], stages: Stages): Promise<CascadeResult[]> {
    const out: CascadeResult[] = new Array(first.length);
    const escalated: number[] = [];
    first.forEach((r, i) => {
      if (route(r) === null) out[i] = annotate(r, r);
      else escalated.push(i);
    });
    if (escalated.length > 0) {
      // One batch for the detailed stage, in input order; its errors name the caller's index, not the sub-batch's.
      let answers: Classification[];
      try {
        answers = (await timed('detailed', () => stages.detailed(input, o, escalated))) as Classification[];
      } catch (err) {
        throw reindex(err, escalated);
      }
      escalated.forEach((i, k) => { out[i] = annotate(answers[k]!, first[i]!); });
    }
    count(first.length, escalated.length, 0, stages.shared);
    return out;
  }

  async function call(input: unknown, o?: CallOptions): Promise<unknown> {
    if (disposed) throw new EdgefnError(ErrorCode.DISPOSED, 'The cascade was disposed');
    inFlight++;
    stats.calls++;
    try {
      // Bad options are the caller's mistake: refused here, before either stage runs.
      const { explain } = resolveCallOptions(o);
      views();
      return await routeCall(input, o, explain !== undefined);
    } catch (err) {
      stats.failed++;
      throw err;
    } finally {
      stats.share = stats.inputs === 0 ? 0 : stats.escalated / stats.inputs;
      if (--inFlight === 0 && drained) drained();
    }
  }

  const model = call as unknown as Cascade<I>;
  Object.defineProperties(model, {
    name: { get: () => viewOf(detailed)!.manifest.name, enumerable: true },
    version: { get: () => viewOf(detailed)!.manifest.version, enumerable: true },
    manifest: { get: () => viewOf(detailed)!.manifest, enumerable: true },
    labels: { get: () => viewOf(detailed)!.labels, enumerable: true },
    threshold: { value: threshold, enumerable: true },
    stages: { value: Object.freeze([fast, detailed]), enumerable: true },
    stats: { value: (): CascadeStats => ({ ...stats, fast: { ...stats.fast }, detailed: { ...stats.detailed } }) },
    dispose: {
      value: () => {
        disposed ??= inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => { drained = resolve; });
        return disposed;
      },
    },
  });
  return model;
}

/**
 * The detailed stage's error for item k of its sub-batch, renamed after the caller's index
 * `escalated[k]`. load() prefixes a batch item's message with `input[k]:` (its `input` may name the
 * value instead, e.g. `Buffer(3790 bytes)`), so the prefix says which item it was.
 */
function reindex(err: unknown, escalated: readonly number[]): unknown {
  if (!isEdgefnError(err)) return err;
  const m = /^input\[(\d+)\]/.exec(err.message);
  const to = m ? escalated[Number(m[1])] : undefined;
  if (to === undefined) return err;
  const rename = (s: string) => s.replace(/^input\[\d+\]/, `input[${to}]`);
  return new EdgefnError(err.code, rename(err.message), {
    cause: err.cause ?? err, ...(err.input === undefined ? {} : { input: rename(err.input) }), ...(err.field === undefined ? {} : { field: rename(err.field) }),
  });
}
