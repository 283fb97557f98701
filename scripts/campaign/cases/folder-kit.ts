/** Making hostile model folders: a copy of a bundled one, then files swapped, broken or re-hashed. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from '../../../src/index.ts';
import { GOLDEN_IMAGE, IMAGE_VERSION, RAIN_VERSION, TEACHABLE, TFJS_VERSION, rainWindow } from '../paths.ts';

export const BASES = { onnx: IMAGE_VERSION, rain: RAIN_VERSION, tfjs: TFJS_VERSION, teachable: TEACHABLE } as const;
export type Base = keyof typeof BASES;

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class Folder {
  constructor(readonly dir: string) {}

  static async copy(base: Base, into: string): Promise<Folder> {
    const dir = path.join(into, '1.0.0');
    await rm(into, { recursive: true, force: true });
    await mkdir(into, { recursive: true });
    await cp(BASES[base], dir, { recursive: true });
    return new Folder(dir);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  async json(name = 'manifest.json'): Promise<Json> {
    return JSON.parse(await readFile(this.file(name), 'utf8')) as Json;
  }

  async writeJson(value: unknown, name = 'manifest.json'): Promise<void> {
    await writeFile(this.file(name), JSON.stringify(value, null, 1));
  }

  async edit(f: (m: Json) => void, name = 'manifest.json'): Promise<void> {
    const m = await this.json(name);
    f(m);
    await this.writeJson(m, name);
  }

  /** Replaces a file's bytes and, with `rehash`, its sha256 in the manifest: only the runtime can tell. */
  async replace(name: string, bytes: Buffer, rehash: boolean): Promise<void> {
    await writeFile(this.file(name), bytes);
    if (rehash) await this.rehash(name);
  }

  async rehash(name: string): Promise<void> {
    const sha = createHash('sha256').update(await readFile(this.file(name))).digest('hex');
    await this.edit((m) => {
      if (m.model?.file === name) m.model.sha256 = sha;
      if (m.labels?.file === name) m.labels.sha256 = sha;
      for (const f of m.files ?? []) if (f.file === name) f.sha256 = sha;
    });
  }

  /** Swaps a file for a FIFO, a link to somewhere, or a folder. */
  async swap(name: string, kind: 'fifo' | 'folder' | 'loop' | { link: string }): Promise<void> {
    const f = this.file(name);
    await rm(f, { force: true, recursive: true });
    if (kind === 'fifo') execFileSync('mkfifo', [f]);
    else if (kind === 'folder') await mkdir(f);
    else if (kind === 'loop') { await symlink(`${f}.b`, f); await symlink(f, `${f}.b`); }
    else await symlink(kind.link, f);
  }
}

/** Loads the folder and, when it loads, asks it the known input; always lets go of the model. */
export async function loadAndAsk(dir: string, base: Base): Promise<unknown> {
  const model = await load(dir);
  try {
    return await model((base === 'rain' ? rainWindow() : GOLDEN_IMAGE) as never);
  } finally {
    await model.dispose();
  }
}
