/**
 * The manifest: one JSON file per model version that says everything needed to use it.
 * Pure: parses and validates an already-read JSON value; never touches the file system.
 *
 * Extension rules (so later versions of edgefn can add to it without breaking old files):
 * - `manifestVersion` is the format's own version. A reader refuses a higher major than it knows.
 * - Unknown top-level fields are kept in `extra` and ignored, so newer tools may add sections.
 * - `task` and `format` are closed unions: a value this build cannot run is an error, not a guess.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import { expected, is } from '../util/validate.js';

export const MANIFEST_VERSION = 1;
/** The manifest's file name in a version folder. */
export const MANIFEST_FILE = 'manifest.json';

export const TASKS = ['image-classification', 'tabular-classification', 'regression'] as const;
export const FORMATS = ['onnx', 'tfjs'] as const;
export const LAYOUTS = ['NCHW', 'NHWC'] as const;
export const DTYPES = ['float32', 'uint8'] as const;
export const COLORS = ['rgb', 'bgr', 'gray'] as const;
export const FITS = ['cover', 'contain', 'fill'] as const;
export const OUTPUT_KINDS = ['logits', 'probabilities', 'values'] as const;
/** Summary features of a window of readings, one column per feature and summary. */
export const SUMMARIES = ['mean', 'std', 'min', 'max', 'first', 'last', 'range', 'slope'] as const;

export type Task = (typeof TASKS)[number];
export type Format = (typeof FORMATS)[number];
export type Layout = (typeof LAYOUTS)[number];
export type DType = (typeof DTYPES)[number];
export type Color = (typeof COLORS)[number];
export type Fit = (typeof FITS)[number];
export type OutputKind = (typeof OUTPUT_KINDS)[number];
export type Summary = (typeof SUMMARIES)[number];

/** Channels each colour mode produces. */
export const CHANNELS = { rgb: 3, bgr: 3, gray: 1 } as const satisfies Record<Color, number>;

/** A file inside the version folder, with its expected sha256 (hex) when the manifest gives one. */
export interface FileRef {
  file: string;
  sha256?: string;
}

export interface ResizeSpec {
  width: number;
  height: number;
  fit: Fit;
  /**
   * Centre-crop fraction, as in the ImageNet recipe "shorter side to 256, centre crop 224"
   * (224/256 = 0.875): resize to cover `width/cropFraction × height/cropFraction`, then cut the
   * centre `width × height`. Only with fit `cover`; 1 means no extra crop.
   */
  cropFraction: number;
  /** Padding colour for fit `contain`, 0–255 per channel of the model's colour. */
  background: number[];
}

export interface NormalizeSpec {
  /** Multiplies each 0–255 pixel value first (1/255 gives 0–1). */
  scale: number;
  /** Subtracted after scaling, one value per channel (or one for all). */
  mean: number[];
  /** Divides after subtracting the mean, one value per channel (or one for all). */
  std: number[];
}

/** The input of an image task. */
export interface ImageInputSpec {
  kind: 'image';
  name: string;
  /** Tensor shape; -1 marks a dynamic dimension (the batch). */
  shape: number[];
  layout: Layout;
  dtype: DType;
  color: Color;
  resize: ResizeSpec;
  /** Absent for uint8 inputs, which take raw 0–255 values. */
  normalize?: NormalizeSpec;
}

/**
 * A sliding window over a stream of readings: the model sees `summaries` of each feature over the
 * last `size` readings. `hop` is how many new readings a stream needs before the next window
 * (1: a result per reading once the window is full).
 */
export interface WindowSpec {
  size: number;
  hop: number;
  summaries: Summary[];
}

/** The input of a tabular task: named numeric features, optionally summarised over a window. */
export interface TabularInputSpec {
  kind: 'tabular';
  name: string;
  /** `[batch, columns]`: columns = features × summaries with a window, else features. */
  shape: number[];
  dtype: 'float32';
  /** Reading fields, in the model's column order. */
  features: string[];
  window?: WindowSpec;
  /** Per-column standardisation `(x - mean) / std`, applied to the final columns. */
  normalize?: { mean: number[]; std: number[] };
}

export type InputSpec = ImageInputSpec | TabularInputSpec;

export interface OutputSpec {
  name: string;
  kind: OutputKind;
}

export interface GoldenRef extends FileRef {
  /** Accuracy the version must reach on its golden set to be activated. */
  minAccuracy?: number;
}

