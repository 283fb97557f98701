/**
 * A model folder on disk: find the version folder, read its manifest and labels. The files a
 * manifest lists (model, shards, labels) are read and checked in ./files.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
// The functions alone: the whole of semver takes ~35 ms to load, a tenth of a cold start.
import rcompare from 'semver/functions/rcompare.js';
import valid from 'semver/functions/valid.js';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { readListedFile } from './files.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from './manifest.js';
import { TEACHABLE_FILES, teachableManifest } from './teachable.js';

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
  const versions = names.filter((n) => valid(n) !== null).sort(rcompare);
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

/** Labels, inline or one per line in a text file (blank lines at the end ignored). */
export async function readLabels(versionDir: string, manifest: Manifest, verify: boolean): Promise<string[]> {
  if (Array.isArray(manifest.labels)) return manifest.labels;
  const text = (await readListedFile(versionDir, manifest.labels, 'labels', verify)).toString('utf8');
  const labels = text.split(/\r?\n/);
  while (labels.length > 0 && labels[labels.length - 1]!.trim() === '') labels.pop();
  return labels;
}
