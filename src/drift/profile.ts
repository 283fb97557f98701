/**
 * A version's reference profile (`profile.json`): per statistic, quantile bins of the reference
 * sample with the share in each, its mean and std, a sorted sample for a KS test and the share
 * that was missing; per answer, the label shares, the confidence's bins and the unknown share.
 * Pure: builds from measurements, parses a read JSON value, counts a window's values per bin.
 *
 * Bins are right-closed, (edges[i], edges[i + 1]], between the reference's deciles with repeated
 * deciles merged: a statistic that never varies in the reference (a fixed image size) gets two
 * bins, at or below its value and above it, so any change at all falls in a bin of share 0.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import { describe, is } from '../util/validate.js';
import type { InputStats, OutputStats, Profile, StatProfile } from './types.js';

export const PROFILE_FILE = 'profile.json';
const BINS = 10;
const SAMPLE = 256;

export interface ProfileMeta {
  name: string;
  version: string;
  kind: Profile['kind'];
  sources: string[];
}

/** The value at quantile q (0–1) of sorted values, by linear interpolation between closest ranks. */
function quantile(sorted: readonly number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** One statistic's profile from its reference values (NaN: missing). */
export function statProfile(name: string, values: readonly number[]): StatProfile {
  // Not finite counts as missing (a reading is NaN there already): an infinite value has no bin share to compare.
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const missing = values.length === 0 ? 0 : (values.length - finite.length) / values.length;
  if (finite.length === 0) return { name, edges: [-Infinity, Infinity], shares: [1], mean: 0, std: 0, sample: [], missing };
  const inner: number[] = [];
  for (let k = 1; k < BINS; k++) {
    const q = quantile(finite, k / BINS);
    if (Number.isFinite(q) && (inner.length === 0 || q > inner[inner.length - 1]!)) inner.push(q);
  }
  const edges = [-Infinity, ...inner, Infinity];
  const p: StatProfile = { name, edges, shares: [], mean: 0, std: 0, sample: [], missing };
  const counts = profileBins(p, finite);
  p.shares = counts.map((c) => c / finite.length);
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  p.mean = mean;
  p.std = Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / finite.length);
  p.sample = finite.length <= SAMPLE ? finite : Array.from({ length: SAMPLE }, (_, i) => quantile(finite, i / (SAMPLE - 1)));
  return p;
}

/**
 * How many of `values` fall in each of the profile's bins (right-closed; NaN is not counted: the
 * caller counts what is missing). Binary search on the edges: cheap enough for every window.
 */
export function profileBins(p: StatProfile, values: readonly number[]): number[] {
  const counts = new Array<number>(p.edges.length - 1).fill(0);
  const last = counts.length - 1;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    // The first bin whose upper edge is at or above v.
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= p.edges[mid + 1]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]!++;
  }
  return counts;
}

/** A profile from the reference's measurements; `labels` is how many labels the model has. */
export function buildProfile(meta: ProfileMeta, inputs: readonly InputStats[], outputs: readonly OutputStats[], labels: number): Profile {
  const names: string[] = [];
  for (const s of inputs) for (const k of Object.keys(s)) if (!names.includes(k)) names.push(k);
  const shares = new Array<number>(labels).fill(0);
  for (const o of outputs) if (o.index >= 0 && o.index < labels) shares[o.index]! += 1 / outputs.length;
  return {
    profileVersion: 1,
    name: meta.name,
    version: meta.version,
    kind: meta.kind,
    items: inputs.length,
    sources: [...meta.sources],
    createdAt: new Date().toISOString(),
    // A statistic absent from some inputs (a source size not known) counts as missing there.
    inputs: names.map((n) => statProfile(n, inputs.map((s) => (n in s ? s[n]! : NaN)))),
    outputs: {
      labels: shares,
      confidence: statProfile('confidence', outputs.map((o) => o.confidence)),
      unknown: outputs.length === 0 ? 0 : outputs.filter((o) => o.unknown).length / outputs.length,
    },
  };
}

/**
 * The profile as written to disk: ±Infinity edges as null (JSON has no Infinity), values rounded to
 * 12 significant digits to keep the file small, except the bin edges: a reference value sitting
 * exactly on an edge must stay in the bin its share was counted in.
 */
export function profileJson(p: Profile): string {
  const exact = new Set<unknown>([...p.inputs.map((s) => s.edges), p.outputs.confidence.edges]);
  function replace(this: unknown, _key: string, v: unknown): unknown {
    if (typeof v !== 'number') return v;
    if (!Number.isFinite(v)) return null;
    return exact.has(this) ? v : +v.toPrecision(12);
  }
  return `${JSON.stringify(p, replace, 2)}\n`;
}

