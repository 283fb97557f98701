import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifest, inputGeometry, imageInputSpec } from '../src/manifest/index.ts';
import { ErrorCode } from '../src/errors.ts';
import * as edgefn from '../src/index.ts';
import { rejectsWith } from './helpers/index.ts';

const valid = () => ({
  manifestVersion: 1,
  name: 'demo',
  version: '1.2.3',
  task: 'image-classification',
  format: 'onnx',
  model: { file: 'model.onnx', sha256: 'a'.repeat(64) },
  labels: ['a', 'b'],
  input: {
    name: 'x', shape: [-1, 3, 224, 224], layout: 'NCHW', dtype: 'float32', color: 'rgb',
    resize: { width: 224, height: 224, fit: 'cover', cropFraction: 0.875 },
    normalize: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  },
  output: { name: 'y', kind: 'logits' },
});

const bad = (edit: (m: any) => void) => {
  const m = valid();
  edit(m);
  return () => parseManifest(m, 'm.json');
};

test('parses a full manifest and fills defaults', () => {
  const m = parseManifest(valid());
  assert.is(m.name, 'demo');
  assert.equal(imageInputSpec(m).resize, { width: 224, height: 224, fit: 'cover', cropFraction: 0.875, background: [0, 0, 0] });
  assert.equal(m.metrics, {});
  assert.equal(inputGeometry(imageInputSpec(m)), { batch: -1, channels: 3, height: 224, width: 224 });
});

