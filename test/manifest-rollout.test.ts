import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifest, ROLLOUT_DEFAULTS, checkRollout } from '../src/manifest/index.ts';
import { ErrorCode, EdgefnError } from '../src/errors.ts';

const valid = (): Record<string, any> => ({
  manifestVersion: 1, name: 'demo', version: '1.2.3', task: 'image-classification', format: 'onnx',
  model: { file: 'model.onnx' }, labels: ['a', 'b'],
  input: { name: 'x', shape: [-1, 1, 28, 28], layout: 'NCHW', dtype: 'float32', color: 'gray', resize: { width: 28, height: 28, fit: 'fill' } },
  output: { name: 'y', kind: 'logits' },
  golden: { file: 'golden/index.json' },
});

const fieldOf = (m: Record<string, any>): string | undefined => {
  try {
    parseManifest(m, 'm.json');
  } catch (err) {
    assert.instance(err, EdgefnError);
    assert.is((err as EdgefnError).code, ErrorCode.MANIFEST_INVALID);
    return (err as EdgefnError).field;
  }
  assert.unreachable('the manifest was accepted');
};

test('rollout: a mode string or an object; defaults filled; absent means none', () => {
  assert.is(parseManifest(valid()).rollout, undefined);
  assert.equal(parseManifest({ ...valid(), rollout: 'shadow' }).rollout, { ...ROLLOUT_DEFAULTS, mode: 'shadow' });
  const r = parseManifest({ ...valid(), rollout: { mode: 'canary', steps: [0.1, 0.5, 1], minCalls: 50 } }).rollout!;
  assert.equal([r.mode, r.steps, r.minCalls, r.minAgreement], ['canary', [0.1, 0.5, 1], 50, ROLLOUT_DEFAULTS.minAgreement]);
});

test('rollout: each bad field is named', () => {
  assert.is(fieldOf({ ...valid(), rollout: 'gradual' }), 'rollout.mode');
  assert.is(fieldOf({ ...valid(), rollout: 7 }), 'rollout');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'shadow', sample: 0 } }), 'rollout.sample');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'canary', steps: [0.5, 0.25, 1] } }), 'rollout.steps');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'canary', steps: [0.5] } }), 'rollout.steps');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'canary', minCalls: 1.5 } }), 'rollout.minCalls');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'canary', maxLatencyRatio: 0.5 } }), 'rollout.maxLatencyRatio');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'canary', minAgreement: 2 } }), 'rollout.minAgreement');
  assert.is(fieldOf({ ...valid(), rollout: { mode: 'canary', sampel: 1 } }), 'rollout.sampel');
});

test('checkRollout keeps a base spec for the fields a value leaves out', () => {
  const base = { ...ROLLOUT_DEFAULTS, mode: 'canary' as const, minCalls: 10 };
  const r = checkRollout({ minAgreement: 0.5 }, base);
  assert.ok('spec' in r);
  if ('spec' in r) assert.equal([r.spec.mode, r.spec.minCalls, r.spec.minAgreement], ['canary', 10, 0.5]);
});

test('golden.baselines: baseline manifests inside the folder, at most 8', () => {
  const m = parseManifest({ ...valid(), golden: { file: 'golden/index.json', baselines: [{ file: 'baselines/linear/manifest.json', sha256: 'b'.repeat(64) }] } });
  assert.equal(m.golden!.baselines, [{ file: 'baselines/linear/manifest.json', sha256: 'b'.repeat(64) }]);
  assert.is(fieldOf({ ...valid(), golden: { file: 'g.json', baselines: [{ file: '../other/manifest.json' }] } }), 'golden.baselines[0].file');
  assert.is(fieldOf({ ...valid(), golden: { file: 'g.json', baselines: 'linear' } }), 'golden.baselines');
  assert.is(fieldOf({ ...valid(), golden: { file: 'g.json', baselines: new Array(9).fill({ file: 'b/manifest.json' }) } }), 'golden.baselines');
});

test('profile: a file inside the folder, with its sha256', () => {
  const m = parseManifest({ ...valid(), profile: { file: 'profile.json', sha256: 'c'.repeat(64) } });
  assert.equal(m.profile, { file: 'profile.json', sha256: 'c'.repeat(64) });
  assert.is(parseManifest(valid()).profile, undefined);
  assert.is(fieldOf({ ...valid(), profile: { file: '/etc/profile.json' } }), 'profile.file');
  assert.is(fieldOf({ ...valid(), profile: 'profile.json' }), 'profile');
});

test.run();
