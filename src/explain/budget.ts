/**
 * Budgets: a meter that runs an explanation's evaluations in runs of maxBatch and stops before a
 * run the time or call budget cannot pay for, and the plan of an occlusion grid (patch size and
 * stride) that fits what the first run's measured cost says the budget affords.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import type { Prepared } from '../model/tasks/task.js';
import type { ExplainCost, ExplainSubject, ResolvedExplainOptions } from './types.js';

/** The default time budget, in runs of the input alone: an explanation costs about 20 calls. */
export const DEFAULT_BUDGET_CALLS = 20;

export class Meter {
  calls = 0;
  runs = 0;
  complete = true;
  private readonly started = performance.now();
  private budget: number | null;
  /** Measured ms per evaluation, from the runs so far. */
  private perCall = 0;

  constructor(private readonly subject: ExplainSubject, private readonly options: ResolvedExplainOptions) {
    this.budget = options.budgetMs;
  }

  get elapsed(): number {
    return performance.now() - this.started;
  }

  get budgetMs(): number {
    return this.budget ?? 0;
  }

  /** Evaluations the remaining budget (time and calls) pays for, at the cost measured so far. */
  affordable(): number {
    const byCalls = this.options.maxCalls - this.calls;
    const left = this.budgetMs - this.elapsed;
    // A tenth kept back: runs vary, and the time between runs (writing the tensors) is not in perCall.
    let byTime = this.perCall > 0 ? Math.floor((0.9 * left) / this.perCall) : byCalls;
    // The default budget is "about 20 calls": never fewer than 20 evaluations, however slow a run
    // was measured (a busy machine must not turn an exact 16-coalition attribution into a sample).
    if (this.options.budgetMs === null) byTime = Math.max(byTime, DEFAULT_BUDGET_CALLS - this.calls);
    return Math.max(0, Math.min(byCalls, byTime));
  }

  /**
   * Scores `items`, run by run. `required` items always run (the input, the smallest plan), past
   * the budget if need be; the others only while the budget lasts. Returns the rows scored (a prefix).
   */
  async score(items: readonly Prepared[], required = 0): Promise<Float32Array[]> {
    if (required > this.options.maxCalls - this.calls) {
      throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `Expected maxCalls of at least ${this.calls + required} for this model (the input and the smallest plan) but received ${this.options.maxCalls}`, { field: 'maxCalls' });
    }
    const rows: Float32Array[] = [];
    const size = this.subject.maxBatch;
    for (let i = 0; i < items.length; i += size) {
      const chunk = items.slice(i, Math.min(i + size, items.length));
      if (i >= required) {
        const fits = Math.min(chunk.length, this.affordable());
        if (fits < chunk.length) {
          this.complete = false;
          if (fits === 0) break;
          chunk.length = fits;
        }
      }
      const t0 = performance.now();
      rows.push(...(await this.subject.score(chunk)));
      const ms = performance.now() - t0;
      this.runs++;
      this.calls += chunk.length;
      // The last run's cost per evaluation: the first (the input alone) overstates a batch's, so the plan is cautious.
      this.perCall = ms / chunk.length;
      // The first run is the input alone: one call's time sets the default budget.
      this.budget ??= DEFAULT_BUDGET_CALLS * ms;
      if (!this.complete) break;
    }
    return rows;
  }

  report(): ExplainCost {
    const max = this.options.maxCalls;
    return { calls: this.calls, runs: this.runs, elapsedMs: this.elapsed, budgetMs: this.budgetMs, maxCalls: Number.isFinite(max) ? max : null, complete: this.complete };
  }
}

export interface GridPlan {
  patch: number;
  stride: number;
  /** Top-left corners along x and along y. */
  xs: number[];
  ys: number[];
}

/** Corners along one axis: every `stride`, and the last one flush with the edge so that every pixel is covered. */
function corners(length: number, patch: number, stride: number): number[] {
  const out: number[] = [];
  for (let p = 0; p + patch < length; p += stride) out.push(p);
  out.push(length - patch);
  return out;
}

/** The coarsest grid (two patches per side, no overlap): the least an image explanation runs. */
export function minimalGrid(width: number, height: number): GridPlan {
  const patch = Math.ceil(Math.min(width, height) / 2);
  return { patch, stride: patch, xs: corners(width, patch, patch), ys: corners(height, patch, patch) };
}

/**
 * The finest grid of at most `calls` patches: the smallest stride, then the larger patch (a patch
 * twice its stride: overlapping patches give a smoother map than abutting ones at the same cost).
 */
export function planGrid(width: number, height: number, calls: number): GridPlan {
  let best = minimalGrid(width, height);
  const side = Math.min(width, height);
  for (let k = 2; k <= side; k++) {
    const patch = Math.ceil(side / k);
    for (const stride of [Math.ceil(patch / 2), patch]) {
      const xs = corners(width, patch, stride), ys = corners(height, patch, stride);
      if (xs.length * ys.length > calls) continue;
      if (stride < best.stride || (stride === best.stride && patch > best.patch)) best = { patch, stride, xs, ys };
    }
  }
  return best;
}