/** Reads a `profile.json` value; a wrong field is MANIFEST_INVALID naming it (`profile.json: inputs[2].shares`). */
export function parseProfile(json: unknown, source: string): Profile {
  const bad = (field: string, what: string, value: unknown): never => {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${source}: expected ${what} for ${field} but received ${describe(value)}`, { input: source, field });
  };
  if (!is.object(json)) return bad('(root)', 'an object', json);
  if (json.profileVersion !== 1) bad('profileVersion', '1', json.profileVersion);
  for (const k of ['name', 'version', 'createdAt'] as const) if (!is.nonEmptyString(json[k])) bad(k, 'a non-empty string', json[k]);
  if (!is.oneOf(json.kind, ['image', 'tabular'] as const)) bad('kind', '"image" or "tabular"', json.kind);
  if (!is.nonNegativeInteger(json.items)) bad('items', 'a non-negative integer', json.items);
  if (!is.arrayOf(json.sources, is.string)) bad('sources', 'an array of strings', json.sources);
  if (!Array.isArray(json.inputs)) bad('inputs', 'an array', json.inputs);
  const inputs = (json.inputs as unknown[]).map((s, i) => parseStat(s, `inputs[${i}]`, bad));
  const seen = new Set<string>();
  inputs.forEach((s, i) => {
    if (seen.has(s.name)) bad(`inputs[${i}].name`, 'a name not used by another statistic', s.name);
    seen.add(s.name);
  });
  const out = json.outputs;
  if (!is.object(out)) return bad('outputs', 'an object', out);
  if (!is.numberArray(out.labels) || out.labels.some((v) => v < 0 || v > 1)) bad('outputs.labels', 'an array of shares (0–1)', out.labels);
  if (!is.inRange(out.unknown, 0, 1)) bad('outputs.unknown', 'a share (0–1)', out.unknown);
  return {
    profileVersion: 1,
    name: json.name as string,
    version: json.version as string,
    kind: json.kind as Profile['kind'],
    items: json.items as number,
    sources: [...(json.sources as string[])],
    createdAt: json.createdAt as string,
    inputs,
    outputs: { labels: [...(out.labels as number[])], confidence: parseStat(out.confidence, 'outputs.confidence', bad), unknown: out.unknown as number },
  };
}

type Bad = (field: string, what: string, value: unknown) => never;

function parseStat(v: unknown, at: string, bad: Bad): StatProfile {
  if (!is.object(v)) return bad(at, 'an object', v);
  if (!is.nonEmptyString(v.name)) bad(`${at}.name`, 'a non-empty string', v.name);
  const raw = v.edges;
  if (!Array.isArray(raw) || raw.length < 2) return bad(`${at}.edges`, 'an array of at least 2 edges', raw);
  const edges: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const e: unknown = Object.prototype.hasOwnProperty.call(raw, i) ? raw[i] : undefined;
    // The outer edges are null in JSON (±Infinity); every inner edge is finite and above the one before.
    const value = i === 0 && e === null ? -Infinity : i === raw.length - 1 && e === null ? Infinity : e;
    if (!is.number(value) && !(i === 0 && value === -Infinity) && !(i === raw.length - 1 && value === Infinity)) bad(`${at}.edges[${i}]`, i === 0 || i === raw.length - 1 ? 'a number or null' : 'a number', e);
    if (i > 0 && !((value as number) > edges[i - 1]!)) bad(`${at}.edges[${i}]`, `an edge above ${String(edges[i - 1])}`, e);
    edges.push(value as number);
  }
  if (!is.numberArray(v.shares) || v.shares.length !== edges.length - 1 || v.shares.some((s) => s < 0)) {
    bad(`${at}.shares`, `${edges.length - 1} non-negative shares (one per bin)`, v.shares);
  }
  const total = (v.shares as number[]).reduce((s, x) => s + x, 0);
  if (Math.abs(total - 1) > 1e-6) bad(`${at}.shares`, 'shares that sum to 1', v.shares);
  if (!is.number(v.mean)) bad(`${at}.mean`, 'a number', v.mean);
  if (!is.number(v.std) || v.std < 0) bad(`${at}.std`, 'a non-negative number', v.std);
  if (!is.numberArray(v.sample) || v.sample.length > SAMPLE || v.sample.some((x, i, a) => i > 0 && x < a[i - 1]!)) {
    bad(`${at}.sample`, `a sorted array of at most ${SAMPLE} numbers`, v.sample);
  }
  if (!is.inRange(v.missing, 0, 1)) bad(`${at}.missing`, 'a share (0–1)', v.missing);
  return { name: v.name as string, edges, shares: [...(v.shares as number[])], mean: v.mean as number, std: v.std as number, sample: [...(v.sample as number[])], missing: v.missing as number };
}
