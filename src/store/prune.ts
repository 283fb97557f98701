/**
 * Pruning: the oldest version folders beyond `keep` are deleted, never the active or previous
 * one (as served or as recorded). Each goes by rename-then-delete (durable.ts), so a kill leaves
 * it whole or gone, and its report after it. Call while holding the store's lock.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, messageOf } from '../errors.js';
import { listVersionDirs } from '../model/folder.js';
import { debug, warn } from '../util/debug.js';
import { reportPath } from './decisions.js';
import { removeDurable } from '../util/durable.js';

const log = debug('store');

export async function prune(nameDir: string, keep: number, protect: readonly (string | null)[]): Promise<string[]> {
  const versions = await listVersionDirs(nameDir);
  const kept = new Set<string | null>([...protect, ...versions.slice(0, keep)]);
  const removed: string[] = [];
  for (const v of versions) {
    if (kept.has(v)) continue;
    try {
      await removeDurable(path.join(nameDir, v));
      await rm(reportPath(nameDir, v), { force: true });
      removed.push(v);
      log('pruned %s', v);
    } catch (err) {
      warn(ErrorCode.STORE_WRITE_FAILED, `${nameDir}: cannot prune ${v}: ${messageOf(err)}`);
    }
  }
  return removed;
}
