/**
 * Special files and odd paths given as an input: devices that never end, a FIFO nobody writes,
 * a folder, links that loop or lead to a device, NUL bytes, paths too long for the kernel, an 8 GB
 * sparse file. Each must reject its call with a code, quickly, and leave nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, symlink, writeFile, copyFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Case, Category, Ctx, Expect } from '../types.ts';
import { GOLDEN_IMAGE, GOLDEN_IMAGE_LABEL } from '../paths.ts';

/** Each kind makes its path in the child's scratch folder and says what the call must give. */
const KINDS: Record<string, { make(dir: string): Promise<string>; expect: Expect; core?: boolean }> = {
  'dev-zero': { make: async () => '/dev/zero', expect: 'error', core: true },
  'dev-urandom': { make: async () => '/dev/urandom', expect: 'error', core: true },
  'dev-null': { make: async () => '/dev/null', expect: 'error' },
  'dev-full': { make: async () => '/dev/full', expect: 'error' },
  'proc-self-mem': { make: async () => '/proc/self/mem', expect: 'error' },
  'proc-self-status': { make: async () => '/proc/self/status', expect: 'error' },
  'proc-kcore': { make: async () => (existsSync('/proc/kcore') ? '/proc/kcore' : '/proc/self/maps'), expect: 'error' },
  fifo: { make: async (d) => fifo(d, 'in.png'), expect: 'error', core: true },
  'fifo-jpg': { make: async (d) => fifo(d, 'in.jpg'), expect: 'error' },
  'link-to-fifo': { make: async (d) => link(await fifo(d, 'f2.png'), d, 'to-fifo.png'), expect: 'error' },
  'link-to-dev-zero': { make: (d) => link('/dev/zero', d, 'zero.png'), expect: 'error', core: true },
  'unix-socket': { make: (d) => socket(d), expect: 'error' },
  folder: { make: async (d) => d, expect: 'error' },
  root: { make: async () => '/', expect: 'error' },
  'link-to-folder': { make: (d) => link(d, d, 'dir.png'), expect: 'error' },
  missing: { make: async (d) => path.join(d, 'missing.png'), expect: 'error' },
  'missing-parent': { make: async (d) => path.join(d, 'no/such/dir/x.png'), expect: 'error' },
  'file-under-file': { make: async () => path.join(GOLDEN_IMAGE, 'x.png'), expect: 'error' },
  'link-loop': { make: async (d) => { await symlink(path.join(d, 'b.png'), path.join(d, 'a.png')); return link(path.join(d, 'a.png'), d, 'b.png'); }, expect: 'error', core: true },
  'link-self': { make: (d) => link(path.join(d, 'self.png'), d, 'self.png'), expect: 'error' },
  'link-dangling': { make: (d) => link(path.join(d, 'gone.png'), d, 'dangling.png'), expect: 'error' },
  'nul-in-path': { make: async (d) => path.join(d, 'a\0b.png'), expect: 'error', core: true },
  'nul-after-valid': { make: async () => `${GOLDEN_IMAGE}\0.txt`, expect: 'error' },
  'long-path': { make: async (d) => path.join(d, 'x'.repeat(5000)), expect: 'error' },
  'long-name': { make: async (d) => path.join(d, `${'n'.repeat(300)}.png`), expect: 'error' },
  'deep-path': { make: async (d) => path.join(d, 'a/'.repeat(3000), 'x.png'), expect: 'error' },
  'megabyte-path': { make: async () => 'p'.repeat(1 << 20), expect: 'error' },
  'file-url': { make: async () => pathToFileURL(GOLDEN_IMAGE).href, expect: 'any' },
  'http-url': { make: async () => 'http://127.0.0.1:9/x.png', expect: 'error' },
  'empty-file': { make: async (d) => { await writeFile(path.join(d, 'empty.png'), ''); return path.join(d, 'empty.png'); }, expect: 'error' },
  'one-byte': { make: async (d) => { await writeFile(path.join(d, 'one.png'), 'x'); return path.join(d, 'one.png'); }, expect: 'error' },
  'sparse-8g': { make: (d) => sparse(d, 'sparse.png', 8 * 2 ** 30), expect: 'error', core: true },
  'sparse-png-header': { make: (d) => sparse(d, 'header.png', 2 ** 30, true), expect: 'error' },
  'unicode-name': { make: (d) => copy(d, 'sñeaker 👟 ünïcode.png'), expect: 'answer' },
  'newline-name': { make: (d) => copy(d, 'line\nbreak.png'), expect: 'answer' },
  'dash-name': { make: (d) => copy(d, '-rf .png'), expect: 'answer' },
  'no-extension': { make: (d) => copy(d, 'noext'), expect: 'answer' },
  'wrong-extension': { make: (d) => copy(d, 'sneaker.jpg'), expect: 'answer' },
  'link-to-valid': { make: async (d) => link(GOLDEN_IMAGE, d, 'ok.png'), expect: 'answer' },
  relative: { make: async () => path.relative(process.cwd(), GOLDEN_IMAGE), expect: 'answer' },
};

async function fifo(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  execFileSync('mkfifo', [file]);
  return file;
}

async function link(target: string, dir: string, name: string): Promise<string> {
  await symlink(target, path.join(dir, name));
  return path.join(dir, name);
}

async function copy(dir: string, name: string): Promise<string> {
  await copyFile(GOLDEN_IMAGE, path.join(dir, name));
  return path.join(dir, name);
}

async function socket(dir: string): Promise<string> {
  const file = path.join(dir, 'sock.png');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  server.unref();
  return file;
}

/** A file of `size` bytes that holds no blocks: a regular file, as large as a whole card. */
async function sparse(dir: string, name: string, size: number, pngHeader = false): Promise<string> {
  const file = path.join(dir, name);
  const h = await open(file, 'w');
  if (pngHeader) await h.write(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  await h.truncate(size);
  await h.close();
  return file;
}

function generate(): Case[] {
  const cases: Case[] = [];
  for (const [kind, k] of Object.entries(KINDS)) {
    for (const as of ['single', 'batch'] as const) {
      cases.push({
        id: `paths/${kind}/${as}`, category: 'paths', params: { kind, as },
        expect: as === 'batch' && k.expect === 'answer' ? 'answer' : k.expect,
        ...(k.expect === 'answer' ? { label: GOLDEN_IMAGE_LABEL } : {}),
        ...(k.core && as === 'single' ? { core: true } : {}),
      });
    }
  }
  return cases;
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  const { kind, as } = c.params as { kind: string; as: 'single' | 'batch' };
  const dir = path.join(ctx.tmp, c.id.replace(/\W/g, '_'));
  await mkdir(dir, { recursive: true });
  const input = await KINDS[kind]!.make(dir);
  return as === 'single' ? ctx.image(input) : ctx.image([GOLDEN_IMAGE, input]);
}

export const paths: Category = { name: 'paths', generate, run };
