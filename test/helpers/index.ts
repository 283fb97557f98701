/** Shared test helpers: paths, temporary model copies, error assertions. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { EdgefnError } from '../../src/errors.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLED = path.join(ROOT, 'models/fashion-mnist');
export const BUNDLED_VERSION = path.join(BUNDLED, '1.0.0');
export const PHOTOS = path.join(ROOT, 'test/fixtures/photos');
export const photo = (name: string) => path.join(PHOTOS, name);
export const golden = (file: string) => path.join(BUNDLED_VERSION, 'golden', file);
export const SHARED_MODELS = process.env.EDGEFN_SHARED_MODELS ?? path.resolve(ROOT, '../shared/models');

export async function tempDir(prefix = 'edgefn-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A writable copy of the bundled model's version folder, to break on purpose. */
export async function copyBundled(): Promise<string> {
  const dir = path.join(await tempDir(), '1.0.0');
  await cp(BUNDLED_VERSION, dir, { recursive: true });
  return dir;
}

/** Asserts that `fn` rejects (or throws) an EdgefnError with `code`, and a message matching `message`. */
export async function rejectsWith(fn: () => unknown, code: string, message?: RegExp | string): Promise<EdgefnError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) assert.unreachable(`expected a rejection with ${code}`);
  if (!(caught instanceof EdgefnError)) throw caught;
  assert.is(caught.code, code, `code of: ${caught.message}`);
  if (typeof message === 'string') assert.is(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

export function sharedAvailable(file: string): boolean {
  return existsSync(path.join(SHARED_MODELS, file));
}
