/**
 * Golden sets: labelled sample inputs that a version must classify well enough to be activated.
 * An index file `{ "items": [{ "file", "label", "sha256"? }] }` beside the images; for tabular
 * models an item holds its reading (or window) inline: `{ "input": ..., "label" }`.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { AnyModel } from '../model/load.js';
import { MAX_GOLDEN_IMAGE_BYTES, MAX_GOLDEN_INDEX_BYTES, readListedFile, sha256, verifyListedFile } from '../model/files.js';
import type { FileRef } from '../manifest/index.js';
import { percentile } from '../util/stats.js';
import { expected, is } from '../util/validate.js';

export type GoldenItem =
  | { file: string; label: string; sha256?: string }
  | { input: unknown; label: string };

export interface GoldenSet {
  /** Where it came from, for reports: the index file's path. */
  source: string;
  /** The folder the item files are relative to. */
  dir: string;
  items: GoldenItem[];
}

export interface GoldenScore {
  accuracy: number;
  correct: number;
  total: number;
  p50Ms: number;
  p95Ms: number;
}

function parseIndex(json: unknown, source: string): GoldenItem[] {
  const fail = (field: string, what: string, value: unknown): never => {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${source}: ${expected(what, field, value)}`, { input: source, field });
  };
  if (!is.object(json) || !Array.isArray(json.items) || json.items.length === 0) return fail('items', 'a non-empty array', is.object(json) ? json.items : json);
  return (json.items as unknown[]).map((item, i) => {
    if (!is.object(item)) return fail(`items[${i}]`, 'an object', item);
    if (!is.nonEmptyString(item.label)) return fail(`items[${i}].label`, 'a label', item.label);
    if (item.input !== undefined) return { input: item.input, label: item.label };
    if (!is.nonEmptyString(item.file) || item.file.includes('..') || path.isAbsolute(item.file)) return fail(`items[${i}].file`, 'a relative path', item.file);
    const out: GoldenItem = { file: item.file, label: item.label };
    if (item.sha256 !== undefined) {
      if (!is.string(item.sha256) || !/^[0-9a-f]{64}$/.test(item.sha256)) return fail(`items[${i}].sha256`, '64 lowercase hex digits', item.sha256);
      out.sha256 = item.sha256;
    }
    return out;
  });
}

/** Reads a golden set listed by a manifest (`ref` relative to `versionDir`), checking its hashes. */
export async function readGoldenSet(versionDir: string, ref: FileRef, verify: boolean): Promise<GoldenSet> {
  const source = path.join(versionDir, ref.file);
  const bytes = await readListedFile(versionDir, ref, 'golden', verify, MAX_GOLDEN_INDEX_BYTES);
  const set = { source, dir: path.dirname(source), items: parseIndex(parseJson(bytes, source), source) };
  if (verify) await verifyGoldenFiles(set);
  return set;
}

function parseJson(bytes: Buffer, source: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${source}: not valid JSON: ${messageOf(err)}`, { cause: err, input: source });
  }
}

/** Where a store keeps its store-wide golden set, relative to the model's folder. */
export const SHARED_GOLDEN_INDEX = path.join('golden', 'index.json');

/**
 * The store-wide golden set at `<store>/<name>/golden/index.json`, or null when there is no such
 * file. One that is there but broken (not JSON, a special file or a link out of the folder, an
 * item missing or not matching its sha256) throws: a check the store was asked to run is never
 * quietly skipped.
 */
export async function readSharedGoldenSet(nameDir: string): Promise<GoldenSet | null> {
  const index = path.join(nameDir, SHARED_GOLDEN_INDEX);
  try {
    await lstat(index);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EdgefnError(ErrorCode.MODEL_MISSING, `Cannot read ${index} (store-wide golden set): ${messageOf(err)}`, { cause: err, input: index });
  }
  return readGoldenSet(nameDir, { file: SHARED_GOLDEN_INDEX }, true);
}

async function verifyGoldenFiles(set: GoldenSet): Promise<void> {
  for (const [i, item] of set.items.entries()) {
    if ('file' in item) await verifyListedFile(set.dir, goldenRef(item), `items[${i}]`, MAX_GOLDEN_IMAGE_BYTES);
  }
}

function goldenRef(item: { file: string; sha256?: string }): FileRef {
  return { file: item.file, ...(item.sha256 ? { sha256: item.sha256 } : {}) };
}

/**
 * One item's input as the model gets it: an image's bytes, read safely and checked again (the
 * bytes scored are the bytes checked), or a reading given inline.
 */
export async function goldenInput(set: GoldenSet, item: GoldenItem): Promise<unknown> {
  if (!('file' in item)) return item.input;
  return readListedFile(set.dir, goldenRef(item), `items[${set.items.indexOf(item)}]`, true, MAX_GOLDEN_IMAGE_BYTES);
}

/** Runs the model on every item, one call each (as an application would), and scores it. */
export async function scoreGoldenSet(model: AnyModel, set: GoldenSet): Promise<GoldenScore> {
  let correct = 0;
  const times: number[] = [];
  for (const item of set.items) {
    const r = await model(await goldenInput(set, item));
    times.push(r.timings.total);
    if (r.top[0]!.label === item.label) correct++;
  }
  return { accuracy: correct / set.items.length, correct, total: set.items.length, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95) };
}

/** An identity for a golden set's content, to cache a baseline's score on it. */
export function goldenKey(set: GoldenSet): string {
  return sha256(Buffer.from(JSON.stringify(set.items)));
}
