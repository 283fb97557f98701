/**
 * The gate a version passes before it becomes active, in order:
 *   1. settled        nothing in the folder changed for settleMs (./settle.ts)
 *   2. signature      with trusted keys configured, a valid Ed25519 signature by one of them,
 *                     checked before any file is hashed (./trust.ts)
 *   3. integrity      every listed file is a regular file inside the folder and matches its sha256
 *   4. compatibility  the model loads and matches its manifest (load() does this)
 *   5. validation     golden-set accuracy and p50 latency, against the manifest and the active
 *                     version measured side by side (./latency.ts); the baselines (majority class,
 *                     prior-weighted guess, the active version, `golden.baselines` models) scored
 *                     on the same items, and the lift over the best of them (./baselines.ts)
 * The same function serves `edgefn models verify`, activation, the watcher and every boot (with
 * `skipValidation`: steps 1–4, the signature still first).
 */
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { EdgefnError, ErrorCode, messageOf, type ErrorCode as Code } from '../errors.js';
import { load, type AnyModel } from '../model/load.js';
import type { LoadOptions } from '../model/options.js';
import type { Manifest } from '../manifest/index.js';
import { scoreBaselineModels } from './baseline-models.js';
import { goldenImportance, type ImportanceReport } from '../explain/permutation.js';
import { liftOver, liftShortfall, simpleBaselines, type BaselineScore, type Lift } from './baselines.js';
import { readSharedGoldenSet, type GoldenScore, type GoldenSet } from './golden.js';
import { confirmLatency, scorePaired } from './latency.js';
import { walkVersion } from './settle.js';
import { checkVersion, Rejection, rejectAt, type GateStep } from './trust.js';

export type { GateStep } from './trust.js';
export type { BaselineKind, BaselineScore, Lift } from './baselines.js';
export { fingerprint } from './settle.js';
export { checkVersion } from './trust.js';

/** What `verify` and every report say when a version is judged on its own golden set alone. */
export const NO_SHARED_GOLDEN_WARNING = 'no store-wide golden set: the version\'s own golden set was written by whoever built it, so a version whose golden labels were rigged to match its model passes (put one at <store>/<name>/golden/index.json)';

export interface GatePolicy {
  /** Trusted Ed25519 public keys; when non-empty every version must be signed by one. */
  trustedKeys: readonly KeyObject[];
  /** How far below the active version's golden-set accuracy a candidate may fall. */
  accuracyMargin: number;
  /** Budget for the candidate's p50 latency per golden-set call, in ms. */
  maxLatencyMs?: number;
  /** Budget for the candidate's p50 latency as a multiple of the active version's, measured side by side. */
  maxLatencyRatio?: number;
  /** Files changed less than this long ago mean the folder is still being copied. */
  settleMs: number;
  /** How far above the best simple baseline a candidate's accuracy must be (none: reported only). */
  minLift?: number;
}

export interface GateReport {
  name: string | null;
  version: string;
  verdict: 'accepted' | 'rejected';
  /** The step that rejected the version. */
  step?: GateStep;
  code?: Code;
  reason?: string;
  signedBy?: string;
  accuracy?: number;
  /** The active version's accuracy on the same golden items (null: no active version). */
  baselineAccuracy?: number | null;
  baselineVersion?: string | null;
  p50Ms?: number;
  /** The active version's p50, measured in the same moment as the candidate's. */
  baselineP50Ms?: number | null;
  golden?: { items: number; sources: string[] };
  /**
   * Every baseline scored on the same golden items: majority class, prior-weighted guess, the
   * active version (kind 'previous', when there is one) and each `golden.baselines` model. None
   * for a regression version (no golden set) or a boot (no validation).
   */
  baselines?: BaselineScore[];
  /**
   * The accuracy minus the best majority, prior or model baseline's. The active version is not
   * part of it: accuracyMargin is its rule. `minLift` applies to this figure.
   */
  lift?: Lift | null;
  /** Readings models: each feature's permutation importance on the golden items (null for images). */
  importance?: ImportanceReport | null;
  /** Checks the gate could not make as well as it should, said out loud (see NO_SHARED_GOLDEN_WARNING). */
  warnings?: string[];
  /** Identifies the files checked: a rejected version is retried only when this changes. */
  fingerprint: string;
  checkedAt: string;
}

export interface GateInput {
  policy: GatePolicy;
  loadOptions: LoadOptions;
  /** The version now active, to compare against. */
  baseline?: AnyModel | null;
  /**
   * A store's model folder (`<store>/<name>`): the gate reads its store-wide golden set
   * (`golden/index.json`) and runs it in addition to the version's own. No such file: none.
   * One that is there but broken rejects the version at 'validation' with the underlying code.
   */
  sharedGoldenFrom?: string;
  /** A store-wide golden set already read (instead of `sharedGoldenFrom`). */
  sharedGolden?: GoldenSet | null;
  /** @deprecated No effect: the baseline is measured beside the candidate every time (see ./latency.ts). */
  baselineScores?: Map<string, GoldenScore>;
  /** Skip validation (a boot, or a rollback to a version validated before). */
  skipValidation?: boolean;
}

/** The store-wide set the caller asked for, or null; a broken one is a Rejection. */
async function sharedSet(input: GateInput): Promise<GoldenSet | null> {
  if (input.sharedGoldenFrom === undefined) return input.sharedGolden ?? null;
  try {
    return await readSharedGoldenSet(input.sharedGoldenFrom);
  } catch (err) {
    if (!(err instanceof EdgefnError)) throw err;
    throw new Rejection('validation', err.code, `the store-wide golden set ${path.join(input.sharedGoldenFrom, 'golden', 'index.json')} cannot be used: ${err.message}`);
  }
}

