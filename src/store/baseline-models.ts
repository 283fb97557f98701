/**
 * The baseline models a version's manifest names (`golden.baselines`), loaded and scored on the
 * golden items the version is scored on. A baseline is trusted the way the version is: its
 * manifest is a file inside the version folder whose sha256 the version's manifest (and so its
 * signature) records, and every file that manifest lists carries a sha256 that load() checks. A
 * baseline that is missing, altered or does not load rejects the version: a check the manifest
 * asked for is never skipped.
 */
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { MANIFEST_FILE, parseManifest, type FileRef, type Manifest } from '../manifest/index.js';
import { MAX_MANIFEST_BYTES, readListedFile } from '../model/files.js';
import { load } from '../model/load.js';
import type { LoadOptions } from '../model/options.js';
import type { BaselineScore } from './baselines.js';
import { scoreGoldenSet, type GoldenSet } from './golden.js';
import { Rejection } from './trust.js';

/** Loads, scores and disposes each baseline model in turn; a broken one is a Rejection at 'validation'. */
export async function scoreBaselineModels(versionDir: string, refs: readonly FileRef[], sets: readonly GoldenSet[], loadOptions: LoadOptions): Promise<BaselineScore[]> {
  const scores: BaselineScore[] = [];
  for (const [i, ref] of refs.entries()) {
    const field = `golden.baselines[${i}]`;
    try {
      scores.push(await scoreOne(versionDir, ref, field, sets, loadOptions));
    } catch (err) {
      if (!(err instanceof EdgefnError)) throw err;
      throw new Rejection('validation', err.code, `${versionDir}: the baseline ${field} (${ref.file}) cannot be scored: ${err.message}`);
    }
  }
  return scores;
}

async function scoreOne(versionDir: string, ref: FileRef, field: string, sets: readonly GoldenSet[], loadOptions: LoadOptions): Promise<BaselineScore> {
  const dir = path.dirname(ref.file);
  const invalid = (why: string, at = field) => new EdgefnError(ErrorCode.MANIFEST_INVALID, `${path.join(versionDir, MANIFEST_FILE)}: ${why}`, { input: versionDir, field: at });
  if (ref.sha256 === undefined) throw invalid(`${field}.sha256 is required: the version's manifest vouches for its baselines through their hashes`, `${field}.sha256`);
  if (path.basename(ref.file) !== MANIFEST_FILE || dir === '.') throw invalid(`${field}.file must name the ${MANIFEST_FILE} of a baseline folder inside the version (such as baselines/linear/${MANIFEST_FILE}), not ${JSON.stringify(ref.file)}`, `${field}.file`);

  // Inside the folder, a regular file (no link out), under the manifest cap, matching its sha256.
  const bytes = await readListedFile(versionDir, ref, field, true, MAX_MANIFEST_BYTES);
  const file = path.join(versionDir, ref.file);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${file}: not valid JSON: ${messageOf(err)}`, { cause: err, input: file });
  }
  const manifest = parseManifest(json, file);
  requireHashes(manifest, file);

  const model = await load(path.join(versionDir, dir), { ...loadOptions, verify: true });
  try {
    let correct = 0;
    let total = 0;
    for (const set of sets) {
      const s = await scoreGoldenSet(model, set);
      correct += s.correct;
      total += s.total;
    }
    return { name: dir, kind: 'model', accuracy: correct / total };
  } finally {
    await model.dispose();
  }
}

/** A baseline scores labels, and every file its manifest lists is hashed (load() then checks each). */
function requireHashes(m: Manifest, file: string): void {
  const fail = (field: string, why: string) => {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${file}: ${why}`, { input: file, field });
  };
  if (m.task === 'regression') fail('task', 'a baseline model is a classifier: it is scored on the golden labels');
  if (m.model.sha256 === undefined) fail('model.sha256', 'model.sha256 is required for a baseline model');
  if (!Array.isArray(m.labels) && m.labels.sha256 === undefined) fail('labels.sha256', 'labels.sha256 is required for a baseline model');
  m.files.forEach((f, i) => f.sha256 === undefined && fail(`files[${i}].sha256`, `files[${i}].sha256 is required for a baseline model`));
}
