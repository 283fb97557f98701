/**
 * The evidence: a bounded capture on disk of inputs that arrived while drifted or below a
 * confidence, with their answers, version and time (issue 15). Default place: `<store>/<name>/capture/`.
 *
 * - Atomic items: the image's bytes are written first (temporary file, fsync, rename, folder
 *   fsync), the JSON record last, the same way: the record is the commit marker. A kill at any
 *   moment leaves whole items, plus perhaps a data file without a record or a temporary file,
 *   which the next open() removes (and a record whose data file is gone or of another size).
 * - A quota in bytes (records and data files) and in items, oldest first out. Room is made before
 *   writing, so the folder is within quota whenever add() has resolved; open() trims a folder
 *   found over quota (a smaller quota, or deletions a power cut undid).
 * - One writer: a Capture serialises its add() calls; one process owns a capture folder (the one
 *   that opened the store with monitoring). A second writer on the same folder is not supported:
 *   its open() would remove the first one's temporary files. Readers (export) only read.
 * - Errors: an input whose bytes cannot be had (a vanished path...) is kept without them and says
 *   why; a folder that cannot be written (a full disk, a file in the way) rejects add() with
 *   EDGEFN_STORE_WRITE_FAILED naming the folder, and nothing half-written stays.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { writeFileDurable } from '../util/durable.js';
import { debug } from '../util/debug.js';
import { scanCapture, RECORD_EXT, type CapturedItem, type ScannedItem } from './capture-files.js';
import { answerOf, prepareInput, snapshotInput } from './capture-item.js';

const log = debug('drift');

export type { CapturedItem };
export { sniffExtension, snapshotInput } from './capture-item.js';

/** The capture folder's name inside a model's store folder. */
export const CAPTURE_DIR = 'capture';
export const captureDirOf = (nameDir: string) => path.join(nameDir, CAPTURE_DIR);

export interface CaptureOptions {
  dir: string;
  /** The most bytes the folder's items may take (records and image files). */
  maxBytes: number;
  /** The most items it may hold. */
  maxItems: number;
}

export interface CaptureInput {
  /** What the model was given: a file path, an encoded image, raw pixels, a reading or a window. */
  input: unknown;
  /** What it answered (a Classification, a Regression). */
  result: unknown;
  version: string;
  reason: 'drift' | 'low-confidence';
  time?: Date;
  /** Feature names, so that readings given as arrays are kept by name. */
  features?: readonly string[];
}

function invalid(field: string, expected: string, value: unknown): EdgefnError {
  return new EdgefnError(ErrorCode.INVALID_ARGUMENT, `Expected ${expected} for ${field} but received ${String(value)}`, { field });
}

function writeFailed(dir: string, err: unknown): EdgefnError {
  return new EdgefnError(ErrorCode.STORE_WRITE_FAILED, `Cannot write to the capture folder ${dir}: ${messageOf(err)}`, { input: dir, cause: err });
}

export class Capture {
  readonly dir: string;
  readonly maxBytes: number;
  readonly maxItems: number;
  /** Items oldest first, with their bytes on disk. */
  #items: ScannedItem[];
  #bytes: number;
  #seq: number;
  /** The tail of the add() queue: one write at a time. */
  #queue: Promise<void> = Promise.resolve();

  private constructor(o: CaptureOptions, items: ScannedItem[]) {
    this.dir = o.dir;
    this.maxBytes = o.maxBytes;
    this.maxItems = o.maxItems;
    this.#items = items;
    this.#bytes = items.reduce((s, i) => s + i.size, 0);
    this.#seq = items.reduce((m, i) => Math.max(m, i.item.seq), 0);
  }

  /**
   * Opens (creating it) the capture folder, removes what a killed writer left and trims it to the
   * quota. A folder that cannot be created or read does not fail open(): the capture starts empty
   * and each add() says why it cannot write (the model it serves keeps going).
   */
  static async open(options: CaptureOptions): Promise<Capture> {
    const { dir, maxBytes, maxItems } = options ?? ({} as CaptureOptions);
    if (typeof dir !== 'string' || dir === '') throw invalid('capture.dir', 'a folder path', dir);
    if (typeof maxBytes !== 'number' || !(maxBytes > 0) || !Number.isFinite(maxBytes)) throw invalid('capture.maxBytes', 'a positive number of bytes', maxBytes);
    if (!Number.isSafeInteger(maxItems) || maxItems < 1) throw invalid('capture.maxItems', 'a positive integer', maxItems);
    let items: ScannedItem[] = [];
    try {
      await mkdir(dir, { recursive: true });
      const scan = await scanCapture(dir);
      for (const name of scan.leftovers) await rm(path.join(dir, name), { force: true });
      items = scan.items;
    } catch (err) {
      // Unwritable or unreadable: add() reports it, with the reason, each time it is tried.
      log('capture %s cannot be opened for writing: %s', dir, messageOf(err));
    }
    const capture = new Capture({ dir, maxBytes, maxItems }, items);
    await capture.#makeRoom(0, 0).catch((err: unknown) => log('capture %s cannot be trimmed to its quota: %s', dir, messageOf(err)));
    return capture;
  }

