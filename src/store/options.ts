/**
 * Options for open(): the load options plus the store's own, validated once.
 */
import type { KeyObject } from 'node:crypto';
import path from 'node:path';
import valid from 'semver/functions/valid.js';
import { checkRollout, type RolloutMode, type RolloutSpec } from '../manifest/rollout.js';
import { resolveLoadOptions, type LoadOptions } from '../model/options.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import type { GatePolicy } from './gate.js';
import { publicKeyFrom } from './signature.js';

export interface StoreOptions extends LoadOptions {
  /** Pick up new version folders while the app runs (fs.watch on the model's folder). Default false. */
  watch?: boolean;
  /** Ed25519 public keys (PEM). When given, every version must carry a valid signature by one of them. */
  trustedKeys?: string[];
  /** How far (0–1) below the active version's golden-set accuracy a new version may fall. Default 0.02. */
  accuracyMargin?: number;
  /** Budget for a new version's p50 latency on the golden set, in ms. Default: none. */
  maxLatencyMs?: number;
  /** Budget for a new version's p50 latency as a multiple of the active version's. Default 3. */
  maxLatencyRatio?: number;
  /**
   * How far (0–1) a new version's golden-set accuracy must rise above the best simple baseline
   * (majority class, prior-weighted guess, the manifest's `golden.baselines` models) to pass;
   * below it the gate rejects with EDGEFN_BASELINE_NOT_BEATEN. Default: none (the report still
   * shows every baseline and the lift).
   */
  minLift?: number;
  /** How many versions to keep on disk (the active and the previous one are always kept). Default 3. */
  keep?: number;
  /** A version whose files changed less than this many ms ago is still being copied. Default 1000. */
  settleMs?: number;
  /** No version below this (semver) is ever made active: boot, scan, activate() and rollback() refuse it. Default: none. */
  minVersion?: string;
  /** How long a change waits for another process holding the store's lock. Default 60000. */
  lockTimeoutMs?: number;
  /**
   * How a version that passed the gate takes over (README "Rollout: shadow and canary"):
   * `immediate` (default), `shadow` or `canary`, or an object with `mode` and the policy's figures.
   * Given here it overrides the version manifest's `rollout`; fields it leaves out come from it.
   */
  rollout?: RolloutMode | Partial<RolloutSpec>;
  /**
   * Evidence for retraining (README "Drift"): calls answered while the active version is drifted,
   * or below `belowConfidence`, kept in `dir` (default `<store>/<name>/capture`) within `maxMB`
   * and `maxItems`, oldest out. Default: on, 16 MB and 1,000 items, drifted calls only. `false`: off.
   */
  capture?: false | { dir?: string; maxMB?: number; maxItems?: number; belowConfidence?: number };
  /** Drifted calls (of one drift episode) after which the store writes a retraining request and emits `retrainRequested`. Default 500. */
  retrainAfter?: number;
}

/** The capture and retraining settings, resolved. */
export interface DriftSettings {
  capture: false | { dir: string | null; maxBytes: number; maxItems: number; belowConfidence: number | null };
  retrainAfter: number;
}

export const CAPTURE_DEFAULTS = { maxMB: 16, maxItems: 1000 } as const;
export const RETRAIN_AFTER = 500;

const STORE_KEYS = ['watch', 'trustedKeys', 'accuracyMargin', 'minLift', 'maxLatencyMs', 'maxLatencyRatio', 'keep', 'settleMs', 'minVersion', 'lockTimeoutMs', 'rollout', 'capture', 'retrainAfter'] as const;

export interface ResolvedStoreOptions {
  watch: boolean;
  keep: number;
  minVersion: string | null;
  lockTimeoutMs: number;
  /** open()'s `rollout` option as given (checked), or null: then each version's manifest decides. */
  rollout: RolloutMode | Partial<RolloutSpec> | null;
  policy: GatePolicy;
  load: LoadOptions;
  drift: DriftSettings;
}

