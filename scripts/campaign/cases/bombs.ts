/**
 * Pixel and decompression bombs (large images in small files: a solid colour compresses to almost
 * nothing) and extreme aspect ratios, in every format sharp writes. Made once by the parent with
 * sharp and cached; a child's peak memory while it refuses or decodes them is the finding.
 */
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Case, Category, Ctx, Expect } from '../types.ts';

interface Spec {
  format: 'png' | 'png-interlaced' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heif' | 'svg';
  width: number;
  height: number;
  /** Noise instead of a solid colour: a large file, not a bomb (aspect-ratio cases). */
  expect: Expect;
  slow?: boolean;
  core?: boolean;
}

const LIMIT = 100_000_000; // DEFAULT_PIXEL_LIMIT
const over = (w: number, h: number): Expect => (w * h > LIMIT ? 'error' : 'any');
const bomb = (format: Spec['format'], width: number, height: number, extra: Partial<Spec> = {}): Spec =>
  ({ format, width, height, expect: over(width, height), slow: width * height > 20e6 && width * height <= LIMIT, ...extra });

export const SPECS: Spec[] = [
  bomb('png', 20_000, 20_000, { core: true }), bomb('png', 10_001, 10_000), bomb('png', 10_000, 10_000), bomb('png', 4_000, 4_000, { core: true }),
  bomb('png-interlaced', 10_000, 10_000), bomb('png-interlaced', 3_000, 3_000),
  bomb('jpeg', 10_000, 10_000), bomb('jpeg', 65_000, 2_000, { core: true }), bomb('jpeg', 4_000, 4_000),
  bomb('webp', 16_383, 16_383, { core: true }), bomb('webp', 10_000, 10_000), bomb('webp', 4_000, 4_000),
  bomb('gif', 8_000, 8_000), bomb('gif', 20_000, 20_000),
  bomb('tiff', 20_000, 20_000, { core: true }), bomb('tiff', 8_000, 8_000),
  bomb('avif', 8_192, 8_192), bomb('avif', 4_096, 4_096, { core: true }), bomb('avif', 16_384, 16_384),
  bomb('heif', 8_192, 8_192), bomb('heif', 2_048, 2_048),
  bomb('svg', 100_000, 100_000, { core: true }), bomb('svg', 9_000, 9_000), bomb('svg', 2_000, 2_000),
  // Extreme aspect ratios: few pixels, one side shrinks to nothing in a 28x28 letterbox.
  ...(['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif'] as const).flatMap((f) => [
    bomb(f, 1, f === 'webp' ? 16_383 : 10_000, { expect: 'answer', core: f === 'png' }), bomb(f, f === 'webp' ? 16_383 : 10_000, 1, { expect: 'answer' }),
  ]),
  bomb('png', 1, 1_000_000, { expect: 'answer' }), bomb('png', 1_000_000, 1, { expect: 'answer' }), bomb('tiff', 1, 1_000_000, { expect: 'answer' }),
  bomb('jpeg', 1, 65_000, { expect: 'answer' }), bomb('png', 2, 3, { expect: 'answer' }), bomb('png', 1, 1, { expect: 'answer' }),
];

const file = (cache: string, s: Spec): string => path.join(cache, `bomb-${s.format}-${s.width}x${s.height}.${s.format.replace('-interlaced', '')}`);

async function make(s: Spec): Promise<Buffer> {
  if (s.format === 'svg') {
    return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}"><rect width="100%" height="100%" fill="#c81"/></svg>`);
  }
  // Aspect-ratio images are 1 px thick, solid would be a line of one colour: a gradient instead.
  const thin = Math.min(s.width, s.height) <= 3;
  const img = thin
    ? sharp(Buffer.from(Array.from({ length: s.width * s.height * 3 }, (_, i) => (i * 7) & 255)), { raw: { width: s.width, height: s.height, channels: 3 }, limitInputPixels: false })
    : sharp({ create: { width: s.width, height: s.height, channels: 3, background: { r: 200, g: 130, b: 10 } }, limitInputPixels: false });
  switch (s.format) {
    case 'png': return img.png({ compressionLevel: 9 }).toBuffer();
    case 'png-interlaced': return img.png({ progressive: true, compressionLevel: 9 }).toBuffer();
    case 'jpeg': return img.jpeg().toBuffer();
    case 'webp': return img.webp({ lossless: true }).toBuffer();
    case 'gif': return img.gif().toBuffer();
    case 'tiff': return img.tiff({ compression: 'deflate' }).toBuffer();
    case 'avif': return img.avif({ effort: 0 }).toBuffer();
    case 'heif': return img.heif({ compression: 'av1', effort: 0 }).toBuffer();
  }
}

function generate(): Case[] {
  return SPECS.flatMap((s, i) => (['file', 'buffer'] as const).map((as) => ({
    id: `bombs/${s.format}/${s.width}x${s.height}/${as}`, category: 'bombs', params: { spec: i, as }, expect: s.expect,
    ...(s.slow ? { slow: true } : {}), ...(s.core && as === 'file' ? { core: true } : {}),
  })));
}

async function prepare(cases: readonly Case[], cache: string): Promise<void> {
  const wanted = new Set(cases.map((c) => (c.params as { spec: number }).spec));
  for (const i of wanted) {
    const s = SPECS[i]!;
    const f = file(cache, s);
    if (existsSync(f)) continue;
    // Some encoders refuse sizes beyond their format (WebP 16383, JPEG 65535): the case then uses what it could make.
    try {
      const bytes = await make(s);
      await writeFile(`${f}.tmp`, bytes);
      await rename(`${f}.tmp`, f);
    } catch (err) {
      console.error(`campaign: could not make ${path.basename(f)}: ${(err as Error).message}`);
    }
  }
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const { spec, as } = c.params as { spec: number; as: 'file' | 'buffer' };
  const f = file(ctx.cache, SPECS[spec]!);
  if (!existsSync(f)) throw new Error(`campaign: ${f} was not made (prepare)`);
  if (as === 'file') return ctx.image(f);
  const { readFile } = await import('node:fs/promises');
  return ctx.image(await readFile(f));
}

export const bombs: Category = { name: 'bombs', generate, prepare, run };
