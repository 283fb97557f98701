/** Every category of the campaign, and the cases of a seed. */
import { hash, rng } from '../rng.ts';
import type { Case, Category } from '../types.ts';
import { images } from './images.ts';
import { orientation } from './orientation.ts';
import { bombs } from './bombs.ts';
import { options } from './options.ts';
import { paths } from './paths.ts';
import { raw } from './raw.ts';
import { readings } from './readings.ts';
import { values } from './values.ts';
import { modelFolders } from './model-folders.ts';
import { harness } from './harness.ts';

export const CATEGORIES: readonly Category[] = [images, bombs, orientation, paths, raw, values, options, readings, modelFolders];

/** With the harness's own self-check, which runs only when named. */
const ALL: readonly Category[] = [...CATEGORIES, harness];

export function category(name: string): Category {
  const found = ALL.find((c) => c.name === name);
  if (!found) throw new Error(`no campaign category ${name}`);
  return found;
}

/** The cases of `seed`, category by category; each category has its own stream, so adding one never shifts another's. */
export function generate(seed: number, scale = 1, only?: readonly string[]): Case[] {
  const cases: Case[] = [];
  for (const cat of only ? ALL : CATEGORIES) {
    if (only && !only.includes(cat.name)) continue;
    cases.push(...cat.generate(rng(hash(seed, cat.name)), scale));
  }
  return cases;
}

/**
 * The fast subset: of each category, its core cases and a seeded sample of the others up to
 * `perCategory`, none marked slow.
 */
export function sample(cases: readonly Case[], seed: number, perCategory: number): Case[] {
  const out: Case[] = [];
  for (const cat of CATEGORIES) {
    const mine = cases.filter((c) => c.category === cat.name && !c.slow);
    const r = rng(hash(seed, 'sample', cat.name));
    const picked = new Set<number>(mine.flatMap((c, i) => (c.core ? [i] : [])));
    for (let i = 0; picked.size < Math.min(perCategory, mine.length) && i < perCategory * 50; i++) picked.add(r.int(0, mine.length - 1));
    out.push(...[...picked].sort((a, b) => a - b).map((i) => mine[i]!));
  }
  return out;
}
