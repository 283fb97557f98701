/**
 * A model folder on disk: find the version folder, read its manifest and labels. The files a
 * manifest lists (model, shards, labels) are read and checked in ./files.ts.
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
// The functions alone: the whole of semver takes ~35 ms to load, a tenth of a cold start.
import rcompare from 'semver/functions/rcompare.js';
import valid from 'semver/functions/valid.js';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { readRegular } from '../util/fs-safe.js';
import { MAX_LABELS_BYTES, MAX_MANIFEST_BYTES, readListedFile } from './files.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../manifest/index.js';
import { TEACHABLE_FILES, teachableManifest } from './teachable.js';

/**
 * Whether something is at `p`, without following a link: a manifest that is a FIFO, a device or
 * a link still counts as there, so reading it says what it is instead of "No manifest.json".
 */
async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
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
  const versions = names.filter((n) => valid(n) !== null).sort(rcompare);
  const out: string[] = [];
  for (const v of versions) if (await exists(path.join(dir, v, MANIFEST_FILE))) out.push(v);
  return out;
}

/**
 * The folder holding the manifest: `dir` itself, or else its highest version folder
 * (`models/fashion-mnist` → `models/fashion-mnist/1.0.0`).
 */
export async function resolveVersionDir(dir: string): Promise<string> {
  if (await exists(path.join(dir, MANIFEST_FILE))) return dir;
  if (await isTeachableFolder(dir)) return dir;
  const versions = await listVersionDirs(dir);
  if (versions.length > 0) return path.join(dir, versions[0]!);
  throw new EdgefnError(ErrorCode.MANIFEST_MISSING, `No ${MANIFEST_FILE} in ${dir} nor in a version folder below it (such as ${path.join(dir, '1.0.0', MANIFEST_FILE)})`, { input: dir });
}

/** A Teachable Machine export: model.json and metadata.json, and no manifest. */
async function isTeachableFolder(dir: string): Promise<boolean> {
  return !(await exists(path.join(dir, MANIFEST_FILE)))
    && (await exists(path.join(dir, TEACHABLE_FILES.model)))
    && (await exists(path.join(dir, TEACHABLE_FILES.metadata)));
}

export async function readManifest(versionDir: string): Promise<Manifest> {
  const { json, file } = await readManifestJson(versionDir);
  return parseManifest(json, file);
}

/**
 * The manifest as parsed JSON, before validation (the signature is checked on these bytes), and
 * the file it came from; for a Teachable Machine export, the manifest inferred from metadata.json.
 */
export async function readManifestJson(versionDir: string): Promise<{ json: unknown; file: string }> {
  if (await isTeachableFolder(versionDir)) {
    const file = path.join(versionDir, TEACHABLE_FILES.metadata);
    return { json: teachableManifest(await readJson(versionDir, file), file), file };
  }
  const file = path.join(versionDir, MANIFEST_FILE);
  return { json: await readJson(versionDir, file), file };
}

async function readJson(versionDir: string, file: string): Promise<unknown> {
  // A FIFO, a device or a link out of the folder is refused, saying what it is; 1 MiB at most.
  const bytes = await readRegular(file, { maxBytes: MAX_MANIFEST_BYTES, within: versionDir, code: ErrorCode.MANIFEST_MISSING, tooLargeCode: ErrorCode.MANIFEST_INVALID, what: 'manifest' });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${file}: not valid JSON: ${messageOf(err)}`, { cause: err, input: file });
  }
}

/** Labels, inline or one per line in a text file (blank lines at the end ignored). */
export async function readLabels(versionDir: string, manifest: Manifest, verify: boolean): Promise<string[]> {
  if (Array.isArray(manifest.labels)) return manifest.labels;
  const text = (await readListedFile(versionDir, manifest.labels, 'labels', verify, MAX_LABELS_BYTES)).toString('utf8');
  const labels = text.split(/\r?\n/);
  while (labels.length > 0 && labels[labels.length - 1]!.trim() === '') labels.pop();
  return labels;
}
