/**
 * The per-model state file, `<store>/<name>/state.json`: which version is active and which was
 * active before it. Replaced durably (./durable.ts) on every activation.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import valid from 'semver/functions/valid.js';
import { debug } from '../util/debug.js';
import { writeFileDurable } from './durable.js';

export const STATE_FILE = 'state.json';
const log = debug('store');

export interface StoreState {
  stateVersion: 1;
  active: string | null;
  previous: string | null;
  updatedAt: string;
}

export const emptyState = (): StoreState => ({ stateVersion: 1, active: null, previous: null, updatedAt: new Date(0).toISOString() });

function isVersion(v: unknown): v is string | null {
  return v === null || (typeof v === 'string' && valid(v) !== null);
}

/** Reads the state; a missing or unreadable file reads as empty (the store then picks a version). */
export async function readState(nameDir: string): Promise<StoreState> {
  let text: string;
  try {
    text = await readFile(path.join(nameDir, STATE_FILE), 'utf8');
  } catch {
    return emptyState();
  }
  try {
    const s = JSON.parse(text) as Partial<StoreState>;
    if (s.stateVersion === 1 && isVersion(s.active) && isVersion(s.previous)) {
      return { stateVersion: 1, active: s.active, previous: s.previous, updatedAt: String(s.updatedAt) };
    }
  } catch {
    // fall through: treated as no state
  }
  log('ignoring unreadable %s', path.join(nameDir, STATE_FILE));
  return emptyState();
}

export async function writeState(nameDir: string, active: string, previous: string | null): Promise<StoreState> {
  const state: StoreState = { stateVersion: 1, active, previous, updatedAt: new Date().toISOString() };
  await writeFileDurable(path.join(nameDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}
