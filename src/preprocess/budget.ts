/**
 * What decoding an encoded image will cost in memory, estimated from its header before a pixel is
 * decoded, so that a file of a few KB that declares 8192×8192 pixels is refused on a 1 GB board
 * instead of taking the process down. Pure: the caller reads the header (sharp's metadata()).
 *
 * `limitInputPixels` bounds pixels, not memory: libvips streams a baseline JPEG or a plain PNG a
 * few lines at a time whatever its size, while an AVIF, an interlaced PNG, a progressive JPEG, a
 * GIF or a WebP is decoded whole, several bytes per pixel. The factors below are peak RSS growth
 * per pixel × channel, measured on x86-64 with scripts/decode-memory.ts (sharp 0.35, libvips
 * 8.18), rounded up; the README's Preprocessing section has the table.
 */
import { totalmem } from 'node:os';

export interface HeaderInfo {
  format?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  channels?: number | undefined;
  /** libvips' band format: uchar, ushort, float, ... */
  depth?: string | undefined;
  /** Interlaced PNG, progressive JPEG. */
  isProgressive?: boolean | undefined;
}

const MiB = 1024 * 1024;

/**
 * Bytes of memory per pixel × channel × byte-per-sample a decode takes at its peak, by format.
 * `streamed` formats are read a band of lines at a time: their cost barely grows with the image.
 */
const FACTORS = {
  'jpeg': 0.1, // measured 0.04–0.06: shrink-on-load, streamed
  'jpeg-progressive': 1.2, // 1.04–1.06: every DCT coefficient is kept until the last scan
  'png': 0.5, // 0.20–0.42: streamed, line buffers
  'png-interlaced': 1.5, // 1.14–1.28: decoded whole
  'webp': 0.5, // 0.01–0.07: scaled decode
  'heif': 7, // AVIF 6.06–6.20: libheif's planes, then libvips' copy
  'gif': 2, // 1.56–1.80: RGBA frame
  'tiff': 1.5, // 0.21–0.48 striped or tiled; one strip per image is decoded whole
  'svg': 2, // rendered whole, RGBA (not measured)
  'other': 2,
} as const;

const SAMPLE_BYTES: Readonly<Record<string, number>> = { uchar: 1, char: 1, ushort: 2, short: 2, uint: 4, int: 4, float: 4, complex: 8, double: 8, dpcomplex: 16 };

function factorOf(info: HeaderInfo): number {
  const format = info.format ?? 'other';
  if (format === 'jpeg') return info.isProgressive ? FACTORS['jpeg-progressive'] : FACTORS.jpeg;
  if (format === 'png') return info.isProgressive ? FACTORS['png-interlaced'] : FACTORS.png;
  return Object.hasOwn(FACTORS, format) ? FACTORS[format as keyof typeof FACTORS] : FACTORS.other;
}

/** Estimated peak bytes to decode an image with this header (0 when the header says nothing). */
export function decodeCost(info: HeaderInfo): number {
  const pixels = (info.width ?? 0) * (info.height ?? 0);
  // libvips decodes to at least three bands for the colour conversion that follows.
  const channels = Math.max(info.channels ?? 3, 3);
  const sample = SAMPLE_BYTES[info.depth ?? 'uchar'] ?? 1;
  return pixels * channels * sample * factorOf(info);
}

/**
 * The default `maxDecodeBytes`: a quarter of the machine's memory, at least 64 MiB and at most
 * 1 GiB. A 1 GB Raspberry Pi gets 256 MiB (a 12 MP AVIF from a phone passes; an 8192×8192 one,
 * 1.2 GB to decode, is refused); an 8 GB board gets 1 GiB.
 */
export function defaultDecodeBudget(total = totalmem()): number {
  return Math.min(1024 * MiB, Math.max(64 * MiB, Math.floor(total / 4)));
}
