/**
 * The retraining request: when drift persists, the store writes `<store>/<name>/retrain-request.json`
 * (a small JSON file with the figures) and emits `retrainRequested`. edgefn does not retrain: an
 * OTA agent, a cron job or the application reads the file (and the capture beside it, see
 * `edgefn capture export`), retrains elsewhere, and ships a new version folder into the store;
 * that version goes through the gate and the rollout like any other. The file is replaced whole
 * (temporary file, fsync, rename), so a reader sees the previous request or the new one.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { writeFileDurable } from '../util/durable.js';
import type { StatDrift } from './types.js';

export const RETRAIN_FILE = 'retrain-request.json';

export interface RetrainRequest {
  /** The model and the version that drifted. */
  name: string;
  version: string;
  /** When the drift began (ISO), and when retraining was asked for. */
  since: string;
  requestedAt: string;
  /** Calls in the window compared, and the window's size. */
  window: { calls: number; size: number };
  /** The statistics that moved, with their figures. */
  moved: StatDrift[];
  /** What the capture held when the request was written. */
  captured: { items: number; bytes: number };
}

/** Writes the request durably into the model's store folder; returns the file's path. */
export async function writeRetrainRequest(nameDir: string, request: RetrainRequest): Promise<string> {
  const file = path.join(nameDir, RETRAIN_FILE);
  // Non-finite figures (an infinite PSI) would become null in JSON silently: say so instead.
  const json = JSON.stringify(request, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
  try {
    await writeFileDurable(file, `${json}\n`);
  } catch (err) {
    throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `Cannot write the retraining request ${file}: ${messageOf(err)}`, { input: file, cause: err });
  }
  return file;
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** The request in `nameDir`, or null when there is none. A file that does not hold one is an EDGEFN_INPUT_UNDECODABLE. */
export async function readRetrainRequest(nameDir: string): Promise<RetrainRequest | null> {
  const file = path.join(nameDir, RETRAIN_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EdgefnError(ErrorCode.INPUT_UNREADABLE, `Cannot read the retraining request ${file}: ${messageOf(err)}`, { input: file, cause: err });
  }
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (err) {
    throw new EdgefnError(ErrorCode.INPUT_UNDECODABLE, `${file} is not valid JSON: ${messageOf(err)}`, { input: file, cause: err });
  }
  const ok = isObject(r) && typeof r.name === 'string' && typeof r.version === 'string' && typeof r.requestedAt === 'string'
    && isObject(r.window) && Array.isArray(r.moved) && isObject(r.captured);
  if (!ok) throw new EdgefnError(ErrorCode.INPUT_UNDECODABLE, `${file} does not hold a retraining request (name, version, requestedAt, window, moved, captured)`, { input: file });
  return r as unknown as RetrainRequest;
}
