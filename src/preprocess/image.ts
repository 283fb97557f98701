/**
 * The sharp adapter: decode a file, buffer or raw frame, orient it by EXIF, flatten alpha, convert
 * to the model's colour, resize and crop as the manifest says, and hand back 8-bit HWC pixels.
 * Everything after that (layout, normalisation) is pure code in ./tensor.ts.
 *
 * JPEG and WebP inputs get libvips' shrink-on-load whenever the target is at least 2x smaller,
 * so a 12 MP still is decoded at 1/2, 1/4 or 1/8 scale instead of in full.
 */
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { CHANNELS, type ImageInputSpec } from '../manifest/index.js';
import { readRegular } from '../util/fs-safe.js';
import { loadOptional } from '../util/optional.js';
import { describe, invalidArgument, is } from '../util/validate.js';
import { decodeCost } from './budget.js';
import { resizePlan } from './geometry.js';
import { mayHaveAlpha } from './sniff.js';

/** Decoded pixels handed over by a camera or another library, 8 bits per channel, interleaved. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** What a model accepts: a file path, an encoded image (JPEG, PNG, WebP, ...) or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (width × height); `false` for no limit. */
  limitInputPixels: number | false;
  /** Refuse image files larger than this (inputs given as a path). */
  maxInputBytes: number;
  /** Refuse encoded images whose decode is estimated to take more memory than this; `false`: no check. */
  maxDecodeBytes: number | false;
}

export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
  /** Milliseconds spent reading the file (0 for buffers and raw frames). */
  readMs: number;
  /**
   * The source image's size as the model sees it (after EXIF rotation): a raw frame's own, an
   * encoded image's from its header; null when the header was not read (`maxDecodeBytes: false`).
   */
  source: { width: number; height: number } | null;
}

type SharpFactory = (input?: Buffer | Uint8Array | string, options?: SharpOptions) => Sharp;

function sharp(): SharpFactory {
  return loadOptional<SharpFactory>('sharp', 'to decode and resize images');
}

/** A short name for an input in messages: its path, `Buffer(1234 bytes)` or `raw 28x28x1`. */
export function describeInput(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return `Buffer(${input.length} bytes)`;
  if (is.object(input) && 'width' in input) return `raw ${String(input.width)}x${String(input.height)}x${String(input.channels)}`;
  return describe(input);
}

/** Lines of a libvips message kept: the first say what broke, the rest repeat where. */
const VIPS_LINES = 4;

/**
 * libvips reports one failure once per stage it crossed ("Input buffer has corrupt header: VipsJpeg:
 * Bogus Huffman table definition", then the same twice more) and one line per tile it failed:
 * each line once (a line already said within an earlier one is dropped), the first few, in order.
 */
