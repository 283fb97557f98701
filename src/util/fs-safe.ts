/**
 * Files are opened, checked, then read. `/dev/zero`, a FIFO and a symlink are inputs too:
 * - opened with O_NONBLOCK, so opening a FIFO returns at once instead of holding one of libuv's
 *   four pool threads until a writer appears (after four such opens nothing answers);
 * - `fstat` on the handle (not the path, so nothing can be swapped in between): anything but a
 *   regular file is refused, and so is a file over the caller's byte cap, before a byte is read;
 * - with `within`, the real path must stay inside that folder (a link may point elsewhere in the
 *   folder, never out of it).
 * Every refusal is an EdgefnError with the caller's codes, naming the file.
 */
import { constants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';

export interface SafeReadOptions {
  /** The most bytes the file may hold. */
  maxBytes: number;
  /** A folder the file's real path must stay inside (links out of it are refused). */
  within?: string;
  /** Code for a file that is missing, unreadable, not a regular file or outside `within`. */
  code: ErrorCode;
  /** Code for a file over `maxBytes` (default: `code`). */
  tooLargeCode?: ErrorCode;
  /** What the file is, for messages: `image`, `model`, `labels (labels.file)`. */
  what: string;
  /** The option or manifest field at fault, carried on the error. */
  field?: string;
}

export const MiB = 1024 * 1024;

function refuse(o: SafeReadOptions, file: string, why: string, cause?: unknown, code = o.code): EdgefnError {
  return new EdgefnError(code, `Cannot read ${o.what} ${file}: ${why}`, { input: file, ...(o.field ? { field: o.field } : {}), ...(cause ? { cause } : {}) });
}

/** Why a stat is not a readable regular file, or null. */
function kindProblem(s: Stats): string | null {
  if (s.isFile()) return null;
  if (s.isDirectory()) return 'it is a folder, not a file';
  if (s.isFIFO()) return 'it is a FIFO (named pipe), not a regular file';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'it is a device, not a regular file';
  if (s.isSocket()) return 'it is a socket, not a regular file';
  return 'it is not a regular file';
}

/** Whether `target` is `dir` or inside it (both real paths). */
export function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function checkWithin(file: string, o: SafeReadOptions): Promise<void> {
  if (o.within === undefined) return;
  let real: string;
  let root: string;
  try {
    [real, root] = await Promise.all([realpath(file), realpath(o.within)]);
  } catch (err) {
    throw refuse(o, file, messageOf(err), err);
  }
  if (!isInside(root, real)) throw refuse(o, file, `it leads outside ${o.within} (to ${real})`);
}

/**
 * Opens `file` for reading and checks it is a regular file within the cap; the caller reads and
 * closes the handle. Returns its stats too (size, mtime).
 */
export async function openRegular(file: string, o: SafeReadOptions): Promise<{ handle: FileHandle; stats: Stats }> {
  await checkWithin(file, o);
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw refuse(o, file, messageOf(err), err);
  }
  try {
    const stats = await handle.stat();
    const problem = kindProblem(stats);
    if (problem) throw refuse(o, file, problem);
    if (stats.size > o.maxBytes) {
      throw refuse(o, file, `it holds ${stats.size} bytes, over the ${o.maxBytes}-byte limit`, undefined, o.tooLargeCode ?? o.code);
    }
    return { handle, stats };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Reads a whole regular file (see openRegular); a file that grows past the cap while read is refused. */
export async function readRegular(file: string, o: SafeReadOptions): Promise<Buffer> {
  const { handle, stats } = await openRegular(file, o);
  try {
    // Read at most cap + 1 bytes whatever the size said, so a file growing under us stays bounded.
    const chunks: Buffer[] = [];
    let total = 0;
    let chunk = Buffer.allocUnsafe(Math.min(Math.max(stats.size, 1) + 1, o.maxBytes + 1));
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > o.maxBytes) {
        throw refuse(o, file, `it grew past the ${o.maxBytes}-byte limit while being read`, undefined, o.tooLargeCode ?? o.code);
      }
      // A fresh buffer after every read: the one just pushed must not be overwritten.
      chunk = Buffer.allocUnsafe(Math.min(1 << 20, o.maxBytes + 1 - total));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof EdgefnError) throw err;
    throw refuse(o, file, messageOf(err), err);
  } finally {
    await handle.close();
  }
}
