/**
 * The `monitor` option of load() and open(), validated once at the edge, naming the field.
 */
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import type { DriftState } from './types.js';

export interface MonitorOptions {
  /** Calls compared with the profile at each evaluation (the most recent ones). Default 500. */
  window?: number;
  /** Calls between two evaluations. Default 50. */
  every?: number;
  /** PSI above which a statistic has moved (with a KS p-value under 0.001 where KS applies). Default 0.25. */
  psi?: number;
  /** Evaluations in a row with a moved statistic before the model counts as drifted. Default 3. */
  enter?: number;
  /** Evaluations in a row without one before it counts as normal again. Default 3. */
  exit?: number;
  /** Called on entering and on leaving drift (load(); a store emits `drift` events instead). */
  onDrift?: (state: DriftState, model: { name: string; version: string }) => void;
}

export interface MonitorSettings {
  window: number;
  every: number;
  psi: number;
  enter: number;
  exit: number;
  onDrift?: MonitorOptions['onDrift'];
}

/**
 * 500 calls, evaluated every 50, moved above PSI 0.25, 3 evaluations to enter and to leave: a
 * shift is reported after about 250–650 shifted calls (half a window, then three evaluations),
 * and an unshifted stream would need three noisy evaluations in a row to raise a false alarm.
 */
export const MONITOR_DEFAULTS: Readonly<MonitorSettings> = Object.freeze({ window: 500, every: 50, psi: 0.25, enter: 3, exit: 3 });
export const MAX_WINDOW = 100_000;
const KEYS = new Set(['window', 'every', 'psi', 'enter', 'exit', 'onDrift']);

/** `undefined` or `true`: the defaults (on when the version has a profile); `false`: off; an object: its settings. */
export function resolveMonitorOption(value: unknown, field = 'monitor'): MonitorSettings | false {
  if (value === false) return false;
  if (value === undefined || value === true) return { ...MONITOR_DEFAULTS };
  if (!is.object(value)) throw invalidArgument('true, false or monitor options', field, value);
  checkKeys(value, KEYS, field);
  const window = value.window ?? MONITOR_DEFAULTS.window;
  if (!is.positiveInteger(window) || window < 10 || window > MAX_WINDOW) throw invalidArgument(`integer from 10 to ${MAX_WINDOW}`, `${field}.window`, window);
  const every = value.every ?? Math.min(MONITOR_DEFAULTS.every, window);
  if (!is.positiveInteger(every) || every > window) throw invalidArgument(`positive integer up to ${field}.window (${window})`, `${field}.every`, every);
  const threshold = value.psi ?? MONITOR_DEFAULTS.psi;
  if (!(is.number(threshold) && threshold > 0)) throw invalidArgument('positive number', `${field}.psi`, threshold);
  const enter = value.enter ?? MONITOR_DEFAULTS.enter;
  if (!is.positiveInteger(enter) || enter > 1000) throw invalidArgument('positive integer up to 1000', `${field}.enter`, enter);
  const exit = value.exit ?? MONITOR_DEFAULTS.exit;
  if (!is.positiveInteger(exit) || exit > 1000) throw invalidArgument('positive integer up to 1000', `${field}.exit`, exit);
  const settings: MonitorSettings = { window, every, psi: threshold, enter, exit };
  if (value.onDrift !== undefined) {
    if (typeof value.onDrift !== 'function') throw invalidArgument('a function', `${field}.onDrift`, value.onDrift);
    settings.onDrift = value.onDrift as MonitorSettings['onDrift'];
  }
  return settings;
}
