/**
 * A capture folder's files, read without changing anything. Each item is `<id>.json` (its record,
 * written last: the commit marker) and, for an image, `<id>.<ext>` (its bytes, written first).
 * A record counts only when it parses, names itself, and its data file is there with the size it
 * records; everything else is what a killed writer left (a data file without a record, a
 * temporary file) and is listed as leftover, for the writer to remove at its next open.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Answer, CaptureKind, StoredReading } from './capture-item.js';

export const RECORD_EXT = '.json';
/** writeFileDurable's temporary names (`.<name>.<pid>.<hex>.tmp`). */
const TMP = /^\..+\.tmp$/;
const ID = /^(\d{8,})-[0-9a-f]{8}$/;

export interface CapturedItem extends Answer {
  /** `<seq>-<random>`: the sequence orders items oldest first (clocks on boards without an RTC jump). */
  id: string;
  seq: number;
  /** When the input arrived (ISO), the version that answered, and why it was kept. */
  time: string;
  version: string;
  reason: 'drift' | 'low-confidence';
  kind: CaptureKind;
  /** The image's file in the capture folder, its size and sha256; null for readings and for bytes that could not be had. */
  file: string | null;
  bytes: number;
  sha256: string | null;
  /** The path the caller gave (file inputs). */
  source?: string;
  /** The reading, or the window's readings, inline. */
  reading?: StoredReading | StoredReading[];
  /** Why the input's bytes are missing (a vanished path, a FIFO, a file over the quota). */
  error?: { code: string; message: string };
}

export interface ScannedItem {
  item: CapturedItem;
  /** Bytes on disk: the record and the data file. */
  size: number;
}

export interface Scan {
  /** Whole items, oldest first. */
  items: ScannedItem[];
  /** Names to remove: temporary files, data without a record, records that do not hold. */
  leftovers: string[];
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** A record's checks; the data file's size is checked by the caller (it needs a stat). */
function parseRecord(text: string, id: string): CapturedItem | null {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(r) || r.id !== id || !Number.isSafeInteger(r.seq) || typeof r.time !== 'string' || typeof r.version !== 'string') return null;
  if (r.file !== null && (typeof r.file !== 'string' || !r.file.startsWith(`${id}.`) || r.file.includes('/') || r.file === `${id}${RECORD_EXT}`)) return null;
  if (!Number.isSafeInteger(r.bytes) || (r.bytes as number) < 0) return null;
  return r as unknown as CapturedItem;
}

/** Reads `dir`: whole items oldest first and the leftovers. A missing folder is an empty capture. */
export async function scanCapture(dir: string): Promise<Scan> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], leftovers: [] };
    throw err;
  }
  const leftovers = names.filter((n) => TMP.test(n));
  const items: ScannedItem[] = [];
  const used = new Set<string>();
  for (const name of names) {
    if (!name.endsWith(RECORD_EXT) || TMP.test(name)) continue;
    const id = name.slice(0, -RECORD_EXT.length);
    const text = ID.test(id) ? await readFile(path.join(dir, name), 'utf8').catch(() => null) : null;
    const item = text === null ? null : parseRecord(text, id);
    let dataSize = 0;
    if (item && item.file !== null) {
      dataSize = await stat(path.join(dir, item.file)).then((s) => (s.isFile() ? s.size : -1), () => -1);
    }
    if (!item || dataSize !== (item.file === null ? 0 : item.bytes)) {
      if (ID.test(id)) leftovers.push(name);
      continue;
    }
    if (item.file !== null) used.add(item.file);
    used.add(name);
    items.push({ item, size: Buffer.byteLength(text!) + dataSize });
  }
  // Data files of this folder's naming that no whole record claims: written before a kill.
  for (const name of names) {
    const id = name.split('.')[0]!;
    if (!used.has(name) && ID.test(id) && !leftovers.includes(name)) leftovers.push(name);
  }
  items.sort((a, b) => a.item.seq - b.item.seq);
  return { items, leftovers };
}
