/**
 * A running store's rollout: starting one when a version passes the gate under shadow/canary,
 * resuming it at boot, flushing its counters, carrying out the policy's verdicts (and promote()
 * and abort()), and following decisions another process (the CLI) recorded. The durable writes
 * are ./decide.ts's; the routing and counting ./live.ts's; the store (../store.ts) orchestrates.
 */
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../../errors.js';
import { ROLLOUT_DEFAULTS, checkRollout, type RolloutSpec } from '../../manifest/rollout.js';
import { listVersionDirs } from '../../model/folder.js';
import type { AnyModel } from '../../model/load.js';
import { warn } from '../../util/debug.js';
import { checkRecorded, type StoreContext } from '../boot.js';
import { currentPrint, readReport, withDecision } from '../decisions.js';
import type { StoreEvents } from '../events.js';
import type { GateReport } from '../gate.js';
import { withLock } from '../lock.js';
import { prune } from '../prune.js';
import { readState, recordState, type StoreState } from '../state.js';
import { recordPromotion, recordRejection } from './decide.js';
import { LiveRollout, statusOf } from './live.js';
import type { Rule, Verdict } from './policy.js';
import { newRecord, sameRollout, type RolloutRecord } from './record.js';

/** What the rollout needs of the store. */
export interface RolloutHost extends StoreContext {
  current: AnyModel;
  previous: string | null;
  live: LiveRollout | null;
  emit<E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]): void;
  /** Runs `fn` after the store's other changes (in this process) and under its lock. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Follows the recorded state (call under the lock). */
  follow(): Promise<StoreState>;
}

/** How `model` takes over: open()'s option over the version's manifest over `immediate`. */
export function specFor(host: StoreContext, model: AnyModel): RolloutSpec {
  const manifest = (model.manifest as { rollout?: RolloutSpec }).rollout ?? ROLLOUT_DEFAULTS;
  if (host.opts.rollout === null) return manifest;
  const checked = checkRollout(host.opts.rollout, manifest);
  return 'spec' in checked ? checked.spec : manifest; // checked already when the options were resolved
}

function makeLive(host: RolloutHost, model: AnyModel, record: RolloutRecord): LiveRollout {
  const live: LiveRollout = new LiveRollout(model, record, {
    active: () => host.current,
    flush: (r) => host.exclusive(async () => {
      const state = await readState(host.nameDir);
      // Decided or replaced meanwhile (another process): follow it, never write over it.
      if (!sameRollout(state.rollout, r)) { await host.follow(); return; }
      await recordState(host.nameDir, state, { active: state.active, previous: state.previous, rollout: r });
    }),
    decide: (verdict) => { void carryOut(host, live, verdict); },
  });
  return live;
}

/** Under the lock, in a scan: `model` passed the gate and becomes the candidate instead of the active version. */
export async function startRollout(host: RolloutHost, model: AnyModel, report: GateReport, state: StoreState, spec: RolloutSpec): Promise<void> {
  const record = newRecord(model.version, report.fingerprint, host.current.version, spec);
  const present = await listVersionDirs(host.nameDir);
  try {
    await recordState(host.nameDir, state, { active: state.active, previous: state.previous, rollout: record, decisions: withDecision(state, model.version, null, present) });
  } catch (err) {
    await model.dispose();
    throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `${host.nameDir}: cannot record the rollout of ${model.version} (${messageOf(err)})`, { cause: err, input: host.nameDir });
  }
  await endLive(host); // a newer version replaces the candidate under way
  host.live = makeLive(host, model, record);
  host.emit('rollout', { phase: 'started', status: statusOf(record) });
}

/** Stops the live rollout (if any) and releases its candidate. */
export async function endLive(host: RolloutHost): Promise<void> {
  const live = host.live;
  if (!live) return;
  host.live = null;
  await live.stop();
  await live.candidate.dispose();
}

/** The candidate takes over; the old active version is released once its calls finish. */
async function promoteLive(host: RolloutHost, state: StoreState, by: 'policy' | 'promote()'): Promise<void> {
  const live = host.live!;
  await recordPromotion(host.nameDir, state, live.record);
  host.live = null;
  await live.stop();
  await takeOver(host, live, by);
}

async function takeOver(host: RolloutHost, live: LiveRollout, by: 'policy' | 'promote()' | 'another process'): Promise<void> {
  const old = host.current;
  host.current = live.candidate;
  host.previous = old.version;
  await old.dispose();
  host.emit('promoted', { version: live.version, previous: old.version, by, status: statusOf(live.record) });
  host.emit('activated', { version: live.version, previous: old.version, report: await readReport(host.nameDir, live.version) });
  await prune(host.nameDir, host.opts.keep, [host.current.version, host.previous]);
}

