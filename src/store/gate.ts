/**
 * The gate a version passes before it becomes active, in order:
 *   1. integrity      every listed file is there and matches its sha256
 *   2. signature      with trusted keys configured, a valid Ed25519 signature by one of them
 *   3. compatibility  the model loads and matches its manifest (load() does this)
 *   4. validation     golden-set accuracy and p50 latency, against the manifest and the active version
 * The same function serves `edgefn models verify`, activation and the watcher.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { EdgefnError, ErrorCode, messageOf, type ErrorCode as Code } from '../errors.js';
import { sha256, verifyListedFile } from '../model/files.js';
import { readLabels, readManifest } from '../model/folder.js';
import { load, type AnyModel } from '../model/load.js';
import { MANIFEST_FILE, type Manifest } from '../model/manifest.js';
import type { LoadOptions } from '../model/options.js';
import { goldenKey, readGoldenSet, scoreGoldenSet, type GoldenScore, type GoldenSet } from './golden.js';
import { verifyManifest } from './signature.js';

export type GateStep = 'integrity' | 'signature' | 'compatibility' | 'validation';

export interface GatePolicy {
  /** Trusted Ed25519 public keys; when non-empty every version must be signed by one. */
  trustedKeys: readonly KeyObject[];
  /** How far below the active version's golden-set accuracy a candidate may fall. */
  accuracyMargin: number;
  /** Budget for the candidate's p50 latency per golden-set call, in ms. */
  maxLatencyMs?: number;
  /** Budget for the candidate's p50 latency as a multiple of the active version's on the same set. */
  maxLatencyRatio?: number;
  /** Files changed less than this long ago mean the folder is still being copied. */
  settleMs: number;
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
  baselineP50Ms?: number | null;
  golden?: { items: number; sources: string[] };
  /** Identifies the files checked: a rejected version is retried only when this changes. */
  fingerprint: string;
  checkedAt: string;
}

export interface GateInput {
  policy: GatePolicy;
  loadOptions: LoadOptions;
  /** The version now active, to compare against. */
  baseline?: AnyModel | null;
  /** A store-wide golden set, run in addition to the version's own. */
  sharedGolden?: GoldenSet | null;
  /** Cache of baseline scores by golden-set key and version. */
  baselineScores?: Map<string, GoldenScore>;
  /** Skip step 4 (a rollback to a version validated before). */
  skipValidation?: boolean;
}

/** Thrown inside the gate to stop at a step; turned into a rejected report. */
class Rejection extends Error {
  constructor(readonly step: GateStep, readonly code: Code, message: string) {
    super(message);
  }
}

/** The manifest and the files it lists directly (golden images are covered by the index's hashes). */
function listedFiles(manifest: Manifest | null): string[] {
  if (!manifest) return [MANIFEST_FILE];
  return [
    MANIFEST_FILE,
    manifest.model.file,
    ...manifest.files.map((f) => f.file),
    ...(Array.isArray(manifest.labels) ? [] : [manifest.labels.file]),
    ...(manifest.golden ? [manifest.golden.file] : []),
  ];
}

/** Size and modification time of the manifest and every file it lists. */
export async function fingerprint(versionDir: string, manifest: Manifest | null): Promise<string> {
  const parts: string[] = [];
  for (const f of listedFiles(manifest)) {
    try {
      const s = await stat(path.join(versionDir, f));
      parts.push(`${f}:${s.size}:${s.mtimeMs}`);
    } catch {
      parts.push(`${f}:missing`);
    }
  }
  return sha256(Buffer.from(parts.join('\n'))).slice(0, 32);
}

/** When the folder last changed: the newest modification time among the listed files. */
async function newestChange(versionDir: string, manifest: Manifest | null): Promise<number> {
  let newest = 0;
  for (const f of listedFiles(manifest)) {
    try {
      newest = Math.max(newest, (await stat(path.join(versionDir, f))).mtimeMs);
    } catch {
      // a missing file is judged by the integrity step
    }
  }
  return newest;
}

