/** The input of an image task: shape, layout, colour, resize and normalize, and helpers that read it. */
import { EdgefnError, ErrorCode } from '../errors.js';
import { is } from '../util/validate.js';
import { MANIFEST_LIMITS } from './limits.js';
import { batchDimension, type Reader } from './reader.js';
import { CHANNELS, COLORS, DTYPES, FITS, LAYOUTS, type ImageInputSpec, type Manifest, type ResizeSpec } from './types.js';

export function parseImageInput(r: Reader, obj: Record<string, unknown>): ImageInputSpec {
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
