/**
 * The reference sample `edgefn models profile --data` reads: a folder of images (every .jpg,
 * .jpeg, .png and .webp in it, sorted by name, not recursing) or a CSV of readings with a header
 * line naming the fields (cut into the model's windows for a windowed model). Files are opened,
 * checked and read like every input (a FIFO or a link out of the folder is refused).
 */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode } from '../errors.js';
import type { TabularInputSpec } from '../manifest/index.js';
import { readRegular } from '../util/fs-safe.js';

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];
/** A readings CSV larger than this is refused before it is read. */
const MAX_CSV_BYTES = 64 * 1024 * 1024;

export async function imageFiles(dir: string): Promise<string[]> {
  const st = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new EdgefnError(ErrorCode.INPUT_UNREADABLE, `--data ${dir}: ${err.code === 'ENOENT' ? 'no such folder' : err.message}`, { cause: err, input: dir, field: 'data' });
  });
  if (!st.isDirectory()) throw new EdgefnError(ErrorCode.INPUT_INVALID, `--data ${dir}: expected a folder of images or a .csv file of readings`, { input: dir, field: 'data' });
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.some((e) => n.toLowerCase().endsWith(e))).sort();
  if (names.length === 0) throw new EdgefnError(ErrorCode.INPUT_INVALID, `--data ${dir}: no images in it (${IMAGE_EXTENSIONS.join(' ')})`, { input: dir, field: 'data' });
  return names.map((n) => path.join(dir, n));
}

/** The CSV's rows as readings (an empty or non-numeric cell: NaN, measured as missing) and, for a windowed model, its windows. */
export async function csvInputs(file: string, spec: TabularInputSpec): Promise<unknown[]> {
  const body = (await readRegular(file, { maxBytes: MAX_CSV_BYTES, code: ErrorCode.INPUT_UNREADABLE, what: 'readings file', field: 'data' })).toString('utf8');
  const lines = body.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length < 2) throw new EdgefnError(ErrorCode.INPUT_INVALID, `--data ${file}: expected a header line and readings`, { input: file, field: 'data' });
  const names = lines[0]!.split(',').map((n) => n.trim());
  const absent = spec.features.filter((f) => !names.includes(f));
  if (absent.length > 0) {
    throw new EdgefnError(ErrorCode.INPUT_INVALID, `--data ${file}: its header has no column for ${absent.join(', ')} (the model takes ${spec.features.join(', ')})`, { input: file, field: 'data' });
  }
  const readings = lines.slice(1).map((line) => {
    const cells = line.split(',');
    const reading: Record<string, number> = {};
    for (const f of spec.features) {
      const cell = cells[names.indexOf(f)]?.trim() ?? '';
      reading[f] = cell === '' ? NaN : Number(cell);
    }
    return reading;
  });
  if (!spec.window) return readings;
  const { size, hop } = spec.window;
  const windows: unknown[] = [];
  for (let end = size; end <= readings.length; end += hop) windows.push(readings.slice(end - size, end));
  if (windows.length === 0) throw new EdgefnError(ErrorCode.INPUT_INVALID, `--data ${file}: fewer readings (${readings.length}) than one window (${size})`, { input: file, field: 'data' });
  return windows;
}
