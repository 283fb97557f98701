/** Reads Debian's dataset-fashion-mnist test set (IDX files, gzipped) for the measurement scripts. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

export const DEFAULT_DATA = '/usr/share/datasets/fashion-mnist';

async function idx(dir: string, file: string): Promise<{ dims: number[]; data: Uint8Array }> {
  const buf = gunzipSync(await readFile(path.join(dir, file)));
  const ndim = buf[3]!;
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: buf.subarray(4 + 4 * ndim) };
}

export interface TestSet {
  count: number;
  labels: Uint8Array;
  /** Raw 28x28 grayscale pixels of image i. */
  pixels(i: number): { data: Uint8Array; width: number; height: number; channels: 1 };
  /** Image i encoded as PNG, as a camera or a file would hand it over. */
  png(i: number): Promise<Buffer>;
}

export async function readTestSet(dir = DEFAULT_DATA, limit?: number): Promise<TestSet> {
  const images = await idx(dir, 't10k-images-idx3-ubyte.gz');
  const labels = await idx(dir, 't10k-labels-idx1-ubyte.gz');
  const [count, h, w] = images.dims as [number, number, number];
  const pixels = (i: number) => ({ data: images.data.subarray(i * h * w, (i + 1) * h * w), width: w, height: h, channels: 1 as const });
  return {
    count: Math.min(count, limit ?? count),
    labels: labels.data,
    pixels,
    png: (i) => sharp(pixels(i).data, { raw: pixels(i) }).png().toBuffer(),
  };
}