/**
 * Runs the gate on a version folder. On acceptance the loaded, warmed model is returned with
 * the report (the caller swaps it in or disposes it); on rejection the model is already released.
 */
export async function runGate(versionDir: string, input: GateInput): Promise<{ report: GateReport; model: AnyModel | null }> {
  const { policy } = input;
  const report: GateReport = { name: null, version: path.basename(versionDir), verdict: 'rejected', fingerprint: '', checkedAt: new Date().toISOString() };
  let model: AnyModel | null = null;
  try {
    // Walked first, so a rejection at any step is tied to the files as they were when checked.
    const walk = await rejectAt('integrity', () => walkVersion(versionDir));
    report.fingerprint = walk.fingerprint;
    const { manifest, golden, signedBy } = await checkVersion(versionDir, policy, walk);
    report.name = manifest.name;
    if (signedBy) report.signedBy = signedBy;

    try {
      model = await load(versionDir, input.loadOptions);
    } catch (err) {
      throw new Rejection('compatibility', err instanceof EdgefnError ? err.code : ErrorCode.MODEL_UNLOADABLE, messageOf(err));
    }

    // Golden sets score classifiers; a regression version is gated on integrity, signature and
    // compatibility only.
    if (!input.skipValidation && manifest.task !== 'regression') {
      const shared = await sharedSet(input);
      if (!shared) report.warnings = [NO_SHARED_GOLDEN_WARNING];
      const sets = [golden, shared].filter((s): s is GoldenSet => s !== null);
      if (sets.length === 0) {
        throw new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${versionDir}: no golden set to validate it on (manifest golden, or the store's golden/index.json)`);
      }
      await validate(model, input, sets, report, manifest, versionDir);
    }
    report.verdict = 'accepted';
    return { report, model };
  } catch (err) {
    if (model) await model.dispose();
    if (!(err instanceof Rejection)) throw err;
    report.step = err.step;
    report.code = err.code;
    report.reason = err.message;
    return { report, model: null };
  }
}

/** Step 5: accuracy against the manifest, the active version and the baselines, then latency (confirmed). */
async function validate(model: AnyModel, input: GateInput, sets: GoldenSet[], report: GateReport, manifest: Manifest, versionDir: string): Promise<void> {
  const baseline = input.baseline ?? null;
  const measure = () => rejectAt('validation', () => scorePaired(model, baseline, sets));
  const first = await measure();
  const { candidate, baseline: base } = first;
  report.accuracy = candidate.accuracy;
  report.golden = { items: candidate.total, sources: sets.map((s) => s.source) };
  report.baselineVersion = baseline?.version ?? null;
  report.baselineAccuracy = base?.accuracy ?? null;
  const labels = sets.flatMap((s) => s.items.map((item) => item.label));
  const models = await scoreBaselineModels(versionDir, manifest.golden?.baselines ?? [], sets, input.loadOptions);
  const previous: BaselineScore[] = base ? [{ name: `${baseline!.version} (active version)`, kind: 'previous', accuracy: base.accuracy }] : [];
  report.baselines = [...simpleBaselines(labels), ...previous, ...models];
  report.lift = liftOver(candidate.accuracy, report.baselines);

  const fail = (why: string) => new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${manifest.name}@${manifest.version}: ${why}`);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const min = manifest.golden?.minAccuracy;
  try {
    if (min !== undefined && candidate.accuracy < min) throw fail(`golden-set accuracy ${pct(candidate.accuracy)} is below its golden.minAccuracy ${pct(min)}`);
    if (base && candidate.accuracy < base.accuracy - input.policy.accuracyMargin) {
      throw fail(`golden-set accuracy ${pct(candidate.accuracy)} is more than ${pct(input.policy.accuracyMargin)} below the active ${baseline!.version}'s ${pct(base.accuracy)}`);
    }
    // Each set on its own too: a version's own set, however large, cannot outvote the store's.
    for (const s of first.sets) {
      if (first.sets.length > 1 && s.baseline && s.candidate.accuracy < s.baseline.accuracy - input.policy.accuracyMargin) {
        throw fail(`accuracy on ${s.source} ${pct(s.candidate.accuracy)} is more than ${pct(input.policy.accuracyMargin)} below the active ${baseline!.version}'s ${pct(s.baseline.accuracy)}`);
      }
    }
    const short = liftShortfall(candidate.accuracy, report.lift, input.policy.minLift);
    if (short) throw new Rejection('validation', ErrorCode.BASELINE_NOT_BEATEN, `${manifest.name}@${manifest.version}: ${short}`);
  } finally {
    report.p50Ms = candidate.p50Ms;
    report.baselineP50Ms = base?.p50Ms ?? null;
  }
  const latency = await confirmLatency(input.policy, first, measure);
  report.p50Ms = latency.score.candidate.p50Ms;
  report.baselineP50Ms = latency.score.baseline?.p50Ms ?? null;
  if (latency.over) throw fail(latency.over);
  // Which features the version leans on, kept in the report: said as a warning if it cannot be computed, never a rejection.
  report.importance = await goldenImportance(model, sets.flatMap((s) => s.items)).catch((err: unknown) => {
    (report.warnings ??= []).push(`permutation importance not computed: ${messageOf(err)}`);
    return null;
  });
}