export function resolveStoreOptions(options: unknown): ResolvedStoreOptions {
  const o = options === undefined ? {} : options;
  if (!is.object(o)) throw invalidArgument('an options object', 'options', options);
  const load: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!(STORE_KEYS as readonly string[]).includes(k)) load[k] = v;
  // A store swaps versions: by default each version's session runs in its own process.
  load.isolate ??= 'process';
  resolveLoadOptions(load); // validates the load options now, naming the field

  const watch = o.watch ?? false;
  if (!is.bool(watch)) throw invalidArgument('boolean', 'watch', watch);
  const keys = o.trustedKeys ?? [];
  if (!Array.isArray(keys) || !keys.every(is.nonEmptyString)) throw invalidArgument('an array of PEM public keys', 'trustedKeys', keys);
  const trustedKeys: KeyObject[] = keys.map((pem, i) => publicKeyFrom(pem, `trustedKeys[${i}]`));
  const accuracyMargin = o.accuracyMargin ?? 0.02;
  if (!is.inRange(accuracyMargin, 0, 1)) throw invalidArgument('number between 0 and 1', 'accuracyMargin', accuracyMargin);
  if (o.maxLatencyMs !== undefined && !(is.number(o.maxLatencyMs) && o.maxLatencyMs > 0)) throw invalidArgument('positive number', 'maxLatencyMs', o.maxLatencyMs);
  const ratio = o.maxLatencyRatio ?? 3;
  if (!(is.number(ratio) && ratio >= 1)) throw invalidArgument('number of at least 1', 'maxLatencyRatio', ratio);
  const keep = o.keep ?? 3;
  if (!is.positiveInteger(keep)) throw invalidArgument('positive integer', 'keep', keep);
  const settleMs = o.settleMs ?? 1000;
  if (!is.nonNegativeInteger(settleMs)) throw invalidArgument('non-negative integer', 'settleMs', settleMs);

  const minVersion = o.minVersion ?? null;
  if (minVersion !== null && !(typeof minVersion === 'string' && valid(minVersion) === minVersion)) throw invalidArgument('a semantic version such as 1.2.0', 'minVersion', minVersion);
  const lockTimeoutMs = o.lockTimeoutMs ?? 60_000;
  if (!is.nonNegativeInteger(lockTimeoutMs)) throw invalidArgument('non-negative integer', 'lockTimeoutMs', lockTimeoutMs);

  if (o.minLift !== undefined && !is.inRange(o.minLift, 0, 1)) throw invalidArgument('number between 0 and 1', 'minLift', o.minLift);

  const rollout = o.rollout ?? null;
  if (rollout !== null) {
    const checked = checkRollout(rollout);
    if ('problem' in checked) throw invalidArgument(checked.problem.expected, checked.problem.field ? `rollout.${checked.problem.field}` : 'rollout', checked.problem.value);
  }

  const drift = resolveDrift(o.capture, o.retrainAfter);

  const policy: GatePolicy = { trustedKeys, accuracyMargin, maxLatencyRatio: ratio, settleMs };
  if (o.maxLatencyMs !== undefined) policy.maxLatencyMs = o.maxLatencyMs as number;
  if (o.minLift !== undefined) policy.minLift = o.minLift as number;
  return { watch, keep, minVersion, lockTimeoutMs, rollout: rollout as ResolvedStoreOptions['rollout'], policy, load: load as LoadOptions, drift };
}

const CAPTURE_KEYS = new Set(['dir', 'maxMB', 'maxItems', 'belowConfidence']);

function resolveDrift(capture: unknown, retrain: unknown): DriftSettings {
  const retrainAfter = retrain ?? RETRAIN_AFTER;
  if (!is.positiveInteger(retrainAfter)) throw invalidArgument('positive integer (drifted calls)', 'retrainAfter', retrainAfter);
  if (capture === false) return { capture: false, retrainAfter };
  const c = capture ?? {};
  if (!is.object(c)) throw invalidArgument('false or capture options', 'capture', capture);
  checkKeys(c, CAPTURE_KEYS, 'capture');
  if (c.dir !== undefined && !is.nonEmptyString(c.dir)) throw invalidArgument('a folder path', 'capture.dir', c.dir);
  const maxMB = c.maxMB ?? CAPTURE_DEFAULTS.maxMB;
  if (!(is.number(maxMB) && maxMB > 0 && maxMB <= 1024 * 1024)) throw invalidArgument('positive number of megabytes', 'capture.maxMB', maxMB);
  const maxItems = c.maxItems ?? CAPTURE_DEFAULTS.maxItems;
  // The capture keeps its records' index in memory (Capture.open reads them all): bounded.
  if (!is.positiveInteger(maxItems) || maxItems > 100_000) throw invalidArgument('positive integer up to 100000', 'capture.maxItems', maxItems);
  if (c.belowConfidence !== undefined && !is.inRange(c.belowConfidence, 0, 1)) throw invalidArgument('number between 0 and 1', 'capture.belowConfidence', c.belowConfidence);
  return {
    capture: { dir: c.dir === undefined ? null : path.resolve(c.dir as string), maxBytes: Math.round(maxMB * 1024 * 1024), maxItems, belowConfidence: (c.belowConfidence as number | undefined) ?? null },
    retrainAfter,
  };
}
