/**
 * The preprocessing path the models use (task.prepare + write), on real photos, against an
 * independent hand-written reference, and on the awkward inputs cameras and phones produce.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { imageInputSpec, parseManifest, type Manifest } from '../src/manifest/index.ts';
import { resolveLoadOptions, type LoadOptions } from '../src/model/options.ts';
import { imageClassification } from '../src/model/tasks/image-classification.ts';
import type { ImageInput } from '../src/preprocess/image.ts';
import { ErrorCode } from '../src/errors.ts';
import { photo, rejectsWith } from './helpers/index.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function imagenetManifest(edit: (m: any) => void = () => {}): Manifest {
  const m: any = {
    manifestVersion: 1, name: 'ref', version: '1.0.0', task: 'image-classification', format: 'onnx',
    model: { file: 'model.onnx' }, labels: ['x'],
    input: {
      name: 'input', shape: [-1, 3, 224, 224], layout: 'NCHW', dtype: 'float32', color: 'rgb',
      resize: { width: 224, height: 224, fit: 'cover', cropFraction: 0.875 },
      normalize: { scale: 1 / 255, mean: MEAN, std: STD },
    },
    output: { name: 'y', kind: 'logits' },
  };
  edit(m);
  return parseManifest(m);
}

/** The exact tensor edgefn feeds the model for `input`. */
async function tensorOf(input: ImageInput, manifest = imagenetManifest(), options: LoadOptions = {}): Promise<Float32Array> {
  const task = imageClassification(manifest, imageInputSpec(manifest), ['x'], resolveLoadOptions(options));
  const prepared = await task.prepare(input);
  const out = new Float32Array(task.itemDims.reduce((a, b) => a * b, 1));
  prepared.write(out, 0);
  return out;
}

