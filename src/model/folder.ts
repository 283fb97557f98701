/**
 * A model folder on disk: find the version folder, read its manifest, labels and model bytes,
 * and check every file against the sha256 the manifest gives.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { ModelSource } from '../runtime/types.js';
import { parseManifest, type FileRef, type Manifest } from './manifest.js';
import { TEACHABLE_FILES, teachableManifest } from './teachable.js';

export const MANIFEST_FILE = 'manifest.json';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Version folders under `dir` (named by semver, holding a manifest), highest first. */
export async function listVersionDirs(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const versions = names.filter((n) => semver.valid(n) !== null).sort(semver.rcompare);
  const out: string[] = [];
  for (const v of versions) if (await isFile(path.join(dir, v, MANIFEST_FILE))) out.push(v);
  return out;
}

/**
 * The folder holding the manifest: `dir` itself, or else its highest version folder
 * (`models/fashion-mnist` → `models/fashion-mnist/1.0.0`).
 */
export async function resolveVersionDir(dir: string): Promise<string> {
  if (await isFile(path.join(dir, MANIFEST_FILE))) return dir;
  if (await isTeachableFolder(dir)) return dir;
  const versions = await listVersionDirs(dir);
  if (versions.length > 0) return path.join(dir, versions[0]!);
  throw new EdgefnError(ErrorCode.MANIFEST_MISSING, `No ${MANIFEST_FILE} in ${dir} nor in a version folder below it (such as ${path.join(dir, '1.0.0', MANIFEST_FILE)})`, { input: dir });
}

/** A Teachable Machine export: model.json and metadata.json, and no manifest. */
async function isTeachableFolder(dir: string): Promise<boolean> {
  return !(await isFile(path.join(dir, MANIFEST_FILE)))
    && (await isFile(path.join(dir, TEACHABLE_FILES.model)))
    && (await isFile(path.join(dir, TEACHABLE_FILES.metadata)));
}

export async function readManifest(versionDir: string): Promise<Manifest> {
  if (await isTeachableFolder(versionDir)) {
    const file = path.join(versionDir, TEACHABLE_FILES.metadata);
    return parseManifest(teachableManifest(await readJson(file), file), file);
  }
  const file = path.join(versionDir, MANIFEST_FILE);
  return parseManifest(await readJson(file), file);
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_MISSING, `Cannot read ${file}: ${messageOf(err)}`, { cause: err, input: file });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${file}: not valid JSON: ${messageOf(err)}`, { cause: err, input: file });
  }
}

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

/** Labels, inline or one per line in a text file (blank lines at the end ignored). */
export async function readLabels(versionDir: string, manifest: Manifest, verify: boolean): Promise<string[]> {
  if (Array.isArray(manifest.labels)) return manifest.labels;
  const text = (await readListedFile(versionDir, manifest.labels, 'labels', verify)).toString('utf8');
  const labels = text.split(/\r?\n/);
  while (labels.length > 0 && labels[labels.length - 1]!.trim() === '') labels.pop();
  return labels;
}
