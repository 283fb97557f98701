/**
 * The live half of a rollout: routes each call, runs the other version off the caller's critical
 * path, counts (./policy.ts), and hands verdicts and counter flushes to the store, which makes
 * them durable under its lock.
 *
 * - shadow: the active version answers; then, for a `sample` of calls, the candidate classifies
 *   the same input in the background (never awaited by the caller).
 * - canary: a share of calls (the step) is answered by the candidate; the active version runs on
 *   those in the background, for agreement. A candidate that fails a canary call counts the error
 *   and the caller gets the active version's answer instead.
 * At most MAX_IN_FLIGHT background runs at a time: beyond that they are dropped and counted,
 * never queued. Counters are flushed every FLUSH_EVERY compared calls or FLUSH_MS, and at every
 * decision and close: a SIGKILL loses at most the figures since the last flush, never a decision.
 */
import { EdgefnError, ErrorCode } from '../../errors.js';
import type { AnyModel } from '../../model/load.js';
import type { CallOptions } from '../../model/options.js';
import { candidateRun, canaryShare, compare, figures, judge, observe, type RolloutFigures, type Verdict } from './policy.js';
import type { RolloutRecord } from './record.js';

/** Background runs (shadow or comparison) in flight at most; more are dropped and counted. */
export const MAX_IN_FLIGHT = 2;
/** Counters are flushed after this many compared calls ... */
export const FLUSH_EVERY = 32;
/** ... or this long after the first call counted since the last flush. */
export const FLUSH_MS = 1000;

export interface LiveHooks {
  /** The version serving now. */
  active(): AnyModel;
  /** Writes the record (its counters) durably; the store checks the rollout is still the recorded one. */
  flush(record: RolloutRecord): Promise<void>;
  /** A verdict to make durable: advance a step, promote, or reject. */
  decide(verdict: Exclude<Verdict, { action: 'wait' }>): void;
}

/** What `model.rollout()` returns: the recorded rollout with its live figures. */
export interface RolloutStatus {
  version: string;
  from: string;
  mode: 'shadow' | 'canary';
  spec: RolloutRecord['spec'];
  step: number;
  /** The share of calls the candidate answers now (shadow: 0). */
  share: number;
  startedAt: string;
  figures: RolloutFigures;
}

export function statusOf(r: RolloutRecord): RolloutStatus {
  return { version: r.version, from: r.from, mode: r.spec.mode as 'shadow' | 'canary', spec: r.spec, step: r.step, share: canaryShare(r.spec, r.step), startedAt: r.startedAt, figures: figures(r.counters) };
}

const many = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);
const codeOf = (err: unknown) => (err instanceof EdgefnError ? err.code : ErrorCode.INTERNAL);

export class LiveRollout {
  private inFlight = 0;
  private background = new Set<Promise<void>>();
  private sinceFlush = 0;
  private timer: NodeJS.Timeout | null = null;
  private deciding = false;
  private stopped = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(readonly candidate: AnyModel, public record: RolloutRecord, private readonly hooks: LiveHooks, private readonly random: () => number = Math.random) {}

  get version(): string { return this.candidate.version; }

  async call(input: unknown, o?: CallOptions): Promise<unknown> {
    if (this.stopped) return this.hooks.active()(input, o);
    const c = this.record.counters;
    c.calls += many(input).length;
    const share = canaryShare(this.record.spec, this.record.step);
    if (share > 0 && this.random() < share) return this.canary(input, o);
    const active = this.hooks.active();
    const t = performance.now();
    const answer = await active(input, o);
    observe(c.active, performance.now() - t, many(answer));
    if (this.record.spec.mode === 'shadow' && this.random() < this.record.spec.sample) {
      this.offPath(async () => {
        const t2 = performance.now();
        let shadow: unknown;
        try {
          shadow = await this.candidate(input, o);
        } catch (err) {
          candidateRun(c, codeOf(err));
          return;
        }
        candidateRun(c, null);
        observe(c.candidate, performance.now() - t2, many(shadow));
        compare(c, many(answer), many(shadow));
      });
    }
    this.counted();
    return answer;
  }

  /** The candidate answers; the active version runs in the background for agreement. */
  private async canary(input: unknown, o?: CallOptions): Promise<unknown> {
    const c = this.record.counters;
    const t = performance.now();
    let answer: unknown;
    try {
      answer = await this.candidate(input, o);
    } catch (err) {
      // The caller still gets an answer; the failure counts against the candidate only when the active version answers the same input.
      const fallback = await this.hooks.active()(input, o);
      candidateRun(c, codeOf(err));
      this.counted();
      return fallback;
    }
    candidateRun(c, null);
    observe(c.candidate, performance.now() - t, many(answer));
    const active = this.hooks.active();
    this.offPath(async () => {
      const t2 = performance.now();
      const reference = await active(input, o).catch(() => null);
      if (reference === null) return;
      observe(c.active, performance.now() - t2, many(reference));
      compare(c, many(reference), many(answer));
    });
    this.counted();
    return answer;
  }

  /** Starts `run` in the background when fewer than MAX_IN_FLIGHT are running; drops (and counts) it otherwise. */
  private offPath(run: () => Promise<void>): void {
    if (this.inFlight >= MAX_IN_FLIGHT || this.stopped) {
      this.record.counters.dropped++;
      return;
    }
    this.inFlight++;
    const p: Promise<void> = run()
      .catch(() => {}) // a run's own failures are counted inside it; nothing else can throw here
      .finally(() => {
        this.inFlight--;
        this.background.delete(p);
        this.counted();
      });
    this.background.add(p);
  }

  /** After any counting: maybe a verdict, maybe a flush. */
  private counted(): void {
    if (this.stopped || this.deciding) return;
    const verdict = judge(this.record.spec, this.record.step, this.record.counters);
    if (verdict.action !== 'wait') {
      this.deciding = true;
      this.hooks.decide(verdict);
      return;
    }
    this.sinceFlush++;
    if (this.sinceFlush >= FLUSH_EVERY) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes the counters now (one write at a time; a failed write is retried at the next flush). */
  flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.sinceFlush === 0 || this.stopped) return this.flushing;
    this.sinceFlush = 0;
    const snapshot = structuredClone(this.record);
    this.flushing = this.flushing.then(() => this.hooks.flush(snapshot)).catch(() => { this.sinceFlush++; });
    return this.flushing;
  }

  /** After a step advanced: the step's counters start again, judging resumes. */
  advanced(step: number): void {
    this.record.step = step;
    this.record.counters.step = { compared: 0, agreed: 0, runs: 0, errors: 0 };
    this.deciding = false;
  }

  /** A decision could not be recorded: judge again later. */
  undecided(): void { this.deciding = false; }

  /**
   * Stops routing and counting; waits for background runs. The candidate is the caller's to keep
   * or dispose. A flush still queued is not waited for (the store may be running this very stop
   * inside its queue): it finds the rollout decided and writes nothing.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    await Promise.allSettled([...this.background]);
  }

  /** Flushes what is counted, then stops (close of the store). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.background]);
    await this.flush();
    await this.stop();
    await this.flushing;
  }
}
