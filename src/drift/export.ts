/**
 * `edgefn capture export`: a model's capture (`<store>/<name>/capture/`) laid out as a dataset to
 * relabel and retrain with.
 * - Images: `<out>/<predicted label>/<id>.<ext>` (a person relabels by moving files between
 *   folders), and `<out>/index.json` listing every item with its record (time, version, reason,
 *   confidence, runner-ups; items whose bytes could not be kept are listed with the reason).
 * - Readings: `<out>/captured.csv`, one row per reading (a window: one row per reading of it, with
 *   the item's id and the row's place), the features, the predicted label, confidence, time, version.
 * Read-only on the capture: it reads whole items as the writer committed them, and an item
 * evicted while being exported is skipped and counted. An `out` that exists and is not empty is
 * refused, so two datasets never mix.
 */
import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { MiB, readRegular } from '../util/fs-safe.js';
import { scanCapture, type CapturedItem } from './capture-files.js';
import type { StoredReading } from './capture-item.js';
import { captureDirOf } from './capture.js';
import { readRetrainRequest } from './retrain.js';

export interface ExportSummary {
  out: string;
  /** Image files written, items listed without their bytes, readings rows written. */
  images: number;
  missing: number;
  readings: number;
  rows: number;
  /** Items that vanished (evicted) while being exported. */
  skipped: string[];
  /** Label folders made, by label. */
  folders: Record<string, string>;
}

/** A label as a folder name: no separators, no `.`/`..`, no control characters, never `index.json`; `_unknown` for none. */
export function safeLabel(label: string | null): string {
  if (label === null) return '_unknown';
  // eslint-disable-next-line no-control-regex
  let s = label.replace(/[/\\\u0000-\u001f\u007f]/g, '_').trim().slice(0, 100);
  // Never `.`/`..`, and never the name of the files export writes beside the folders.
  if (s === '' || /^\.+$/.test(s) || s === 'index.json' || s === 'captured.csv') s = `_${s}`;
  return s;
}

async function checkOut(out: string): Promise<void> {
  const s = await lstat(out).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  if (s === null) return;
  if (!s.isDirectory()) throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${out} exists and is not a folder: export writes a dataset folder`, { input: out, field: 'out' });
  if ((await readdir(out)).length > 0) {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${out} exists and is not empty: export into a new or empty folder, so two datasets never mix`, { input: out, field: 'out' });
  }
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per reading: the item's columns, then the features (by name; arrays by place). */
function readingsCsv(items: CapturedItem[]): { text: string; rows: number } {
  const rowsOf = (i: CapturedItem): StoredReading[] => (i.kind === 'window' ? (i.reading as StoredReading[]) : [i.reading as StoredReading]);
  const features: string[] = [];
  const seen = new Set<string>();
  for (const i of items) {
    for (const r of rowsOf(i)) {
      for (const k of Array.isArray(r) ? r.map((_, n) => `x${n}`) : Object.keys(r)) if (!seen.has(k)) { seen.add(k); features.push(k); }
    }
  }
  const head = ['id', 'row', 'time', 'version', 'reason', 'label', 'confidence', ...features];
  const lines = [head.map(csvCell).join(',')];
  for (const i of items) {
    rowsOf(i).forEach((r, n) => {
      const named = Array.isArray(r) ? Object.fromEntries(r.map((v, k) => [`x${k}`, v])) : r;
      const label = i.label ?? (i.values ? Object.values(i.values)[0] : null);
      lines.push([i.id, n, i.time, i.version, i.reason, label, i.confidence, ...features.map((f) => named[f])].map(csvCell).join(','));
    });
  }
  return { text: `${lines.join('\n')}\n`, rows: lines.length - 1 };
}

/** Exports `<nameDir>/capture/` into `out`. */
export async function exportCapture(nameDir: string, out: string): Promise<ExportSummary> {
  const s = await lstat(nameDir).catch(() => null);
  if (!s?.isDirectory()) throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `${nameDir} is not a model's store folder (a folder of versions)`, { input: nameDir, field: 'store' });
  await checkOut(out);
  const dir = captureDirOf(nameDir);
  const { items: scanned } = await scanCapture(dir);
  const items = scanned.map((x) => x.item);
  const summary: ExportSummary = { out, images: 0, missing: 0, readings: 0, rows: 0, skipped: [], folders: {} };
  const write = async (file: string, data: string | Uint8Array) => {
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data, { flag: 'wx' });
    } catch (err) {
      throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `Cannot write ${file}: ${messageOf(err)}`, { input: file, cause: err });
    }
  };
  await mkdir(out, { recursive: true }).catch((err: unknown) => { throw new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `Cannot create ${out}: ${messageOf(err)}`, { input: out, cause: err }); });

  const listed: Record<string, unknown>[] = [];
  for (const item of items.filter((i) => i.kind === 'image')) {
    let file: string | null = null;
    if (item.file !== null) {
      let bytes: Buffer;
      try {
        // Opened, checked, then read: a captured file swapped for a link, a FIFO or something huge is not copied.
        bytes = await readRegular(path.join(dir, item.file), { maxBytes: Math.max(item.bytes, 1) + MiB, within: dir, code: ErrorCode.INPUT_UNREADABLE, what: 'captured image' });
      } catch {
        summary.skipped.push(item.id);
        continue;
      }
      const folder = safeLabel(item.label);
      summary.folders[item.label ?? ''] = folder;
      file = `${folder}/${item.file}`;
      await write(path.join(out, folder, item.file), bytes);
      summary.images++;
    } else {
      summary.missing++;
    }
    const { reading: _r, seq: _s, ...record } = item;
    listed.push({ ...record, file, captured: item.file });
  }
  const readings = items.filter((i) => i.kind !== 'image');
  if (readings.length > 0) {
    const csv = readingsCsv(readings);
    await write(path.join(out, 'captured.csv'), csv.text);
    summary.readings = readings.length;
    summary.rows = csv.rows;
  }
  const retrainRequest = await readRetrainRequest(nameDir).catch(() => null);
  const index = { store: nameDir, capture: dir, exportedAt: new Date().toISOString(), retrainRequest, images: listed, readings: readings.map((i) => i.id), skipped: summary.skipped };
  await write(path.join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  return summary;
}
