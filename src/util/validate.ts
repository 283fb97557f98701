/**
 * Type guards and the one message shape for bad options (after sharp's lib/is):
 * "Expected positive integer for top but received 0 of type number".
 */
import { EdgefnError, ErrorCode } from '../errors.js';

export const is = {
  defined: <T>(v: T | undefined | null): v is T => v !== undefined && v !== null,
  object: (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v),
  string: (v: unknown): v is string => typeof v === 'string',
  nonEmptyString: (v: unknown): v is string => typeof v === 'string' && v.length > 0,
  number: (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v),
  integer: (v: unknown): v is number => Number.isInteger(v),
  positiveInteger: (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0,
  nonNegativeInteger: (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0,
  inRange: (v: unknown, min: number, max: number): v is number =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max,
  bool: (v: unknown): v is boolean => typeof v === 'boolean',
  oneOf: <T extends string>(v: unknown, values: readonly T[]): v is T =>
    typeof v === 'string' && (values as readonly string[]).includes(v),
  numberArray: (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => is.number(x)),
};

/** How a received value is shown in a message: short, typed, never a whole buffer. */
export function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `Buffer(${value.length} bytes)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `[${value.slice(0, 6).map(describe).join(', ')}${value.length > 6 ? ', ...' : ''}]`;
  if (typeof value === 'object' && value !== null) return value.constructor?.name === 'Object' ? 'an object' : `a ${value.constructor?.name}`;
  return String(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'Buffer';
  return typeof value;
}

/** The message every option and manifest error uses. */
export function expected(what: string, field: string, value: unknown): string {
  return `Expected ${what} for ${field} but received ${describe(value)} of type ${typeName(value)}`;
}

/** Refuses option names outside `allowed` (a typo is an error, not a silently ignored option). */
export function checkKeys(options: object, allowed: ReadonlySet<string>, where?: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      throw invalidArgument(`one of ${[...allowed].join(', ')}`, where ? `${where} option name` : 'option name', key);
    }
  }
}

export function invalidArgument(what: string, field: string, value: unknown): EdgefnError {
  return new EdgefnError(ErrorCode.INVALID_ARGUMENT, expected(what, field, value), { field });
}
