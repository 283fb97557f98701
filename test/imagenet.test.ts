/**
 * The real ImageNet models in ../shared/models run through edgefn with nothing but a manifest
 * (examples/imagenet/<name>/manifest.json). The models live outside the repo (EDGEFN_SHARED_MODELS,
 * default ../shared/models): a check whose model is absent is declared with test.skip, so it shows in
 * uvu's "Skipped" total (and in .ci/run's closing line) instead of vanishing from the counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { load } from '../src/index.ts';
import { ROOT, SHARED_MODELS, photo, removeDir, sharedAvailable, tempDir } from './helpers/index.ts';

const MODELS = [
  { example: 'mobilenetv2-int8', file: 'mobilenetv2-12-int8.onnx' },
  { example: 'squeezenet1.1', file: 'squeezenet1.1-fp32.onnx' },
];

/** A version folder made of the example manifest and copies of the shared files (edgefn refuses links leaving the folder). */
async function versionFolder(example: string, file: string): Promise<string> {
  const dir = path.join(await tempDir(), '1.0.0');
  await mkdir(dir);
  await copyFile(path.join(ROOT, 'examples/imagenet', example, 'manifest.json'), path.join(dir, 'manifest.json'));
  await copyFile(path.join(SHARED_MODELS, file), path.join(dir, 'model.onnx'));
  await copyFile(path.join(SHARED_MODELS, 'imagenet-synset.txt'), path.join(dir, 'labels.txt'));
  return dir;
}

const missing = (m: (typeof MODELS)[number]) => [m.file, 'imagenet-synset.txt'].filter((f) => !sharedAvailable(f));
if (MODELS.some((m) => missing(m).length > 0)) {
  console.log(`imagenet.test: ${SHARED_MODELS} (EDGEFN_SHARED_MODELS) lacks ${[...new Set(MODELS.flatMap(missing))].join(', ')}; those checks are skipped`);
}

for (const m of MODELS) {
  const { example, file } = m;
  const name = `${example}: real photos get their well-known ImageNet labels`;
  if (missing(m).length > 0) {
    test.skip(name, () => {});
    continue;
  }
  test(name, async () => {
    const dir = await versionFolder(example, file);
    const model = await load(dir);
    try {
      const [cat, coffee, hopper] = await model([photo('chelsea.jpg'), photo('coffee.jpg'), photo('grace-hopper.jpg')], { top: 3 });
      // Compare top-k labels, not floats: the int8 model's outputs differ in the last digits across CPUs.
      assert.match(cat!.label!, /Egyptian cat|tabby|tiger cat/);
      assert.match(coffee!.label!, /espresso|cup|coffee mug/);
      assert.ok(hopper!.top.some((t) => /military uniform|bow tie|suit/.test(t.label)), hopper!.top.map((t) => t.label).join('; '));
      assert.is(model.labels.length, 1000);
    } finally {
      await model.dispose();
      await removeDir(path.dirname(dir));
    }
  });
}

test.run();
