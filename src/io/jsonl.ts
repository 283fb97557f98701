/**
 * A sink that appends one JSON line per result to a file (an audit trail, a dataset to label
 * later). Typed arrays become plain arrays; the input goes in as `input` when it is a path.
 *
 * The file is opened on the first result, so a loop that stops before any result leaves no empty
 * file behind. It is opened the careful way: O_NONBLOCK (a FIFO without a reader fails at once
 * instead of holding a libuv pool thread), O_NOFOLLOW (never written through a link), then
 * `fstat`: only a regular file is written. Each write resolves once its line is handed to the OS.
 * A file that cannot be opened or written (a missing folder, no permission, a full disk) rejects
 * that write with SINK_FAILED, which the loop counts as a failed item; nothing is ever thrown
 * outside a write.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { invalidArgument, is } from '../util/validate.js';

export interface JsonLinesOptions<R, I> {
  /** What to write for a result; default: `{ time, input?, ...result }` without probabilities. */
  map?: (result: R, input: I) => unknown;
}

function replacer(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value;
}

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOFOLLOW;

export function jsonLinesSink<R, I = unknown>(file: string, options: JsonLinesOptions<R, I> = {}): { write(result: R, input: I): Promise<void>; close(): Promise<void> } {
  if (!is.nonEmptyString(file)) throw invalidArgument('a file path', 'file', file);
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  if (options.map !== undefined && typeof options.map !== 'function') throw invalidArgument('a function (result, input)', 'map', options.map);
  const map = options.map ?? ((result: R, input: I) => {
    const { probabilities: _p, ...rest } = result as Record<string, unknown>;
    return { time: new Date().toISOString(), ...(typeof input === 'string' ? { input } : {}), ...rest };
  });
  const failed = (why: string, cause?: unknown) => new EdgefnError(ErrorCode.SINK_FAILED, `Cannot write results to ${file}: ${why}`, { input: file, ...(cause ? { cause } : {}) });

  let handle: Promise<FileHandle> | null = null;
  const opened = (): Promise<FileHandle> => (handle ??= openChecked().catch((err: unknown) => {
    handle = null; // the next write tries again: the folder may appear, the disk be remounted
    throw err;
  }));
  const openChecked = async (): Promise<FileHandle> => {
    let fh: FileHandle;
    try {
      fh = await open(file, FLAGS, 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw failed(code === 'ELOOP' ? 'it is a symbolic link (results are never written through a link)' : code === 'ENXIO' ? 'it is a FIFO with no reader' : messageOf(err), err);
    }
    const s = await fh.stat().catch(async (err: unknown) => { await fh.close().catch(() => {}); throw failed(messageOf(err), err); });
    if (!s.isFile()) {
      await fh.close().catch(() => {});
      throw failed(s.isDirectory() ? 'it is a folder' : 'it is not a regular file');
    }
    return fh;
  };
  // Lines are written one after another, in the order write() was called (concurrency > 1).
  let tail: Promise<unknown> = Promise.resolve();

  return {
    write(result, input) {
      let line: Buffer;
      try {
        line = Buffer.from(`${JSON.stringify(map(result, input), replacer)}\n`);
      } catch (err) {
        return Promise.reject(failed(`this result cannot be written as JSON: ${messageOf(err)}`, err));
      }
      const written = tail.then(async () => {
        const fh = await opened();
        try {
          for (let at = 0; at < line.length;) at += (await fh.write(line, at)).bytesWritten;
        } catch (err) {
          throw failed(messageOf(err), err);
        }
      });
      tail = written.catch(() => {});
      return written;
    },
    async close() {
      await tail;
      const h = handle;
      handle = null;
      const fh = await h?.catch(() => null); // a file that never opened failed its writes already
      if (fh) await fh.close().catch((err: unknown) => { throw failed(`closing it failed: ${messageOf(err)}`, err); });
    },
  };
}
