/**
 * The source size of encoded images (files, Buffers) reaches the drift monitor, as a raw frame's
 * does: the bundled profile holds width, height and aspect of its reference images (all 28 × 28),
 * so a camera that starts sending larger pictures is seen.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { load } from '../src/index.ts';
import { BUNDLED_VERSION, golden } from './helpers/index.ts';

const items: { file: string }[] = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;

test('files and Buffers: width, height and aspect are measured; larger pictures move them', async () => {
  const model = await load(BUNDLED_VERSION, { isolate: 'none', monitor: { window: 100, every: 20 } });
  try {
    for (const item of items) await model(golden(item.file));
    const quiet = model.drift()!;
    const names = quiet.statistics.map((s) => s.name);
    for (const n of ['width', 'height', 'aspect']) assert.ok(names.includes(n), `${n} compared (got ${names.join(', ')})`);
    assert.is(quiet.drifted, false);
    // The same pictures at 56 × 40 (a camera sending another size), as encoded Buffers.
    const larger = await Promise.all(items.map((i) => sharp(golden(i.file)).resize(56, 40, { fit: 'fill' }).png().toBuffer()));
    for (let round = 0; round < 3; round++) for (const b of larger) await model(b);
    const moved = model.drift()!;
    assert.is(moved.drifted, true);
    const movedNames = moved.moved.map((s) => s.name);
    for (const n of ['width', 'height', 'aspect']) assert.ok(movedNames.includes(n), `${n} moved (got ${movedNames.join(', ')})`);
  } finally {
    await model.dispose();
  }
});

test('an EXIF-rotated photo is measured the way the model sees it (turned a quarter: width and height swap)', async () => {
  const { decodeImage } = await import('../src/preprocess/image.ts');
  const { imageInputSpec, parseManifest } = await import('../src/manifest/index.ts');
  const spec = imageInputSpec(parseManifest(JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'manifest.json'), 'utf8'))));
  const options = { limitInputPixels: 1e8, maxInputBytes: 1e8, maxDecodeBytes: 1e9 } as const;
  const plain = await sharp({ create: { width: 60, height: 20, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const turned = await sharp(plain).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  assert.equal((await decodeImage(plain, spec, options)).source, { width: 60, height: 20 });
  assert.equal((await decodeImage(turned, spec, options)).source, { width: 20, height: 60 });
  assert.equal((await decodeImage(plain, spec, { ...options, maxDecodeBytes: false })).source, null);
});

test.run();
