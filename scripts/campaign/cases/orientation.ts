/**
 * Every EXIF orientation, 1 to 8, in every format that carries one: the golden sneaker stored
 * turned (the inverse of what the tag says) so that only a decoder that honours the tag sees an
 * upright sneaker. Also tags that are out of range (0, 9, 255, 65535), which must not harm.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { Rng } from '../rng.ts';
import type { Case, Category, Ctx } from '../types.ts';
import { GOLDEN_IMAGE, GOLDEN_IMAGE_LABEL } from '../paths.ts';

const FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'avif'] as const;
type Format = (typeof FORMATS)[number];

interface Params {
  format: Format;
  orientation: number;
  /** A tag value written over the valid one after encoding (out of range), or none. */
  patch?: number;
  as: 'buffer' | 'file';
  /** Upscaled (square: padding would shrink the sneaker in the model's letterbox, and turn it into a bag). */
  scale: number;
}

function generate(r: Rng): Case[] {
  const cases: Case[] = [];
  for (const format of FORMATS) {
    for (let orientation = 1; orientation <= 8; orientation++) {
      for (const as of ['buffer', 'file'] as const) {
        const p: Params = { format, orientation, as, scale: r.int(1, 4) };
        // Lossy formats at scale 1 can blur a 28x28 sneaker into a sandal: compare at scale >= 2.
        if (format !== 'png' && format !== 'tiff') p.scale = Math.max(2, p.scale);
        cases.push({ id: `orientation/${format}/${orientation}/${as}`, category: 'orientation', params: { ...p }, expect: 'answer', label: GOLDEN_IMAGE_LABEL, core: orientation === 6 });
      }
    }
    if (format === 'avif') continue; // HEIF turns with irot/imir boxes, not an EXIF tag
    for (const patch of [0, 9, 255, 65535]) {
      cases.push({ id: `orientation/${format}/tag-${patch}`, category: 'orientation', params: { format, orientation: 3, patch, as: 'buffer', scale: 2 }, expect: 'any' });
    }
  }
  return cases;
}

/** Stores `upright` so that applying EXIF orientation `o` gives it back. */
async function stored(upright: Buffer, o: number): Promise<Buffer> {
  const turn = (img: Buffer, f: (s: Sharp) => Sharp): Promise<Buffer> => f(sharp(img)).png().toBuffer();
  switch (o) {
    case 1: return upright;
    case 2: return turn(upright, (s) => s.flop());
    case 3: return turn(upright, (s) => s.rotate(180));
    case 4: return turn(upright, (s) => s.flip());
    case 5: return turn(await turn(upright, (s) => s.rotate(90)), (s) => s.flop()); // transpose
    case 6: return turn(upright, (s) => s.rotate(270));
    case 7: return turn(await turn(upright, (s) => s.rotate(270)), (s) => s.flop()); // transverse
    default: return turn(upright, (s) => s.rotate(90));
  }
}

/** Overwrites the value of the first orientation entry (tag 0x0112, type SHORT) in either byte order. */
function patchTag(bytes: Buffer, value: number): Buffer {
  const out = Buffer.from(bytes);
  const le = out.indexOf(Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]));
  if (le >= 0) out.writeUInt16LE(value, le + 8);
  const be = out.indexOf(Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]));
  if (be >= 0) out.writeUInt16BE(value, be + 8);
  if (le < 0 && be < 0) throw new Error('campaign: no orientation tag to patch');
  return out;
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const p = c.params as unknown as Params;
  const upright = await sharp(GOLDEN_IMAGE).resize(28 * p.scale, 28 * p.scale, { kernel: 'nearest' }).png().toBuffer();
  let bytes: Buffer = await sharp(await stored(upright, p.orientation)).withMetadata({ orientation: p.orientation })[p.format]({ quality: 95 }).toBuffer();
  if (p.patch !== undefined) bytes = patchTag(bytes, p.patch);
  if (p.as === 'buffer') return ctx.image(bytes);
  const file = path.join(ctx.tmp, `orientation-${p.orientation}.${p.format}`);
  await writeFile(file, bytes);
  return ctx.image(file);
}

export const orientation: Category = { name: 'orientation', generate, run };
