/**
 * Command-line parsing (node:util parseArgs): turns argv into a command and validated options.
 * Pure: no I/O, no exit; errors are UsageError.
 */
import { parseArgs } from 'node:util';
import type { LoadOptions } from '../model/options.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `edgefn: run ML models inside your app

Usage:
  edgefn classify <image...> [--model DIR] [--top K] [--threshold T] [--json] [--threads N]
  edgefn inspect [--model DIR] [--json]
  edgefn models list <dir> [--json]
  edgefn models verify <version-dir> [--trusted-key FILE]... [--against DIR] [--min-lift L] [--json]
  edgefn models activate <dir> <version> [--trusted-key FILE]... [--min-version V] [--json]
  edgefn models rollback <dir> [--trusted-key FILE]... [--min-version V] [--json]
  edgefn models rollout <dir> [--json]
  edgefn models promote <dir> [--trusted-key FILE]... [--json]
  edgefn models abort <dir> [--json]
  edgefn models profile <version-dir> [--data DIR|CSV] [--json]
  edgefn models keygen <prefix> [--force]
  edgefn models sign <version-dir> --key FILE
  edgefn capture export <store> --out DIR [--json]
  edgefn explain <input> [--model DIR] [--out saliency.png] [--budget MS] [--global] [--json]
  edgefn --help | --version