async function rejectLive(host: RolloutHost, state: StoreState, rule: Rule | 'aborted', reason: string): Promise<void> {
  const live = host.live!;
  const { report } = await recordRejection(host.nameDir, state, live.record, rule, reason);
  await endLive(host);
  host.emit('rejected', { version: live.version, code: ErrorCode.ROLLOUT_REJECTED, reason: report.reason!, report, rollout: report.rollout! });
}

/** A verdict of the live policy, made durable (or, if the store changed meanwhile, the change followed). */
async function carryOut(host: RolloutHost, live: LiveRollout, verdict: Exclude<Verdict, { action: 'wait' }>): Promise<void> {
  await host.exclusive(async () => {
    const state = await readState(host.nameDir);
    if (host.live !== live || !sameRollout(state.rollout, live.record)) { await host.follow(); return; }
    if (verdict.action === 'advance') {
      const next: RolloutRecord = { ...structuredClone(live.record), step: verdict.step };
      next.counters.step = { compared: 0, agreed: 0, runs: 0, errors: 0 };
      await recordState(host.nameDir, state, { active: state.active, previous: state.previous, rollout: next });
      live.advanced(verdict.step);
      host.emit('rollout', { phase: 'advanced', status: statusOf(live.record) });
    } else if (verdict.action === 'promote') await promoteLive(host, state, 'policy');
    else await rejectLive(host, state, verdict.rule, verdict.reason);
  }).catch((err: unknown) => {
    warn(err instanceof EdgefnError ? err.code : ErrorCode.INTERNAL, `${host.nameDir}: rollout of ${live.version}: cannot carry out ${verdict.action}: ${messageOf(err)}`);
    live.undecided();
  });
}

/** promote() / abort() on a running store. */
export function decideNow(host: RolloutHost, action: 'promote' | 'abort'): Promise<string> {
  return host.exclusive(async () => {
    const state = await host.follow();
    const live = host.live;
    if (!live || !sameRollout(state.rollout, live.record)) throw new EdgefnError(ErrorCode.NO_CANDIDATE, `${host.nameDir}: no candidate is being rolled out`, { input: host.nameDir });
    if (action === 'promote') await promoteLive(host, state, 'promote()');
    else await rejectLive(host, state, 'aborted', 'aborted by abort()');
    return live.version;
  });
}

/** Called by follow(): a rollout decided or replaced by another process ends here too. */
export async function followRollout(host: RolloutHost, state: StoreState): Promise<void> {
  const live = host.live;
  if (!live || sameRollout(state.rollout, live.record)) return;
  host.live = null;
  await live.stop();
  if (state.active === live.version) {
    await takeOver(host, live, 'another process');
    return;
  }
  await live.candidate.dispose();
  const d = state.decisions[live.version];
  if (d?.verdict === 'rejected' && d.fingerprint === live.record.fingerprint) {
    const report = await readReport(host.nameDir, live.version);
    host.emit('rejected', { version: live.version, code: d.code ?? ErrorCode.ROLLOUT_REJECTED, reason: d.reason, report: report ?? ({ name: null, version: live.version, verdict: 'rejected', fingerprint: d.fingerprint, checkedAt: d.at } as GateReport), ...(report?.rollout ? { rollout: report.rollout } : {}) });
  }
}

/** At boot: the recorded candidate is loaded (after the boot checks) and its rollout goes on; one that cannot be is dropped with a warning. */
export async function resumeRollout(host: RolloutHost): Promise<void> {
  const state = await readState(host.nameDir);
  const r = state.rollout;
  if (!r) return;
  let problem: string | null = null;
  let model: AnyModel | null = null;
  try {
    if (r.version === host.current.version) problem = 'it is the active version';
    else if ((await listVersionDirs(host.nameDir)).includes(r.version) === false) problem = 'its folder is gone';
    else if ((await currentPrint(path.join(host.nameDir, r.version))) !== r.fingerprint) problem = 'its files changed since it passed the gate';
    else {
      const checked = await checkRecorded(host, state, r.version);
      if (checked.model) model = checked.model;
      else problem = `${checked.reason} [${checked.code}]`;
    }
  } catch (err) {
    problem = messageOf(err);
  }
  if (model) {
    host.live = makeLive(host, model, r);
    const status = statusOf(r);
    setImmediate(() => host.emit('rollout', { phase: 'resumed', status }));
    return;
  }
  warn('EDGEFN_ROLLOUT_DROPPED', `${host.nameDir}: the rollout of ${r.version} cannot go on (${problem}); ${host.current.version} stays active`);
  await withLock(host.nameDir, host.opts.lockTimeoutMs, async () => {
    const now = await readState(host.nameDir);
    if (sameRollout(now.rollout, r)) await recordState(host.nameDir, now, { active: now.active, previous: now.previous, rollout: null });
  }).catch((err: unknown) => warn('EDGEFN_STATE_UNWRITABLE', `${host.nameDir}: cannot record that the rollout of ${r.version} was dropped: ${messageOf(err)}`));
}
