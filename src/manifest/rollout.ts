/**
 * How a new version takes over once it passed the gate (`rollout` in a manifest, or open()'s
 * `rollout` option): at once, in the shadow of the active version, or as a canary. Pure: the
 * shape, its defaults and one checker used by the manifest parser and by open()'s options, each
 * turning a problem into its own error type.
 */
import { is } from '../util/validate.js';

export const ROLLOUT_MODES = ['immediate', 'shadow', 'canary'] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

export interface RolloutSpec {
  /** `immediate`: the version takes over when it passes the gate (the default). */
  mode: RolloutMode;
  /** shadow: the share (0–1] of live calls the candidate also classifies. Default 1. */
  sample: number;
  /** canary: the shares of live calls the candidate answers, step by step, ending at 1. Default [0.05, 0.25, 1]. */
  steps: number[];
  /** Calls compared (per canary step) before the policy may promote. Default 200. */
  minCalls: number;
  /** Lowest top-1 agreement with the active version to promote. Default 0.9. */
  minAgreement: number;
  /** Highest candidate p50 latency as a multiple of the active version's. Default 1.5. */
  maxLatencyRatio: number;
  /** Highest share of the candidate's calls that may fail. Default 0.01. */
  maxErrorRate: number;
}

export const ROLLOUT_DEFAULTS: RolloutSpec = {
  mode: 'immediate', sample: 1, steps: [0.05, 0.25, 1], minCalls: 200, minAgreement: 0.9, maxLatencyRatio: 1.5, maxErrorRate: 0.01,
};

/** What is wrong with one field: its dotted path (below the spec), what was expected, the value found. */
export interface RolloutProblem {
  field: string;
  expected: string;
  value: unknown;
}

/**
 * Checks a rollout spec (a mode string, or an object with `mode` and the figures) and fills the
 * defaults; `base` supplies fields the value leaves out (a manifest's spec under open()'s option).
 */
export function checkRollout(value: unknown, base: RolloutSpec = ROLLOUT_DEFAULTS): { spec: RolloutSpec } | { problem: RolloutProblem } {
  const v = is.string(value) ? { mode: value } : value;
  if (!is.object(v)) return { problem: { field: '', expected: `one of ${ROLLOUT_MODES.join(', ')}, or an object with mode`, value } };
  const spec: RolloutSpec = { ...base, steps: [...base.steps] };
  const known = new Set(['mode', 'sample', 'steps', 'minCalls', 'minAgreement', 'maxLatencyRatio', 'maxErrorRate']);
  for (const k of Object.keys(v)) if (!known.has(k)) return { problem: { field: k, expected: `one of the fields ${[...known].join(', ')}`, value: v[k] } };
  if (v.mode !== undefined) {
    if (!is.oneOf(v.mode, ROLLOUT_MODES)) return { problem: { field: 'mode', expected: `one of ${ROLLOUT_MODES.join(', ')}`, value: v.mode } };
    spec.mode = v.mode;
  }
  if (v.sample !== undefined) {
    if (!(is.number(v.sample) && v.sample > 0 && v.sample <= 1)) return { problem: { field: 'sample', expected: 'a number in (0, 1]', value: v.sample } };
    spec.sample = v.sample;
  }
  if (v.steps !== undefined) {
    const s = v.steps;
    const ok = is.numberArray(s) && s.length > 0 && s.length <= 20 && s.every((x, i) => x > 0 && x <= 1 && (i === 0 || x > s[i - 1]!)) && s[s.length - 1] === 1;
    if (!ok) return { problem: { field: 'steps', expected: 'increasing shares in (0, 1] ending at 1 (at most 20)', value: s } };
    spec.steps = [...s];
  }
  if (v.minCalls !== undefined) {
    if (!(is.positiveInteger(v.minCalls) && v.minCalls <= 1_000_000)) return { problem: { field: 'minCalls', expected: 'a positive integer up to 1000000', value: v.minCalls } };
    spec.minCalls = v.minCalls;
  }
  for (const k of ['minAgreement', 'maxErrorRate'] as const) {
    if (v[k] === undefined) continue;
    if (!is.inRange(v[k], 0, 1)) return { problem: { field: k, expected: 'a number from 0 to 1', value: v[k] } };
    spec[k] = v[k] as number;
  }
  if (v.maxLatencyRatio !== undefined) {
    if (!(is.number(v.maxLatencyRatio) && v.maxLatencyRatio >= 1)) return { problem: { field: 'maxLatencyRatio', expected: 'a number of at least 1', value: v.maxLatencyRatio } };
    spec.maxLatencyRatio = v.maxLatencyRatio;
  }
  return { spec };
}
