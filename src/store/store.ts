/**
 * A running store: the version it serves, and every change to it. Changes run one at a time in
 * this process (`serial`) and hold the store's lock against other processes (`locked`); each
 * starts by following what the state file records (another process, the CLI, may have decided
 * since), so decisions are made against the store as it is. A version that passes the gate under
 * a shadow or canary rollout becomes the candidate (`live`) instead; ./rollout/ runs it.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import gt from 'semver/functions/gt.js';
import lt from 'semver/functions/lt.js';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { listVersionDirs } from '../model/folder.js';
import type { AnyModel } from '../model/load.js';
import type { CallOptions } from '../model/options.js';
import { warn } from '../util/debug.js';
import { bootStore, checkRecorded, gateInput, type StoreContext } from './boot.js';
import { currentPrint, heldBack, readReport, versionDirOf, withDecision, writeReport } from './decisions.js';
import { runGate, type GateReport } from './gate.js';
import { listStore, type VersionInfo } from './list.js';
import { withLock } from './lock.js';
import type { ResolvedStoreOptions } from './options.js';
import { prune } from './prune.js';
import { readState, recordState, type Decision, type StoreState } from './state.js';
import { StoreWatcher } from './watch.js';
import type { StoreEvents } from './events.js';
import { decideNow, endLive, followRollout, resumeRollout, specFor, startRollout, type RolloutHost } from './rollout/control.js';
import { statusOf, type LiveRollout, type RolloutStatus } from './rollout/live.js';
import { StoreDrift } from './drift.js';

export class Store implements StoreContext, RolloutHost {
  readonly events = new EventEmitter();
  current!: AnyModel;
  previous: string | null = null;
  /** The candidate under a shadow or canary rollout, if any. */
  live: LiveRollout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: StoreWatcher | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private closed = false;
  /** The recorded decision this process could not follow (state seq), so it is not retried on every event. */
  private unfollowable = -1;

  /** Drift events, the capture and the retraining request (./drift.ts). */
  readonly drift: StoreDrift;

  constructor(readonly nameDir: string, readonly opts: ResolvedStoreOptions) {
    this.drift = new StoreDrift(this, opts.drift);
    // Every version this store loads reports its monitor's changes here.
    opts.load = this.drift.loadOptions(opts.load);
  }

  /** Store operations one at a time in this process. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** One writer at a time across processes. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.nameDir, this.opts.lockTimeoutMs, fn);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(() => this.locked(fn));
  }

  /** A call: the active version, or the rollout's routing while a candidate is live. */
  call(input: unknown, o?: CallOptions): Promise<unknown> {
    const answer = this.live ? this.live.call(input, o) : this.current(input, o);
    // The evidence is looked at once the answer is the caller's, never awaited by it.
    return answer.then((result) => {
      this.drift.observe(input, result, Array.isArray(result));
      return result;
    });
  }

  emit<E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]): void {
    this.events.emit(event, ...args);
  }

  /** Says out loud what failed in the background (a scan, following another process): a warning and a 'failed' event. */
  private fail(operation: 'scan' | 'follow', version: string | null, err: unknown): void {
    const code = err instanceof EdgefnError ? err.code : ErrorCode.INTERNAL;
    const reason = messageOf(err);
    warn(code, `${this.nameDir}: ${operation}${version ? ` of ${version}` : ''} failed: ${reason}`);
    this.emit('failed', { operation, version, code, reason });
  }

  async boot(): Promise<void> {
    const b = await bootStore(this);
    this.current = b.model;
    this.previous = b.previous;
    await resumeRollout(this);
    // After the last await of the boot: open() has returned its function by the time this fires, so a listener attached at once hears it.
    if (b.replaced) {
      const { from, reason } = b.replaced;
      setImmediate(() => this.emit('rolledBack', { version: b.model.version, from, reason }));
    }
  }

  private refuseBelowMin(version: string): void {
    const min = this.opts.minVersion;
    if (min !== null && lt(version, min)) {
      throw new EdgefnError(ErrorCode.DOWNGRADE_REFUSED, `${this.nameDir}: ${version} is below the store's minVersion ${min}; it is never made active`, { input: path.join(this.nameDir, version), field: 'minVersion' });
    }
  }

  /**
   * Serves what the state file records when it differs from what this process serves (another
   * process decided), after the same checks as a boot. Returns the state read.
   */
  async follow(): Promise<StoreState> {
    const state = await readState(this.nameDir);
    await followRollout(this, state);
    if (state.active === null || state.active === this.current.version) {
      if (state.active !== null) this.previous = state.previous;
      return state;
    }
    if (state.seq === this.unfollowable) return state;
    const r = await checkRecorded(this, state, state.active).catch((err: unknown) => ({ model: null, code: ErrorCode.INTERNAL, reason: messageOf(err) }));
    if (!r.model) {
      this.unfollowable = state.seq;
      this.fail('follow', state.active, new EdgefnError(r.code as ErrorCode, `the store records ${state.active} as active, but it cannot be served (${r.reason}); still serving ${this.current.version}`));
      return state;
    }
    const old = this.current;
    this.current = r.model;
    this.previous = state.previous;
    await old.dispose();
    this.emit('activated', { version: r.model.version, previous: old.version, report: await readReport(this.nameDir, r.model.version) });
    return state;
  }

  /** Records `model` as active (durably) and switches to it; on failure the new model is released and nothing changes. */
  private async swap(model: AnyModel, state: StoreState, decisions: Record<string, Decision>): Promise<string> {
    const old = this.current;
    try {
      // An explicit activation or rollback ends a rollout under way (the candidate is not decided: a scan may judge it again).
      await recordState(this.nameDir, state, { active: model.version, previous: old.version, decisions, rollout: null });
    } catch (err) {
      await model.dispose();
      throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `${this.nameDir}: cannot record ${model.version} as active (${messageOf(err)}); ${old.version} stays active`, { cause: err, input: this.nameDir });
    }
    await endLive(this);
    this.current = model;
    this.previous = old.version;
    await old.dispose(); // waits for the calls still running on it
    return old.version;
  }

  /** Keeps a rejection: its report, and a decision in the state (both best effort: the rejection itself stands). */
  private async recordRejection(state: StoreState, report: GateReport): Promise<void> {
    await writeReport(this.nameDir, report).catch((err: unknown) => warn(ErrorCode.STORE_WRITE_FAILED, messageOf(err)));
    const d: Decision = { verdict: 'rejected', fingerprint: report.fingerprint, reason: report.reason ?? 'rejected', at: report.checkedAt, ...(report.code ? { code: report.code } : {}) };
    const present = await listVersionDirs(this.nameDir);
    await recordState(this.nameDir, state, { active: state.active, previous: state.previous, decisions: withDecision(state, report.version, d, present) })
      .catch((err: unknown) => warn(ErrorCode.STORE_WRITE_FAILED, `${this.nameDir}: cannot record the rejection of ${report.version}: ${messageOf(err)}`));
  }

  /** The gate on `version` against the active one, then the swap. Runs under the lock. */
  private async judge(version: string, state: StoreState, explicit: boolean): Promise<GateReport> {
    const dir = path.join(this.nameDir, version);
    const { report, model } = await runGate(dir, gateInput(this, this.current));
    if (!model) {
      if (report.code !== ErrorCode.VERSION_INCOMPLETE) await this.recordRejection(state, report);
      if (report.code !== ErrorCode.VERSION_INCOMPLETE || explicit) this.emit('rejected', { version, code: report.code!, reason: report.reason!, report });
      return report;
    }
    await writeReport(this.nameDir, report).catch((err: unknown) => warn(ErrorCode.STORE_WRITE_FAILED, messageOf(err)));
    this.emit('validated', { version, report });
    const spec = specFor(this, model);
    if (spec.mode !== 'immediate' && !explicit) {
      await startRollout(this, model, report, state, spec);
      return report;
    }
    const present = await listVersionDirs(this.nameDir);
    const previous = await this.swap(model, state, withDecision(state, version, null, present));
    this.emit('activated', { version, previous, report });
    await prune(this.nameDir, this.opts.keep, [this.current.version, this.previous]);
    return report;
  }

  activate(version: string): Promise<GateReport> {
    return this.serial(async () => {
      const dir = await versionDirOf(this.nameDir, version);
      this.refuseBelowMin(version);
      return this.locked(async () => {
        const state = await this.follow();
        if (version === this.current.version) {
          return (await readReport(this.nameDir, version)) ?? ({ name: this.current.name, version, verdict: 'accepted', fingerprint: await currentPrint(dir), checkedAt: new Date().toISOString() } as GateReport);
        }
        const report = await this.judge(version, state, true);
        if (report.verdict === 'rejected') throw new EdgefnError(report.code!, report.reason!, { input: dir });
        return report;
      });
    });
  }

  rollback(): Promise<string> {
    return this.serial(() => this.locked(async () => {
      const state = await this.follow();
      const target = this.previous;
      if (target === null) throw new EdgefnError(ErrorCode.VERSION_NOT_FOUND, `${this.nameDir}: no previous version to roll back to`, { input: this.nameDir });
      const dir = await versionDirOf(this.nameDir, target, 'previous');
      this.refuseBelowMin(target);
      const { report, model } = await runGate(dir, gateInput(this, null, true));
      if (!model) throw new EdgefnError(report.code!, `cannot roll back to ${target}: ${report.reason}`, { input: dir });
      const from = this.current.version;
      // The version rolled back from stays out (boot, scan, other processes) until its files change.
      const print = await currentPrint(path.join(this.nameDir, from));
      const held: Decision = { verdict: 'rolledBack', fingerprint: print, reason: `rolled back to ${target}`, at: new Date().toISOString() };
      const present = await listVersionDirs(this.nameDir);
      const decisions = withDecision({ ...state, decisions: withDecision(state, target, null, present) }, from, held, present);
      await this.swap(model, state, decisions);
      const fromReport = await readReport(this.nameDir, from);
      if (fromReport) {
        await writeReport(this.nameDir, { ...fromReport, heldBack: { reason: held.reason, fingerprint: print, at: held.at } }).catch((err: unknown) => warn(ErrorCode.STORE_WRITE_FAILED, messageOf(err)));
      }
      this.emit('rolledBack', { version: target, from, reason: 'rollback()' });
      return target;
    }));
  }

  /** Follows the recorded state, then judges new versions above the active one, newest first. */
  scan(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      let candidate: string | null = null;
      try {
        const state = await this.follow();
        for (const v of await listVersionDirs(this.nameDir)) {
          // While a candidate is live only a newer version is judged (it replaces the candidate).
          if (!gt(v, this.live?.version ?? this.current.version)) break;
          if ((this.opts.minVersion !== null && lt(v, this.opts.minVersion)) || (await heldBack(this.nameDir, state, v))) continue;
          candidate = v;
          const outcome = await this.locked(async () => {
            // Decided again under the lock: another process may have changed the store meanwhile.
            const now = await this.follow();
            if (!gt(v, this.live?.version ?? this.current.version) || (await heldBack(this.nameDir, now, v))) return 'skipped';
            this.emit('candidate', { version: v, dir: path.join(this.nameDir, v) });
            const r = await this.judge(v, now, false);
            return r.code === ErrorCode.VERSION_INCOMPLETE ? 'incomplete' : r.verdict;
          });
          // Still being copied: look again once it has had time to settle; no verdict kept.
          if (outcome === 'incomplete') this.scheduleScan(this.opts.policy.settleMs);
          if (outcome === 'accepted') return; // the newest acceptable version is active
        }
      } catch (err) {
        this.fail('scan', candidate, err);
        this.scheduleScan(Math.max(this.opts.policy.settleMs, 1000));
      }
    });
  }

  private scheduleScan(ms: number): void {
    if (this.closed || this.rescan) return;
    this.rescan = setTimeout(() => {
      this.rescan = null;
      void this.scan();
    }, ms + 50);
  }

  startWatching(): void {
    // A short debounce lets a burst of events (a copy, a rename) become one scan.
    this.watcher = new StoreWatcher(this.nameDir, () => this.scheduleScan(100));
    this.watcher.start();
    this.scheduleScan(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.rescan) clearTimeout(this.rescan);
    await this.live?.close(); // its counters flushed
    await this.serial(async () => {});
    await endLive(this);
    await this.current.dispose();
    await this.drift.close();
  }

  /** The live rollout's figures, or null. */
  rollout(): RolloutStatus | null {
    return this.live ? statusOf(this.live.record) : null;
  }

  /** promote() / abort(): decides the live rollout now; NO_CANDIDATE without one. Returns the candidate's version. */
  decide(action: 'promote' | 'abort'): Promise<string> {
    return decideNow(this, action);
  }

  async versions(): Promise<VersionInfo[]> {
    return (await listStore(this.nameDir, { active: this.current.version, previous: this.previous })).versions;
  }
}