/** An Ed25519 signature over the manifest's canonical JSON (RFC 8785) without this field. */
export interface Signature {
  algorithm: 'ed25519';
  /** Which trusted key signed it: the first 16 hex digits of the sha256 of the public key (SPKI DER). */
  keyId: string;
  /** The signature, base64. */
  value: string;
}

export interface Manifest {
  manifestVersion: number;
  name: string;
  version: string;
  task: Task;
  format: Format;
  description?: string;
  /** For ONNX the .onnx file; for TF.js the model.json. */
  model: FileRef;
  /** Further files the model needs (TF.js weight shards), each checked like the model file. */
  files: FileRef[];
  /**
   * Inline labels, or a text file with one label per line. For `regression`, the names of the
   * output values (default `["value"]`).
   */
  labels: string[] | FileRef;
  input: InputSpec;
  output: OutputSpec;
  golden?: GoldenRef;
  /**
   * A marker file the copier writes last (e.g. `READY`): a store that watches for new versions
   * waits for it instead of waiting for the listed files to stop changing.
   */
  ready?: string;
  signature?: Signature;
  /** Figures measured when the model was trained (accuracy, dataset, ...). Free-form. */
  metrics: Record<string, string | number | boolean>;
  /** Top-level fields this reader does not know, kept for newer tools. */
  extra: Record<string, unknown>;
}

const KNOWN_FIELDS = new Set([
  'manifestVersion', 'name', 'version', 'task', 'format', 'description',
  'model', 'files', 'labels', 'input', 'output', 'golden', 'metrics', 'ready', 'signature',
]);

/**
 * Upper bounds, so that one manifest value cannot take the process down (a window of 1e9 readings
 * ran load() out of heap). Generous for any model a single-board computer runs.
 */
export const MANIFEST_LIMITS = {
  /** Largest model input side in pixels (input.resize, and its cover box before a centre crop). */
  imageSide: 4096,
  /** Largest fixed batch dimension in input.shape. */
  batch: 1024,
  /** Most readings in a window (input.window.size; window.hop is at most the size). */
  windowSize: 10_000,
  /** Most features in a reading (input.features). */
  features: 1024,
  /** Most values in one window: features × window.size. */
  windowValues: 1_000_000,
  /** Most inline labels, and most files in `files`. */
  labels: 100_000,
  files: 1000,
  /** Deepest nesting of the manifest's JSON (edgefn's own fields go four levels deep). */
  depth: 32,
  /** Smallest magnitude of a normalize.std value: below it, inputs overflow float32 once divided. */
  minStd: 1e-6,
} as const;

/** A name safe as a folder name: lowercase letters, digits, `.`, `_`, `-`. */
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Semantic version, as used to order versions in a store. */
const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

/** Collects the first error with the manifest's source and the field's dotted path. */
class Reader {
  constructor(private readonly source: string) {}

