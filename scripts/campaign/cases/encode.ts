/** Valid images of every format sharp writes (and SVG, which it only reads), made from a seed. */
import sharp from 'sharp';
import { rng } from '../rng.ts';

/** A format and the variant of its encoder. */
export const VARIANTS = [
  'jpeg', 'jpeg-progressive', 'png', 'png-16bit', 'png-palette', 'png-interlaced', 'webp', 'webp-lossless',
  'avif', 'heif-av1', 'gif', 'gif-animated', 'tiff', 'tiff-lzw', 'tiff-jpeg', 'tiff-multipage', 'svg',
] as const;
export type Variant = (typeof VARIANTS)[number];

export const EXTENSION: Record<Variant, string> = {
  jpeg: 'jpg', 'jpeg-progressive': 'jpg', png: 'png', 'png-16bit': 'png', 'png-palette': 'png', 'png-interlaced': 'png',
  webp: 'webp', 'webp-lossless': 'webp', avif: 'avif', 'heif-av1': 'heic', gif: 'gif', 'gif-animated': 'gif',
  tiff: 'tiff', 'tiff-lzw': 'tiff', 'tiff-jpeg': 'tiff', 'tiff-multipage': 'tiff', svg: 'svg',
};

/** Smooth gradients plus noise: compressible like a photo, different for every seed. */
export function pixels(seed: number, width: number, height: number, channels: 1 | 2 | 3 | 4): Buffer {
  const r = rng(seed);
  const data = Buffer.alloc(width * height * channels);
  const base = Array.from({ length: channels }, () => r.int(0, 255));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = (base[c]! + x * (c + 1) + y * 3 + r.int(0, 40)) & 255;
    }
  }
  return data;
}

function svg(seed: number, width: number, height: number): Buffer {
  const r = rng(seed);
  const shapes = Array.from({ length: r.int(1, 8) }, () =>
    `<circle cx="${r.int(0, width)}" cy="${r.int(0, height)}" r="${r.int(1, Math.max(width, height))}" fill="#${r.bytes(3).toString('hex')}"/>`);
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`);
}

export async function encode(variant: Variant, seed: number, width: number, height: number, channels: 1 | 2 | 3 | 4): Promise<Buffer> {
  if (variant === 'svg') return svg(seed, width, height);
  const pages = variant === 'gif-animated' || variant === 'tiff-multipage' ? 3 : 1;
  const raw = Buffer.concat(Array.from({ length: pages }, (_, p) => pixels(seed + p, width, height, channels)));
  const img = sharp(raw, { raw: { width, height: height * pages, channels, pageHeight: height } as never });
  switch (variant) {
    case 'jpeg': return img.jpeg().toBuffer();
    case 'jpeg-progressive': return img.jpeg({ progressive: true }).toBuffer();
    case 'png': return img.png().toBuffer();
    case 'png-16bit': return img.toColourspace(channels <= 2 ? 'grey16' : 'rgb16').png().toBuffer();
    case 'png-palette': return img.png({ palette: true }).toBuffer();
    case 'png-interlaced': return img.png({ progressive: true }).toBuffer();
    case 'webp': return img.webp().toBuffer();
    case 'webp-lossless': return img.webp({ lossless: true }).toBuffer();
    case 'avif': return img.avif({ effort: 0 }).toBuffer();
    case 'heif-av1': return img.heif({ compression: 'av1', effort: 0 }).toBuffer();
    case 'gif': case 'gif-animated': return img.gif().toBuffer();
    case 'tiff': return img.tiff().toBuffer();
    case 'tiff-lzw': return img.tiff({ compression: 'lzw' }).toBuffer();
    case 'tiff-jpeg': return img.removeAlpha().tiff({ compression: 'jpeg' }).toBuffer();
    case 'tiff-multipage': return img.tiff().toBuffer();
  }
}
