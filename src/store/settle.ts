/**
 * Is a version folder still being copied, and has it changed since it was judged? Both answers
 * come from one walk over every entry of the folder, links not followed (lstat).
 *
 * A folder has settled when nothing in it changed for `settleMs`, judged on the newest of each
 * entry's mtime AND ctime: copy tools preserve mtimes (`cp -p`, `rsync -t`/`-a`), but the kernel
 * sets ctime whenever a file is created, written, renamed or has its times set, and no tool can
 * set it back. Every entry counts, not only the files the manifest lists: golden images copied
 * last, a manifest copied last or a file still being written all hold the verdict back.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { sha256 } from '../model/files.js';

/** A version folder with more entries than this is refused (a walk must stay bounded). */
export const MAX_VERSION_ENTRIES = 100_000;

export interface FolderWalk {
  /** The newest mtime or ctime of the folder and every entry below it, in ms since the epoch. */
  newest: number;
  /** Identifies every entry as it is (path, kind, size, inode, times): any change changes it. */
  fingerprint: string;
}

/** Walks `versionDir` (depth first, links not followed); a missing folder throws MANIFEST_MISSING. */
export async function walkVersion(versionDir: string): Promise<FolderWalk> {
  const parts: string[] = [];
  let newest = 0;
  let count = 0;
  const visit = async (rel: string): Promise<void> => {
    const full = path.join(versionDir, rel);
    const s = await lstat(full);
    newest = Math.max(newest, s.mtimeMs, s.ctimeMs);
    const kind = s.isFile() ? 'f' : s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : 'x';
    parts.push(`${rel}\0${kind}:${s.size}:${s.ino}:${s.mtimeMs}:${s.ctimeMs}`);
    if (++count > MAX_VERSION_ENTRIES) {
      throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${versionDir} holds more than ${MAX_VERSION_ENTRIES} files and folders: not a model version`, { input: versionDir });
    }
    if (kind !== 'd') return;
    const names = (await readdir(full)).sort();
    for (const name of names) await visit(rel === '' ? name : path.join(rel, name));
  };
  try {
    await visit('');
  } catch (err) {
    if (err instanceof EdgefnError) throw err;
    // An entry removed while walked is a folder still changing: walk again later, it settles.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && count > 0) return { newest: Date.now(), fingerprint: `changing:${Date.now()}` };
    throw new EdgefnError(ErrorCode.MANIFEST_MISSING, `Cannot read the version folder ${versionDir}: ${messageOf(err)}`, { cause: err, input: versionDir });
  }
  return { newest, fingerprint: sha256(Buffer.from(parts.join('\n'))).slice(0, 32) };
}

/**
 * Identifies a version folder's files as they are now: a rejected version is judged again only
 * when this changes. `_manifest` is ignored (every entry counts now); kept so callers compile.
 */
export async function fingerprint(versionDir: string, _manifest?: unknown): Promise<string> {
  try {
    return (await walkVersion(versionDir)).fingerprint;
  } catch (err) {
    return `unreadable:${err instanceof EdgefnError ? err.code : 'error'}`;
  }
}
