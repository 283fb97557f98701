/**
 * open(): a model store folder in, a function out that always calls the active version.
 *
 *   const model = await open('models/fashion-mnist', { watch: true });
 *   await model('shoe.png');               // the active version answers
 *   model.on('activated', (e) => ...);     // a new version passed the gate and took over
 *
 * Swaps are safe for callers: the new version is loaded and warmed before the switch, calls
 * already running finish on the old version (its dispose() waits for them), calls arriving after
 * the switch use the new one.
 */
import { EventEmitter } from 'node:events';
import { rm, writeFile, readFile } from 'node:fs/promises';
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import gt from 'semver/functions/gt.js';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { listVersionDirs, readManifest } from '../model/folder.js';
import { load, type AnyModel } from '../model/load.js';
import type { CallOptions } from '../model/options.js';
import type { Classification } from '../model/tasks/image-classification.js';
import type { ImageInput } from '../preprocess/image.js';
import { debug, warn } from '../util/debug.js';
import { invalidArgument } from '../util/validate.js';
import { fingerprint, runGate, type GateInput, type GateReport } from './gate.js';
import { readSharedGoldenSet, type GoldenScore } from './golden.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from './options.js';
import { readState, writeState } from './state.js';

const log = debug('store');

export interface StoreEvents {
  /** A new version folder is complete and about to be checked. */
  candidate: [{ version: string; dir: string }];
  /** A version passed the gate. */
  validated: [{ version: string; report: GateReport }];
  /** A version failed the gate; the active version keeps serving. */
  rejected: [{ version: string; code: string; reason: string; report: GateReport }];
  /** A version became active. */
  activated: [{ version: string; previous: string | null; report: GateReport | null }];
  /** The previous version became active again (by rollback(), or because the active one no longer loads). */
  rolledBack: [{ version: string; from: string | null; reason: string }];
}

export interface VersionInfo {
  version: string;
  active: boolean;
  previous: boolean;
  /** The last gate verdict stored beside the version, if any. */
  report: GateReport | null;
}

/** The store's callable: always the active version. `I`/`R` as for load() (an image classifier by default). */
export interface StoreModel<I = ImageInput, R = Classification> {
  (input: I, options?: CallOptions): Promise<R>;
  (inputs: readonly I[], options?: CallOptions): Promise<R[]>;
  /** The model's name and the active version. */
  readonly name: string;
  readonly version: string;
  /** The active version's loaded model (manifest, labels, runtime, ...). */
  readonly active: AnyModel;
  /** The store's folder for this model (`<store>/<name>`). */
  readonly dir: string;
  /** Every version folder, newest first, with its state and last report. */
  versions(): Promise<VersionInfo[]>;
  /** Runs the gate on `version` and makes it active; rejects with the gate's code if it fails. */
  activate(version: string): Promise<GateReport>;
  /** Makes the previously active version active again. */
  rollback(): Promise<string>;
  /** Looks for new complete versions now (the watcher does this by itself). */
  scan(): Promise<void>;
  on<E extends keyof StoreEvents>(event: E, listener: (...args: StoreEvents[E]) => void): StoreModel<I, R>;
  once<E extends keyof StoreEvents>(event: E, listener: (...args: StoreEvents[E]) => void): StoreModel<I, R>;
  off<E extends keyof StoreEvents>(event: E, listener: (...args: StoreEvents[E]) => void): StoreModel<I, R>;
  /** Stops watching, waits for calls under way, releases the active version. */
  dispose(): Promise<void>;
}

/** Where the gate's report for a version is kept: beside the version folder. */
export const reportPath = (nameDir: string, version: string) => path.join(nameDir, `${version}.report.json`);

async function readReport(nameDir: string, version: string): Promise<GateReport | null> {
  try {
    return JSON.parse(await readFile(reportPath(nameDir, version), 'utf8')) as GateReport;
  } catch {
    return null;
  }
}

class Store {
  readonly events = new EventEmitter();
  current!: AnyModel;
  previous: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private readonly baselineScores = new Map<string, GoldenScore>();
  private closed = false;

  constructor(readonly nameDir: string, readonly opts: ResolvedStoreOptions) {}

