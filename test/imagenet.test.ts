/**
 * The real ImageNet models in ../shared/models run through edgefn with nothing but a manifest
 * (examples/imagenet/<name>/manifest.json). Absent models are reported and not counted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { load } from '../src/index.ts';
import { ROOT, SHARED_MODELS, photo, removeDir, sharedAvailable, tempDir } from './helpers/index.ts';

const MODELS = [
  { example: 'mobilenetv2-int8', file: 'mobilenetv2-12-int8.onnx' },
  { example: 'squeezenet1.1', file: 'squeezenet1.1-fp32.onnx' },
];

/** A version folder made of the example manifest and links to the shared files. */
async function versionFolder(example: string, file: string): Promise<string> {
  const dir = path.join(await tempDir(), '1.0.0');
  await mkdir(dir);
  await copyFile(path.join(ROOT, 'examples/imagenet', example, 'manifest.json'), path.join(dir, 'manifest.json'));
  await symlink(path.join(SHARED_MODELS, file), path.join(dir, 'model.onnx'));
  await symlink(path.join(SHARED_MODELS, 'imagenet-synset.txt'), path.join(dir, 'labels.txt'));
  return dir;
}

const available = MODELS.filter((m) => sharedAvailable(m.file) && sharedAvailable('imagenet-synset.txt'));
if (available.length < MODELS.length) {
  console.log(`imagenet.test: ${SHARED_MODELS} lacks ${MODELS.filter((m) => !available.includes(m)).map((m) => m.file).join(', ')}; those checks are not run (not counted as passed)`);
}

for (const { example, file } of available) {
  test(`${example}: real photos get their well-known ImageNet labels`, async () => {
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
