/**
 * The files a manifest lists, read and checked against their sha256: the model (with its
 * shards), labels, golden sets. Kept apart from ./folder.ts so that a session host, which only
 * reads a model, loads nothing else (a worker thread's cold start pays for every import).
 *
 * Every read goes through util/fs-safe: a listed file must be a regular file, inside the version
 * folder (a link may point elsewhere in the folder, never out of it), and under its cap. A FIFO
 * or a link to /dev/zero is refused at once instead of holding a thread or filling memory, and a
 * link to a file outside the folder is refused before a byte of it is hashed, so no message ever
 * carries a foreign file's hash or size.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { ModelSource } from '../runtime/types.js';
import { MiB, openRegular, readRegular } from '../util/fs-safe.js';
import { MANIFEST_FILE, type FileRef } from '../manifest/types.js';

/** Caps on what edgefn reads from a model folder, by kind of file. */
export const MAX_MANIFEST_BYTES = 1 * MiB;
export const MAX_LABELS_BYTES = 4 * MiB;
export const MAX_GOLDEN_INDEX_BYTES = 16 * MiB;
export const MAX_GOLDEN_IMAGE_BYTES = 64 * MiB;
/** The model file and each weight shard. */
export const MAX_MODEL_BYTES = 2048 * MiB;

/**
 * fs-safe's options for a listed file. Its messages ("Cannot read <what> <file>: <why>") are
 * restated in this module's shape, "Cannot read <file> (<field>): <why>", by `restated`.
 */
function listed(versionDir: string, field: string, maxBytes: number) {
  return { maxBytes, within: versionDir, code: ErrorCode.MODEL_MISSING, what: field, field };
}

function restated(err: unknown, file: string, field: string): unknown {
  if (!(err instanceof EdgefnError)) return err;
  const prefix = `Cannot read ${field} ${file}: `;
  if (!err.message.startsWith(prefix)) return err;
  return new EdgefnError(err.code, `Cannot read ${file} (${field}): ${err.message.slice(prefix.length)}`, { input: file, field, ...(err.cause !== undefined ? { cause: err.cause } : {}) });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `rel` resolved inside `versionDir`, or a MANIFEST_INVALID error: whatever a manifest or a
 * model.json says, no `..` and no absolute path leaves the folder (links are checked on open).
 */
export function insideFolder(versionDir: string, rel: string, field: string): string {
  const file = path.resolve(versionDir, rel);
  const back = path.relative(path.resolve(versionDir), file);
  if (path.isAbsolute(rel) || back === '' || back.startsWith('..') || path.isAbsolute(back)) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${path.join(versionDir, MANIFEST_FILE)}: ${field} names ${JSON.stringify(rel)}, which is not a file inside the model folder`, { input: versionDir, field });
  }
  return file;
}

/** Reads a file the manifest names, within `maxBytes`; with `verify`, checks its sha256. */
export async function readListedFile(versionDir: string, ref: FileRef, field: string, verify: boolean, maxBytes = MAX_MODEL_BYTES): Promise<Buffer> {
  const file = insideFolder(versionDir, ref.file, `${field}.file`);
  const data = await readRegular(file, listed(versionDir, `${field}.file`, maxBytes)).catch((err) => {
    throw restated(err, file, `${field}.file`);
  });
  if (verify && ref.sha256 !== undefined) {
    const actual = sha256(data);
    if (actual !== ref.sha256) {
      throw new EdgefnError(ErrorCode.MODEL_CHECKSUM, `${file} does not match ${field}.sha256: expected ${ref.sha256}, found ${actual} (${data.length} bytes)`, { input: file, field: `${field}.sha256` });
    }
  }
  return data;
}

/**
 * Checks a listed file's sha256 without holding it in memory: read through one reused 1 MiB
 * buffer, so hashing a model on every swap leaves no garbage behind (a stream's fresh chunk per
 * read grew a long-running process's RSS by tens of MB before the allocator settled).
 */
export async function verifyListedFile(versionDir: string, ref: FileRef, field: string, maxBytes = MAX_MODEL_BYTES): Promise<void> {
  const file = insideFolder(versionDir, ref.file, `${field}.file`);
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  const { handle } = await openRegular(file, listed(versionDir, `${field}.file`, maxBytes)).catch((err) => {
    throw restated(err, file, `${field}.file`);
  });
  try {
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      // A file growing while hashed is bounded like one read whole.
      if (size > maxBytes) throw new EdgefnError(ErrorCode.MODEL_MISSING, `Cannot read ${file} (${field}.file): it grew past the ${maxBytes}-byte limit while being read`, { input: file, field: `${field}.file` });
      hash.update(chunk.subarray(0, bytesRead));
    }
  } catch (err) {
    if (err instanceof EdgefnError) throw err;
    throw new EdgefnError(ErrorCode.MODEL_MISSING, `Cannot read ${file} (${field}.file): ${messageOf(err)}`, { cause: err, input: file, field: `${field}.file` });
  } finally {
    await handle.close();
  }
  const actual = hash.digest('hex');
  if (ref.sha256 !== undefined && actual !== ref.sha256) {
    throw new EdgefnError(ErrorCode.MODEL_CHECKSUM, `${file} does not match ${field}.sha256: expected ${ref.sha256}, found ${actual} (${size} bytes)`, { input: file, field: `${field}.sha256` });
  }
}

/**
 * The model file read and checked, with a reader for the files beside it (TF.js weight shards)
 * that checks each against `files`. With a checked model, a sibling the manifest does not list
 * is refused: an unchecked shard would undo the check. Whatever model.json asks for, a sibling
 * outside the version folder (`..`, an absolute path, a link out) is refused.
 */
export async function modelSource(versionDir: string, model: FileRef, files: readonly FileRef[], verify: boolean): Promise<ModelSource> {
  const bytes = await readListedFile(versionDir, model, 'model', verify);
  const base = path.dirname(model.file);
  return {
    file: path.join(versionDir, model.file),
    bytes,
    async readSibling(name: string) {
      const what = `weight file ${JSON.stringify(name)} (from ${model.file})`;
      // path.join would quietly turn an absolute name into a relative one: refuse it as it is.
      if (path.isAbsolute(name)) insideFolder(versionDir, name, what);
      const rel = path.normalize(path.join(base, name));
      insideFolder(versionDir, rel, what);
      const i = files.findIndex((f) => path.normalize(f.file) === rel);
      if (i < 0 && verify && model.sha256 !== undefined) {
        throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${path.join(versionDir, MANIFEST_FILE)}: the model needs ${rel}, which files does not list with its sha256`, { input: versionDir, field: 'files' });
      }
      return readListedFile(versionDir, i < 0 ? { file: rel } : files[i]!, i < 0 ? rel : `files[${i}]`, verify);
    },
  };
}