export function vipsMessage(err: unknown): string {
  const kept: string[] = [];
  let more = 0;
  for (const line of messageOf(err).split('\n')) {
    const l = line.trim();
    if (l.length === 0 || kept.some((k) => k.includes(l))) continue;
    if (kept.length < VIPS_LINES) kept.push(l);
    else more++;
  }
  return `${kept.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/** Reads an image file: a regular file within maxInputBytes, never a FIFO, a device or a folder. */
async function readImageFile(file: string, maxBytes: number): Promise<Buffer> {
  try {
    return await readRegular(file, { maxBytes, code: ErrorCode.INPUT_UNREADABLE, tooLargeCode: ErrorCode.INPUT_TOO_LARGE, what: 'image' });
  } catch (err) {
    if (err instanceof EdgefnError && err.code === ErrorCode.INPUT_TOO_LARGE) {
      throw new EdgefnError(err.code, `${err.message} (maxInputBytes)`, { cause: err, input: file, field: 'maxInputBytes' });
    }
    throw err;
  }
}

/**
 * Refuses an encoded image before decoding it when its header says the decode would take more
 * memory than maxDecodeBytes (budget.ts), or more pixels than limitInputPixels.
 */
function checkHeader(meta: Metadata, name: string, options: DecodeOptions): void {
  const { width = 0, height = 0 } = meta;
  if (options.limitInputPixels !== false && width * height > options.limitInputPixels) {
    throw new EdgefnError(ErrorCode.INPUT_TOO_LARGE, `Image ${name} has more pixels than limitInputPixels allows (${options.limitInputPixels.toLocaleString('en-US')}): it is ${width}x${height}`, {
      input: name, field: 'limitInputPixels',
    });
  }
  if (options.maxDecodeBytes === false) return;
  const cost = decodeCost(meta);
  if (cost > options.maxDecodeBytes) {
    const kind = `${meta.format ?? 'image'}${meta.isProgressive ? (meta.format === 'png' ? ' (interlaced)' : ' (progressive)') : ''}`;
    throw new EdgefnError(ErrorCode.INPUT_TOO_LARGE, `Image ${name} is a ${width}x${height} ${kind}: decoding it would take about ${mib(cost)}, over maxDecodeBytes (${mib(options.maxDecodeBytes)})`, {
      input: name, field: 'maxDecodeBytes',
    });
  }
}

function checkRaw(raw: Record<string, unknown>, field: string): RawImage {
  const { data, width, height, channels } = raw;
  if (!(data instanceof Uint8Array)) throw invalidArgument('a Uint8Array or Buffer', `${field}.data`, data);
  if (!is.positiveInteger(width)) throw invalidArgument('a positive integer', `${field}.width`, width);
  if (!is.positiveInteger(height)) throw invalidArgument('a positive integer', `${field}.height`, height);
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw invalidArgument('1, 2, 3 or 4', `${field}.channels`, channels);
  }
  if (data.length !== width * height * channels) {
    throw invalidArgument(`${width * height * channels} bytes (width × height × channels)`, `${field}.data`, data);
  }
  return { data, width, height, channels };
}

/** Checks the shape of an input without touching it; throws INVALID_ARGUMENT naming `field`. */
export function checkImageInput(input: unknown, field = 'input'): ImageInput {
  if (typeof input === 'string') {
    if (input.length === 0) throw invalidArgument('a file path, a Buffer or raw pixels', field, input);
    return input;
  }
  if (input instanceof Uint8Array) {
    if (input.length === 0) throw invalidArgument('a non-empty Buffer', field, input);
    return input;
  }
  if (is.object(input) && 'data' in input) return checkRaw(input, field);
  throw invalidArgument('a file path, a Buffer or raw pixels { data, width, height, channels }', field, input);
}

function inputMayHaveAlpha(input: ImageInput, source: Uint8Array): boolean {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input.channels === 2 || input.channels === 4;
  return mayHaveAlpha(source);
}

/** Decodes and resizes one image to the model's input size and colour, as 8-bit HWC pixels. */
export async function decodeImage(input: ImageInput, spec: ImageInputSpec, options: DecodeOptions): Promise<Pixels> {
  const name = describeInput(input);
  let source: Uint8Array;
  let readMs = 0;
  if (typeof input === 'string') {
    const t0 = performance.now();
    source = await readImageFile(input, options.maxInputBytes);
    readMs = performance.now() - t0;
  } else {
    source = input instanceof Uint8Array ? input : input.data;
  }

  const sharpOptions: SharpOptions = {
    limitInputPixels: options.limitInputPixels === false ? false : options.limitInputPixels,
    autoOrient: true,
  };
  if (!(input instanceof Uint8Array) && typeof input !== 'string') {
    sharpOptions.raw = { width: input.width, height: input.height, channels: input.channels };
  }

  const { resize, color } = spec;
  const [r, g, b] = color === 'gray' ? [resize.background[0]!, resize.background[0]!, resize.background[0]!] : resize.background;
  const background = { r: r!, g: g!, b: b!, alpha: 1 };
  const plan = resizePlan(resize);
  const channels = CHANNELS[color];

  const encoded = typeof input === 'string' || input instanceof Uint8Array;
  let size: Pixels['source'] = encoded ? null : { width: (input as RawImage).width, height: (input as RawImage).height };
  let pipeline: Sharp;
  try {
    // The header first (cheap: no pixel is decoded), so that a bomb is refused before it costs.
    // Its own pixel check names the size; sharp's would say only "exceeds pixel limit".
    if (encoded && options.maxDecodeBytes !== false) {
      const meta = await sharp()(source, { limitInputPixels: false }).metadata();
      checkHeader(meta, name, options);
      // EXIF orientations 5–8 turn the image a quarter: the model sees it the other way round.
      if (meta.width && meta.height) size = (meta.orientation ?? 1) >= 5 ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
    }
    pipeline = sharp()(source, sharpOptions);
    // Flattening costs a pass over the pixels even when there is no alpha; JPEGs, PNGs without
    // an alpha channel or tRNS chunk, and 1- or 3-channel raw frames never have one.
    if (inputMayHaveAlpha(input, source)) pipeline = pipeline.flatten({ background });
    pipeline = pipeline.resize(plan.width, plan.height, { fit: plan.fit, background });
    if (plan.extract) pipeline = pipeline.extract(plan.extract);
    pipeline = color === 'gray' ? pipeline.grayscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || info.width !== resize.width || info.height !== resize.height) {
      throw new Error(`sharp produced ${info.width}x${info.height}x${info.channels}, expected ${resize.width}x${resize.height}x${channels}`);
    }
    return { data, width: info.width, height: info.height, channels: info.channels, readMs, source: size };
  } catch (err) {
    if (err instanceof EdgefnError) throw err;
    const message = vipsMessage(err);
    if (/exceeds pixel limit/i.test(message)) {
      const limit = options.limitInputPixels === false ? 'none' : options.limitInputPixels.toLocaleString('en-US');
      throw new EdgefnError(ErrorCode.INPUT_TOO_LARGE, `Image ${name} has more pixels than limitInputPixels allows (${limit})`, {
        cause: err, input: name, field: 'limitInputPixels',
      });
    }
    throw new EdgefnError(ErrorCode.INPUT_UNDECODABLE, `Cannot decode image ${name}: ${message}`, { cause: err, input: name });
  }
}
