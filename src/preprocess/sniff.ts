/**
 * Pure header checks on encoded images, to skip work sharp would otherwise do for nothing.
 */

const isJpeg = (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => b.length > 33 && PNG_SIGNATURE.every((v, i) => b[i] === v);

const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const type = (b: Uint8Array, o: number) => String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);

/** Whether a PNG can hold transparency: an alpha colour type, or a tRNS chunk before the pixel data. */
function pngMayHaveAlpha(b: Uint8Array): boolean {
  const colorType = b[25]!;
  if (colorType === 4 || colorType === 6) return true;
  for (let o = 8; o + 8 <= b.length;) {
    const t = type(b, o + 4);
    if (t === 'tRNS') return true;
    if (t === 'IDAT' || t === 'IEND') return false;
    o += 12 + u32(b, o);
  }
  return true; // truncated header: let sharp decide
}

/** False only when the encoded image certainly has no alpha channel (JPEG; PNG without one). */
export function mayHaveAlpha(encoded: Uint8Array): boolean {
  if (isJpeg(encoded)) return false;
  if (isPng(encoded)) return pngMayHaveAlpha(encoded);
  return true;
}
