/**
 * The gate's first steps, run at every check and every boot, in this order:
 *   1. settled      nothing in the folder changed for settleMs (or its `ready` marker is there)
 *   2. signature    with trusted keys, a valid Ed25519 signature by one of them, checked on the
 *                   manifest's bytes before anything in it is used: the manifest lists the
 *                   files' hashes, so a bad signature means none of them can be trusted
 *   3. integrity    every listed file is a regular file inside the folder, under its cap, and
 *                   matches its sha256 (the drift profile too: the signature covers it through
 *                   its hash, so a changed profile is refused like a changed model, and one that
 *                   does not parse is refused here rather than at load)
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { EdgefnError, ErrorCode, type ErrorCode as Code } from '../errors.js';
import { insideFolder, verifyListedFile } from '../model/files.js';
import { readLabels, readManifestJson } from '../model/folder.js';
import { readProfileFile } from '../drift/profile-file.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../manifest/index.js';
import { readGoldenSet, type GoldenSet } from './golden.js';
import { walkVersion, type FolderWalk } from './settle.js';
import { verifyManifestJson } from './signature.js';

export type GateStep = 'integrity' | 'signature' | 'compatibility' | 'validation';

/** Thrown inside the gate to stop at a step; turned into a rejected report. */
export class Rejection extends Error {
  constructor(readonly step: GateStep, readonly code: Code, message: string) {
    super(message);
  }
}

export interface TrustPolicy {
  trustedKeys: readonly KeyObject[];
  settleMs: number;
}

export interface TrustedVersion {
  manifest: Manifest;
  golden: GoldenSet | null;
  /** The trusted key that signed it (none when the store requires no signature). */
  signedBy?: string;
  /** The folder's fingerprint when it was walked, before any file was read. */
  fingerprint: string;
}

const incomplete = (versionDir: string, why: string) => new Rejection('integrity', ErrorCode.VERSION_INCOMPLETE, `${versionDir} is still being copied: ${why}`);

/**
 * Steps 1–3 on a version folder: its manifest and golden set once they can be trusted, or a
 * Rejection naming the step. The fingerprint is taken before anything is read, so a verdict is
 * tied to the files as they were when checked.
 */
export async function checkVersion(versionDir: string, policy: TrustPolicy, walked?: FolderWalk): Promise<TrustedVersion> {
  const walk = walked ?? (await rejectAt('integrity', () => walkVersion(versionDir)));
  const recent = () => Date.now() - walk.newest < policy.settleMs;
  const changed = `something in it changed less than ${policy.settleMs} ms ago`;

  let json: unknown;
  let file: string;
  try {
    ({ json, file } = await readManifestJson(versionDir));
  } catch (err) {
    // A manifest half-written or not there yet, in a folder that changed a moment ago.
    if (recent()) throw incomplete(versionDir, `${changed} (${err instanceof Error ? err.message : String(err)})`);
    throw asRejection('integrity', err);
  }
  const ready = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).ready : undefined;
  if (typeof ready === 'string') {
    const marker = await rejectAt('integrity', async () => insideFolder(versionDir, ready, 'ready'));
    if (!(await lstat(marker).then(() => true, () => false))) throw incomplete(versionDir, `its marker file ${ready} (ready) is not there yet`);
  } else if (recent()) {
    throw incomplete(versionDir, changed);
  }

  let signedBy: string | undefined;
  if (policy.trustedKeys.length > 0) {
    const v = verifyManifestJson(json, policy.trustedKeys);
    if (!v.ok) throw new Rejection('signature', ErrorCode.SIGNATURE_INVALID, `${versionDir}: ${v.reason}`);
    signedBy = v.keyId;
  }

  const manifest = await rejectAt('integrity', async () => parseManifest(json, file));
  const version = path.basename(versionDir);
  if (manifest.version !== version) {
    throw new Rejection('integrity', ErrorCode.MANIFEST_INVALID, `${versionDir}: the folder is named ${version} but its manifest says version ${manifest.version}`);
  }
  if (manifest.model.sha256 === undefined) {
    throw new Rejection('integrity', ErrorCode.MANIFEST_INVALID, `${path.join(versionDir, MANIFEST_FILE)}: model.sha256 is required for a version in a store`);
  }
  try {
    await verifyListedFile(versionDir, manifest.model, 'model');
    for (const [i, f] of manifest.files.entries()) await verifyListedFile(versionDir, f, `files[${i}]`);
    if (manifest.profile) await readProfileFile(versionDir, manifest.profile, true);
    await readLabels(versionDir, manifest, true);
    const golden = manifest.golden ? await readGoldenSet(versionDir, manifest.golden, true) : null;
    return { manifest, golden, ...(signedBy ? { signedBy } : {}), fingerprint: walk.fingerprint };
  } catch (err) {
    // A file missing from a folder that changed a moment ago is a copy in progress, not damage.
    if (err instanceof EdgefnError && err.code === ErrorCode.MODEL_MISSING && Date.now() - (await walkVersion(versionDir).catch(() => walk)).newest < policy.settleMs) {
      throw incomplete(versionDir, err.message);
    }
    throw asRejection('integrity', err);
  }
}

/** An EdgefnError as a Rejection at `step`; anything else is a bug and goes up as it is. */
export function asRejection(step: GateStep, err: unknown): unknown {
  return err instanceof EdgefnError ? new Rejection(step, err.code, err.message) : err;
}

export async function rejectAt<T>(step: GateStep, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asRejection(step, err);
  }
}