async function checkIntegrity(versionDir: string, policy: GatePolicy): Promise<{ manifest: Manifest; golden: GoldenSet | null }> {
  let manifest: Manifest | null = null;
  try {
    manifest = await readManifest(versionDir);
    if (manifest.ready !== undefined) {
      try {
        await stat(path.join(versionDir, manifest.ready));
      } catch {
        throw new EdgefnError(ErrorCode.VERSION_INCOMPLETE, `${versionDir} is still being copied: its marker file ${manifest.ready} (ready) is not there yet`, { input: versionDir, field: 'ready' });
      }
    } else if (Date.now() - (await newestChange(versionDir, manifest)) < policy.settleMs) {
      throw new EdgefnError(ErrorCode.VERSION_INCOMPLETE, `${versionDir} is still being copied: its files changed less than ${policy.settleMs} ms ago`, { input: versionDir });
    }
    if (manifest.model.sha256 === undefined) {
      throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${path.join(versionDir, MANIFEST_FILE)}: model.sha256 is required for a version in a store`, { input: versionDir, field: 'model.sha256' });
    }
    await verifyListedFile(versionDir, manifest.model, 'model');
    for (const [i, f] of manifest.files.entries()) await verifyListedFile(versionDir, f, `files[${i}]`);
    await readLabels(versionDir, manifest, true);
    const golden = manifest.golden ? await readGoldenSet(versionDir, manifest.golden, true) : null;
    return { manifest, golden };
  } catch (err) {
    if (err instanceof EdgefnError) {
      // A file missing from a folder that changed a moment ago is a copy in progress, not damage.
      if (err.code === ErrorCode.MODEL_MISSING && Date.now() - (await newestChange(versionDir, manifest)) < policy.settleMs) {
        throw new Rejection('integrity', ErrorCode.VERSION_INCOMPLETE, `${versionDir} is still being copied: ${err.message}`);
      }
      throw new Rejection('integrity', err.code, err.message);
    }
    throw err;
  }
}

async function score(model: AnyModel, sets: GoldenSet[]): Promise<GoldenScore> {
  const combined: GoldenSet = { source: 'combined', dir: '/', items: sets.flatMap((s) => s.items.map((i) => ('file' in i ? { ...i, file: path.join(s.dir, i.file) } : i))) };
  return scoreGoldenSet(model, combined);
}

/**
 * Runs the gate on a version folder. On acceptance the loaded, warmed model is returned with
 * the report (the caller swaps it in or disposes it); on rejection the model is already released.
 */
export async function runGate(versionDir: string, input: GateInput): Promise<{ report: GateReport; model: AnyModel | null }> {
  const { policy } = input;
  const version = path.basename(versionDir);
  const report: GateReport = { name: null, version, verdict: 'rejected', fingerprint: '', checkedAt: new Date().toISOString() };
  let model: AnyModel | null = null;
  // Taken first, so a rejection at any step is tied to the files as they were when checked.
  report.fingerprint = await fingerprint(versionDir, await readManifest(versionDir).catch(() => null));
  try {
    const { manifest, golden } = await checkIntegrity(versionDir, policy);
    report.name = manifest.name;
    if (manifest.version !== version) {
      throw new Rejection('integrity', ErrorCode.MANIFEST_INVALID, `${versionDir}: the folder is named ${version} but its manifest says version ${manifest.version}`);
    }

    if (policy.trustedKeys.length > 0) {
      const raw = JSON.parse(await readFile(path.join(versionDir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
      const v = verifyManifest(raw, manifest.signature, policy.trustedKeys);
      if (!v.ok) throw new Rejection('signature', ErrorCode.SIGNATURE_INVALID, `${versionDir}: ${v.reason}`);
      report.signedBy = v.keyId;
    }

    try {
      model = await load(versionDir, input.loadOptions);
    } catch (err) {
      throw new Rejection('compatibility', err instanceof EdgefnError ? err.code : ErrorCode.MODEL_UNLOADABLE, messageOf(err));
    }

    // Golden sets score classifiers; a regression version is gated on integrity, signature and
    // compatibility only.
    if (!input.skipValidation && manifest.task !== 'regression') {
      const sets = [golden, input.sharedGolden ?? null].filter((s): s is GoldenSet => s !== null);
      if (sets.length === 0) {
        throw new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${versionDir}: no golden set to validate it on (manifest golden, or the store's golden/index.json)`);
      }
      const candidate = await score(model, sets);
      report.accuracy = candidate.accuracy;
      report.p50Ms = candidate.p50Ms;
      report.golden = { items: candidate.total, sources: sets.map((s) => s.source) };
      const baseline = input.baseline ?? null;
      report.baselineVersion = baseline?.version ?? null;
      let base: GoldenScore | null = null;
      if (baseline) {
        const key = `${baseline.version}:${sets.map(goldenKey).join('+')}`;
        base = input.baselineScores?.get(key) ?? (await score(baseline, sets));
        input.baselineScores?.set(key, base);
      }
      report.baselineAccuracy = base?.accuracy ?? null;
      report.baselineP50Ms = base?.p50Ms ?? null;

      const min = manifest.golden?.minAccuracy;
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      if (min !== undefined && candidate.accuracy < min) {
        throw new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${manifest.name}@${manifest.version}: golden-set accuracy ${pct(candidate.accuracy)} is below its golden.minAccuracy ${pct(min)}`);
      }
      if (base && candidate.accuracy < base.accuracy - input.policy.accuracyMargin) {
        throw new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${manifest.name}@${manifest.version}: golden-set accuracy ${pct(candidate.accuracy)} is more than ${pct(input.policy.accuracyMargin)} below the active ${baseline!.version}'s ${pct(base.accuracy)}`);
      }
      if (policy.maxLatencyMs !== undefined && candidate.p50Ms > policy.maxLatencyMs) {
        throw new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${manifest.name}@${manifest.version}: p50 latency ${candidate.p50Ms.toFixed(1)} ms is over the ${policy.maxLatencyMs} ms budget`);
      }
      if (base && policy.maxLatencyRatio !== undefined && candidate.p50Ms > base.p50Ms * policy.maxLatencyRatio) {
        throw new Rejection('validation', ErrorCode.VALIDATION_FAILED, `${manifest.name}@${manifest.version}: p50 latency ${candidate.p50Ms.toFixed(1)} ms is over ${policy.maxLatencyRatio}x the active version's ${base.p50Ms.toFixed(1)} ms`);
      }
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