  /** Runs store operations one at a time: activations, rollbacks and scans never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  async boot(): Promise<void> {
    const state = await readState(this.nameDir);
    const versions = await listVersionDirs(this.nameDir);
    const order = [...new Set([state.active, state.previous, ...versions].filter((v): v is string => v !== null))];
    const reasons: string[] = [];
    for (const v of order) {
      const dir = path.join(this.nameDir, v);
      try {
        if (v === state.active || v === state.previous) {
          // Validated before it was activated: integrity and compatibility are checked again by load().
          this.current = await load(dir, this.opts.load);
        } else {
          // Never active here: the whole gate, with nothing to compare against.
          const { report, model } = await runGate(dir, this.gateInput(null));
          await this.saveReport(report);
          if (!model) throw new EdgefnError(report.code ?? ErrorCode.VALIDATION_FAILED, report.reason ?? 'rejected');
          this.current = model;
        }
      } catch (err) {
        reasons.push(`${v}: ${messageOf(err)}`);
        continue;
      }
      if (v !== state.active) {
        const from = state.active;
        this.previous = from === null ? null : (v === state.previous ? null : state.previous);
        try {
          await writeState(this.nameDir, v, this.previous);
        } catch (err) {
          // A read-only store (an installed package, a mounted image) still serves.
          warn('EDGEFN_STATE_UNWRITABLE', `${this.nameDir}: cannot record ${v} as active: ${messageOf(err)}`);
        }
        if (from !== null) {
          warn('EDGEFN_ACTIVE_INVALID', `${this.nameDir}: active version ${from} no longer loads (${reasons[0]}); serving ${v}`);
          setImmediate(() => this.emit('rolledBack', { version: v, from, reason: reasons[0] ?? '' }));
        }
      } else {
        this.previous = state.previous;
      }
      log('%s: serving %s (previous %s)', this.nameDir, v, this.previous);
      return;
    }
    throw new EdgefnError(ErrorCode.NO_VALID_VERSION, `No valid version in ${this.nameDir}${reasons.length ? `:\n  ${reasons.join('\n  ')}` : ' (no version folders)'}`, { input: this.nameDir });
  }

  private gateInput(baseline: AnyModel | null, skipValidation = false): GateInput {
    return { policy: this.opts.policy, loadOptions: this.opts.load, baseline, sharedGolden: null, baselineScores: this.baselineScores, skipValidation };
  }

  private emit<E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]): void {
    this.events.emit(event, ...args);
  }

  private async saveReport(report: GateReport): Promise<void> {
    try {
      await writeFile(reportPath(this.nameDir, report.version), `${JSON.stringify(report, null, 2)}\n`);
    } catch (err) {
      log('cannot write report for %s: %s', report.version, messageOf(err));
    }
  }

  private async swap(model: AnyModel): Promise<string> {
    const old = this.current;
    // Durable first: after a power cut the device boots what the state file says.
    await writeState(this.nameDir, model.version, old.version);
    this.current = model;
    this.previous = old.version;
    await old.dispose(); // waits for the calls still running on it
    return old.version;
  }

  activate(version: string, automatic = false): Promise<GateReport> {
    return this.serial(async () => {
      if (version === this.current.version && !automatic) {
        return (await readReport(this.nameDir, version)) ?? ({ name: this.current.name, version, verdict: 'accepted', fingerprint: '', checkedAt: new Date().toISOString() } as GateReport);
      }
      const dir = path.join(this.nameDir, version);
      const input = this.gateInput(this.current);
      input.sharedGolden = await readSharedGoldenSet(this.nameDir).catch(() => null);
      const { report, model } = await runGate(dir, input);
      await this.saveReport(report);
      if (!model) {
        this.emit('rejected', { version, code: report.code!, reason: report.reason!, report });
        throw new EdgefnError(report.code!, report.reason!, { input: dir });
      }
      this.emit('validated', { version, report });
      const previous = await this.swap(model);
      this.emit('activated', { version, previous, report });
      await this.prune();
      return report;
    });
  }

  rollback(): Promise<string> {
    return this.serial(async () => {
      const target = this.previous;
      if (target === null) throw new EdgefnError(ErrorCode.VERSION_NOT_FOUND, `${this.nameDir}: no previous version to roll back to`, { input: this.nameDir });
      const { report, model } = await runGate(path.join(this.nameDir, target), this.gateInput(null, true));
      if (!model) throw new EdgefnError(report.code!, `cannot roll back to ${target}: ${report.reason}`, { input: this.nameDir });
      const from = await this.swap(model);
      this.emit('rolledBack', { version: target, from, reason: 'rollback()' });
      return target;
    });
  }

  /** Deletes the oldest versions beyond `keep`, never the active or previous one. */
  private async prune(): Promise<void> {
    const versions = await listVersionDirs(this.nameDir);
    const keep = new Set([this.current.version, this.previous, ...versions.slice(0, this.opts.keep)]);
    for (const v of versions) {
      if (keep.has(v)) continue;
      log('pruning %s', v);
      await rm(path.join(this.nameDir, v), { recursive: true, force: true });
      await rm(reportPath(this.nameDir, v), { force: true });
    }
  }