test('a single mean/std value applies to every channel; scale defaults to 1/255', () => {
  const m = valid();
  m.input.normalize = { mean: 0.5, std: [0.25] } as any;
  const p = parseManifest(m);
  assert.equal(p.input.normalize, { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
});

test('NHWC shapes read height, width, channels', () => {
  const m = valid();
  m.input.shape = [1, 224, 224, 3];
  m.input.layout = 'NHWC';
  assert.equal(inputGeometry(imageInputSpec(parseManifest(m))), { batch: 1, height: 224, width: 224, channels: 3 });
});

test('unknown top-level fields are kept in extra, for newer tools', () => {
  const m: any = valid();
  m.provenance = { pipeline: 'ci-42' };
  assert.equal(parseManifest(m).extra, { provenance: { pipeline: 'ci-42' } });
});

test('tfjs format with weight shards in files', () => {
  const m: any = valid();
  m.format = 'tfjs';
  m.files = [{ file: 'group1-shard1of2.bin', sha256: 'b'.repeat(64) }, { file: 'group1-shard2of2.bin' }];
  const p = parseManifest(m);
  assert.is(p.format, 'tfjs');
  assert.equal(p.files, [{ file: 'group1-shard1of2.bin', sha256: 'b'.repeat(64) }, { file: 'group1-shard2of2.bin' }]);
});

test('uint8 inputs take no normalisation', async () => {
  const m: any = valid();
  m.input.dtype = 'uint8';
  await rejectsWith(() => parseManifest(m, 'm.json'), ErrorCode.MANIFEST_INVALID,
    'm.json: input.normalize is for float32 inputs; uint8 inputs take raw 0-255 values');
  delete m.input.normalize;
  assert.is(parseManifest(m).input.normalize, undefined);
});

/** `depth` levels of JSON: [] is one, [[]] two. */
const nested = (depth: number): unknown => {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
};

test('the limits the README promises, exported from the public entry', () => {
  assert.equal(edgefn.MANIFEST_LIMITS, {
    imageSide: 4096, batch: 1024, windowSize: 10_000, features: 1024, windowValues: 1_000_000,
    labels: 100_000, files: 1000, baselines: 8, depth: 32, minStd: 1e-6,
  });
  assert.equal([edgefn.MAX_THREADS, edgefn.MAX_TOP, edgefn.MAX_BATCH, edgefn.DEFAULT_MAX_INPUT_BYTES], [64, 100_000, 1024, 64 * 1024 * 1024]);
});

test('manifest limits hold at the bound and refuse one past it: files, JSON depth, normalize.std', async () => {
  const files = (n: number) => Array.from({ length: n }, (_, i) => ({ file: `w${i}.bin` }));
  const at: any = valid();
  at.files = files(1000);
  at.provenance = nested(31); // the manifest object is level 1: 32 in all
  at.input.normalize.std = 1e-6;
  assert.is(parseManifest(at).files.length, 1000);

  let err = await rejectsWith(bad((m) => { m.files = files(1001); }), ErrorCode.MANIFEST_INVALID, /^m\.json: Expected at most 1000 \{ file, sha256 \} for files but received/);
  assert.is(err.field, 'files');
  err = await rejectsWith(bad((m) => { m.provenance = nested(32); }), ErrorCode.MANIFEST_INVALID, 'm.json: the manifest nests deeper than 32 levels');
  assert.is(err.field, '(root)');
  err = await rejectsWith(bad((m) => { m.input.normalize.std = [0.2, 9.9e-7, 0.2]; }), ErrorCode.MANIFEST_INVALID,
    /^m\.json: Expected numbers of magnitude at least 0\.000001 \(dividing by less overflows float32\) for input\.normalize\.std/);
  assert.is(err.field, 'input.normalize.std');
});

const cases: [string, (m: any) => void, string, string][] = [
  ['not an object', (m) => { Object.keys(m).forEach((k) => delete m[k]); m.manifestVersion = 'one'; }, 'manifestVersion', 'm.json: Expected a positive integer for manifestVersion but received "one" of type string'],
  ['newer format', (m) => { m.manifestVersion = 2; }, 'manifestVersion', 'm.json: manifestVersion 2 needs a newer edgefn (this one reads up to 1)'],
  ['bad name', (m) => { m.name = 'Fashion MNIST'; }, 'name', 'm.json: Expected lowercase letters, digits, ".", "_" or "-" (at most 64) for name but received "Fashion MNIST" of type string'],
  ['bad version', (m) => { m.version = 'v1'; }, 'version', 'm.json: Expected a semantic version such as 1.2.0 for version but received "v1" of type string'],
  ['unknown task', (m) => { m.task = 'detection'; }, 'task', 'm.json: Expected one of image-classification, tabular-classification, regression for task but received "detection" of type string'],
  ['unknown format', (m) => { m.format = 'tflite'; }, 'format', 'm.json: Expected one of onnx, tfjs for format but received "tflite" of type string'],
  ['files not a list', (m) => { m.files = 'weights.bin'; }, 'files', 'm.json: Expected an array of { file, sha256 } for files but received "weights.bin" of type string'],
  ['files entry escapes', (m) => { m.files = [{ file: '/etc/passwd' }]; }, 'files[0].file', 'm.json: Expected a relative path inside the model folder for files[0].file but received "/etc/passwd" of type string'],
  ['model path escapes', (m) => { m.model.file = '../x.onnx'; }, 'model.file', 'm.json: Expected a relative path inside the model folder for model.file but received "../x.onnx" of type string'],
  ['bad sha256', (m) => { m.model.sha256 = 'xyz'; }, 'model.sha256', 'm.json: Expected 64 lowercase hex digits for model.sha256 but received "xyz" of type string'],
  ['empty labels', (m) => { m.labels = []; }, 'labels', 'm.json: Expected a non-empty array of strings for labels but received [] of type array'],
  ['bad layout', (m) => { m.input.layout = 'NWHC'; }, 'input.layout', 'm.json: Expected one of NCHW, NHWC for input.layout but received "NWHC" of type string'],
  ['bad dtype', (m) => { m.input.dtype = 'float64'; }, 'input.dtype', 'm.json: Expected one of float32, uint8 for input.dtype but received "float64" of type string'],
  ['bad color', (m) => { m.input.color = 'cmyk'; }, 'input.color', 'm.json: Expected one of rgb, bgr, gray for input.color but received "cmyk" of type string'],
  ['3-d shape', (m) => { m.input.shape = [3, 224, 224]; }, 'input.shape', 'm.json: Expected an array of 4 dimensions, each a positive integer or -1 for input.shape but received [3, 224, 224] of type array'],
  ['channels vs colour', (m) => { m.input.color = 'gray'; }, 'input.shape', 'm.json: input.shape [-1,3,224,224] has 3 channels in NCHW but input.color "gray" has 1'],
  ['resize vs shape', (m) => { m.input.resize.width = 256; }, 'input.resize', 'm.json: input.resize 256x224 differs from the 224x224 of input.shape'],
  ['bad fit', (m) => { m.input.resize.fit = 'stretch'; }, 'input.resize.fit', 'm.json: Expected one of cover, contain, fill for input.resize.fit but received "stretch" of type string'],
  ['crop fraction range', (m) => { m.input.resize.cropFraction = 1.5; }, 'input.resize.cropFraction', 'm.json: Expected a number above 0 and at most 1 for input.resize.cropFraction but received 1.5 of type number'],
  ['crop needs cover', (m) => { m.input.resize.fit = 'fill'; }, 'input.resize.cropFraction', 'm.json: input.resize.cropFraction needs input.resize.fit "cover"'],
  ['mean length', (m) => { m.input.normalize.mean = [0.5, 0.5]; }, 'input.normalize.mean', 'm.json: Expected a number or an array of 1 or 3 numbers for input.normalize.mean but received [0.5, 0.5] of type array'],
  ['zero std', (m) => { m.input.normalize.std = [0.2, 0, 0.2]; }, 'input.normalize.std', 'm.json: Expected non-zero numbers for input.normalize.std but received [0.2, 0, 0.2] of type array'],
  ['missing output', (m) => { delete m.output; }, 'output', 'm.json: Expected an object for output but received undefined of type undefined'],
  ['bad output kind', (m) => { m.output.kind = 'sigmoid'; }, 'output.kind', 'm.json: Expected one of logits, probabilities for output.kind but received "sigmoid" of type string'],
  ['golden threshold', (m) => { m.golden = { file: 'g.json', minAccuracy: 90 }; }, 'golden.minAccuracy', 'm.json: Expected a number from 0 to 1 for golden.minAccuracy but received 90 of type number'],
  ['bad signature', (m) => { m.signature = { algorithm: 'rsa', keyId: 'k', value: 'AA==' }; }, 'signature.algorithm', 'm.json: Expected one of ed25519 for signature.algorithm but received "rsa" of type string'],
  ['ready marker path', (m) => { m.ready = '../READY'; }, 'ready.file', 'm.json: Expected a relative path inside the model folder for ready.file but received "../READY" of type string'],
  ['metric values', (m) => { m.metrics = { accuracy: [0.9] }; }, 'metrics.accuracy', 'm.json: Expected a string, number or boolean for metrics.accuracy but received [0.9] of type array'],
];

for (const [name, edit, field, message] of cases) {
  test(`rejects ${name}: names ${field}`, async () => {
    const err = await rejectsWith(bad(edit), ErrorCode.MANIFEST_INVALID, message);
    assert.is(err.field, field);
    assert.is(err.input, 'm.json');
  });
}

test.run();
