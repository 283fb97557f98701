/** The common manifest (name, version, task, format, files, labels, output, golden, signature) and its entry point. */
import { is } from '../util/validate.js';
import { parseImageInput } from './image.js';
import { MANIFEST_LIMITS } from './limits.js';
import { Reader } from './reader.js';
import { checkRollout, type RolloutSpec } from './rollout.js';
import { parseTabularInput } from './tabular.js';
import { FORMATS, MANIFEST_VERSION, TASKS, type FileRef, type GoldenRef, type Manifest, type OutputSpec, type Signature } from './types.js';

const KNOWN_FIELDS = new Set([
  'manifestVersion', 'name', 'version', 'task', 'format', 'description',
  'model', 'files', 'labels', 'input', 'output', 'golden', 'metrics', 'ready', 'signature', 'rollout', 'profile',
]);

/** A name safe as a folder name: lowercase letters, digits, `.`, `_`, `-`. */
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Semantic version, as used to order versions in a store. */
const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** How deep a JSON value nests, walked without recursion (a value 100,000 deep is only counted). */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, d);
    if (deepest > limit) return deepest;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** Parses and validates a manifest. `source` names it in messages (usually its path). */
export function parseManifest(json: unknown, source = 'manifest.json'): Manifest {
  const r: Reader = new Reader(source);
  if (!is.object(json)) r.expect('(root)', 'a JSON object', json);
  if (depthOf(json, MANIFEST_LIMITS.depth) > MANIFEST_LIMITS.depth) {
    r.fail('(root)', `the manifest nests deeper than ${MANIFEST_LIMITS.depth} levels`);
  }

  const manifestVersion = json.manifestVersion;
  if (!is.positiveInteger(manifestVersion)) r.expect('manifestVersion', 'a positive integer', manifestVersion);
  if (manifestVersion > MANIFEST_VERSION) {
    r.fail('manifestVersion', `manifestVersion ${manifestVersion} needs a newer edgefn (this one reads up to ${MANIFEST_VERSION})`);
  }

  const name = r.string(json, 'name');
  if (!NAME_RE.test(name)) r.expect('name', 'lowercase letters, digits, ".", "_" or "-" (at most 64)', name);
  const version = r.string(json, 'version');
  if (!SEMVER_RE.test(version)) r.expect('version', 'a semantic version such as 1.2.0', version);
  const task = r.oneOf(json, 'task', TASKS);
  const format = r.oneOf(json, 'format', FORMATS);
  const description = json.description;
  if (description !== undefined && !is.string(description)) r.expect('description', 'a string', description);

  const model = r.fileRef(json, 'model');
  const files: FileRef[] = [];
  if (json.files !== undefined) {
    if (!Array.isArray(json.files)) r.expect('files', 'an array of { file, sha256 }', json.files);
    if (json.files.length > MANIFEST_LIMITS.files) r.expect('files', `at most ${MANIFEST_LIMITS.files} { file, sha256 }`, json.files);
    json.files.forEach((f, i) => files.push(r.fileRef({ f }, 'f', `files[${i}]`)));
  }
  const labels = task === 'regression' && json.labels === undefined ? ['value'] : parseLabels(r, json.labels);
  const inputObj = r.object(json, 'input');
  const input = task === 'image-classification' ? parseImageInput(r, inputObj) : parseTabularInput(r, inputObj);
  const outputObj = r.object(json, 'output');
  const output: OutputSpec = {
    name: r.string(outputObj, 'name', 'output.name'),
    // A classifier's scores are logits or probabilities; a regression's outputs are values.
    kind: task === 'regression'
      ? r.oneOf(outputObj, 'kind', ['values'] as const, 'output.kind', 'values')
      : r.oneOf(outputObj, 'kind', ['logits', 'probabilities'] as const, 'output.kind'),
  };

  let golden: GoldenRef | undefined;
  if (json.golden !== undefined && task === 'regression') r.fail('golden', 'golden sets score classifiers; a regression manifest has none');
  if (json.golden !== undefined) {
    golden = r.fileRef(json, 'golden');
    const min = (json.golden as Record<string, unknown>).minAccuracy;
    if (min !== undefined) {
      if (!is.inRange(min, 0, 1)) r.expect('golden.minAccuracy', 'a number from 0 to 1', min);
      golden.minAccuracy = min;
    }
    const baselines = (json.golden as Record<string, unknown>).baselines;
    if (baselines !== undefined) {
      if (!Array.isArray(baselines) || baselines.length > MANIFEST_LIMITS.baselines) {
        r.expect('golden.baselines', `an array of at most ${MANIFEST_LIMITS.baselines} { file, sha256 } naming baseline manifests`, baselines);
      }
      golden.baselines = baselines.map((b, i) => r.fileRef({ b }, 'b', `golden.baselines[${i}]`));
    }
  }

  const profile = json.profile !== undefined ? r.fileRef(json, 'profile') : undefined;

  let rollout: RolloutSpec | undefined;
  if (json.rollout !== undefined) {
    const checked = checkRollout(json.rollout);
    if ('problem' in checked) {
      const { field, expected: what, value } = checked.problem;
      r.expect(field ? `rollout.${field}` : 'rollout', what, value);
    }
    rollout = checked.spec;
  }

  const metrics: Record<string, string | number | boolean> = {};
  if (json.metrics !== undefined) {
    const m = r.object(json, 'metrics');
    for (const [k, v] of Object.entries(m)) {
      if (!is.string(v) && !is.number(v) && !is.bool(v)) r.expect(`metrics.${k}`, 'a string, number or boolean', v);
      metrics[k] = v;
    }
  }

  let ready: string | undefined;
  if (json.ready !== undefined) {
    ready = r.fileRef({ ready: { file: json.ready } }, 'ready').file;
  }
  let signature: Signature | undefined;
  if (json.signature !== undefined) {
    const sig = r.object(json, 'signature');
    r.oneOf(sig, 'algorithm', ['ed25519'] as const, 'signature.algorithm');
    const keyId = r.string(sig, 'keyId', 'signature.keyId');
    const value = r.string(sig, 'value', 'signature.value');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) r.expect('signature.value', 'base64', value);
    signature = { algorithm: 'ed25519', keyId, value };
  }

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (!KNOWN_FIELDS.has(k)) extra[k] = v;

  const manifest: Manifest = {
    manifestVersion, name, version, task, format, model, files, labels, input, output, metrics, extra,
  };
  if (description !== undefined) manifest.description = description;
  if (golden) manifest.golden = golden;
  if (ready !== undefined) manifest.ready = ready;
  if (signature) manifest.signature = signature;
  if (rollout) manifest.rollout = rollout;
  if (profile) manifest.profile = profile;
  return manifest;
}

function parseLabels(r: Reader, v: unknown): string[] | FileRef {
  if (Array.isArray(v)) {
    if (v.length === 0 || !is.arrayOf(v, is.string)) r.expect('labels', 'a non-empty array of strings', v);
    if (v.length > MANIFEST_LIMITS.labels) r.expect('labels', `at most ${MANIFEST_LIMITS.labels} labels`, v);
    return v;
  }
  if (is.object(v)) return r.fileRef({ labels: v }, 'labels');
  return r.expect('labels', 'an array of strings or { file }', v);
}