  /** New versions above the active one, complete and not already rejected as they are. */
  scan(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      const versions = await listVersionDirs(this.nameDir);
      for (const v of versions) {
        if (!gt(v, this.current.version)) break;
        const dir = path.join(this.nameDir, v);
        const report = await readReport(this.nameDir, v);
        const print = await fingerprint(dir, await readManifest(dir).catch(() => null));
        if (report?.verdict === 'rejected' && report.fingerprint === print) continue;
        this.emit('candidate', { version: v, dir });
        try {
          const input = this.gateInput(this.current);
          input.sharedGolden = await readSharedGoldenSet(this.nameDir).catch(() => null);
          const { report: r, model } = await runGate(dir, input);
          if (r.code === ErrorCode.VERSION_INCOMPLETE) {
            // Still being copied: look again once it has had time to settle; no verdict kept.
            model?.dispose();
            this.scheduleScan(this.opts.policy.settleMs);
            continue;
          }
          await this.saveReport(r);
          if (!model) {
            this.emit('rejected', { version: v, code: r.code!, reason: r.reason!, report: r });
            continue;
          }
          this.emit('validated', { version: v, report: r });
          const previous = await this.swap(model);
          this.emit('activated', { version: v, previous, report: r });
          await this.prune();
        } catch (err) {
          log('scan of %s failed: %s', v, messageOf(err));
        }
        return; // the newest acceptable version is active: older candidates no longer matter
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
    // fs.watch on the model's folder sees version folders appear and be renamed into place;
    // a short debounce lets a burst of events become one scan. No polling while nothing changes.
    this.watcher = fsWatch(this.nameDir, () => this.scheduleScan(100));
    this.watcher.on('error', (err) => log('watch error: %s', messageOf(err)));
    this.scheduleScan(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.rescan) clearTimeout(this.rescan);
    await this.serial(async () => {});
    await this.current.dispose();
  }

  async versions(): Promise<VersionInfo[]> {
    const out: VersionInfo[] = [];
    for (const v of await listVersionDirs(this.nameDir)) {
      out.push({ version: v, active: v === this.current.version, previous: v === this.previous, report: await readReport(this.nameDir, v) });
    }
    return out;
  }
}

export async function open<I = ImageInput, R = Classification>(dir: string, options?: StoreOptions): Promise<StoreModel<I, R>> {
  if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('a model store folder path', 'dir', dir);
  const store = new Store(path.resolve(dir), resolveStoreOptions(options));
  await store.boot();
  if (store.opts.watch) store.startWatching();

  const call = ((input: unknown, o?: CallOptions) => store.current(input, o)) as StoreModel<I, R>;
  Object.defineProperties(call, {
    name: { get: () => store.current.name, enumerable: true },
    version: { get: () => store.current.version, enumerable: true },
    active: { get: () => store.current, enumerable: true },
    dir: { value: store.nameDir, enumerable: true },
    versions: { value: () => store.versions() },
    activate: { value: (v: string) => store.activate(v) },
    rollback: { value: () => store.rollback() },
    scan: { value: () => store.scan() },
    on: { value: (e: string, l: (...a: unknown[]) => void) => { store.events.on(e, l); return call; } },
    once: { value: (e: string, l: (...a: unknown[]) => void) => { store.events.once(e, l); return call; } },
    off: { value: (e: string, l: (...a: unknown[]) => void) => { store.events.off(e, l); return call; } },
    dispose: { value: () => store.close() },
  });
  return call;
}
