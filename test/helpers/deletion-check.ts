/**
 * The deletion check shared by the image explanation suites: for each image, the area under the
 * deletion curve when cells go salient-first, salient-last (the map inverted) and in random orders.
 */
import { deletionCurve, randomCells, rankCells, type RawImage } from '../../src/index.ts';
import { cells } from '../../src/explain/deletion.ts';

export interface Areas { salient: number; inverted: number; random: number }

type Scoring = Parameters<typeof deletionCurve>[0];

/** Areas for one image and one map; `random` is the mean over `orders` seeded random orders. */
export async function deletionAreas(model: Scoring, image: RawImage, heat: ArrayLike<number>, target: number, cell: number, orders = 3, seed = 1): Promise<Areas> {
  const { width, height } = image;
  const n = cells(width, height, cell).length;
  const salient = (await deletionCurve(model, image, rankCells(heat, width, height, cell), target, { cell })).area;
  const inverted = (await deletionCurve(model, image, rankCells(Array.from(heat, (v) => -v), width, height, cell), target, { cell })).area;
  let random = 0;
  for (let k = 0; k < orders; k++) random += (await deletionCurve(model, image, randomCells(n, seed + k), target, { cell })).area / orders;
  return { salient, inverted, random };
}

/** A heat map of seeded noise: the map that must fail the check. */
export function noiseMap(length: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  });
}
