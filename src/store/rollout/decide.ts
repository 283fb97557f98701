/**
 * A rollout's decisions as durable writes, shared by a running store and the CLI. Each is ONE
 * state write (state.ts: both copies, write-fsync-rename), so a kill leaves the rollout under way
 * or decided, never half of it:
 * - promote: the candidate becomes active, the old active version previous, the rollout ends;
 * - reject (the policy, abort()): a rejection tied to the candidate's fingerprint, so it is not
 *   retried until its files change, and the rollout ends. Its report follows (best effort: the
 *   state's decision is enough to hold the version back).
 * Call these while holding the store's lock.
 */
import { EdgefnError, ErrorCode, messageOf } from '../../errors.js';
import { listVersionDirs } from '../../model/folder.js';
import { warn } from '../../util/debug.js';
import { readReport, withDecision, writeReport, type StoredReport } from '../decisions.js';
import { recordState, type Decision, type StoreState } from '../state.js';
import { statusOf, type RolloutStatus } from './live.js';
import type { Rule } from './policy.js';
import type { RolloutRecord } from './record.js';

/** What a rejected rollout leaves in the version's report. */
export interface RolloutReport {
  /** The rule that failed, or `aborted` (abort(), `edgefn models abort`). */
  rule: Rule | 'aborted';
  reason: string;
  status: RolloutStatus;
  decidedAt: string;
}

/** The recorded rollout, or NO_CANDIDATE naming the store. */
export function recordedRollout(nameDir: string, state: StoreState): RolloutRecord {
  if (!state.rollout) throw new EdgefnError(ErrorCode.NO_CANDIDATE, `${nameDir}: no candidate is being rolled out`, { input: nameDir });
  return state.rollout;
}

/** Makes the candidate active in one write. Throws STORE_WRITE_FAILED (nothing changed) when it cannot be written. */
export async function recordPromotion(nameDir: string, state: StoreState, record: RolloutRecord): Promise<StoreState> {
  const present = await listVersionDirs(nameDir);
  try {
    return await recordState(nameDir, state, { active: record.version, previous: state.active, rollout: null, decisions: withDecision(state, record.version, null, present) });
  } catch (err) {
    throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `${nameDir}: cannot record ${record.version} as active (${messageOf(err)}); ${state.active} stays active and the rollout goes on`, { cause: err, input: nameDir });
  }
}

/** Rejects the candidate in one write, then keeps the rollout's report beside the version. Returns the report. */
export async function recordRejection(nameDir: string, state: StoreState, record: RolloutRecord, rule: Rule | 'aborted', reason: string): Promise<{ state: StoreState; report: StoredReport }> {
  const at = new Date().toISOString();
  // Fields in the order state.ts reads them back (its checksum is over the bytes).
  const d: Decision = { verdict: 'rejected', fingerprint: record.fingerprint, reason: `rollout: ${reason}`, at, code: ErrorCode.ROLLOUT_REJECTED };
  const present = await listVersionDirs(nameDir);
  let written: StoreState;
  try {
    written = await recordState(nameDir, state, { active: state.active, previous: state.previous, rollout: null, decisions: withDecision(state, record.version, d, present) });
  } catch (err) {
    throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `${nameDir}: cannot record the rejection of ${record.version} (${messageOf(err)}); the rollout goes on`, { cause: err, input: nameDir });
  }
  const gate = await readReport(nameDir, record.version);
  const rollout: RolloutReport = { rule, reason, status: statusOf(record), decidedAt: at };
  const report: StoredReport = {
    ...(gate ?? { name: null, version: record.version, checkedAt: at }),
    verdict: 'rejected', step: 'validation', code: ErrorCode.ROLLOUT_REJECTED, reason: d.reason, fingerprint: record.fingerprint, rollout,
  };
  await writeReport(nameDir, report).catch((err: unknown) => warn(ErrorCode.STORE_WRITE_FAILED, messageOf(err)));
  return { state: written, report };
}