  /**
   * Keeps one input with its answer. The input is copied at once (see snapshotInput); resolves
   * once the item is on disk (fsynced); calls queue up.
   */
  add(item: CaptureInput): Promise<void> {
    const taken = item !== null && typeof item === 'object' ? { ...item, input: snapshotInput(item.input) } : item;
    const next = this.#queue.then(() => this.#add(taken));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** The items kept, oldest first. */
  async list(): Promise<CapturedItem[]> {
    await this.#queue;
    return this.#items.map((i) => i.item);
  }

  usage(): { items: number; bytes: number } {
    return { items: this.#items.length, bytes: this.#bytes };
  }

  async #add(x: CaptureInput): Promise<void> {
    if (x === null || typeof x !== 'object') throw invalid('item', 'an object { input, result, version, reason }', x);
    if (x.reason !== 'drift' && x.reason !== 'low-confidence') throw invalid('item.reason', "'drift' or 'low-confidence'", x.reason);
    const time = x.time instanceof Date && Number.isFinite(x.time.getTime()) ? x.time : new Date();
    const prepared = await prepareInput(x.input, this.maxBytes, x.features);
    const seq = this.#seq + 1;
    const id = `${String(seq).padStart(8, '0')}-${randomBytes(4).toString('hex')}`;
    let data = prepared.data;
    const record = (): CapturedItem => ({
      id, seq, time: time.toISOString(), version: String(x.version), reason: x.reason, kind: prepared.kind,
      ...answerOf(x.result),
      file: data ? `${id}.${data.ext}` : null,
      bytes: data ? data.bytes.length : 0,
      sha256: data ? createHash('sha256').update(data.bytes).digest('hex') : null,
      ...(prepared.source !== undefined ? { source: prepared.source } : {}),
      ...(prepared.reading !== undefined ? { reading: prepared.reading } : {}),
      ...(prepared.error ? { error: prepared.error } : {}),
    });
    let item = record();
    let text = `${JSON.stringify(item)}\n`;
    if (data && data.bytes.length + Buffer.byteLength(text) > this.maxBytes) {
      // Bytes larger than the whole quota: keep the record of it, without them.
      prepared.error = { code: ErrorCode.INPUT_TOO_LARGE, message: `the input's ${data.bytes.length} bytes are over the capture's ${this.maxBytes}-byte quota` };
      data = undefined;
      item = record();
      text = `${JSON.stringify(item)}\n`;
    }
    const size = item.bytes + Buffer.byteLength(text);
    if (size > this.maxBytes) {
      throw new EdgefnError(ErrorCode.INPUT_TOO_LARGE, `A captured item's record takes ${size} bytes, over the capture's ${this.maxBytes}-byte quota (${this.dir})`, { input: this.dir, field: 'capture.maxBytes' });
    }
    try {
      await mkdir(this.dir, { recursive: true });
      await this.#makeRoom(1, size);
      if (data) await writeFileDurable(path.join(this.dir, item.file!), data.bytes);
      try {
        await writeFileDurable(path.join(this.dir, `${id}${RECORD_EXT}`), text);
      } catch (err) {
        // Best effort: a data file left here has no record, and the next open() removes it.
        if (item.file) await rm(path.join(this.dir, item.file), { force: true }).catch((e: unknown) => log('capture %s: %s', this.dir, messageOf(e)));
        throw err;
      }
    } catch (err) {
      throw err instanceof EdgefnError ? err : writeFailed(this.dir, err);
    }
    this.#seq = seq;
    this.#items.push({ item, size });
    this.#bytes += size;
  }

  /** Removes the oldest items until `items` more items of `bytes` more bytes fit the quota. */
  async #makeRoom(items: number, bytes: number): Promise<void> {
    while (this.#items.length > 0 && (this.#items.length + items > this.maxItems || this.#bytes + bytes > this.maxBytes)) {
      const oldest = this.#items[0]!;
      // The record first: once it is gone the item no longer exists, and a kill before the data
      // file goes leaves a file the next open() removes.
      try {
        await rm(path.join(this.dir, `${oldest.item.id}${RECORD_EXT}`), { force: true });
        if (oldest.item.file) await rm(path.join(this.dir, oldest.item.file), { force: true });
      } catch (err) {
        throw writeFailed(this.dir, err);
      }
      this.#items.shift();
      this.#bytes -= oldest.size;
    }
  }
}
