/**
 * The files a manifest lists, read and checked against their sha256: the model (with its
 * shards), labels, golden sets. Kept apart from ./folder.ts so that a session host, which only
 * reads a model, loads nothing else (a worker thread's cold start pays for every import).
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { ModelSource } from '../runtime/types.js';
import { MANIFEST_FILE, type FileRef } from './manifest.js';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a file the manifest names; with `verify`, checks its sha256. */
export async function readListedFile(versionDir: string, ref: FileRef, field: string, verify: boolean): Promise<Buffer> {
  const file = path.join(versionDir, ref.file);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new EdgefnError(ErrorCode.MODEL_MISSING, `Cannot read ${file} (${field}.file): ${messageOf(err)}`, { cause: err, input: file, field: `${field}.file` });
  }
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
export async function verifyListedFile(versionDir: string, ref: FileRef, field: string): Promise<void> {
  const file = path.join(versionDir, ref.file);
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    const handle = await open(file, 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        hash.update(chunk.subarray(0, bytesRead));
        size += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new EdgefnError(ErrorCode.MODEL_MISSING, `Cannot read ${file} (${field}.file): ${messageOf(err)}`, { cause: err, input: file, field: `${field}.file` });
  }
  const actual = hash.digest('hex');
  if (ref.sha256 !== undefined && actual !== ref.sha256) {
    throw new EdgefnError(ErrorCode.MODEL_CHECKSUM, `${file} does not match ${field}.sha256: expected ${ref.sha256}, found ${actual} (${size} bytes)`, { input: file, field: `${field}.sha256` });
  }
}

/**
 * The model file read and checked, with a reader for the files beside it (TF.js weight shards)
 * that checks each against `files`. With a checked model, a sibling the manifest does not list
 * is refused: an unchecked shard would undo the check.
 */
export async function modelSource(versionDir: string, model: FileRef, files: readonly FileRef[], verify: boolean): Promise<ModelSource> {
  const bytes = await readListedFile(versionDir, model, 'model', verify);
  const base = path.dirname(model.file);
  return {
    file: path.join(versionDir, model.file),
    bytes,
    async readSibling(name: string) {
      const rel = path.normalize(path.join(base, name));
      const i = files.findIndex((f) => path.normalize(f.file) === rel);
      if (i < 0 && verify && model.sha256 !== undefined) {
        throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${path.join(versionDir, MANIFEST_FILE)}: the model needs ${rel}, which files does not list with its sha256`, { input: versionDir, field: 'files' });
      }
      return readListedFile(versionDir, i < 0 ? { file: rel } : files[i]!, i < 0 ? rel : `files[${i}]`, verify);
    },
  };
}
