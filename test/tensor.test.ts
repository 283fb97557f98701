import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizationTables, writeImage, allocate } from '../src/preprocess/tensor.ts';
import { resizePlan } from '../src/preprocess/geometry.ts';

// 2x2 RGB image, pixels: (1,2,3) (4,5,6) / (7,8,9) (10,11,12)
const px = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const base = { width: 2, height: 2, channels: 3, dtype: 'uint8' as const, swapRB: false };

test('NCHW puts each channel in its own plane', () => {
  const out = allocate('uint8', 12);
  writeImage(px, { ...base, layout: 'NCHW' }, null, out);
  assert.equal([...out], [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
});

test('NHWC keeps pixels interleaved', () => {
  const out = allocate('uint8', 12);
  writeImage(px, { ...base, layout: 'NHWC' }, null, out);
  assert.equal([...out], [...px]);
});

test('BGR models get the channels reversed, in both layouts', () => {
  const nchw = allocate('uint8', 12);
  writeImage(px, { ...base, layout: 'NCHW', swapRB: true }, null, nchw);
  assert.equal([...nchw], [3, 6, 9, 12, 2, 5, 8, 11, 1, 4, 7, 10]);
  const nhwc = allocate('uint8', 12);
  writeImage(px, { ...base, layout: 'NHWC', swapRB: true }, null, nhwc);
  assert.equal([...nhwc], [3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10]);
});

test('an offset writes into a batch slot and leaves the rest alone', () => {
  const out = allocate('uint8', 24);
  writeImage(px, { ...base, layout: 'NCHW' }, null, out, 12);
  assert.equal([...out.subarray(0, 12)], new Array(12).fill(0));
  assert.equal([...out.subarray(12)], [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
});

test('normalisation tables equal ((v * scale) - mean) / std rounded once to float32', () => {
  const spec = { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const tables = normalizationTables(spec, 3);
  for (let c = 0; c < 3; c++) {
    for (const v of [0, 1, 127, 128, 254, 255]) {
      assert.is(tables[c]![v], Math.fround((v / 255 - spec.mean[c]!) / spec.std[c]!));
    }
  }
  const out = allocate('float32', 12) as Float32Array;
  writeImage(px, { ...base, dtype: 'float32', layout: 'NCHW' }, tables, out);
  assert.is(out[0], tables[0]![1]);
  assert.is(out[4], tables[1]![2]);
  assert.is(out[11], tables[2]![12]);
});

test('a pixel buffer of the wrong size is refused', () => {
  assert.throws(() => writeImage(px.subarray(0, 9), { ...base, layout: 'NCHW' }, null, allocate('uint8', 12)), /expected 12 pixel values/);
});

test('resize plan: plain fits pass through', () => {
  assert.equal(resizePlan({ width: 28, height: 28, fit: 'contain', cropFraction: 1, background: [0, 0, 0] }), { width: 28, height: 28, fit: 'contain' });
});

test('resize plan: ImageNet recipe covers 256x256 and cuts the centre 224x224', () => {
  assert.equal(resizePlan({ width: 224, height: 224, fit: 'cover', cropFraction: 0.875, background: [0, 0, 0] }), {
    width: 256, height: 256, fit: 'cover', extract: { left: 16, top: 16, width: 224, height: 224 },
  });
});

test.run();
