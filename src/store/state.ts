/**
 * The per-model state, `<store>/<name>/state.json`: which version is active, which was active
 * before it, and the decisions that hold a version back (a rejection, a rollback away from it),
 * each tied to the fingerprint of the files it was made on.
 *
 * Two copies, each carrying the sha256 of its own body and a sequence number, are written in
 * turn (state.json, then state.json.bak), each by write-fsync-rename. A copy that is torn,
 * zeroed, truncated, replaced by random bytes or deleted fails its checksum and the other copy
 * is read; at most the last decision is lost, never the one before it.
 *
 * A live rollout (./rollout/) is recorded in the same file: `stateVersion` 3 carries a `rollout`
 * field, covered by the same checksum. A state without one is still written as version 2, byte
 * for byte as before, so a state.json written by an older edgefn reads and the older edgefn
 * reads ours unless a rollout is under way.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import valid from 'semver/functions/valid.js';
import { ErrorCode, messageOf } from '../errors.js';
import { debug, warn } from '../util/debug.js';
import { readRegular } from '../util/fs-safe.js';
import { writeFileDurable } from '../util/durable.js';
import { recordFrom, type RolloutRecord } from './rollout/record.js';

export const STATE_FILE = 'state.json';
export const STATE_BACKUP = 'state.json.bak';
const MAX_STATE_BYTES = 1024 * 1024;
const log = debug('store');

/** Why a version is held back: it stays out until its files change or it is activated explicitly. */
export interface Decision {
  verdict: 'rejected' | 'rolledBack';
  /** The version's fingerprint (gate.ts) when decided. */
  fingerprint: string;
  code?: string;
  reason: string;
  at: string;
}

export interface StoreState {
  /** 2 without a rollout, 3 with one. */
  stateVersion: 2 | 3;
  active: string | null;
  previous: string | null;
  decisions: Record<string, Decision>;
  /** The candidate being rolled out (shadow or canary), with its counters as last flushed; null: none. */
  rollout: RolloutRecord | null;
  /** Grows by one on every write: of two valid copies, the higher one is newer. */
  seq: number;
  updatedAt: string;
}

/** Where the state was read from: a damaged primary copy is reported, so it can be repaired. */
export interface StateRead {
  state: StoreState;
  source: 'primary' | 'backup' | 'none';
  /** Copies that exist but failed their checks. */
  damaged: string[];
  /** Whether the two copies differ from each other (one damaged, missing or older): rewrite both. */
  repair: boolean;
}

export const emptyState = (): StoreState => ({ stateVersion: 2, active: null, previous: null, decisions: {}, rollout: null, seq: 0, updatedAt: new Date(0).toISOString() });

const isVersion = (v: unknown): v is string | null => v === null || (typeof v === 'string' && valid(v) === v);

/** The checksummed bytes: the fields in a fixed order, so a reader can recompute them. */
function body(s: Omit<StoreState, 'rollout'> & { rollout: unknown }): string {
  if (s.stateVersion === 2) return JSON.stringify({ stateVersion: s.stateVersion, active: s.active, previous: s.previous, decisions: s.decisions, seq: s.seq, updatedAt: s.updatedAt });
  // The rollout as parsed from the file (its keys in the file's order), so the reader recomputes the same bytes.
  return JSON.stringify({ stateVersion: s.stateVersion, active: s.active, previous: s.previous, decisions: s.decisions, rollout: s.rollout, seq: s.seq, updatedAt: s.updatedAt });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function decisionsFrom(v: unknown): Record<string, Decision> | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const out: Record<string, Decision> = {};
  for (const [version, d] of Object.entries(v as Record<string, unknown>)) {
    const x = d as Partial<Decision> | null;
    if (!isVersion(version) || typeof x !== 'object' || x === null) return null;
    if ((x.verdict !== 'rejected' && x.verdict !== 'rolledBack') || typeof x.fingerprint !== 'string' || typeof x.reason !== 'string' || typeof x.at !== 'string') return null;
    out[version] = { verdict: x.verdict, fingerprint: x.fingerprint, reason: x.reason, at: x.at, ...(typeof x.code === 'string' ? { code: x.code } : {}) };
  }
  return out;
}

