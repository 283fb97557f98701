/**
 * The budget meter and the grid plan, on their own: the plan's arithmetic, and a time budget that
 * stops runs. The runs here sleep 30 ms each, so a 100 ms budget cannot pay for 20 of them however
 * fast the machine is: the assertions are on calls and `complete`, never on a duration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { Meter, minimalGrid, planGrid } from '../src/explain/budget.ts';
import { resolveExplainOptions } from '../src/explain/options.ts';
import type { ExplainSubject } from '../src/explain/types.ts';
import type { Prepared } from '../src/model/tasks/task.ts';

test('grid plans: the 2x2 least, then the smallest stride that fits, every pixel covered', () => {
  assert.equal(minimalGrid(28, 28), { patch: 14, stride: 14, xs: [0, 14], ys: [0, 14] });
  const p = planGrid(28, 28, 55);
  // Patch 7 (28/4), stride 4: corners 0..20 and 21 flush with the edge, 7 x 7 = 49 ≤ 55.
  assert.equal([p.patch, p.stride, p.xs], [7, 4, [0, 4, 8, 12, 16, 20, 21]]);
  const wide = planGrid(30, 17, 1000);
  assert.is(wide.xs.at(-1)! + wide.patch, 30);
  assert.is(wide.ys.at(-1)! + wide.patch, 17);
  // Too few calls for anything finer: the 2x2 grid.
  assert.equal(planGrid(28, 28, 3).stride, 14);
});

function slowSubject(ms: number): ExplainSubject & { runs: number } {
  const subject = {
    runs: 0,
    maxBatch: 4,
    async score(items: readonly Prepared[]) {
      subject.runs++;
      await sleep(ms);
      return items.map(() => Float32Array.of(0.5, 0.5));
    },
  };
  return subject as unknown as ExplainSubject & { runs: number };
}

test('a time budget stops runs: the required ones run, no run starts once the budget cannot pay for it', async () => {
  const subject = slowSubject(30);
  const meter = new Meter(subject, resolveExplainOptions({ budgetMs: 100 }));
  const items = Array.from({ length: 80 }, () => ({ decodeMs: 0, write() {} }));
  const rows = await meter.score(items, 8);
  const r = meter.report();
  assert.ok(rows.length >= 8 && rows.length < 80, `${rows.length} rows`);
  assert.equal([r.calls, r.runs, r.complete, r.budgetMs], [rows.length, subject.runs, false, 100]);
});

test('maxCalls: the required items past it are refused before any run, the rest cut to it', async () => {
  const subject = slowSubject(0);
  const meter = new Meter(subject, resolveExplainOptions({ maxCalls: 10, budgetMs: 60_000 }));
  const items = Array.from({ length: 30 }, () => ({ decodeMs: 0, write() {} }));
  const rows = await meter.score(items, 2);
  assert.equal([rows.length, meter.report().calls, meter.report().complete], [10, 10, false]);
  let caught: unknown;
  try { await new Meter(subject, resolveExplainOptions({ maxCalls: 3 })).score(items, 5); } catch (err) { caught = err; }
  assert.is((caught as { code: string }).code, 'EDGEFN_INVALID_ARGUMENT');
});

test.run();
