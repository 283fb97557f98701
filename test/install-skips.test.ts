/**
 * Checks that need files from outside the repo (the ImageNet models in EDGEFN_SHARED_MODELS,
 * default ../shared/models) show as skipped when those files are absent: counted in uvu's
 * "Skipped" total, which .ci/run's closing line reports, never silently missing from the counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './helpers/index.ts';

const run = promisify(execFile);

test('imagenet.test.ts with EDGEFN_SHARED_MODELS pointing nowhere: both checks counted as skipped, the run passes', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', './node_modules/uvu/bin.js', 'test', '^imagenet\\.test\\.ts$'], {
    cwd: ROOT,
    env: { ...process.env, EDGEFN_SHARED_MODELS: '/nonexistent', FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const plain = stdout.replace(/\x1b\[[0-9;]*m/g, '');
  assert.match(plain, /\/nonexistent \(EDGEFN_SHARED_MODELS\) lacks mobilenetv2-12-int8\.onnx, imagenet-synset\.txt, squeezenet1\.1-fp32\.onnx; those checks are skipped/);
  assert.match(plain, /Total:\s+0\n/);
  assert.match(plain, /Skipped:\s+2\n/);
});

test('explain-imagenet.test.ts with EDGEFN_SHARED_MODELS pointing nowhere: its check counted as skipped, the run passes', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', './node_modules/uvu/bin.js', 'test', '^explain-imagenet\\.test\\.ts$'], {
    cwd: ROOT,
    env: { ...process.env, EDGEFN_SHARED_MODELS: '/nonexistent', FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const plain = stdout.replace(/\x1b\[[0-9;]*m/g, '');
  assert.match(plain, /\/nonexistent \(EDGEFN_SHARED_MODELS\) lacks .*mobilenetv2-12-int8\.onnx.*; the check is skipped/);
  assert.match(plain, /Total:\s+0\n/);
  assert.match(plain, /Skipped:\s+1\n/);
});

test.run();
