/**
 * Runtime registry (after onnxruntime-common's backend-impl): runtimes register with a priority;
 * the first that initialises for a model's format serves it, and a runtime that fails to
 * initialise is skipped. When none works the error lists every runtime and why it failed.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { Format } from '../manifest/index.js';
import { debug } from '../util/debug.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import type { Runtime } from './types.js';

interface Entry {
  runtime: Runtime;
  priority: number;
  init?: Promise<void>;
}

const entries = new Map<string, Entry>();

export interface RegisterOptions {
  /** Take the place of a runtime already registered under this name (a built-in one included). */
  replace?: boolean;
}

/**
 * Adds a runtime. A name already taken is refused (EDGEFN_INVALID_ARGUMENT), as onnxruntime-common's
 * registerBackend does, so that a plug-in cannot silently displace a built-in runtime; pass
 * `{ replace: true }` to do it on purpose.
 */
export function registerRuntime(runtime: Runtime, priority = 0, options: RegisterOptions = {}): void {
  if (!is.object(runtime)) throw invalidArgument('a runtime object', 'runtime', runtime);
  if (!is.nonEmptyString(runtime.name)) throw invalidArgument('non-empty string', 'runtime.name', runtime.name);
  if (!Array.isArray(runtime.formats)) throw invalidArgument('an array of formats', 'runtime.formats', runtime.formats);
  for (const key of ['init', 'createSession'] as const) {
    if (typeof runtime[key] !== 'function') throw invalidArgument('a function', `runtime.${key}`, runtime[key]);
  }
  if (!is.number(priority)) throw invalidArgument('finite number', 'priority', priority);
  if (!is.object(options)) throw invalidArgument('an object', 'options', options);
  checkKeys(options, REGISTER_OPTIONS, 'registerRuntime');
  if (options.replace !== undefined && !is.bool(options.replace)) throw invalidArgument('boolean', 'replace', options.replace);
  if (entries.has(runtime.name) && !options.replace) {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `A runtime named ${JSON.stringify(runtime.name)} is already registered; pass { replace: true } to replace it`, { field: 'runtime.name' });
  }
  entries.set(runtime.name, { runtime, priority });
}

const REGISTER_OPTIONS: ReadonlySet<string> = new Set(['replace']);

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
