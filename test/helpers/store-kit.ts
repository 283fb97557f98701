/** Helpers for the store's own suites: a temporary store, child-process counts, staged installs, signing, the CLI from source. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { signManifest, type generateKeys } from '../../src/index.ts';
import { BUNDLED_VERSION, ROOT, installVersion, makeStore, removeDir } from './index.ts';

/** Live child processes of this process (session hosts), from /proc. */
export function childPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits (bounded) until `check` holds; returns whether it did. A guard against hanging, never a timing assertion. */
export async function until(check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A promise for the next `event` from a store, failing (not hanging) after `limitMs`. */
export function nextEvent<T = any>(model: { once(e: any, l: (p: any) => void): unknown }, event: string, limitMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${limitMs} ms`)), limitMs);
    model.once(event, (p: T) => { clearTimeout(timer); resolve(p); });
  });
}

/** Installs a version beside the store and renames it in: the watcher sees only the whole folder. */
export async function stageVersion(nameDir: string, version: string, from = BUNDLED_VERSION, edit?: (m: any) => void): Promise<string> {
  const staged = await installVersion(path.join(path.dirname(nameDir), `staging-${version}`), version, from, edit);
  const dir = path.join(nameDir, version);
  await rename(staged, dir);
  return dir;
}

export const signWith = (keys: ReturnType<typeof generateKeys>) => (m: any) => { delete m.signature; m.signature = signManifest(m, keys.privateKeyPem); };

export async function editManifest(dir: string, edit: (m: any) => void): Promise<void> {
  const f = path.join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(f, 'utf8'));
  edit(m);
  await writeFile(f, JSON.stringify(m, null, 2));
}

/** The CLI run from this checkout's source (no build needed), as a user runs it. */
export async function edgefnSrc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Names in the model folder that a killed writer may leave: temporary files, trash folders. */
export const leftovers = (names: string[]) => names.filter((n) => /^\..*\.tmp$/.test(n) || n.startsWith('.trash-'));

/** Runs `fn` on a fresh store holding the bundled model as 1.0.0, removed afterwards. */
export async function withStore(fn: (nameDir: string) => Promise<void>): Promise<void> {
  const nameDir = await makeStore();
  try {
    await fn(nameDir);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
}
