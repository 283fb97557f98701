/**
 * What one captured item holds: the input's bytes when it is an image (a file's bytes, an
 * encoded Buffer as given, raw pixels encoded to PNG), or the reading / window inline, and the
 * answer's label, confidence and runner-ups. Pure but for reading a file and encoding raw pixels.
 *
 * An input whose bytes cannot be had (a path that vanished, a FIFO, a file over the cap, raw
 * pixels that do not add up) is not a reason to lose the evidence: the item keeps the answer,
 * the time and the path, and says why the bytes are missing (`error`). Only the disk refusing
 * the write fails add().
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { readRegular } from '../util/fs-safe.js';
import { loadOptional } from '../util/optional.js';
import type { Sharp, SharpOptions } from 'sharp';

export type CaptureKind = 'image' | 'reading' | 'window';

/** A reading as JSON keeps it: numbers by feature name (or in order), `null` for a missing or non-finite value. */
export type StoredReading = Record<string, number | null> | (number | null)[];

export interface Prepared {
  kind: CaptureKind;
  /** The image's bytes and the extension they were sniffed as. */
  data?: { bytes: Uint8Array; ext: string };
  reading?: StoredReading | StoredReading[];
  /** The path the caller gave, when the input was a file. */
  source?: string;
  error?: { code: string; message: string };
}

/** Encoded image formats by their first bytes, for the captured file's extension. */
const SIGNATURES = [
  { ext: 'png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { ext: 'jpg', magic: [0xff, 0xd8, 0xff] },
  { ext: 'gif', magic: [0x47, 0x49, 0x46, 0x38] },
  { ext: 'bmp', magic: [0x42, 0x4d] },
  { ext: 'tif', magic: [0x49, 0x49, 0x2a, 0x00] },
  { ext: 'tif', magic: [0x4d, 0x4d, 0x00, 0x2a] },
] as const;

/** The extension an encoded image's header says (`png`, `jpg`, `webp`, `avif`...), `bin` when unknown. */
export function sniffExtension(b: Uint8Array): string {
  for (const s of SIGNATURES) if (b.length >= s.magic.length && s.magic.every((v, i) => b[i] === v)) return s.ext;
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (b.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (/^(heic|heix|mif1|msf1)$/.test(brand)) return 'heic';
  }
  return 'bin';
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object';
const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function isRaw(x: unknown): x is { data: Uint8Array; width: number; height: number; channels: number } {
  return isObject(x) && x.data instanceof Uint8Array && 'width' in x && 'height' in x;
}

/** A reading as JSON: named values stay named (or take `names` when given in order), NaN becomes null. */
function storeReading(r: unknown, names?: readonly string[]): StoredReading {
  if (ArrayBuffer.isView(r) || Array.isArray(r)) {
    const values = Array.from({ length: (r as ArrayLike<unknown>).length }, (_, i) => finiteOrNull((r as ArrayLike<unknown>)[i]));
    if (!names || names.length !== values.length) return values;
    return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  }
  if (isObject(r)) return Object.fromEntries(Object.keys(r).map((k) => [k, finiteOrNull(r[k])]));
  return [finiteOrNull(r)];
}

type SharpFactory = (input?: Uint8Array, options?: SharpOptions) => Sharp;

async function encodeRaw(raw: { data: Uint8Array; width: number; height: number; channels: number }): Promise<Uint8Array> {
  const { data, width, height, channels } = raw;
  const ok = [width, height].every((n) => Number.isSafeInteger(n) && n > 0) && [1, 2, 3, 4].includes(channels) && data.length === width * height * channels;
  if (!ok) {
    throw new EdgefnError(ErrorCode.INPUT_INVALID, `raw pixels ${String(width)}x${String(height)}x${String(channels)} do not match their ${data.length} bytes`);
  }
  const sharp = loadOptional<SharpFactory>('sharp', 'to encode captured raw pixels as PNG');
  const image = sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
  // Gray stays gray (sharp writes sRGB otherwise): the PNG holds the pixels the model was given.
  return (channels <= 2 ? image.toColourspace('b-w') : image).png().toBuffer();
}

function failure(err: unknown): { code: string; message: string } {
  return { code: err instanceof EdgefnError ? err.code : ErrorCode.INPUT_UNREADABLE, message: messageOf(err) };
}

/**
 * A copy of an input taken at once, so that a frame buffer or a reading the caller reuses after
 * the call is kept as the model saw it, not as it is when the write comes round. A path is only
 * a name: the file is read when the item is written (a file replaced meanwhile is kept as it is then).
 */
export function snapshotInput(input: unknown): unknown {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return Uint8Array.from(input);
  if (isRaw(input)) return { data: Uint8Array.from(input.data), width: input.width, height: input.height, channels: input.channels };
  try {
    return structuredClone(input);
  } catch {
    return input; // something structuredClone refuses (a function inside): kept as given
  }
}

/**
 * Turns an input the model was given into what is kept of it. `maxBytes` caps a file read (an
 * image larger than the whole quota could not be kept anyway). Never rejects.
 */
export async function prepareInput(input: unknown, maxBytes: number, names?: readonly string[]): Promise<Prepared> {
  if (typeof input === 'string') {
    try {
      const bytes = await readRegular(input, { maxBytes, code: ErrorCode.INPUT_UNREADABLE, tooLargeCode: ErrorCode.INPUT_TOO_LARGE, what: 'captured image' });
      return { kind: 'image', source: input, data: { bytes, ext: sniffExtension(bytes) } };
    } catch (err) {
      return { kind: 'image', source: input, error: failure(err) };
    }
  }
  if (input instanceof Uint8Array) return { kind: 'image', data: { bytes: input, ext: sniffExtension(input) } };
  if (isRaw(input)) {
    try {
      return { kind: 'image', data: { bytes: await encodeRaw(input), ext: 'png' } };
    } catch (err) {
      return { kind: 'image', error: failure(err) };
    }
  }
  // A window is an array of readings (objects or arrays); a reading is an object or an array of numbers.
  if (Array.isArray(input) && input.length > 0 && isObject(input[0])) {
    return { kind: 'window', reading: Array.from({ length: input.length }, (_, i) => storeReading(input[i], names)) };
  }
  return { kind: 'reading', reading: storeReading(input, names) };
}

export interface Answer {
  label: string | null;
  confidence: number | null;
  unknown?: boolean;
  top: { label: string; score: number }[];
  /** A regression's values by name. */
  values?: Record<string, number | null>;
}

/** The parts of a result worth keeping (a Classification or a Regression; anything else: nulls). */
export function answerOf(result: unknown): Answer {
  const r = isObject(result) ? result : {};
  const top = Array.isArray(r.top)
    ? r.top.filter(isObject).slice(0, 5).map((t) => ({ label: String(t.label), score: finiteOrNull(t.score) ?? 0 }))
    : [];
  const answer: Answer = { label: typeof r.label === 'string' ? r.label : null, confidence: finiteOrNull(r.score), top };
  if (typeof r.unknown === 'boolean') answer.unknown = r.unknown;
  if (isObject(r.values)) answer.values = Object.fromEntries(Object.keys(r.values).map((k) => [k, finiteOrNull((r.values as Record<string, unknown>)[k])]));
  return answer;
}
