/**
 * Crash-safe changes to a store's files.
 * - writeFileDurable: a temporary file, fsynced, renamed over the target, then the folder fsynced.
 *   After a power cut the target holds the old content or the new, never a mix. The rename
 *   replaces a link at the target instead of writing through it, and a failed write leaves no
 *   temporary file behind.
 * - removeDurable: a folder is renamed to a hidden trash name first (atomic), then deleted, so a
 *   kill mid-delete leaves a trash folder (cleaned at the next boot), never half a version.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Names this module leaves behind when a process dies mid-change; removed by cleanLeftovers(). */
const TMP = /^\..+\.tmp$/;
const TRASH = /^\.trash-/;

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileDurable(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  // pid and random bytes: two writers (two processes, two stores in one) never share a name.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}

/** Deletes `dir` (a version folder) so that a kill at any moment leaves it whole or gone. */
export async function removeDurable(dir: string): Promise<void> {
  const trash = path.join(path.dirname(dir), `.trash-${path.basename(dir)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await rename(dir, trash);
  await fsyncDir(path.dirname(dir));
  await rm(trash, { recursive: true, force: true });
}

/**
 * Removes what killed writers left in `nameDir`: temporary files and trash folders. Call it only
 * while holding the store's lock (a live writer's temporary file is in use otherwise).
 */
export async function cleanLeftovers(nameDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(nameDir);
  } catch {
    return [];
  }
  const gone = names.filter((n) => TMP.test(n) || TRASH.test(n));
  for (const n of gone) await rm(path.join(nameDir, n), { recursive: true, force: true });
  return gone;
}