/** One copy, or null when it is missing, not a regular file, or fails its checks. */
async function readCopy(nameDir: string, name: string): Promise<{ state: StoreState | null; exists: boolean }> {
  let text: string;
  try {
    text = (await readRegular(path.join(nameDir, name), { maxBytes: MAX_STATE_BYTES, within: nameDir, code: ErrorCode.STORE_WRITE_FAILED, what: 'store state' })).toString('utf8');
  } catch (err) {
    const missing = (err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT';
    return { state: null, exists: !missing };
  }
  try {
    const s = JSON.parse(text) as Record<string, unknown>;
    if (s.stateVersion === 1 && isVersion(s.active) && isVersion(s.previous)) {
      // Written by an older edgefn: no checksum, no decisions; rewritten as version 2 on the next change.
      return { state: { ...emptyState(), active: s.active, previous: s.previous, updatedAt: String(s.updatedAt) }, exists: true };
    }
    const decisions = decisionsFrom(s.decisions);
    const rollout = s.stateVersion === 3 ? recordFrom(s.rollout) : null;
    if ((s.stateVersion === 2 || (s.stateVersion === 3 && rollout !== null && rollout !== 'invalid')) && isVersion(s.active) && isVersion(s.previous) && decisions && Number.isSafeInteger(s.seq) && typeof s.updatedAt === 'string') {
      const state: StoreState = { stateVersion: s.stateVersion, active: s.active, previous: s.previous, decisions, rollout: rollout as RolloutRecord | null, seq: s.seq as number, updatedAt: s.updatedAt };
      if (s.sha256 === sha256(body({ ...state, rollout: s.rollout }))) return { state, exists: true };
    }
  } catch {
    // not JSON: damaged
  }
  return { state: null, exists: true };
}

/** Reads both copies and returns the newest valid one; neither valid reads as empty (never throws). */
export async function readStateFull(nameDir: string): Promise<StateRead> {
  const [primary, backup] = await Promise.all([readCopy(nameDir, STATE_FILE), readCopy(nameDir, STATE_BACKUP)]);
  const damaged = [primary.exists && !primary.state ? STATE_FILE : null, backup.exists && !backup.state ? STATE_BACKUP : null].filter((x): x is string => x !== null);
  if (damaged.length) log('%s: damaged state copies: %s', nameDir, damaged.join(', '));
  const repair = !(primary.state && backup.state && primary.state.seq === backup.state.seq);
  if (primary.state && (!backup.state || primary.state.seq >= backup.state.seq)) return { state: primary.state, source: 'primary', damaged, repair };
  if (backup.state) return { state: backup.state, source: 'backup', damaged, repair };
  return { state: emptyState(), source: 'none', damaged, repair: damaged.length > 0 };
}

/** The state as recorded (see readStateFull). */
export async function readState(nameDir: string): Promise<StoreState> {
  return (await readStateFull(nameDir)).state;
}

/**
 * Writes the change (its seq one above `base`'s) to both copies, primary first. Call it while
 * holding the store's lock. Throws the file system's error when the primary copy cannot be
 * written (nothing changed then); a backup that cannot be written is repaired at the next boot.
 */
export async function recordState(nameDir: string, base: StoreState, change: Pick<StoreState, 'active' | 'previous'> & { decisions?: Record<string, Decision>; rollout?: RolloutRecord | null }): Promise<StoreState> {
  // A change that does not name the rollout keeps the recorded one.
  const rollout = change.rollout === undefined ? base.rollout : change.rollout;
  const state: StoreState = {
    stateVersion: rollout ? 3 : 2,
    active: change.active,
    previous: change.previous,
    decisions: change.decisions ?? base.decisions,
    rollout,
    seq: base.seq + 1,
    updatedAt: new Date().toISOString(),
  };
  const text = `${JSON.stringify({ ...JSON.parse(body(state)), sha256: sha256(body(state)) }, null, 2)}\n`;
  await writeFileDurable(path.join(nameDir, STATE_FILE), text);
  await writeFileDurable(path.join(nameDir, STATE_BACKUP), text).catch((err: unknown) => {
    warn('EDGEFN_STATE_UNWRITABLE', `${nameDir}: cannot write ${STATE_BACKUP} (${messageOf(err)}); ${STATE_FILE} holds the decision`);
  });
  return state;
}

/** Records `active` and `previous`, keeping the recorded decisions (for tools and benchmarks that set up a store). */
export async function writeState(nameDir: string, active: string, previous: string | null): Promise<StoreState> {
  return recordState(nameDir, await readState(nameDir), { active, previous });
}
