/**
 * One writer at a time per model folder: `<store>/<name>/.lock`, created with O_EXCL and holding
 * the writer's pid, its process start time and a random token. Every change to the store
 * (activation, rollback, pruning, state writes) runs inside withLock(), in the app and in the CLI.
 *
 * A lock whose process is gone (SIGKILL, power cut) is stale: its pid is dead, or alive with
 * another start time (the pid was reused). A stale lock is moved aside by rename (atomic, so two
 * processes cannot both break it and then take turns deleting each other's fresh lock) and the
 * next try takes the lock. A live holder is waited for up to `timeoutMs`, then EDGEFN_STORE_LOCKED.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { debug } from '../util/debug.js';

export const LOCK_FILE = '.lock';
const log = debug('store');

interface Holder { pid: number; start: number | null; token: string }

/** Locks held by this process, by folder: stores in one process queue here, not on the file. */
const local = new Map<string, Promise<void>>();

/** Linux: a process's start time (clock ticks since boot), to tell a reused pid from the holder. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name's closing parenthesis (the name may hold spaces).
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

function alive(h: Holder): boolean {
  // This process's own locks queue in `local`: a file naming our pid was left by an earlier
  // process that had the same pid (a container restarted), or by a release that failed.
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(h.pid);
  return h.start === null || start === null || start === h.start;
}

async function readHolder(file: string): Promise<Holder | null> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>;
    return Number.isSafeInteger(h.pid) && typeof h.token === 'string' ? { pid: h.pid!, start: typeof h.start === 'number' ? h.start : null, token: h.token } : null;
  } catch {
    return null;
  }
}

/** Moves a stale lock aside; if what was moved turns out to be a live lock taken meanwhile, puts it back. */
async function breakStale(file: string, seen: Holder | null): Promise<void> {
  const aside = `${path.dirname(file)}/.lock.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = await readHolder(aside);
  if (moved && seen && moved.token !== seen.token && alive(moved)) {
    await link(aside, file).catch(() => {}); // fails if a third process locked meanwhile: theirs stands
  }
  await rm(aside, { force: true });
  log('broke stale lock %s (pid %s)', file, seen?.pid ?? '?');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the file lock; returns its release. */
async function acquire(nameDir: string, timeoutMs: number): Promise<() => Promise<void>> {
  const file = path.join(nameDir, LOCK_FILE);
  const me: Holder = { pid: process.pid, start: processStart(process.pid), token: randomBytes(8).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      return async () => {
        const h = await readHolder(file);
        if (h?.token === me.token) await rm(file, { force: true });
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `Cannot lock ${nameDir} (${file}): ${messageOf(err)}`, { cause: err, input: nameDir });
      }
    }
    const holder = await readHolder(file);
    // A lock file that does not parse is being written, or was torn by a kill while written:
    // give its writer a moment, then treat it as stale.
    const torn = holder === null && Date.now() - (await stat(file).then((s) => s.mtimeMs, () => 0)) > 2000;
    if ((holder && !alive(holder)) || torn) {
      await breakStale(file, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new EdgefnError(ErrorCode.STORE_LOCKED, `${nameDir} is locked by process ${holder?.pid ?? '?'} (${file}), which did not let go within ${timeoutMs} ms`, { input: nameDir });
    }
    await sleep(20 + Math.random() * 60);
  }
}

/** Runs `fn` holding the store's lock (in this process and against other processes). */
export async function withLock<T>(nameDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const before = local.get(nameDir) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => { done = r; });
  const chained = before.then(() => mine);
  local.set(nameDir, chained);
  await before;
  try {
    const release = await acquire(nameDir, timeoutMs);
    try {
      return await fn();
    } finally {
      await release();
    }
  } finally {
    done();
    if (local.get(nameDir) === chained) local.delete(nameDir);
  }
}
