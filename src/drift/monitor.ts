/**
 * The drift monitor of one loaded version: a ring buffer of the last `window` calls' statistics,
 * compared with the version's profile every `every` calls (PSI per statistic, a KS test where the
 * statistic is continuous), with hysteresis: drifted after `enter` evaluations in a row where a
 * statistic moved, normal again after `exit` evaluations in a row where none did. No I/O, no
 * timers: load() feeds it (../drift/attach.ts), it answers with the state changes.
 */
import type { DriftState, InputStats, OutputStats, Profile, StatDrift, StatProfile } from './types.js';
import { chiSquareTest, isContinuous, ksTest, psi, PSI_EPSILON } from './compare.js';
import { profileBins } from './profile.js';
import type { MonitorSettings } from './monitor-options.js';

/**
 * A statistic counts as moved only when a test says the window differs from the reference (a KS
 * test for a continuous statistic, a chi-square test over the bins for labels, the unknown share
 * and discrete values) at p below this, as well as its PSI is above the threshold: PSI alone over
 * ~10 bins of a reference of 100 inputs fluctuates by ~0.1–0.3 between unshifted windows (0.33
 * for the labels of a 100-call window of the golden images themselves), a p-value under 0.001 rarely does.
 */
export const KS_ALPHA = 1e-3;

/** Evaluations start once the window holds this many calls (or the whole window, if smaller). */
export const MIN_CALLS = 200;

interface Tracked {
  name: string;
  profile: StatProfile;
  values: Float64Array;
  /** 1 where the call measured it (a raw frame gives its source size, an encoded image does not). */
  measured: Uint8Array;
  /** KS against the profile's sample: only for a continuous statistic. */
  ks: boolean;
}

export type Transition = 'entered' | 'left' | null;

export class DriftMonitor {
  private readonly tracked: Tracked[];
  private readonly labels: Int32Array;
  private readonly confidence: Tracked;
  private readonly unknown: Uint8Array;
  /** Whether outputs are compared (the first call told), and unknown shares (only when the profile saw some). */
  private outputs = false;
  private readonly compareUnknown: boolean;
  private next = 0;
  private filled = 0;
  private calls = 0;
  private streak = 0;
  private drifted = false;
  private since: string | null = null;
  private last: StatDrift[] = [];
  private scratch: Float64Array | null = null;

  constructor(private readonly profile: Profile, private readonly settings: MonitorSettings) {
    const size = settings.window;
    this.labels = new Int32Array(size);
    this.unknown = new Uint8Array(size);
    const c = profile.outputs.confidence;
    this.confidence = { name: 'output.confidence', profile: c, values: new Float64Array(size), measured: new Uint8Array(size).fill(1), ks: isContinuous(c.sample) };
    this.tracked = profile.inputs.map((s) => ({ name: s.name, profile: s, values: new Float64Array(size), measured: new Uint8Array(size), ks: isContinuous(s.sample) }));
    // A profile made without a threshold has no unknown answers; an application that sets one
    // would look drifted from its first call. The confidence histogram carries that shift anyway.
    this.compareUnknown = profile.outputs.unknown > 0;
  }

  get isDrifted(): boolean {
    return this.drifted;
  }

  /** One call's statistics; returns whether this call changed the state. */
  record(input: InputStats, output: OutputStats | null): Transition {
    if (this.calls === 0) this.outputs = output !== null;
    const i = this.next;
    for (const t of this.tracked) {
      // A statistic a call does not give is not measured (not missing): the source size of an
      // encoded image is not read at call time, a raw frame's is.
      const v = input[t.name];
      t.measured[i] = typeof v === 'number' ? 1 : 0;
      t.values[i] = typeof v === 'number' ? v : Number.NaN;
    }
    if (this.outputs && output) {
      this.labels[i] = output.index;
      this.confidence.values[i] = output.confidence;
      this.unknown[i] = output.unknown ? 1 : 0;
    }
    this.next = (i + 1) % this.settings.window;
    this.filled = Math.min(this.filled + 1, this.settings.window);
    this.calls++;
    if (this.calls % this.settings.every !== 0 || this.filled < Math.min(this.settings.window, MIN_CALLS)) return null;
    return this.evaluate();
  }

