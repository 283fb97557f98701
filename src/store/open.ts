/**
 * open(): a model store folder in, a function out that always calls the active version.
 *
 *   const model = await open('models/fashion-mnist', { watch: true });
 *   await model('shoe.png');               // the active version answers
 *   model.on('activated', (e) => ...);     // a new version passed the gate and took over
 *
 * Swaps are safe for callers: the new version is loaded and warmed before the switch, calls
 * already running finish on the old version (its dispose() waits for them), calls arriving after
 * the switch use the new one. The store itself is in ./store.ts; what it boots, ./boot.ts.
 */
import path from 'node:path';
import type { AnyModel } from '../model/load.js';
import type { ExplainOptions, Explanation } from '../explain/types.js';
import type { DriftState } from '../drift/types.js';
import type { Manifest } from '../manifest/index.js';
import type { CallOptions } from '../model/options.js';
import type { Classification } from '../model/tasks/image-classification.js';
import type { ImageInput } from '../preprocess/image.js';
import { invalidArgument } from '../util/validate.js';
import type { StoreEvents } from './events.js';
import type { GateReport } from './gate.js';
import type { VersionInfo } from './list.js';
import type { RolloutStatus } from './rollout/live.js';
import { resolveStoreOptions, type StoreOptions } from './options.js';
import { Store } from './store.js';

export type { StoreEvents } from './events.js';
export type { VersionInfo } from './list.js';
export type { RolloutStatus } from './rollout/live.js';
export { reportPath } from './decisions.js';

/** The store's callable: always the active version. `I`/`R` as for load() (an image classifier by default). */
export interface StoreModel<I = ImageInput, R = Classification> {
  (input: I, options?: CallOptions): Promise<R>;
  (inputs: readonly I[], options?: CallOptions): Promise<R[]>;
  /** The model's name and the active version. */
  readonly name: string;
  readonly version: string;
  /** The active version's manifest (a loop reads its window from it). */
  readonly manifest: Manifest;
  /** The active version's labels. */
  readonly labels: readonly string[];
  /** Why the active version answers what it does for `input` (see load()'s explain()). */
  explain(input: I, options?: ExplainOptions): Promise<Explanation>;
  /** The active version's loaded model (manifest, labels, runtime, ...). */
  readonly active: AnyModel;
  /** The store's folder for this model (`<store>/<name>`). */
  readonly dir: string;
  /** Every version folder, newest first, with its state, last report and any decision holding it back. */
  versions(): Promise<VersionInfo[]>;
  /** Runs the gate on `version` (a version folder's name in this store) and makes it active; rejects with the gate's code if it fails. */
  activate(version: string): Promise<GateReport>;
  /** Makes the previously active version active again; the one rolled back from stays out until its files change. */
  rollback(): Promise<string>;
  /** Follows decisions recorded by other processes and looks for new complete versions now (the watcher does this by itself). */
  scan(): Promise<void>;
  /** The active version's drift monitor state (README "Drift"), or null when it is not monitored. */
  drift(): DriftState | null;
  /** The candidate's live rollout (shadow or canary) and its figures, or null when none is under way. */
  rollout(): RolloutStatus | null;
  /** Makes the candidate active now, whatever its figures; rejects with EDGEFN_NO_CANDIDATE without one. Returns its version. */
  promote(): Promise<string>;
  /** Rejects the candidate now (EDGEFN_ROLLOUT_REJECTED, kept until its files change); EDGEFN_NO_CANDIDATE without one. Returns its version. */
  abort(): Promise<string>;
  on<E extends keyof StoreEvents>(event: E, listener: (...args: StoreEvents[E]) => void): StoreModel<I, R>;
  once<E extends keyof StoreEvents>(event: E, listener: (...args: StoreEvents[E]) => void): StoreModel<I, R>;
  off<E extends keyof StoreEvents>(event: E, listener: (...args: StoreEvents[E]) => void): StoreModel<I, R>;
  /** Stops watching, waits for calls under way, releases the active version. */
  dispose(): Promise<void>;
}

export async function open<I = ImageInput, R = Classification>(dir: string, options?: StoreOptions): Promise<StoreModel<I, R>> {
  if (typeof dir !== 'string' || dir.length === 0) throw invalidArgument('a model store folder path', 'dir', dir);
  const store = new Store(path.resolve(dir), resolveStoreOptions(options));
  await store.boot();
  if (store.opts.watch) store.startWatching();

  const call = ((input: unknown, o?: CallOptions) => store.call(input, o)) as StoreModel<I, R>;
  Object.defineProperties(call, {
    name: { get: () => store.current.name, enumerable: true },
    version: { get: () => store.current.version, enumerable: true },
    active: { get: () => store.current, enumerable: true },
    manifest: { get: () => store.current.manifest, enumerable: true },
    labels: { get: () => store.current.labels, enumerable: true },
    explain: { value: (input: unknown, o?: ExplainOptions) => store.current.explain(input, o) },
    dir: { value: store.nameDir, enumerable: true },
    versions: { value: () => store.versions() },
    activate: { value: (v: string) => store.activate(v) },
    rollback: { value: () => store.rollback() },
    scan: { value: () => store.scan() },
    rollout: { value: () => store.rollout() },
    drift: { value: () => store.current.drift() },
    promote: { value: () => store.decide('promote') },
    abort: { value: () => store.decide('abort') },
    on: { value: (e: string, l: (...a: unknown[]) => void) => { store.events.on(e, l); return call; } },
    once: { value: (e: string, l: (...a: unknown[]) => void) => { store.events.once(e, l); return call; } },
    off: { value: (e: string, l: (...a: unknown[]) => void) => { store.events.off(e, l); return call; } },
    dispose: { value: () => store.close() },
  });
  return call;
}
