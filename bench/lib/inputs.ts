/**
 * Benchmark inputs, made once into bench/.cache from the real photos in test/fixtures/photos:
 * ~500 px photos as they are, 1920x1080 camera frames and 4056x3040 stills (a Pi HQ camera's full
 * resolution) made by enlarging them (Lanczos) and saving as JPEG q90, and the bundled model's
 * 28x28 golden PNGs. Enlarged photos are smoother than a sensor's output, which makes their JPEGs a
 * little cheaper to decode than real frames; every contender decodes the same files.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const CACHE = path.join(ROOT, 'bench/.cache');
const PHOTOS = ['chelsea.jpg', 'coffee.jpg', 'grace-hopper.jpg'];

export const SIZES = {
  photo: { label: '~500 px photo', width: 0, height: 0 },
  frame: { label: '1920x1080 frame', width: 1920, height: 1080 },
  still: { label: '4056x3040 still', width: 4056, height: 3040 },
} as const;
export type Size = keyof typeof SIZES | 'png';

export async function inputs(size: Size): Promise<string[]> {
  if (size === 'png') {
    const dir = path.join(ROOT, 'models/fashion-mnist/1.0.0/golden');
    return (await readdir(dir)).filter((f) => f.endsWith('.png')).sort().slice(0, 5).map((f) => path.join(dir, f));
  }
  if (size === 'photo') return PHOTOS.map((p) => path.join(ROOT, 'test/fixtures/photos', p));
  const dir = path.join(CACHE, size);
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const p of PHOTOS) {
    const file = path.join(dir, p);
    if (!existsSync(file)) {
      const { width, height } = SIZES[size];
      await sharp(path.join(ROOT, 'test/fixtures/photos', p)).resize(width, height, { fit: 'cover', kernel: 'lanczos3' }).jpeg({ quality: 90 }).toFile(file);
    }
    out.push(file);
  }
  return out;
}

/** 200 distinct JPEGs (640x480 crops and flips of the photos) for the folder throughput figure. */
export async function folder200(): Promise<string[]> {
  const dir = path.join(CACHE, 'folder200');
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const file = path.join(dir, `${String(i).padStart(3, '0')}.jpg`);
    if (!existsSync(file)) {
      const src = path.join(ROOT, 'test/fixtures/photos', PHOTOS[i % 3]!);
      const meta = await sharp(src).metadata();
      const zoom = 1 + (i % 7) * 0.15;
      let img = sharp(src).resize(Math.round(meta.width! * zoom * 1.6), Math.round(meta.height! * zoom * 1.6), { kernel: 'lanczos3' });
      if (i % 2) img = img.flop();
      await img.resize(640, 480, { fit: 'cover', position: ['centre', 'north', 'south', 'east', 'west'][i % 5] as string }).jpeg({ quality: 88 }).toFile(file);
    }
    out.push(file);
  }
  return out;
}