  fail(field: string, message: string): never {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${this.source}: ${message}`, {
      input: this.source,
      field,
    });
  }

  expect(field: string, what: string, value: unknown): never {
    this.fail(field, expected(what, field, value));
  }

  object(obj: Record<string, unknown>, key: string, field = key): Record<string, unknown> {
    const v = obj[key];
    if (!is.object(v)) this.expect(field, 'an object', v);
    return v;
  }

  string(obj: Record<string, unknown>, key: string, field = key): string {
    const v = obj[key];
    if (!is.nonEmptyString(v)) this.expect(field, 'a non-empty string', v);
    return v;
  }

  oneOf<T extends string>(obj: Record<string, unknown>, key: string, values: readonly T[], field = key, fallback?: T): T {
    const v = obj[key] ?? fallback;
    if (!is.oneOf(v, values)) this.expect(field, `one of ${values.join(', ')}`, v);
    return v;
  }

  positiveInteger(obj: Record<string, unknown>, key: string, field = key, max?: number): number {
    const v = obj[key];
    if (!is.positiveInteger(v)) this.expect(field, 'a positive integer', v);
    if (max !== undefined && v > max) this.expect(field, `a positive integer up to ${max}`, v);
    return v;
  }

  /** normalize.std: per channel (or column), each finite and at least minStd in magnitude. */
  std(obj: Record<string, unknown>, field: string, channels: number): number[] {
    const std = this.perChannel(obj, 'std', field, channels, 1);
    if (std.some((s) => s === 0)) this.expect(field, 'non-zero numbers', obj.std);
    if (std.some((s) => !(Math.abs(s) >= MANIFEST_LIMITS.minStd))) {
      this.expect(field, `numbers of magnitude at least ${MANIFEST_LIMITS.minStd} (dividing by less overflows float32)`, obj.std);
    }
    return std;
  }

  fileRef(obj: Record<string, unknown>, key: string, field = key): FileRef {
    const ref = this.object(obj, key, field);
    const file = this.string(ref, 'file', `${field}.file`);
    // Files live inside the version folder: no absolute paths, no climbing out of it.
    if (file.startsWith('/') || file.split(/[\\/]/).includes('..')) {
      this.expect(`${field}.file`, 'a relative path inside the model folder', file);
    }
    const out: FileRef = { file };
    if (ref.sha256 !== undefined) {
      if (!is.string(ref.sha256) || !SHA256_RE.test(ref.sha256)) {
        this.expect(`${field}.sha256`, '64 lowercase hex digits', ref.sha256);
      }
      out.sha256 = ref.sha256;
    }
    return out;
  }

  /** A per-channel list: one value for all channels, or exactly `channels` values. */
  perChannel(obj: Record<string, unknown>, key: string, field: string, channels: number, fallback: number): number[] {
    const v = obj[key] ?? [fallback];
    const list = is.number(v) ? [v] : v;
    if (!is.numberArray(list) || (list.length !== 1 && list.length !== channels)) {
      this.expect(field, `a number or an array of 1 or ${channels} numbers`, v);
    }
    return list.length === 1 ? new Array<number>(channels).fill(list[0]!) : list;
  }
}

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

function parseImageInput(r: Reader, obj: Record<string, unknown>): ImageInputSpec {
  const name = r.string(obj, 'name', 'input.name');
  const shape = obj.shape;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => d === -1 || is.positiveInteger(d))) {
    r.expect('input.shape', 'an array of 4 dimensions, each a positive integer or -1', shape);
  }
  batchDimension(r, shape);
  const layout = r.oneOf(obj, 'layout', LAYOUTS, 'input.layout');
  const dtype = r.oneOf(obj, 'dtype', DTYPES, 'input.dtype');
  const color = r.oneOf(obj, 'color', COLORS, 'input.color');
  const channels = CHANNELS[color];

  const [, h, w, c] = layout === 'NCHW' ? [shape[0], shape[2], shape[3], shape[1]] : shape;
  if (c !== channels) {
    r.fail('input.shape', `input.shape ${JSON.stringify(shape)} has ${c} channels in ${layout} but input.color "${color}" has ${channels}`);
  }

  const rz = r.object(obj, 'resize', 'input.resize');
  const resize: ResizeSpec = {
    width: r.positiveInteger(rz, 'width', 'input.resize.width', MANIFEST_LIMITS.imageSide),
    height: r.positiveInteger(rz, 'height', 'input.resize.height', MANIFEST_LIMITS.imageSide),
    fit: r.oneOf(rz, 'fit', FITS, 'input.resize.fit', 'fill'),
    cropFraction: 1,
    background: [0, 0, 0],
  };
  if (resize.width !== w || resize.height !== h) {
    r.fail('input.resize', `input.resize ${resize.width}x${resize.height} differs from the ${w}x${h} of input.shape`);
  }
  if (rz.cropFraction !== undefined) {
    if (!is.number(rz.cropFraction) || rz.cropFraction <= 0 || rz.cropFraction > 1) {
      r.expect('input.resize.cropFraction', 'a number above 0 and at most 1', rz.cropFraction);
    }
    if (resize.fit !== 'cover' && rz.cropFraction !== 1) {
      r.fail('input.resize.cropFraction', 'input.resize.cropFraction needs input.resize.fit "cover"');
    }
    if (Math.round(Math.max(resize.width, resize.height) / rz.cropFraction) > MANIFEST_LIMITS.imageSide) {
      r.fail('input.resize.cropFraction', `input.resize.cropFraction ${rz.cropFraction} makes a cover box over ${MANIFEST_LIMITS.imageSide} pixels a side before the crop`);
    }
    resize.cropFraction = rz.cropFraction;
  }
  if (rz.background !== undefined) {
    resize.background = r.perChannel(rz, 'background', 'input.resize.background', 3, 0);
    if (!resize.background.every((x) => x >= 0 && x <= 255)) {
      r.expect('input.resize.background', 'values from 0 to 255', rz.background);
    }
  }

  const input: ImageInputSpec = { kind: 'image', name, shape, layout, dtype, color, resize };
  if (dtype === 'float32') {
    const n = obj.normalize === undefined ? {} : r.object(obj, 'normalize', 'input.normalize');
    const scale = n.scale ?? 1 / 255;
    if (!is.number(scale) || scale === 0) r.expect('input.normalize.scale', 'a non-zero number', scale);
    const std = r.std(n, 'input.normalize.std', channels);
    const mean = r.perChannel(n, 'mean', 'input.normalize.mean', channels, 0);
    // Every value the model can be fed is (v × scale − mean) / std for a byte v: each must be a float32.
    for (let c = 0; c < channels; c++) {
      for (const v of [0, 255]) {
        const x = Math.fround((v * scale - mean[c]!) / std[c]!);
        if (!Number.isFinite(x)) r.fail('input.normalize', `input.normalize turns the pixel value ${v} of channel ${c} into ${x} in float32: scale, mean and std must keep inputs finite`);
      }
    }
    input.normalize = { scale, mean, std };
  } else if (obj.normalize !== undefined) {
    r.fail('input.normalize', 'input.normalize is for float32 inputs; uint8 inputs take raw 0-255 values');
  }
  return input;
}

function parseTabularInput(r: Reader, obj: Record<string, unknown>): TabularInputSpec {
  const name = r.string(obj, 'name', 'input.name');
  r.oneOf(obj, 'dtype', ['float32'] as const, 'input.dtype', 'float32');
  const features = obj.features;
  if (!Array.isArray(features) || features.length === 0 || !is.arrayOf(features, is.nonEmptyString) || new Set(features).size !== features.length) {
    r.expect('input.features', 'a non-empty array of distinct field names', features);
  }
  if (features.length > MANIFEST_LIMITS.features) r.expect('input.features', `at most ${MANIFEST_LIMITS.features} field names`, features);
  let window: WindowSpec | undefined;
  let columns = features.length;
  if (obj.window !== undefined) {
    const w = r.object(obj, 'window', 'input.window');
    const size = r.positiveInteger(w, 'size', 'input.window.size', MANIFEST_LIMITS.windowSize);
    if (size * features.length > MANIFEST_LIMITS.windowValues) {
      r.fail('input.window.size', `input.window.size ${size} × ${features.length} features makes ${size * features.length} values a window, over ${MANIFEST_LIMITS.windowValues}`);
    }
    const hop = w.hop === undefined ? 1 : r.positiveInteger(w, 'hop', 'input.window.hop', size);
    const summaries = w.summaries;
    if (!Array.isArray(summaries) || summaries.length === 0 || !summaries.every((x) => is.oneOf(x, SUMMARIES))) {
      r.expect('input.window.summaries', `a non-empty array of ${SUMMARIES.join(', ')}`, summaries);
    }
    window = { size, hop, summaries: summaries as Summary[] };
    columns *= summaries.length;
  }
  const shape = obj.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !(shape[0] === -1 || is.positiveInteger(shape[0])) || shape[1] !== columns) {
    r.expect('input.shape', `[batch, ${columns}] (batch -1 or a positive integer; ${columns} = ${window ? 'features × window.summaries' : 'features'})`, shape);
  }
  batchDimension(r, shape);
  const input: TabularInputSpec = { kind: 'tabular', name, shape, dtype: 'float32', features };
  if (window) input.window = window;
  if (obj.normalize !== undefined) {
    const n = r.object(obj, 'normalize', 'input.normalize');
    const mean = r.perChannel(n, 'mean', 'input.normalize.mean', columns, 0);
    input.normalize = { mean, std: r.std(n, 'input.normalize.std', columns) };
  }
  return input;
}

/** A fixed batch dimension is allocated whole on every run: bounded. */
function batchDimension(r: Reader, shape: number[]): void {
  if (shape[0]! > MANIFEST_LIMITS.batch) {
    r.fail('input.shape', `input.shape has a fixed batch of ${shape[0]}, over ${MANIFEST_LIMITS.batch} (use -1 for a dynamic batch)`);
  }
}

/** The image input of an image task's manifest; throws for a tabular one. */
export function imageInputSpec(manifest: Manifest): ImageInputSpec {
  if (manifest.input.kind !== 'image') {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${manifest.name}@${manifest.version} is a ${manifest.task} model; this needs an image model`, { field: 'task' });
  }
  return manifest.input;
}

/** Height, width and channels of the input, whatever the layout. */
export function inputGeometry(input: ImageInputSpec): { batch: number; height: number; width: number; channels: number } {
  const [n, a, b, c] = input.shape as [number, number, number, number];
  return input.layout === 'NCHW'
    ? { batch: n, channels: a, height: b, width: c }
    : { batch: n, height: a, width: b, channels: c };
}