  /** Compares the window now and applies the hysteresis. */
  private evaluate(): Transition {
    const stats: StatDrift[] = [];
    for (const t of this.tracked) {
      // Compared when at least half of the window measured it.
      let count = 0;
      for (let k = 0; k < this.filled; k++) count += t.measured[k]!;
      if (count * 2 >= this.filled) stats.push(this.compareStat(t));
    }
    if (this.outputs) stats.push(...this.compareOutputs());
    this.last = stats;
    const moved = stats.some((s) => s.moved);
    // streak: evaluations in a row that point the other way from the current state.
    this.streak = moved !== this.drifted ? this.streak + 1 : 0;
    if (this.streak < (this.drifted ? this.settings.exit : this.settings.enter)) return null;
    this.drifted = !this.drifted;
    this.streak = 0;
    this.since = new Date().toISOString();
    return this.drifted ? 'entered' : 'left';
  }

  private compareStat(t: Tracked): StatDrift {
    const n = this.filled;
    // Sorted in a typed array (numeric, no comparator): the evaluation is most of the monitor's cost.
    const scratch = (this.scratch ??= new Float64Array(this.settings.window));
    let count = 0;
    let missing = 0;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      if (!t.measured[k]) continue;
      const v = t.values[k]!;
      if (Number.isNaN(v)) missing++;
      else {
        scratch[count++] = v;
        sum += v;
      }
    }
    const present = scratch.subarray(0, count).sort();
    const p = t.profile;
    // Missing values are one more bin beside the reference's: a sensor going silent is a shift too.
    const counts = [...profileBins(p, present as unknown as number[]), missing];
    const shares = [...p.shares.map((s) => s * (1 - p.missing)), p.missing];
    const value = psi(counts, shares);
    const mean = count > 0 ? sum / count : Number.NaN;
    const drift: StatDrift = { name: t.name, psi: value, mean, referenceMean: p.mean, moved: false };
    let significant: boolean;
    if (t.ks && present.length > 0 && p.sample.length > 0) {
      drift.ks = ksTest(present, p.sample);
      significant = drift.ks.p < KS_ALPHA;
    } else {
      significant = chiSquareTest(counts, shares, this.profile.items).p < KS_ALPHA;
    }
    // KS speaks of the values present only: a change in the missing share moves the statistic by itself.
    const w = Math.max(missing / (present.length + missing), PSI_EPSILON);
    const r = Math.max(p.missing, PSI_EPSILON);
    const missingMoved = (w - r) * Math.log(w / r) > this.settings.psi;
    drift.moved = value > this.settings.psi && (significant || missingMoved);
    return drift;
  }

  private compareOutputs(): StatDrift[] {
    const n = this.filled;
    const ref = this.profile.outputs;
    const counts = new Array<number>(ref.labels.length).fill(0);
    let indexSum = 0;
    let unknown = 0;
    for (let k = 0; k < n; k++) {
      const label = this.labels[k]!;
      if (label >= 0 && label < counts.length) counts[label]!++;
      indexSum += label;
      unknown += this.unknown[k]!;
    }
    const label = psi(counts, ref.labels);
    const referenceIndex = ref.labels.reduce((a, s, j) => a + s * j, 0);
    const out: StatDrift[] = [
      { name: 'output.label', psi: label, mean: indexSum / n, referenceMean: referenceIndex, moved: label > this.settings.psi && this.significant(counts, ref.labels) },
      this.compareStat(this.confidence),
    ];
    if (this.compareUnknown) {
      const u = psi([unknown, n - unknown], [ref.unknown, 1 - ref.unknown]);
      const shares = [ref.unknown, 1 - ref.unknown];
      out.push({ name: 'output.unknown', psi: u, mean: unknown / n, referenceMean: ref.unknown, moved: u > this.settings.psi && this.significant([unknown, n - unknown], shares) });
    }
    return out;
  }

  private significant(counts: number[], shares: number[]): boolean {
    return chiSquareTest(counts, shares, this.profile.items).p < KS_ALPHA;
  }

  state(): DriftState {
    return {
      drifted: this.drifted,
      window: { calls: this.filled, size: this.settings.window },
      moved: this.last.filter((s) => s.moved),
      statistics: this.last,
      since: this.since,
      calls: this.calls,
    };
  }
}
