/**
 * A rollout as the state file records it (state.ts): which candidate, its fingerprint when it
 * passed the gate, the version it is compared against, the policy, the canary step and the
 * counters as last flushed. Pure: the shape, a fresh record, and a reader that refuses anything
 * malformed (a copy holding one fails its checks as a whole, like any damaged copy).
 */
import valid from 'semver/functions/valid.js';
import { checkRollout, type RolloutSpec } from '../../manifest/rollout.js';
import { is } from '../../util/validate.js';
import { emptyCounters, LATENCY_WINDOW, type RolloutCounters, type Side, type StepCounters } from './policy.js';

export interface RolloutRecord {
  /** The candidate version and the fingerprint of its files when it passed the gate. */
  version: string;
  fingerprint: string;
  /** The active version when the rollout started. */
  from: string;
  spec: RolloutSpec;
  /** Index of the current canary step (shadow: 0). */
  step: number;
  startedAt: string;
  counters: RolloutCounters;
}

export function newRecord(version: string, fingerprint: string, from: string, spec: RolloutSpec): RolloutRecord {
  return { version, fingerprint, from, spec, step: 0, startedAt: new Date().toISOString(), counters: emptyCounters() };
}

/** Two records are the same rollout (not the same figures): a rollout decided or replaced elsewhere differs. */
export const sameRollout = (a: RolloutRecord | null, b: RolloutRecord | null): boolean =>
  a !== null && b !== null && a.version === b.version && a.fingerprint === b.fingerprint && a.startedAt === b.startedAt;

const count = (v: unknown): v is number => is.nonNegativeInteger(v) && Number.isSafeInteger(v);

function sideFrom(v: unknown): Side | null {
  if (!is.object(v) || !is.number(v.scoreSum) || !count(v.scored) || !is.numberArray(v.latencies) || v.latencies.length > LATENCY_WINDOW) return null;
  return { scoreSum: v.scoreSum, scored: v.scored, latencies: [...v.latencies] };
}

function stepFrom(v: unknown): StepCounters | null {
  if (!is.object(v) || !count(v.compared) || !count(v.agreed) || !count(v.runs) || !count(v.errors)) return null;
  return { compared: v.compared, agreed: v.agreed, runs: v.runs, errors: v.errors };
}

function countersFrom(v: unknown): RolloutCounters | null {
  if (!is.object(v)) return null;
  const { calls, compared, agreed, candidateRuns, dropped, errors } = v;
  if (![calls, compared, agreed, candidateRuns, dropped].every(count) || !is.object(errors) || !Object.values(errors).every(count)) return null;
  const active = sideFrom(v.active);
  const candidate = sideFrom(v.candidate);
  const step = stepFrom(v.step);
  if (!active || !candidate || !step) return null;
  const c = emptyCounters();
  return { ...c, calls: calls as number, compared: compared as number, agreed: agreed as number, candidateRuns: candidateRuns as number, dropped: dropped as number, errors: { ...(errors as Record<string, number>) }, active, candidate, step };
}

/** A record read from a state copy, or null when it is malformed (`undefined` and `null` mean none). */
export function recordFrom(v: unknown): RolloutRecord | null | 'invalid' {
  if (v === undefined || v === null) return null;
  if (!is.object(v)) return 'invalid';
  const ok = (x: unknown): x is string => typeof x === 'string' && valid(x) === x;
  if (!ok(v.version) || !ok(v.from) || !is.nonEmptyString(v.fingerprint) || !is.nonEmptyString(v.startedAt)) return 'invalid';
  const checked = checkRollout(v.spec);
  if (!('spec' in checked) || checked.spec.mode === 'immediate') return 'invalid';
  if (!is.nonNegativeInteger(v.step) || v.step >= checked.spec.steps.length) return 'invalid';
  const counters = countersFrom(v.counters);
  if (!counters) return 'invalid';
  return { version: v.version, fingerprint: v.fingerprint, from: v.from, spec: checked.spec, step: v.step, startedAt: v.startedAt, counters };
}
