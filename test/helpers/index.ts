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

export const WORSE_VERSION = path.join(ROOT, 'test/fixtures/models/fashion-mnist-worse/1.1.0');

/**
 * Copies a version folder into `<nameDir>/<version>`, rewriting the manifest's version to match.
 */
export async function installVersion(nameDir: string, version: string, from = BUNDLED_VERSION, edit?: (m: any) => void): Promise<string> {
  const { readFile: rf, writeFile: wf } = await import('node:fs/promises');
  const dir = path.join(nameDir, version);
  await cp(from, dir, { recursive: true });
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(await rf(file, 'utf8'));
  m.version = version;
  edit?.(m);
  await wf(file, JSON.stringify(m, null, 2));
  await age(dir);
  return dir;
}

/** Sets every file's times an hour back: a copy that finished long ago (see the store's settleMs). */
export async function age(dir: string): Promise<void> {
  const { readdir: rd, utimes } = await import('node:fs/promises');
  const old = new Date(Date.now() - 3_600_000);
  for (const entry of await rd(dir, { withFileTypes: true, recursive: true })) {
    await utimes(path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), old, old);
  }
}

/** A fresh store folder `<tmp>/fashion-mnist` holding 1.0.0. */
export async function makeStore(): Promise<string> {
  const nameDir = path.join(await tempDir('edgefn-store-'), 'fashion-mnist');
  await installVersion(nameDir, '1.0.0');
  return nameDir;
}

/** Runs the built command (dist/cli.mjs) as a user would, collecting its exit code and output. */
export async function edgefn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist/cli.mjs'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export const RAIN = path.join(ROOT, 'models/rain-tomorrow');
export const RAIN_VERSION = path.join(RAIN, '1.0.0');
export const TEMP_MAX = path.join(ROOT, 'test/fixtures/models/temp-max-tomorrow');
export const WEATHER_CSV = path.join(ROOT, 'examples/data/seattle-weather-2015.csv');

/** A promise and the function that resolves it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}
