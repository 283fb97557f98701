/**
 * Drift monitoring wired into a loaded model: reads the version's profile (checked against its
 * sha256 like every listed file), and hands the monitor each answered input's statistics through
 * the pipeline's `keep` callback, which already carries every input's prepared form with its
 * result. No profile, or `monitor: false`: nothing is attached and a call pays nothing.
 */
import { ErrorCode, messageOf } from '../errors.js';
import type { Manifest } from '../manifest/index.js';
import type { Keep } from '../model/pipeline.js';
import type { Prepared } from '../model/tasks/task.js';
import { warn } from '../util/debug.js';
import { DriftMonitor } from './monitor.js';
import type { MonitorSettings } from './monitor-options.js';
import { readProfileFile } from './profile-file.js';
import { measurer } from './measure.js';
import { outputStats } from './stats.js';
import type { DriftState } from './types.js';

/**
 * How many inputs were measured for a monitor, by every model of this process: lets a test prove
 * that `monitor: false` (or a version without a profile) measures nothing. Not exported publicly.
 */
export const measured = { inputs: 0 };

export interface DriftHook {
  /** The keep callback for one call (`input`: the checked input, or the checked inputs of a batch): measures each input, marks results while drifted, then passes on to `next`. */
  keep(input: unknown, batch: boolean, next?: Keep<unknown>): Keep<unknown>;
  state(): DriftState;
}

/** The monitor of a loaded version, or null when it has no profile or monitoring is off. */
export async function attachMonitor(versionDir: string, manifest: Manifest, settings: MonitorSettings | false, verify: boolean): Promise<DriftHook | null> {
  if (settings === false || !manifest.profile) return null;
  // The same reader as the gate's integrity step (./profile-file.ts): hash, size cap, parse.
  const profile = await readProfileFile(versionDir, manifest.profile, verify);
  const monitor = new DriftMonitor(profile, settings);
  // The same measurement as `edgefn models profile` took of the reference (./measure.ts).
  const { measure } = measurer(manifest);
  const asInput = checkedForm(manifest);
  const model = { name: manifest.name, version: manifest.version };
  let broken = false;

  function observe(input: unknown, result: unknown, prepared: Prepared): void {
    if (broken) return;
    let change: ReturnType<DriftMonitor['record']>;
    try {
      measured.inputs++;
      change = monitor.record(measure(asInput(input), prepared, prepared.source ?? null), outputStats(result));
    } catch (err) {
      // A fault in monitoring (a bug) must not cost the application its answers: said once, then off.
      broken = true;
      warn(ErrorCode.INTERNAL, `${manifest.name}@${manifest.version}: drift monitoring stopped after an unexpected error (a bug in edgefn, please report it): ${messageOf(err)}`);
      return;
    }
    if (monitor.isDrifted && result !== null && typeof result === 'object') (result as Record<string, unknown>).drift = true;
    if (change && settings !== false && settings.onDrift) {
      const state = monitor.state();
      try {
        settings.onDrift(state, model);
      } catch (err) {
        // The application's callback failed; its call's answer stands.
        warn(ErrorCode.INTERNAL, `${manifest.name}@${manifest.version}: the monitor's onDrift callback threw: ${messageOf(err)}`);
      }
    }
  }

  return {
    keep(input, batch, next) {
      return (index, result, prepared) => {
        observe(batch ? (input as readonly unknown[])[index] : input, result, prepared);
        next?.(index, result, prepared);
      };
    },
    state: () => monitor.state(),
  };
}


/**
 * What the measurer is given for a checked input. An image is checked as it is. A reading is
 * checked into a row of values in feature order (a window into one row per reading), so it is
 * handed on as readings by name: a getter on the caller's reading is not called a second time,
 * and a reading given as an array of values is measured like one given by name.
 */
function checkedForm(manifest: Manifest): (checked: unknown) => unknown {
  const spec = manifest.input;
  if (spec.kind === 'image') return (checked) => checked;
  const { features } = spec;
  const named = (row: ArrayLike<number>) => {
    const r: Record<string, number> = {};
    for (let i = 0; i < features.length; i++) r[features[i]!] = row[i]!;
    return r;
  };
  const windowed = spec.window !== undefined;
  return (checked) => {
    const rows = checked as readonly ArrayLike<number>[];
    return windowed ? rows.map(named) : named(rows[0]!);
  };
}