Options:
  --model DIR      model folder (a version folder with manifest.json, or a folder of versions);
                   default: the bundled Fashion-MNIST model
  --top K          how many of the best labels to show (default 5)
  --threshold T    below this best score the result is "unknown" (0-1, default 0)
  --json           one JSON object per input (classify) or the whole description (inspect)
  --threads N      onnxruntime intra-op threads (default: one per core)
  --trusted-key F  an Ed25519 public key (PEM file); versions must be signed by one (repeatable)
  --against DIR    verify: compare with this version folder (default: the store's active version)
  --key FILE       sign: the Ed25519 private key (PEM file) made by keygen
  --force          keygen: replace an existing key pair (otherwise refused)
  --min-version V  activate, rollback: refuse to make a version below V active
  --min-lift L     verify: reject a version that beats the best baseline by less than L (0-1)
  --data DIR|CSV   profile: representative inputs (a folder of images, or a CSV of readings) besides the golden set
  --out FILE       explain: write the saliency overlay (PNG) here; capture export: the dataset folder
  --budget MS      explain: time budget for one explanation, in ms
  --global         explain: permutation importance over the inputs (a folder, a CSV) instead of one input

Model stores: <dir> is a model's folder of versions (models/fashion-mnist); see the README.

Exit codes: 0 all inputs classified, 1 an input or the model failed, 2 bad usage.`;

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'classify'; images: string[]; model?: string; json: boolean; options: LoadOptions }
  | { kind: 'inspect'; model?: string; json: boolean; options: LoadOptions }
  | { kind: 'models'; action: ModelsAction; json: boolean; trustedKeys: string[]; against?: string; key?: string; force: boolean; minVersion?: string; minLift?: number }
  | { kind: 'capture'; action: 'export'; store: string; out: string; json: boolean }
  | { kind: 'explain'; input: string; model?: string; out?: string; budgetMs?: number; global: boolean; json: boolean; options: LoadOptions };

export type ModelsAction =
  | { name: 'list'; dir: string }
  | { name: 'verify'; versionDir: string }
  | { name: 'activate'; dir: string; version: string }
  | { name: 'rollback'; dir: string }
  | { name: 'rollout'; dir: string }
  | { name: 'promote'; dir: string }
  | { name: 'abort'; dir: string }
  | { name: 'profile'; versionDir: string; data?: string }
  | { name: 'keygen'; prefix: string }
  | { name: 'sign'; versionDir: string };

/** Positional arguments of each `models` action, in order. */
const MODELS_ARGS = {
  list: ['dir'],
  verify: ['versionDir'],
  activate: ['dir', 'version'],
  rollback: ['dir'],
  rollout: ['dir'],
  promote: ['dir'],
  abort: ['dir'],
  profile: ['versionDir'],
  keygen: ['prefix'],
  sign: ['versionDir'],
} as const;

function parseModels(rest: string[], values: { json?: boolean; 'trusted-key'?: string[]; against?: string; key?: string; force?: boolean; 'min-version'?: string; 'min-lift'?: string; data?: string }): Command {
  const [name, ...args] = rest;
  if (name === undefined || !(name in MODELS_ARGS)) {
    throw new UsageError(`models needs one of ${Object.keys(MODELS_ARGS).join(', ')}${name ? `, got "${name}"` : ''}`);
  }
  const wanted = MODELS_ARGS[name as keyof typeof MODELS_ARGS];
  if (args.length !== wanted.length) throw new UsageError(`models ${name} takes ${wanted.map((w) => `<${w}>`).join(' ')}`);
  const action = Object.fromEntries([['name', name], ...wanted.map((w, i) => [w, args[i]])]) as ModelsAction;
  if (values.data !== undefined && name !== 'profile') throw new UsageError('--data goes with models profile');
  if (action.name === 'profile' && values.data !== undefined) action.data = values.data;
  if (name === 'sign' && !values.key) throw new UsageError('models sign needs --key FILE (a private key made by models keygen)');
  const minLift = number('min-lift', values['min-lift'], false);
  if (minLift !== undefined && !(minLift >= 0 && minLift <= 1)) throw new UsageError(`--min-lift expects a number from 0 to 1, got "${values['min-lift']}"`);
  return {
    kind: 'models', action, json: values.json ?? false, trustedKeys: values['trusted-key'] ?? [], force: values.force ?? false,
    ...(values.against ? { against: values.against } : {}), ...(values.key ? { key: values.key } : {}),
    ...(values['min-version'] ? { minVersion: values['min-version'] } : {}),
    ...(minLift !== undefined ? { minLift } : {}),
  };
}

function number(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} expects ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  }
  return n;
}

export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string', short: 'm' },
        top: { type: 'string', short: 'k' },
        threshold: { type: 'string', short: 't' },
        threads: { type: 'string' },
        json: { type: 'boolean' },
        'trusted-key': { type: 'string', multiple: true },
        against: { type: 'string' },
        key: { type: 'string' },
        force: { type: 'boolean' },
        'min-version': { type: 'string' },
        'min-lift': { type: 'string' },
        out: { type: 'string', short: 'o' },
        budget: { type: 'string' },
        global: { type: 'boolean' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;

  const options: LoadOptions = {};
  const top = number('top', values.top, true);
  const threshold = number('threshold', values.threshold, false);
  const threads = number('threads', values.threads, true);
  if (top !== undefined) options.top = top;
  if (threshold !== undefined) options.threshold = threshold;
  if (threads !== undefined) options.threads = threads;
  const json = values.json ?? false;
  const model = values.model;

  switch (command) {
    case 'classify':
      if (rest.length === 0) throw new UsageError('classify needs at least one image');
      return { kind: 'classify', images: rest, json, options, ...(model ? { model } : {}) };
    case 'inspect':
      if (rest.length > 0) throw new UsageError(`inspect takes no positional arguments, got ${rest.join(' ')}`);
      return { kind: 'inspect', json, options, ...(model ? { model } : {}) };
    case 'models':
      return parseModels(rest, values);
    case 'capture': {
      const [action, store, ...more] = rest;
      if (action !== 'export' || store === undefined || more.length > 0) throw new UsageError('capture takes: export <store> --out DIR');
      if (!values.out) throw new UsageError('capture export needs --out DIR (the dataset folder to write)');
      return { kind: 'capture', action: 'export', store, out: values.out, json };
    }
    case 'explain': {
      if (rest.length !== 1) throw new UsageError('explain takes one input (an image, a JSON reading, or with --global a folder or CSV)');
      const budgetMs = number('budget', values.budget, false);
      if (budgetMs !== undefined && !(budgetMs > 0)) throw new UsageError(`--budget expects a positive number of ms, got "${values.budget}"`);
      return {
        kind: 'explain', input: rest[0]!, json, options, global: values.global ?? false,
        ...(model ? { model } : {}), ...(values.out ? { out: values.out } : {}), ...(budgetMs !== undefined ? { budgetMs } : {}),
      };
    }
    case undefined:
      return { kind: 'help' };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
