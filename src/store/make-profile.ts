/**
 * `edgefn models profile`'s work: load a version, run it over its golden set and a reference
 * sample (--data), measure every input as the monitor will (../drift/measure.ts) and every answer, and
 * build the profile. An input the model refuses (an undecodable image, a reading with a missing
 * value) is left out and counted: the monitor measures answered calls only, and a profile holding
 * a missing share its calls can never show would read as drift from the first evaluation on.
 */
import path from 'node:path';
import { EdgefnError, ErrorCode } from '../errors.js';
import { load, type AnyModel } from '../model/load.js';
import { internalsOf } from '../model/internals.js';
import type { Prepared } from '../model/tasks/task.js';
import { readGoldenSet } from './golden.js';
import { loadOptional } from '../util/optional.js';
import { measurer } from '../drift/measure.js';
import { buildProfile } from '../drift/profile.js';
import { csvInputs, imageFiles } from '../drift/reference-data.js';
import { outputStats } from '../drift/stats.js';
import type { InputStats, OutputStats, Profile } from '../drift/types.js';

export interface MadeProfile {
  profile: Profile;
  /** Inputs the model refused (left out of the profile). */
  refused: number;
}

const BATCH = 32;

type Metadata = (file: string) => Promise<{ width: number; height: number } | null>;

/** An encoded image's size as the model sees it (EXIF-oriented), from its header: nothing is decoded. */
function sourceSize(): Metadata {
  const sharp = loadOptional<(input: string) => { metadata(): Promise<{ width?: number; height?: number; orientation?: number }> }>('sharp', 'to read image sizes');
  return async (file) => {
    const m = await sharp(file).metadata().catch(() => null);
    if (!m?.width || !m.height) return null;
    return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  };
}

export async function makeProfile(versionDir: string, data?: string): Promise<MadeProfile> {
  // Not monitored: the profile being replaced may be gone or changed, and it is not what this measures against.
  const model = await load<AnyModel>(versionDir, { verify: true, monitor: false });
  try {
    const { manifest } = model;
    const image = manifest.input.kind === 'image';
    const inputs: unknown[] = [];
    const sources: string[] = [];
    if (manifest.golden) {
      const golden = await readGoldenSet(versionDir, manifest.golden, true);
      for (const item of golden.items) inputs.push('file' in item ? path.join(golden.dir, item.file) : item.input);
      sources.push(`golden set (${golden.items.length} items)`);
    }
    if (data !== undefined) {
      const spec = manifest.input;
      const extra = spec.kind === 'image' ? await imageFiles(data) : await csvInputs(data, spec);
      inputs.push(...extra);
      sources.push(`${path.basename(data)} (${extra.length} ${image ? 'images' : manifest.input.kind === 'tabular' && manifest.input.window ? 'windows' : 'readings'})`);
    }
    if (inputs.length === 0) {
      throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${versionDir}: nothing to profile: the version has no golden set; give a reference sample with --data`, { field: 'data' });
    }
    const measure = measurer(manifest);
    const named = namer(manifest.input.kind === 'image' ? null : manifest.input.features);
    const size = image ? sourceSize() : null;
    const inputStats: InputStats[] = [];
    const outputs: OutputStats[] = [];
    let refused = 0;
    const take = async (input: unknown, result: unknown, prepared: Prepared | null) => {
      const source = size && typeof input === 'string' ? await size(input) : null;
      inputStats.push(measure.measure(input, prepared, source));
      const o = outputStats(result);
      if (o) outputs.push(o);
    };
    for (let i = 0; i < inputs.length; i += BATCH) {
      const batch = inputs.slice(i, i + BATCH);
      const kept = await runKept(model, batch);
      for (const [j, input] of batch.entries()) {
        const k = kept[j];
        if (k) await take(named(input), k.result, k.prepared);
        else refused++;
      }
    }
    const labels = model.labels.length;
    const kind = image ? 'image' : 'tabular';
    const profile = buildProfile({ name: manifest.name, version: manifest.version, kind, sources }, inputStats, outputs, labels);
    return { profile, refused };
  } finally {
    await model.dispose();
  }
}

/**
 * A reading as the monitor measures it: by feature name. A reading may be given as an array of
 * values in feature order; the monitor names the checked values, so a profile must too.
 */
function namer(features: readonly string[] | null): (input: unknown) => unknown {
  if (!features) return (input) => input;
  const one = (r: unknown) => (Array.isArray(r) ? Object.fromEntries(features.map((f, i) => [f, r[i]])) : r);
  return (input) => (Array.isArray(input) && input.length > 0 && typeof input[0] === 'object' ? input.map(one) : one(input));
}

type Kept = { result: unknown; prepared: Prepared } | undefined;

/** Runs a batch, handing back each input's result and prepared form; when the batch fails, one by one (a refused input: undefined). */
async function runKept(model: AnyModel, batch: readonly unknown[]): Promise<Kept[]> {
  const internals = internalsOf(model);
  if (!internals) throw new EdgefnError(ErrorCode.INTERNAL, 'models profile: the loaded model has no internals (a bug in edgefn)');
  const kept: Kept[] = new Array(batch.length);
  try {
    await internals.call(batch, undefined, (index, result, prepared) => { kept[index] = { result, prepared }; });
    return kept;
  } catch (err) {
    if (!(err instanceof EdgefnError)) throw err;
  }
  for (const [j, input] of batch.entries()) {
    try {
      await internals.call(input, undefined, (_index, result, prepared) => { kept[j] = { result, prepared }; });
    } catch (err) {
      if (!(err instanceof EdgefnError)) throw err;
      kept[j] = undefined;
    }
  }
  return kept;
}
