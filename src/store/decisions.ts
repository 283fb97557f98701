/**
 * What the store has decided about each version, and where it is kept:
 * - the gate's report, `<name>/<version>.report.json` (verdict, code, fingerprint);
 * - the state's decisions (state.ts), two checksummed copies.
 * A version is held back (never booted, scanned in or followed to) while a rejection or a
 * rollback away from it stands and its files have not changed since: either record is enough,
 * so losing one (a torn state file, a deleted report) does not free a rejected version.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import valid from 'semver/functions/valid.js';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { readRegular } from '../util/fs-safe.js';
import { invalidArgument } from '../util/validate.js';
import { writeFileDurable } from '../util/durable.js';
import { fingerprint, type GateReport } from './gate.js';
import type { RolloutReport } from './rollout/decide.js';
import type { Decision, StoreState } from './state.js';

const MAX_REPORT_BYTES = 1024 * 1024;

/** A report as stored: the gate's, plus the rollback that holds the version back, and the live rollout that rejected it, if any. */
export type StoredReport = GateReport & { heldBack?: { reason: string; fingerprint: string; at: string }; rollout?: RolloutReport };

/** Where the gate's report for a version is kept: beside the version folder. */
export const reportPath = (nameDir: string, version: string) => path.join(nameDir, `${version}.report.json`);

/** The stored report, or null (missing, not a regular file, a link out of the folder, not JSON). */
export async function readReport(nameDir: string, version: string): Promise<StoredReport | null> {
  try {
    const text = await readRegular(reportPath(nameDir, version), { maxBytes: MAX_REPORT_BYTES, within: nameDir, code: ErrorCode.STORE_WRITE_FAILED, what: 'report' });
    const r = JSON.parse(text.toString('utf8')) as StoredReport;
    return typeof r === 'object' && r !== null && r.version === version ? r : null;
  } catch {
    return null;
  }
}

/** Writes a report by tmp+rename: a link planted at the report's name is replaced, never written through. */
export async function writeReport(nameDir: string, report: StoredReport): Promise<void> {
  try {
    await writeFileDurable(reportPath(nameDir, report.version), `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `Cannot write the report for ${report.version} in ${nameDir}: ${messageOf(err)}`, { cause: err, input: reportPath(nameDir, report.version) });
  }
}

/** The fingerprint of a version folder's files as they are now (gate.ts decides what it covers). */
export const currentPrint = (versionDir: string): Promise<string> => fingerprint(versionDir);

/** Why `version` is held back, or null. */
export async function heldBack(nameDir: string, state: StoreState, version: string): Promise<Decision | null> {
  const print = await currentPrint(path.join(nameDir, version));
  const d = state.decisions[version];
  if (d && d.fingerprint === print) return d;
  const r = await readReport(nameDir, version);
  if (r?.verdict === 'rejected' && r.fingerprint === print) {
    return { verdict: 'rejected', fingerprint: print, reason: r.reason ?? 'rejected', at: r.checkedAt, ...(r.code ? { code: r.code } : {}) };
  }
  if (r?.heldBack && r.heldBack.fingerprint === print) return { verdict: 'rolledBack', fingerprint: print, reason: r.heldBack.reason, at: r.heldBack.at };
  return null;
}

/** The decisions with `version`'s set to `d` (or removed), and entries for folders that are gone dropped. */
export function withDecision(state: StoreState, version: string, d: Decision | null, present: readonly string[]): Record<string, Decision> {
  const out: Record<string, Decision> = {};
  for (const [v, x] of Object.entries(state.decisions)) if (v !== version && present.includes(v)) out[v] = x;
  if (d) out[version] = d;
  return out;
}

/**
 * A version argument names a version folder inside the store: exact semver, nothing else
 * (no path, no `..`, no `v` prefix). Returns the folder, or throws INVALID_ARGUMENT /
 * VERSION_NOT_FOUND; nothing is written for a version that is not there.
 */
export async function versionDirOf(nameDir: string, version: unknown, field = 'version'): Promise<string> {
  if (typeof version !== 'string' || version.includes('/') || version.includes('\\') || version.includes('..') || valid(version) !== version) {
    throw invalidArgument('a version name inside the store (semver, such as 1.2.0)', field, version);
  }
  const dir = path.join(nameDir, version);
  const s = await lstat(dir).catch(() => null);
  if (!s?.isDirectory()) {
    throw new EdgefnError(ErrorCode.VERSION_NOT_FOUND, `No version ${version} in ${nameDir} (no folder ${dir})`, { input: dir, field });
  }
  return dir;
}
