/**
 * Runtime registry (after onnxruntime-common's backend-impl): runtimes register with a priority;
 * the first that initialises for a model's format serves it, and a runtime that fails to
 * initialise is skipped. When none works the error lists every runtime and why it failed.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { Format } from '../model/manifest.js';
import { debug } from '../util/debug.js';
import type { Runtime } from './types.js';

interface Entry {
  runtime: Runtime;
  priority: number;
  init?: Promise<void>;
}

const entries = new Map<string, Entry>();

export function registerRuntime(runtime: Runtime, priority = 0): void {
  entries.set(runtime.name, { runtime, priority });
}

export function registeredRuntimes(format?: Format): string[] {
  return [...entries.values()]
    .filter((e) => format === undefined || e.runtime.formats.includes(format))
    .sort((a, b) => b.priority - a.priority)
    .map((e) => e.runtime.name);
}

function initOnce(entry: Entry): Promise<void> {
  if (!entry.init) {
    entry.init = entry.runtime.init();
    // A failed init may succeed later (a package installed meanwhile): forget it.
    entry.init.catch(() => { entry.init = undefined; });
  }
  return entry.init;
}

/** The runtime for `format`: `preferred` when given (an error if it cannot run), else the best that loads. */
export async function resolveRuntime(format: Format, preferred?: string): Promise<Runtime> {
  const names = preferred ? [preferred] : registeredRuntimes(format);
  const reasons: string[] = [];
  for (const name of names) {
    const entry = entries.get(name);
    if (!entry) {
      reasons.push(`${name}: not a known runtime (known: ${registeredRuntimes().join(', ')})`);
      continue;
    }
    if (!entry.runtime.formats.includes(format)) {
      reasons.push(`${name}: does not run ${format} models`);
      continue;
    }
    try {
      await initOnce(entry);
      debug('runtime')('%s serves %s models', name, format);
      return entry.runtime;
    } catch (err) {
      reasons.push(`${name}: ${messageOf(err)}`);
    }
  }
  if (names.length === 0) reasons.push('no runtime is registered for this format');
  throw new EdgefnError(ErrorCode.RUNTIME_UNAVAILABLE, `No runtime can run ${format} models:\n  ${reasons.join('\n  ')}`);
}
