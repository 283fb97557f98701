/**
 * Drift monitoring's shared shapes (issue 15): what is measured of each call, the reference
 * profile a version carries (`profile.json`), and what the monitor reports. Pure types: the
 * modules beside this one compute them (stats.ts, profile.ts), compare them (compare.ts),
 * watch a stream of them (monitor.ts) and keep evidence (capture.ts, retrain.ts).
 */

/**
 * What is measured of one input, by name. Images (from the preprocessed tensor at the model's
 * resolution, and the decoded source's size): `brightness` (mean, 0–1), `contrast` (std, 0–1),
 * `mean_<c>` per channel (`mean_r`, `mean_g`, `mean_b`, or `mean_gray`), `sharpness` (variance
 * of the Laplacian), `width`, `height`, `aspect` (of the source). Readings: one entry per
 * feature (the raw reading's value; a window: the window's last reading), `NaN` for missing.
 */
export type InputStats = Record<string, number>;

/** What is measured of one answer. */
export interface OutputStats {
  /** The best label's index (also when unknown). */
  index: number;
  /** The best score (0–1). */
  confidence: number;
  unknown: boolean;
}

/** One statistic's reference distribution. */
export interface StatProfile {
  name: string;
  /** Bin edges, ascending (quantile bins of the reference; n + 1 edges for n bins, outer edges ±Infinity as null in JSON). */
  edges: number[];
  /** Share of the reference in each bin (sums to 1). */
  shares: number[];
  mean: number;
  std: number;
  /** A sorted sample of the reference values (at most 256), for a two-sample KS test. */
  sample: number[];
  /** Share of the reference where the value was missing or invalid (readings). */
  missing: number;
}

export interface Profile {
  profileVersion: 1;
  /** The model and version it was made for. */
  name: string;
  version: string;
  kind: 'image' | 'tabular';
  /** How many inputs it was made from, and where they came from (the golden set, --data). */
  items: number;
  sources: string[];
  createdAt: string;
  inputs: StatProfile[];
  outputs: {
    /** Share of each label among the answers (label order). */
    labels: number[];
    confidence: StatProfile;
    /** Share of answers that were unknown. */
    unknown: number;
  };
}

/** One statistic's comparison of a window of recent calls with the profile. */
export interface StatDrift {
  name: string;
  /** Population stability index of the window against the reference bins. */
  psi: number;
  /** Two-sample Kolmogorov–Smirnov statistic and its p-value, where the statistic is continuous. */
  ks?: { d: number; p: number };
  /** The window's mean, and the reference's. */
  mean: number;
  referenceMean: number;
  /** Whether this statistic counts as moved now. */
  moved: boolean;
}

export interface DriftState {
  drifted: boolean;
  /** Calls in the window compared, and the window's size. */
  window: { calls: number; size: number };
  /** The statistics that moved (drifted ones), and all of them at the last evaluation. */
  moved: StatDrift[];
  statistics: StatDrift[];
  /** When the state last changed (ISO time), and calls seen since the monitor started. */
  since: string | null;
  calls: number;
}
