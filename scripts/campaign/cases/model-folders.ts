/**
 * Malformed and hostile model folders, from copies of the bundled ones: model files bit-flipped,
 * truncated or zeroed with their sha256 updated (only the runtime can tell), manifest fields broken
 * at random, absurd sizes (window.size 1e9, normalize.std 1e-300), files that are FIFOs, folders,
 * link loops or links to /dev/zero, and file paths that leave the folder. A folder loads and gives
 * finite answers, or load() rejects with a code; nothing hangs, nothing grows without bound.
 */
import path from 'node:path';
import type { Rng } from '../rng.ts';
import type { Case, Category, Ctx, Expect } from '../types.ts';
import { damage, DAMAGES } from './damage.ts';
import { Folder, loadAndAsk, type Base, type Json } from './folder-kit.ts';
import { HOSTILE } from './hostile.ts';

/** Values a random manifest field is set to. */
const VALUES: unknown[] = [null, 0, -1, 1e9, 1e308, -1e308, 1e-300, '', 'x', '../x', '/dev/zero', true, [], {}, [1e9], [-1], ['a'], 'x'.repeat(10_000)];

/** Every path to a leaf (or an object) of a JSON value, as keys. */
function fieldPaths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (at.length) out.push(at);
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) fieldPaths(x, [...at, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

function setPath(m: Json, keys: (string | number)[], value: unknown): void {
  let o: Json = m;
  for (const k of keys.slice(0, -1)) o = o[k];
  if (value === undefined) delete o[keys.at(-1)!];
  else o[keys.at(-1)!] = value;
}

interface Params {
  base: Base;
  kind: string;
  seed: number;
  /** For `field`: the field's index among the manifest's paths, and the value's index (-1: delete). */
  field?: number;
  value?: number;
}

function generate(r: Rng, scale: number): Case[] {
  const cases: Case[] = [];
  const add = (p: Params, expect: Expect, extra: Partial<Case> = {}): void => {
    cases.push({ id: `model-folders/${p.base}/${p.kind}/${cases.length}`, category: 'model-folders', params: { ...p }, expect, ...extra });
  };
  for (const [kind, h] of Object.entries(HOSTILE)) add({ base: h.base, kind, seed: 0 }, h.expect, h.core ? { core: true } : {});
  for (let i = 0; i < 90 * scale; i++) add({ base: r.pick(['onnx', 'onnx', 'rain', 'tfjs'] as const), kind: 'model-bitflip', seed: r.seed() }, 'any', i < 3 ? { core: true } : {});
  for (let i = 0; i < 30 * scale; i++) add({ base: r.pick(['onnx', 'rain', 'tfjs'] as const), kind: `damage-${r.pick(DAMAGES)}`, seed: r.seed() }, 'any');
  for (let i = 0; i < 150 * scale; i++) {
    add({ base: r.pick(['onnx', 'rain', 'tfjs'] as const), kind: 'field', seed: r.seed(), field: r.int(0, 1e6), value: r.int(-1, VALUES.length - 1) }, 'any');
  }
  return cases;
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const p = c.params as unknown as Params;
  const folder = await Folder.copy(p.base, path.join(ctx.tmp, c.id.replace(/\W/g, '_')));
  const model = p.base === 'tfjs' ? 'weights.bin' : 'model.onnx';
  if (p.kind === 'model-bitflip') {
    // 1 to 200 bits anywhere in the model (weights, graph, protobuf framing), its sha256 updated.
    await folder.replace(model, damage(await readModel(folder, model), 'bitflip', p.seed), true);
  } else if (p.kind.startsWith('damage-')) {
    await folder.replace(model, damage(await readModel(folder, model), p.kind.slice(7) as never, p.seed), true);
  } else if (p.kind === 'field') {
    await folder.edit((m) => {
      const paths = fieldPaths(m);
      setPath(m, paths[p.field! % paths.length]!, p.value! < 0 ? undefined : structuredClone(VALUES[p.value!]));
    });
  } else {
    await HOSTILE[p.kind]!.make(folder);
  }
  return loadAndAsk(folder.dir, p.base);
}

async function readModel(folder: Folder, name: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  return readFile(folder.file(name));
}

export const modelFolders: Category = { name: 'model-folders', generate, run };
