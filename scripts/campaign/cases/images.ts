/**
 * Damaged images of every format sharp reads: truncated, bit-flipped, zeroed, spliced and garbage
 * bytes after valid headers, given as a Buffer or as a file, alone or in a batch. Undamaged ones
 * are the control: they must answer.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Rng } from '../rng.ts';
import type { Case, Category, Ctx } from '../types.ts';
import { GOLDEN_IMAGE } from '../paths.ts';
import { DAMAGES, damage, type Damage } from './damage.ts';
import { EXTENSION, VARIANTS, encode, type Variant } from './encode.ts';

interface Params {
  variant: Variant;
  damage: Damage | 'none';
  seed: number;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  as: 'buffer' | 'file' | 'batch';
}

function generate(r: Rng, scale: number): Case[] {
  const cases: Case[] = [];
  const add = (p: Params): void => {
    cases.push({ id: `images/${p.variant}/${p.damage}/${cases.length}`, category: 'images', params: { ...p }, expect: p.damage === 'none' ? 'answer' : 'any' });
  };
  const size = (): number => (r.next() < 0.2 ? r.int(1, 4) : r.int(5, 300));
  for (const variant of VARIANTS) {
    for (const as of ['buffer', 'file'] as const) add({ variant, damage: 'none', seed: r.seed(), width: size(), height: size(), channels: r.pick([1, 2, 3, 4] as const), as });
  }
  for (let i = 0; i < 700 * scale; i++) {
    add({
      variant: r.pick(VARIANTS), damage: r.pick(DAMAGES), seed: r.seed(), width: size(), height: size(),
      channels: r.pick([1, 2, 3, 4] as const), as: r.pick(['buffer', 'buffer', 'file', 'batch'] as const),
    });
  }
  return cases;
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const p = c.params as unknown as Params;
  const valid = await encode(p.variant, p.seed, p.width, p.height, p.channels);
  const bytes = p.damage === 'none' ? valid : damage(valid, p.damage, p.seed);
  if (p.as === 'buffer') return ctx.image(bytes);
  const file = path.join(ctx.tmp, `${c.id.replace(/\W/g, '_')}.${EXTENSION[p.variant]}`);
  await writeFile(file, bytes);
  return p.as === 'file' ? ctx.image(file) : ctx.image([GOLDEN_IMAGE, file, bytes]);
}

export const images: Category = { name: 'images', generate, run };
