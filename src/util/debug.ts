/**
 * Debug logging, off by default and named per module: NODE_DEBUG=edgefn:runtime,edgefn:model
 * (or NODE_DEBUG=edgefn:* for all of it).
 */
import { debuglog, type DebugLogger } from 'node:util';

const loggers = new Map<string, DebugLogger>();

export function debug(section: string): DebugLogger {
  let log = loggers.get(section);
  if (!log) {
    log = debuglog(`edgefn:${section}`);
    loggers.set(section, log);
  }
  return log;
}

/** A warning a user should act on, with a stable code (shown once per code by Node). */
export function warn(code: string, message: string): void {
  process.emitWarning(message, { code, type: 'EdgefnWarning' });
}
