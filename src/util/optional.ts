/**
 * Native and optional packages load on first use, never at import time, so `import 'edgefn'`
 * works on a machine where one of them is missing or fails to load. A failure says what to
 * install and keeps the loader's own error as `cause`.
 */
import { createRequire } from 'node:module';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';

const require = createRequire(import.meta.url);
const cache = new Map<string, unknown>();

export function loadOptional<T>(pkg: string, purpose: string): T {
  if (cache.has(pkg)) return cache.get(pkg) as T;
  try {
    // require, not import(): these are CommonJS packages with native parts, and a synchronous load
    // keeps the first call's failure in the caller's stack.
    const mod = require(pkg) as T;
    cache.set(pkg, mod);
    return mod;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && messageOf(err).includes(`'${pkg}'`);
    const fix = missing ? `install it with: npm install ${pkg}` : `reinstall it (npm rebuild ${pkg}) or check that it supports ${process.platform}-${process.arch}`;
    // Node appends the require stack to the message: the first line says it all.
    const reason = messageOf(err).split('\n')[0];
    throw new EdgefnError(ErrorCode.RUNTIME_UNAVAILABLE, `${pkg} is needed ${purpose} but could not be loaded: ${reason}; ${fix}`, { cause: err });
  }
}