/** Largest absolute difference. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.is(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function meanDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

test('real photo: edgefn tensor equals a hand-written pixel loop within 1e-5 (ImageNet recipe)', async () => {
  // The same resize as the manifest asks for (shorter side 256, centre crop 224), done here directly.
  const { data, info } = await sharp(photo('chelsea.jpg'))
    .resize(256, 256, { fit: 'cover' })
    .extract({ left: 16, top: 16, width: 224, height: 224 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.equal([info.width, info.height, info.channels], [224, 224, 3]);
  const reference = new Float32Array(3 * 224 * 224);
  for (let y = 0; y < 224; y++) {
    for (let x = 0; x < 224; x++) {
      for (let c = 0; c < 3; c++) {
        const v = data[(y * 224 + x) * 3 + c]!;
        reference[c * 224 * 224 + y * 224 + x] = (v / 255 - MEAN[c]!) / STD[c]!;
      }
    }
  }
  const ours = await tensorOf(photo('chelsea.jpg'));
  assert.ok(maxDiff(ours, reference) <= 1e-5, `max difference ${maxDiff(ours, reference)}`);
});

test('NHWC + BGR layout matches the reference loop too', async () => {
  const manifest = imagenetManifest((m) => {
    m.input.shape = [1, 224, 224, 3];
    m.input.layout = 'NHWC';
    m.input.color = 'bgr';
  });
  const { data } = await sharp(photo('coffee.jpg')).resize(256, 256, { fit: 'cover' }).extract({ left: 16, top: 16, width: 224, height: 224 }).raw().toBuffer({ resolveWithObject: true });
  const reference = new Float32Array(224 * 224 * 3);
  for (let i = 0; i < 224 * 224; i++) {
    for (let c = 0; c < 3; c++) reference[i * 3 + c] = (data[i * 3 + (2 - c)]! / 255 - MEAN[c]!) / STD[c]!;
  }
  assert.ok(maxDiff(await tensorOf(photo('coffee.jpg'), manifest), reference) <= 1e-5);
});

test('a path, a Buffer and raw pixels of the same image give the same tensor', async () => {
  const bytes = await readFile(photo('chelsea.jpg'));
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const fromPath = await tensorOf(photo('chelsea.jpg'));
  const fromBuffer = await tensorOf(bytes);
  const fromRaw = await tensorOf({ data, width: info.width, height: info.height, channels: info.channels as 3 });
  assert.is(maxDiff(fromPath, fromBuffer), 0);
  assert.is(maxDiff(fromPath, fromRaw), 0);
});

test('EXIF orientation is applied: a sideways-stored photo gives the upright tensor', async () => {
  const upright = await sharp(photo('chelsea.jpg')).png().toBuffer();
  // Store the pixels rotated 90° anticlockwise and tag them "rotate 90° clockwise to display" (6).
  const sideways = await sharp(upright).rotate(-90).png().withMetadata({ orientation: 6 }).toBuffer();
  const meta = await sharp(sideways).metadata();
  assert.is(meta.orientation, 6);
  assert.is(meta.width, 300); // stored sideways
  const expected = await tensorOf(upright);
  const got = await tensorOf(sideways);
  assert.ok(maxDiff(got, expected) <= 1e-5, `max difference ${maxDiff(got, expected)}`);
  // Without the tag the same pixels are a different picture: the check above can fail.
  const untagged = await sharp(upright).rotate(-90).png().toBuffer();
  assert.ok(meanDiff(await tensorOf(untagged), expected) > 0.2);
});

test('RGBA: an opaque alpha channel changes nothing; transparent pixels become the background', async () => {
  const rgb = await sharp(photo('coffee.jpg')).png().toBuffer();
  const rgba = await sharp(photo('coffee.jpg')).ensureAlpha(1).png().toBuffer();
  assert.is((await sharp(rgba).metadata()).channels, 4);
  assert.is(maxDiff(await tensorOf(rgba), await tensorOf(rgb)), 0);

  const clear = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
  const t = await tensorOf(clear, imagenetManifest((m) => { m.input.resize.background = [255, 255, 255]; }));
  // Fully transparent red over a white background is white: (1 - mean) / std in every channel.
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(t[c * 224 * 224 + 5000]! - (1 - MEAN[c]!) / STD[c]!) < 1e-5);
});

test('grayscale photo into an RGB model: three equal channels', async () => {
  const gray = await sharp(photo('grace-hopper.jpg')).toColourspace('b-w').png().toBuffer();
  assert.is((await sharp(gray).metadata()).channels, 1);
  const t = await tensorOf(gray);
  const plane = 224 * 224;
  for (const i of [0, 1000, 25000, plane - 1]) {
    // Undo each channel's normalisation: the 0-255 value must be the same in R, G and B.
    const v = [0, 1, 2].map((c) => Math.round((t[c * plane + i]! * STD[c]! + MEAN[c]!) * 255));
    assert.is(v[0], v[1]);
    assert.is(v[1], v[2]);
  }
});

test('16-bit PNG: same picture as the 8-bit one, within two 8-bit steps', async () => {
  const png8 = await sharp(photo('coffee.jpg')).png().toBuffer();
  const png16 = await sharp(photo('coffee.jpg')).toColourspace('rgb16').png().toBuffer();
  assert.is((await sharp(png16).metadata()).depth, 'ushort');
  const step = 1 / 255 / Math.min(...STD);
  const [t16, t8] = [await tensorOf(png16), await tensorOf(png8)];
  // The 16-bit image is resampled at 16-bit precision and rounded to 8 bits after: two rounding
  // steps apart at most, and the same almost everywhere.
  assert.ok(maxDiff(t16, t8) <= 2 * step + 1e-5, `max difference ${maxDiff(t16, t8) / step} steps`);
  assert.ok(meanDiff(t16, t8) < step / 2);
});

test('CMYK JPEG: colour-managed to sRGB, the same as converting it first', async () => {
  const cmyk = await sharp(photo('coffee.jpg')).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
  assert.is((await sharp(cmyk).metadata()).space, 'cmyk');
  const rgb = await sharp(photo('coffee.jpg')).png().toBuffer();
  const converted = await sharp(cmyk).toColourspace('srgb').png().toBuffer();
  const t = await tensorOf(cmyk);
  assert.ok(maxDiff(t, await tensorOf(converted)) <= 1e-5);
  // And still the same photo: the RGB -> CMYK -> RGB round trip through sharp's default CMYK
  // profile shifts colours by about 8 of 255 on average, far from a misread (channels swapped or
  // inverted would be several times that).
  const d = meanDiff(t, await tensorOf(rgb));
  assert.ok(d < 0.2, `mean difference ${d}`);
  const inverted = await sharp(photo('coffee.jpg')).negate().png().toBuffer();
  assert.ok(meanDiff(t, await tensorOf(inverted)) > 1);
});

test('gray model with contain fit: letterboxed with the background, one channel', async () => {
  const manifest = imagenetManifest((m) => {
    m.input.shape = [-1, 1, 28, 28];
    m.input.color = 'gray';
    m.input.resize = { width: 28, height: 28, fit: 'contain', background: [0, 0, 0] };
    m.input.normalize = { scale: 1 / 255, mean: [0], std: [1] };
  });
  // A wide white image: contain leaves black bars above and below.
  const wide = await sharp({ create: { width: 280, height: 140, channels: 3, background: '#ffffff' } }).png().toBuffer();
  const t = await tensorOf(wide, manifest);
  assert.is(t.length, 28 * 28);
  assert.is(t[0], 0); // top-left: padding
  assert.is(t[14 * 28 + 14], 1); // centre: the white image
});

test('alpha sniffing: JPEG and opaque PNG have none; RGBA, gray+alpha and tRNS PNGs may', async () => {
  const { mayHaveAlpha } = await import('../src/preprocess/sniff.ts');
  const base = sharp(photo('coffee.jpg')).resize(32, 32);
  assert.is(mayHaveAlpha(await base.clone().jpeg().toBuffer()), false);
  assert.is(mayHaveAlpha(await base.clone().png().toBuffer()), false);
  assert.is(mayHaveAlpha(await base.clone().toColourspace('b-w').png().toBuffer()), false);
  assert.is(mayHaveAlpha(await base.clone().ensureAlpha(0.5).png().toBuffer()), true);
  assert.is(mayHaveAlpha(await base.clone().toColourspace('b-w').ensureAlpha(0.5).png().toBuffer()), true);
  // A palette PNG with transparency carries it in a tRNS chunk.
  assert.is(mayHaveAlpha(await base.clone().ensureAlpha(0.5).png({ palette: true }).toBuffer()), true);
  assert.is(mayHaveAlpha(await base.clone().webp().toBuffer()), true); // not sniffed: sharp decides
});

test('pixel bomb: an image over limitInputPixels is refused before decoding', async () => {
  const big = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  await rejectsWith(() => tensorOf(big, imagenetManifest(), { limitInputPixels: 1_000_000 }), ErrorCode.INPUT_TOO_LARGE,
    'Image Buffer(' + big.length + ' bytes) has more pixels than limitInputPixels allows (1,000,000): it is 2000x1000');
  assert.is((await tensorOf(big, imagenetManifest(), { limitInputPixels: false })).length, 3 * 224 * 224);
});

test('the default pixel limit refuses a 12,000 x 12,000 PNG (144 MP)', async () => {
  const big = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
  await rejectsWith(() => tensorOf(big), ErrorCode.INPUT_TOO_LARGE, /has more pixels than limitInputPixels allows \(100,000,000\)/);
});

test.run();
