/**
 * The overlay PNG: the heat map (at the model's input size) mapped back through the manifest's
 * resize (fill, contain with its padding, cover with its centre crop) onto the input image as the
 * application gave it (EXIF-oriented), coloured (red supports the target, blue opposes it, the
 * opacity follows the magnitude) and composited with sharp.
 */
import type { Sharp, SharpOptions } from 'sharp';
import { EdgefnError, ErrorCode } from '../errors.js';
import type { ImageInputSpec } from '../manifest/index.js';
import { resizePlan } from '../preprocess/geometry.js';
import { describeInput, vipsMessage, type ImageInput } from '../preprocess/image.js';
import { readRegular } from '../util/fs-safe.js';
import { loadOptional } from '../util/optional.js';
import { invalidArgument, is } from '../util/validate.js';
import type { OverlayOptions } from './types.js';

type SharpFactory = (input?: Buffer | Uint8Array, options?: SharpOptions) => Sharp;
const sharp = () => loadOptional<SharpFactory>('sharp', 'to draw explanation overlays');

export interface OverlayLimits {
  maxInputBytes: number;
  limitInputPixels: number | false;
}

/** Where the model's input frame lies on the original image, in its pixels (may reach past its edges). */
export interface Frame { left: number; top: number; width: number; height: number }

/** Pure geometry: the inverse of preprocess/geometry.ts's resize plan (sharp centres both contain and cover). */
export function inputFrame(spec: ImageInputSpec, width: number, height: number): Frame {
  const plan = resizePlan(spec.resize);
  const W = spec.resize.width, H = spec.resize.height;
  if (plan.fit === 'fill') return { left: 0, top: 0, width, height };
  if (plan.fit === 'contain') {
    const scale = Math.min(W / width, H / height);
    return { left: -(W - width * scale) / 2 / scale, top: -(H - height * scale) / 2 / scale, width: W / scale, height: H / scale };
  }
  const scale = Math.max(plan.width / width, plan.height / height);
  const left = (width * scale - plan.width) / 2 + (plan.extract?.left ?? 0);
  const top = (height * scale - plan.height) / 2 + (plan.extract?.top ?? 0);
  return { left: left / scale, top: top / scale, width: W / scale, height: H / scale };
}

/** RGBA pixels of the heat map: red above 0, blue below, opacity |v| / max|v| × alpha. */
export function colourMap(heat: Float32Array, alpha: number): Buffer {
  let max = 0;
  for (const v of heat) max = Math.max(max, Math.abs(v));
  const out = Buffer.alloc(heat.length * 4);
  heat.forEach((v, i) => {
    const a = max > 0 ? Math.abs(v) / max : 0;
    out[i * 4] = v >= 0 ? 255 : 0;
    out[i * 4 + 1] = v >= 0 ? 40 : 90;
    out[i * 4 + 2] = v >= 0 ? 0 : 255;
    out[i * 4 + 3] = Math.round(255 * alpha * a);
  });
  return out;
}

async function source(input: ImageInput, limits: OverlayLimits): Promise<[Uint8Array, SharpOptions]> {
  const options: SharpOptions = { autoOrient: true, limitInputPixels: limits.limitInputPixels };
  if (typeof input === 'string') return [await readRegular(input, { maxBytes: limits.maxInputBytes, code: ErrorCode.INPUT_UNREADABLE, tooLargeCode: ErrorCode.INPUT_TOO_LARGE, what: 'image' }), options];
  if (input instanceof Uint8Array) return [input, options];
  return [input.data, { ...options, raw: { width: input.width, height: input.height, channels: input.channels } }];
}

export async function overlayPNG(input: ImageInput, spec: ImageInputSpec, heat: Float32Array, limits: OverlayLimits, options: OverlayOptions = {}): Promise<Buffer> {
  if (!is.object(options)) throw invalidArgument('an options object', 'toPNG options', options);
  const alpha = options.alpha ?? 0.6;
  if (!is.inRange(alpha, 0, 1)) throw invalidArgument('number between 0 and 1', 'alpha', alpha);
  if (options.width !== undefined && !(is.positiveInteger(options.width) && options.width <= 8192)) throw invalidArgument('positive integer up to 8192', 'width', options.width);
  const [bytes, sharpOptions] = await source(input, limits);
  try {
    const { data, info } = await sharp()(bytes, sharpOptions).flatten({ background: '#000' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const frame = inputFrame(spec, info.width, info.height);
    const fw = Math.max(1, Math.round(frame.width)), fh = Math.max(1, Math.round(frame.height));
    const fl = Math.round(frame.left), ft = Math.round(frame.top);
    // The part of the frame that lies on the image (contain pads around it, cover crops inside it).
    const left = Math.max(0, fl), top = Math.max(0, ft);
    const right = Math.min(info.width, fl + fw), bottom = Math.min(info.height, ft + fh);
    const layer = await sharp()(colourMap(heat, alpha), { raw: { width: spec.resize.width, height: spec.resize.height, channels: 4 } })
      .resize(fw, fh, { fit: 'fill', kernel: 'cubic' })
      .extract({ left: left - fl, top: top - ft, width: right - left, height: bottom - top })
      .raw().toBuffer();
    const composed = await sharp()(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .composite([{ input: layer, raw: { width: right - left, height: bottom - top, channels: 4 }, left, top }])
      .png().toBuffer();
    if (options.width === undefined) return composed;
    const kernel = options.width > info.width ? 'nearest' : 'lanczos3';
    return await sharp()(composed).resize(options.width, undefined, { kernel }).png().toBuffer();
  } catch (err) {
    if (err instanceof EdgefnError) throw err;
    throw new EdgefnError(ErrorCode.INPUT_UNDECODABLE, `Cannot draw the overlay on ${describeInput(input)}: ${vipsMessage(err)}`, { cause: err, input: describeInput(input) });
  }
}
