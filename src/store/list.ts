/**
 * What a store holds and what it has decided, read without changing anything: no boot, no gate,
 * no state or report written, no lock taken (writers replace files by rename, so a reader sees
 * the old file or the new one). `edgefn models list` and StoreModel.versions() use it.
 */
import { listVersionDirs } from '../model/folder.js';
import { heldBack, readReport, type StoredReport } from './decisions.js';
import { readStateFull, type Decision } from './state.js';

export interface VersionInfo {
  version: string;
  /** Active as recorded in the store's state (for a running store: the version it serves). */
  active: boolean;
  previous: boolean;
  /** The last gate verdict stored beside the version, if any. */
  report: StoredReport | null;
  /** A rejection or a rollback that keeps this version out until its files change, if any. */
  held: Pick<Decision, 'verdict' | 'reason' | 'code'> | null;
}

export interface StoreListing {
  active: string | null;
  previous: string | null;
  /** Where the state was read from: `backup` when state.json is damaged or missing, `none` when neither copy is usable. */
  stateSource: 'primary' | 'backup' | 'none';
  versions: VersionInfo[];
}

export async function listStore(nameDir: string, serving?: { active: string; previous: string | null }): Promise<StoreListing> {
  const { state, source } = await readStateFull(nameDir);
  const active = serving?.active ?? state.active;
  const previous = serving ? serving.previous : state.previous;
  const versions: VersionInfo[] = [];
  for (const v of await listVersionDirs(nameDir)) {
    const d = await heldBack(nameDir, state, v);
    versions.push({ version: v, active: v === active, previous: v === previous, report: await readReport(nameDir, v), held: d ? { verdict: d.verdict, reason: d.reason, ...(d.code ? { code: d.code } : {}) } : null });
  }
  return { active, previous, stateSource: source, versions };
}
