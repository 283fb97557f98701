/**
 * verify(): the whole gate on one version folder, without activating anything. The same check a
 * data scientist runs before shipping, CI runs on every committed model, and a device runs
 * before activation.
 */
import path from 'node:path';
import { load, type AnyModel } from '../model/load.js';
import { invalidArgument } from '../util/validate.js';
import { runGate, type GateReport } from './gate.js';
import { resolveStoreOptions, type StoreOptions } from './options.js';
import { readState } from './state.js';

export interface VerifyOptions extends Omit<StoreOptions, 'watch' | 'keep'> {
  /**
   * A version folder to compare against. Default: when `versionDir` sits in a store, that
   * store's active version; otherwise none (only the manifest's own thresholds apply).
   */
  against?: string;
}

export async function verify(versionDir: string, options: VerifyOptions = {}): Promise<GateReport> {
  if (typeof versionDir !== 'string' || versionDir.length === 0) throw invalidArgument('a version folder path', 'versionDir', versionDir);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidArgument('an options object', 'options', options);
  const { against, ...rest } = options;
  const opts = resolveStoreOptions(rest);
  const dir = path.resolve(versionDir);
  const nameDir = path.dirname(dir);
  let baselineDir = against;
  if (baselineDir === undefined) {
    const state = await readState(nameDir);
    if (state.active && state.active !== path.basename(dir)) baselineDir = path.join(nameDir, state.active);
  }
  let baseline: AnyModel | null = null;
  try {
    if (baselineDir !== undefined) baseline = await load(baselineDir, opts.load);
    // The store-wide golden set, when the folder sits in a store: a broken one rejects, and
    // none at all is said in report.warnings.
    const { report, model } = await runGate(dir, { policy: opts.policy, loadOptions: opts.load, baseline, sharedGoldenFrom: nameDir });
    await model?.dispose();
    return report;
  } finally {
    await baseline?.dispose();
  }
}
