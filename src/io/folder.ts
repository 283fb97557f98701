/**
 * A folder as a source: the images in it, then (with `watch`) each image that arrives, through
 * the file system's own notifications (inotify; no polling). A file counts as arrived once no
 * event has touched it for `settleMs`, so a copy in progress is not read half-written; writers
 * that can should write elsewhere and rename into the folder.
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { Channel } from './channel.js';

export interface FolderSourceOptions {
  /** Keep watching for new files after the existing ones. Default true. */
  watch?: boolean;
  /** Yield the files already there first. Default true. */
  existing?: boolean;
  /** File name endings to take (case-insensitive). Default .jpg .jpeg .png .webp. */
  extensions?: string[];
  /** Quiet time before a new file is taken. Default 200. */
  settleMs?: number;
  /** Paths waiting for the loop before the folder stops being read. Default 256. */
  capacity?: number;
}

const FOLDER_KEYS = new Set(['watch', 'existing', 'extensions', 'settleMs', 'capacity']);

export async function folderSource(dir: string, options: FolderSourceOptions = {}): Promise<Channel<string>> {
  if (!is.nonEmptyString(dir)) throw invalidArgument('a folder path', 'dir', dir);
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, FOLDER_KEYS);
  const extensions = (options.extensions ?? ['.jpg', '.jpeg', '.png', '.webp']).map((e) => e.toLowerCase());
  const settleMs = options.settleMs ?? 200;
  if (!is.nonNegativeInteger(settleMs)) throw invalidArgument('a whole number of ms', 'settleMs', settleMs);
  const wanted = (name: string) => extensions.some((e) => name.toLowerCase().endsWith(e)) && !name.startsWith('.');
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `Cannot read folder ${root}: ${messageOf(err)}`, { cause: err, input: root });
  }

  const seen = new Map<string, string>(); // name → size:mtime, so a rewrite is taken again
  const timers = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher | null = null;
  const channel = new Channel<string>({
    capacity: options.capacity ?? 256,
    close: () => {
      watcher?.close();
      for (const t of timers.values()) clearTimeout(t);
    },
  });
  const take = async (name: string) => {
    const file = path.join(root, name);
    const s = await stat(file).catch(() => null);
    if (!s?.isFile() || s.size === 0) return;
    const key = `${s.size}:${s.mtimeMs}`;
    if (seen.get(name) === key) return;
    seen.set(name, key);
    channel.push(file);
  };

  if (options.watch ?? true) {
    watcher = fsWatch(root, (_event, name) => {
      if (!name || !wanted(name)) return;
      clearTimeout(timers.get(name));
      timers.set(name, setTimeout(() => {
        timers.delete(name);
        void take(name);
      }, settleMs));
    });
    watcher.on('error', (err) => channel.end(new EdgefnError(ErrorCode.DEVICE_FAILED, `Watching ${root} failed: ${err.message}`, { cause: err, input: root })));
  }
  if (options.existing ?? true) for (const n of names.filter(wanted).sort()) await take(n);
  if (!(options.watch ?? true)) channel.end();
  return channel;
}
