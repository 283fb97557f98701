/**
 * The parser's reading primitives: each checks one field and fails with MANIFEST_INVALID naming the
 * manifest and the field's dotted path, in validate's message shape.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import { expected, is } from '../util/validate.js';
import { MANIFEST_LIMITS } from './limits.js';
import type { FileRef } from './types.js';

const SHA256_RE = /^[0-9a-f]{64}$/;

/** Collects the first error with the manifest's source and the field's dotted path. */
export class Reader {
  constructor(private readonly source: string) {}

  fail(field: string, message: string): never {
    throw new EdgefnError(ErrorCode.MANIFEST_INVALID, `${this.source}: ${message}`, {
      input: this.source,
      field,
    });
  }

  expect(field: string, what: string, value: unknown): never {
    this.fail(field, expected(what, field, value));
  }

  object(obj: Record<string, unknown>, key: string, field = key): Record<string, unknown> {
    const v = obj[key];
    if (!is.object(v)) this.expect(field, 'an object', v);
    return v;
  }

  string(obj: Record<string, unknown>, key: string, field = key): string {
    const v = obj[key];
    if (!is.nonEmptyString(v)) this.expect(field, 'a non-empty string', v);
    return v;
  }

  oneOf<T extends string>(obj: Record<string, unknown>, key: string, values: readonly T[], field = key, fallback?: T): T {
    const v = obj[key] ?? fallback;
    if (!is.oneOf(v, values)) this.expect(field, `one of ${values.join(', ')}`, v);
    return v;
  }

  positiveInteger(obj: Record<string, unknown>, key: string, field = key, max?: number): number {
    const v = obj[key];
    if (!is.positiveInteger(v)) this.expect(field, 'a positive integer', v);
    if (max !== undefined && v > max) this.expect(field, `a positive integer up to ${max}`, v);
    return v;
  }

  /** normalize.std: per channel (or column), each finite and at least minStd in magnitude. */
  std(obj: Record<string, unknown>, field: string, channels: number): number[] {
    const std = this.perChannel(obj, 'std', field, channels, 1);
    if (std.some((s) => s === 0)) this.expect(field, 'non-zero numbers', obj.std);
    if (std.some((s) => !(Math.abs(s) >= MANIFEST_LIMITS.minStd))) {
      this.expect(field, `numbers of magnitude at least ${MANIFEST_LIMITS.minStd} (dividing by less overflows float32)`, obj.std);
    }
    return std;
  }

  fileRef(obj: Record<string, unknown>, key: string, field = key): FileRef {
    const ref = this.object(obj, key, field);
    const file = this.string(ref, 'file', `${field}.file`);
    // Files live inside the version folder: no absolute paths, no climbing out of it.
    if (file.startsWith('/') || file.split(/[\\/]/).includes('..')) {
      this.expect(`${field}.file`, 'a relative path inside the model folder', file);
    }
    const out: FileRef = { file };
    if (ref.sha256 !== undefined) {
      if (!is.string(ref.sha256) || !SHA256_RE.test(ref.sha256)) {
        this.expect(`${field}.sha256`, '64 lowercase hex digits', ref.sha256);
      }
      out.sha256 = ref.sha256;
    }
    return out;
  }

  /** A per-channel list: one value for all channels, or exactly `channels` values. */
  perChannel(obj: Record<string, unknown>, key: string, field: string, channels: number, fallback: number): number[] {
    const v = obj[key] ?? [fallback];
    const list = is.number(v) ? [v] : v;
    if (!is.numberArray(list) || (list.length !== 1 && list.length !== channels)) {
      this.expect(field, `a number or an array of 1 or ${channels} numbers`, v);
    }
    return list.length === 1 ? new Array<number>(channels).fill(list[0]!) : list;
  }
}

/** A fixed batch dimension is allocated whole on every run: bounded. */
export function batchDimension(r: Reader, shape: number[]): void {
  if (shape[0]! > MANIFEST_LIMITS.batch) {
    r.fail('input.shape', `input.shape has a fixed batch of ${shape[0]}, over ${MANIFEST_LIMITS.batch} (use -1 for a dynamic batch)`);
  }
}
