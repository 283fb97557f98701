/**
 * A sink that appends one JSON line per result to a file (an audit trail, a dataset to label
 * later). Typed arrays become plain arrays; the input goes in as `input` when it is a path.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { invalidArgument, is } from '../util/validate.js';

export interface JsonLinesOptions<R, I> {
  /** What to write for a result; default: `{ time, input?, ...result }` without probabilities. */
  map?: (result: R, input: I) => unknown;
}

function replacer(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number>) : value;
}

export function jsonLinesSink<R, I = unknown>(file: string, options: JsonLinesOptions<R, I> = {}): { write(result: R, input: I): Promise<void>; close(): Promise<void> } {
  if (!is.nonEmptyString(file)) throw invalidArgument('a file path', 'file', file);
  const stream = createWriteStream(file, { flags: 'a' });
  const map = options.map ?? ((result: R, input: I) => {
    const { probabilities: _p, ...rest } = result as Record<string, unknown>;
    return { time: new Date().toISOString(), ...(typeof input === 'string' ? { input } : {}), ...rest };
  });
  return {
    async write(result, input) {
      if (!stream.write(`${JSON.stringify(map(result, input), replacer)}\n`)) await once(stream, 'drain');
    },
    async close() {
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    },
  };
}
