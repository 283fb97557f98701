/**
 * `edgefn models profile <version-dir> [--data DIR|CSV]`: a version's reference profile for drift
 * monitoring. Writes `profile.json` into the version, then lists it in the manifest with its
 * sha256 (both durably, the profile first: a cut in between never leaves a manifest naming a
 * profile that is not there; run again, it leaves the old hash beside the new profile, which the
 * gate refuses until the command is run once more). A signature no longer matches
 * a changed manifest: it is removed, and the command says to sign again.
 */
import path from 'node:path';
import { sha256 } from '../../model/files.js';
import { readManifestJson } from '../../model/folder.js';
import { MANIFEST_FILE, parseManifest } from '../../manifest/index.js';
import { makeProfile } from '../../store/make-profile.js';
import { PROFILE_FILE, profileJson } from '../../drift/profile.js';
import { writeFileDurable } from '../../util/durable.js';
import type { Command } from '../args.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export type ProfileArgs = Extract<Command, { kind: 'models' }> & { action: { name: 'profile'; versionDir: string; data?: string } };

export async function profileCommand(args: ProfileArgs, io: CliIO): Promise<ExitCode> {
  const { versionDir, data } = args.action;
  // A version folder, not a model folder of versions: nothing is written where no manifest is.
  await readManifestJson(versionDir);
  const { profile, refused } = await makeProfile(versionDir, data);
  const text = profileJson(profile);
  const file = path.join(versionDir, PROFILE_FILE);
  await writeFileDurable(file, text);

  const { json, file: manifestFile } = await readManifestJson(versionDir);
  const manifest = json as Record<string, unknown>;
  const wasSigned = manifest.signature !== undefined;
  delete manifest.signature;
  manifest.profile = { file: PROFILE_FILE, sha256: sha256(Buffer.from(text, 'utf8')) };
  parseManifest(manifest, manifestFile); // never write a manifest edgefn itself would refuse
  await writeFileDurable(path.join(versionDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

  const resign = wasSigned ? `its signature no longer matches the manifest and was removed: sign it again (edgefn models sign ${versionDir} --key FILE)` : null;
  if (args.json) {
    io.out(JSON.stringify({ file, items: profile.items, refused, sources: profile.sources, statistics: profile.inputs.map((s) => s.name), sha256: (manifest.profile as { sha256: string }).sha256, signatureRemoved: wasSigned, ...(resign ? { next: resign } : {}) }, null, 2));
    return EXIT.ok;
  }
  io.out(`${file}: profile of ${profile.name} ${profile.version} from ${profile.items} inputs (${profile.sources.join(', ')})${refused > 0 ? `; ${refused} refused by the model` : ''}`);
  io.out(`  statistics: ${profile.inputs.map((s) => s.name).join(', ')}; outputs: label shares, confidence, unknown ${(profile.outputs.unknown * 100).toFixed(1)} %`);
  io.out(`  ${path.join(versionDir, MANIFEST_FILE)}: profile listed with its sha256`);
  if (resign) io.out(`  ${resign}`);
  return EXIT.ok;
}
