/**
 * Reads the profile a manifest lists (`profile: { file, sha256 }`): a regular file inside the
 * version folder, under its cap, matching its sha256 when asked (EDGEFN_MODEL_CHECKSUM, like every
 * listed file), and a valid profile (EDGEFN_MANIFEST_INVALID naming the field). The gate and
 * load() both read it through here, so a profile the gate passed is one load() accepts.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { FileRef } from '../manifest/index.js';
import { readListedFile } from '../model/files.js';
import { parseProfile } from './profile.js';
import type { Profile } from './types.js';

/** A profile is ~50 KB (256-value samples per statistic); a file far larger is not one. */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

export async function readProfileFile(versionDir: string, ref: FileRef, verify: boolean): Promise<Profile> {
  const bytes = await readListedFile(versionDir, ref, 'profile', verify, MAX_PROFILE_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${ref.file} (profile): not valid JSON: ${messageOf(err)}`, { cause: err, input: ref.file, field: 'profile.file' });
  }
  return parseProfile(json, `${ref.file} (profile)`);
}
