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
  /** An array of finite numbers; read by index, so a replaced prototype or a hole is a wrong value, not a TypeError. */
  numberArray: (v: unknown): v is number[] => Array.isArray(v) && everyOwn(v, (x) => is.number(x)),
  /** An array whose every slot is an own value passing `test` (holes fail). */
  arrayOf: <T>(v: unknown, test: (x: unknown) => x is T): v is T[] => Array.isArray(v) && everyOwn(v, test),
};

/** Every index of `list` holds an own value passing `test`; never calls the array's (maybe replaced) methods. */
function everyOwn(list: readonly unknown[], test: (x: unknown) => boolean): boolean {
  for (let i = 0; i < list.length; i++) if (!Object.prototype.hasOwnProperty.call(list, i) || !test(list[i])) return false;
  return true;
}

/** How deep `describe` looks into nested arrays: a value nested 100,000 deep is shown, not recursed into. */
const DESCRIBE_DEPTH = 2;

/** How a received value is shown in a message: short, typed, never a whole buffer. */
export function describe(value: unknown, depth = 0): string {
  // Never throws, whatever the value: a Proxy, a null prototype or a getter that throws is shown
  // as what little can be said of it, so that a bad value gets its coded error, not a TypeError.
  try {
    if (Buffer.isBuffer(value)) return `Buffer(${value.length} bytes)`;
    if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    if (typeof value === 'function') return 'a function';
    if (typeof value === 'symbol') return value.toString();
    if (Array.isArray(value)) {
      if (depth >= DESCRIBE_DEPTH) return value.length === 0 ? '[]' : '[...]';
      const shown: string[] = [];
      for (let i = 0; i < Math.min(value.length, 6); i++) {
        shown.push(Object.prototype.hasOwnProperty.call(value, i) ? describe(value[i], depth + 1) : '<empty>');
      }
      return `[${shown.join(', ')}${value.length > 6 ? ', ...' : ''}]`;
    }
    if (typeof value === 'object' && value !== null) {
      const name: unknown = Object.getPrototypeOf(value)?.constructor?.name;
      if (typeof name !== 'string' || name === '') return 'an object';
      return name === 'Object' ? 'an object' : `a ${name}`;
    }
    return String(value);
  } catch {
    return 'an unreadable value';
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  try {
    if (Array.isArray(value)) return 'array';
    if (Buffer.isBuffer(value)) return 'Buffer';
  } catch {
    // A revoked Proxy: Array.isArray throws. typeof still answers.
  }
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
