/**
 * A store's side of drift monitoring: each version it loads is monitored (when it has a profile)
 * with the monitor's changes emitted as `drift` events; calls made while drifted, or answered
 * below `belowConfidence`, are kept in the capture folder; and when drift persists for
 * `retrainAfter` drifted calls, a retraining request is written and `retrainRequested` emitted,
 * once per drift episode. Nothing here is on a caller's path: a capture write is started after
 * the answer is handed back and never awaited by the caller, one at a time (a call arriving while
 * one is under way is dropped and counted), so a slow SD card costs evidence, not latency.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { Capture, captureDirOf, snapshotInput } from '../drift/capture.js';
import { writeRetrainRequest, type RetrainRequest } from '../drift/retrain.js';
import type { DriftState } from '../drift/types.js';
import type { MonitorOptions } from '../drift/monitor-options.js';
import type { AnyModel } from '../model/load.js';
import type { LoadOptions } from '../model/options.js';
import { warn } from '../util/debug.js';
import type { StoreEvents } from './events.js';
import type { DriftSettings } from './options.js';

export interface DriftHost {
  readonly nameDir: string;
  readonly current: AnyModel;
  emit<E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]): void;
}

export interface DriftFigures {
  /** Items handed to the capture, and calls not kept because a write was under way or failed. */
  captured: number;
  dropped: number;
  failed: number;
}

export class StoreDrift {
  private capture: Promise<Capture> | null = null;
  private writing: Promise<void> | null = null;
  private failing = false;
  private drifted = new Map<string, { calls: number; requested: boolean }>();
  readonly figures: DriftFigures = { captured: 0, dropped: 0, failed: 0 };

  constructor(private readonly host: DriftHost, private readonly settings: DriftSettings) {}

  /** The load options every version of the store is loaded with: its monitor reports here. */
  loadOptions(load: LoadOptions): LoadOptions {
    if (load.monitor === false) return load;
    const given = typeof load.monitor === 'object' ? load.monitor : {};
    // The store's event first: an application callback that throws (caught and warned about by
    // ../drift/attach.ts) must not keep the event, the capture or the retraining request from it.
    const onDrift: MonitorOptions['onDrift'] = (state, model) => {
      this.changed(model.version, state);
      given.onDrift?.(state, model);
    };
    return { ...load, monitor: { ...given, onDrift } };
  }

  private changed(version: string, state: DriftState): void {
    // A new episode starts on entering; leaving ends it (a later one may ask for retraining again).
    if (state.drifted) this.drifted.set(version, { calls: 0, requested: false });
    else this.drifted.delete(version);
    this.host.emit('drift', { version, state });
  }

  /** Looks at a call's answers once they are the caller's: keeps evidence, counts drifted calls. */
  observe(input: unknown, result: unknown, batch: boolean): void {
    const results = batch && Array.isArray(result) ? result : [result];
    const inputs = batch && Array.isArray(input) ? input : [input];
    results.forEach((r, i) => this.one(inputs[i], r));
  }

  private one(input: unknown, result: unknown): void {
    if (result === null || typeof result !== 'object') return;
    const r = result as { drift?: boolean; score?: number; model?: { version?: string } };
    const version = r.model?.version ?? this.host.current.version;
    const below = this.settings.capture !== false && this.settings.capture.belowConfidence !== null && typeof r.score === 'number' && r.score < this.settings.capture.belowConfidence;
    if (r.drift === true) this.persist(version);
    if (r.drift === true || below) this.keep(input, result, version, r.drift === true ? 'drift' : 'low-confidence');
  }

  private persist(version: string): void {
    const episode = this.drifted.get(version);
    if (!episode || episode.requested || ++episode.calls < this.settings.retrainAfter) return;
    episode.requested = true;
    const state = this.host.current.version === version ? this.host.current.drift?.() : null;
    if (!state) return;
    void this.request(version, state);
  }

  private async request(version: string, state: DriftState): Promise<void> {
    const capture = this.capture ? await this.capture.catch(() => null) : null;
    const request: RetrainRequest = {
      name: this.host.current.name, version, since: state.since ?? new Date().toISOString(), requestedAt: new Date().toISOString(),
      window: state.window, moved: state.moved, captured: capture ? capture.usage() : { items: 0, bytes: 0 },
    };
    try {
      const file = await writeRetrainRequest(this.host.nameDir, request);
      this.host.emit('retrainRequested', { version, file, request });
    } catch (err) {
      warn(err instanceof EdgefnError ? err.code : ErrorCode.STORE_WRITE_FAILED, `${this.host.nameDir}: ${messageOf(err)}`);
    }
  }

  private keep(input: unknown, result: unknown, version: string, reason: 'drift' | 'low-confidence'): void {
    const c = this.settings.capture;
    if (c === false) return;
    if (this.writing) {
      this.figures.dropped++;
      return;
    }
    // Opened at the first item: a store that never drifts creates no folder.
    this.capture ??= Capture.open({ dir: c.dir ?? captureDirOf(this.host.nameDir), maxBytes: c.maxBytes, maxItems: c.maxItems });
    const features = this.host.current.manifest.input.kind === 'tabular' ? this.host.current.manifest.input.features : undefined;
    // Copied now, before the caller gets its answer back and maybe reuses the frame buffer (the
    // capture opens asynchronously at its first item).
    const item = { input: snapshotInput(input), result, version, reason, ...(features ? { features } : {}) };
    this.writing = this.capture
      .then((capture) => capture.add(item))
      .then(() => {
        this.figures.captured++;
        this.failing = false;
      }, (err: unknown) => {
        this.figures.failed++;
        this.figures.dropped++;
        // Said once per run of failures: a full or read-only card would otherwise warn on every call.
        if (!this.failing) warn(err instanceof EdgefnError ? err.code : ErrorCode.STORE_WRITE_FAILED, `${this.host.nameDir}: capture: ${messageOf(err)}`);
        this.failing = true;
      })
      .finally(() => { this.writing = null; });
  }

  /** Waits for the write under way (dispose()). */
  async close(): Promise<void> {
    await this.writing;
  }
}
