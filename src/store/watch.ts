/**
 * Watches a model folder for anything that can change a decision: version folders appearing or
 * being renamed in, files changing inside them (a manifest copied last, a golden image copied
 * late, a rejected version fixed in place), and state.json replaced by another process.
 *
 * fs.watch (inotify on Linux) on the model folder and on each version folder and its
 * subfolders; no polling while nothing changes. The set of watched folders is refreshed on every
 * change to the model folder. Our own lock and temporary files are ignored, so the store's own
 * writes do not wake it.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import valid from 'semver/functions/valid.js';
import { messageOf } from '../errors.js';
import { debug } from '../util/debug.js';

const log = debug('store');
/** Enough for any real store; a folder flooded with version folders still costs a bounded number of watches. */
const MAX_WATCHED = 128;
/** Files the store writes itself beside the versions (reports, the retraining request, the drift capture): no rescan for them. */
const IGNORED = /^\.|\.report\.json$|^retrain-request\.json$|^capture$/;

export class StoreWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;
  private refreshing: Promise<void> | null = null;
  /** A change arrived while refreshing: the folder list read may predate it, so refresh again. */
  private again = false;

  /** `onChange` is called (often, in bursts: debounce it) for every relevant change. */
  constructor(private readonly nameDir: string, private readonly onChange: () => void) {}

  start(): void {
    this.add(this.nameDir, (_event, name) => {
      if (name && IGNORED.test(name)) return;
      void this.refresh();
      this.onChange();
    });
    void this.refresh();
  }

  private add(dir: string, onEvent: (event: string, name: string | null) => void): void {
    if (this.closed || this.watchers.has(dir) || this.watchers.size >= MAX_WATCHED) return;
    try {
      const w = fsWatch(dir, (event, name) => onEvent(event, name === null ? null : String(name)));
      // A watched version folder that is deleted or renamed away ends its watch.
      w.on('error', (err) => {
        log('watch %s: %s', dir, messageOf(err));
        this.drop(dir);
      });
      this.watchers.set(dir, w);
    } catch (err) {
      log('cannot watch %s: %s', dir, messageOf(err));
    }
  }

  private drop(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  /** Watches every version folder (named by semver, with or without a manifest yet) and its subfolders. */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        const wanted = new Set<string>([this.nameDir]);
        const entries = await readdir(this.nameDir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          if (!e.isDirectory() || valid(e.name) !== e.name) continue;
          const dir = path.join(this.nameDir, e.name);
          wanted.add(dir);
          const inner = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
          for (const i of inner) if (i.isDirectory()) wanted.add(path.join(i.parentPath ?? (i as unknown as { path: string }).path, i.name));
        }
        for (const dir of [...this.watchers.keys()]) if (!wanted.has(dir)) this.drop(dir);
        for (const dir of wanted) {
          if (dir === this.nameDir) continue;
          this.add(dir, (event, name) => {
            if (name && /^\..*\.tmp$/.test(name)) return;
            if (event === 'rename') void this.refresh(); // maybe a new subfolder
            this.onChange();
          });
        }
      } finally {
        this.refreshing = null;
      }
      if (this.again && !this.closed) {
        this.again = false;
        await this.refresh();
        this.onChange(); // what changed meanwhile may sit in a folder watched only now
      }
    })();
    return this.refreshing;
  }

  close(): void {
    this.closed = true;
    for (const dir of [...this.watchers.keys()]) this.drop(dir);
  }
}
