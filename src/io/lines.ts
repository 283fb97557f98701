/**
 * Pure parsing of line-framed sensor readings: CSV (with a header line or given column names),
 * JSON lines, or `key=value` pairs. A line that cannot be parsed is INPUT_UNDECODABLE naming the
 * line; numbers become numbers (`nan` stays NaN, for the model's check to refuse), other values
 * stay strings.
 */
import { EdgefnError, ErrorCode } from '../errors.js';

export const LINE_FORMATS = ['csv', 'json', 'kv'] as const;
export type LineFormat = (typeof LINE_FORMATS)[number];

export type ParsedReading = Record<string, number | string>;

export interface LineParserOptions {
  format: LineFormat;
  /** CSV column names; without them the first line is the header. */
  columns?: readonly string[];
  /** CSV field separator. Default `,`. */
  delimiter?: string;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function value(raw: string): number | string {
  const s = raw.trim();
  if (NUMBER_RE.test(s)) return Number(s);
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return s;
}

function garbled(source: string, line: string, why: string): EdgefnError {
  const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
  return new EdgefnError(ErrorCode.INPUT_UNDECODABLE, `${source}: ${why}: ${JSON.stringify(shown)}`, { input: source });
}

/**
 * A parser for one stream. Returns a reading, or null for a line that carries none (blank, the
 * header, a repeated header after the device restarts). Throws INPUT_UNDECODABLE otherwise.
 */
export function lineParser(options: LineParserOptions): (line: string, source: string) => ParsedReading | null {
  const delimiter = options.delimiter ?? ',';
  let columns = options.columns ? [...options.columns] : null;
  let header: string | null = columns ? columns.join(delimiter) : null;
  return (raw, source) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line.length === 0) return null;
    switch (options.format) {
      case 'json': {
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          throw garbled(source, line, 'not valid JSON');
        }
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw garbled(source, line, 'not a JSON object');
        return v as ParsedReading;
      }
      case 'kv': {
        const out: ParsedReading = {};
        for (const pair of line.split(/[\s,;]+/)) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw garbled(source, line, `"${pair}" is not key=value`);
          out[pair.slice(0, eq)] = value(pair.slice(eq + 1));
        }
        return out;
      }
      case 'csv': {
        if (columns === null) {
          // A header names columns; a line with numbers in it is data from a device whose
          // header went by before the port was opened.
          if (line.split(delimiter).some((f) => typeof value(f) === 'number')) {
            throw garbled(source, line, 'no CSV header line yet (give the columns option when the device sends none)');
          }
          columns = line.split(delimiter).map((c) => c.trim());
          header = line;
          return null;
        }
        if (line === header) return null;
        const fields = line.split(delimiter);
        if (fields.length !== columns.length) throw garbled(source, line, `${fields.length} fields where the header has ${columns.length}`);
        const out: ParsedReading = {};
        columns.forEach((c, i) => { out[c] = value(fields[i]!); });
        return out;
      }
    }
  };
}
