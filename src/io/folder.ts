/**
 * A folder as a source: the images in it, then (with `watch`) each image that arrives, through
 * the file system's own notifications (inotify; no polling). A file counts as arrived once no
 * event has touched it for `settleMs`, so a copy in progress is not read half-written; writers
 * that can should write elsewhere and rename into the folder.
 *
 * A folder is data at rest: nothing in it is ever dropped. The source is pulled, not pushed:
 * each next() takes the next file name, so the loop's queue policy (`block`) is the back-pressure
 * and the folder is read no faster than the model scores. Names of new files wait in a set of at
 * most `capacity`; beyond it the folder is simply listed again once those are taken.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { debug } from '../util/debug.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';

const log = debug('folder');

export interface FolderSourceOptions {
  /** Keep watching for new files after the existing ones. Default true. */
  watch?: boolean;
  /** Yield the files already there first. Default true. */
  existing?: boolean;
  /** File name endings to take (case-insensitive). Default .jpg .jpeg .png .webp. */
  extensions?: string[];
  /** Quiet time before a new file is taken. Default 200. */
  settleMs?: number;
  /** Names of new files held in memory; beyond it the folder is listed again (nothing is dropped). Default 256. */
  capacity?: number;
}

/** The paths of a folder's files, pulled one at a time; return() stops watching. */
export type FolderSource = AsyncIterableIterator<string>;

const FOLDER_KEYS = new Set(['watch', 'existing', 'extensions', 'settleMs', 'capacity']);
const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };
/** What the usual failures mean, in words (the errno is kept in the error's cause). */
const FOLDER_PROBLEMS: Record<string, string> = { ENOENT: 'no such folder', ENOTDIR: 'not a folder', EACCES: 'permission denied' };

export async function folderSource(dir: string, options: FolderSourceOptions = {}): Promise<FolderSource> {
  if (!is.nonEmptyString(dir)) throw invalidArgument('a folder path', 'dir', dir);
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, FOLDER_KEYS);
  if (options.extensions !== undefined && !(Array.isArray(options.extensions) && options.extensions.every(is.nonEmptyString))) {
    throw invalidArgument('an array of file name endings such as ".png"', 'extensions', options.extensions);
  }
  const extensions = (options.extensions ?? ['.jpg', '.jpeg', '.png', '.webp']).map((e) => e.toLowerCase());
  const settleMs = options.settleMs ?? 200;
  if (!is.nonNegativeInteger(settleMs)) throw invalidArgument('a whole number of ms', 'settleMs', settleMs);
  const capacity = options.capacity ?? 256;
  if (!is.positiveInteger(capacity)) throw invalidArgument('a positive integer', 'capacity', capacity);
  const watching = options.watch ?? true;
  if (!is.bool(watching)) throw invalidArgument('true or false', 'watch', watching);
  const existing = options.existing ?? true;
  if (!is.bool(existing)) throw invalidArgument('true or false', 'existing', existing);
  const wanted = (name: string) => extensions.some((e) => name.toLowerCase().endsWith(e)) && !name.startsWith('.');
  const root = path.resolve(dir);

  const seen = new Map<string, string>(); // name → size:mtime, so a rewrite is taken again
  const timers = new Map<string, NodeJS.Timeout>();
  /** Existing files (then a fresh listing after an overflow), sorted, taken in order. */
  let listing: string[] = [];
  let listed = 0;
  /** New files, in the order they settled. */
  const arrived = new Set<string>();
  let relist = false;
  let failure: EdgefnError | null = null;
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  const arrive = (name: string) => {
    if (closed || arrived.has(name)) return;
    if (arrived.size < capacity) arrived.add(name);
    else relist = true; // the file is on disk: the next listing finds it
    notify();
  };
  let watcher: FSWatcher | null = null;
  let names: string[];
  try {
    // Watching starts before the listing: a file that arrives in between is in one or the other.
    if (watching) {
      watcher = fsWatch(root, (_event, name) => {
        if (!name || !wanted(name)) return;
        clearTimeout(timers.get(name));
        timers.set(name, setTimeout(() => {
          timers.delete(name);
          arrive(name);
        }, settleMs));
      });
      watcher.on('error', (err) => {
        failure ??= new EdgefnError(ErrorCode.DEVICE_FAILED, `Watching ${root} failed: ${err.message}`, { cause: err, input: root });
        stopWatching();
        notify();
      });
    }
    names = await readdir(root);
  } catch (err) {
    watcher?.close();
    const why = FOLDER_PROBLEMS[(err as NodeJS.ErrnoException).code ?? ''] ?? messageOf(err);
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `Cannot read folder ${root}: ${why}`, { cause: err, input: root, field: 'dir' });
  }
  if (existing) listing = names.filter(wanted).sort();

  function stopWatching(): void {
    watcher?.close();
    watcher = null;
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  }

  /** The file's path when it is one to take: a non-empty regular file not already taken as it is. */
  async function check(name: string): Promise<string | null> {
    const file = path.join(root, name);
    const s = await stat(file).catch(() => null);
    if (!s) {
      seen.delete(name); // gone (moved out once scored): forget it, so memory follows the folder
      return null;
    }
    if (!s.isFile() || s.size === 0) return null;
    const key = `${s.size}:${s.mtimeMs}`;
    if (seen.get(name) === key) return null;
    seen.set(name, key);
    return file;
  }

  /** The next name to look at, or what to do instead. */
  async function nextName(): Promise<string | 'wait' | 'done'> {
    if (listed < listing.length) return listing[listed++]!;
    const first = arrived.values().next();
    if (!first.done) {
      arrived.delete(first.value);
      return first.value;
    }
    if (relist) {
      relist = false;
      listing = (await readdir(root).catch((err: unknown) => { log('listing %s again failed: %s', root, messageOf(err)); return [] as string[]; })).filter(wanted).sort();
      listed = 0;
      return nextName();
    }
    if (failure) {
      const f = failure;
      failure = null;
      closed = true;
      throw f;
    }
    return watcher ? 'wait' : 'done';
  }

  const source: FolderSource = {
    async next(): Promise<IteratorResult<string>> {
      while (!closed) {
        const name = await nextName();
        if (name === 'done') break;
        if (name === 'wait') {
          await new Promise<void>((r) => { wake = r; });
          continue;
        }
        const file = await check(name);
        if (file !== null && !closed) return { value: file, done: false };
      }
      return DONE;
    },
    async return(): Promise<IteratorResult<string>> {
      closed = true;
      stopWatching();
      notify();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return source;
}
