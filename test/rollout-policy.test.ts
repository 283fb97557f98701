/** The rollout's pure policy (src/store/rollout/policy.ts) and the record reader (record.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROLLOUT_DEFAULTS, type RolloutSpec } from '../src/manifest/rollout.ts';
import { agrees, candidateRun, compare, EARLY_MIN, emptyCounters, figures, judge, observe, wilson, LATENCY_WINDOW, type RolloutCounters } from '../src/store/rollout/policy.ts';
import { newRecord, recordFrom } from '../src/store/rollout/record.ts';

const shadow: RolloutSpec = { ...ROLLOUT_DEFAULTS, mode: 'shadow', minCalls: 100 };
const canary: RolloutSpec = { ...ROLLOUT_DEFAULTS, mode: 'canary', steps: [0.1, 1], minCalls: 100 };
const ans = (label: string, score = 0.9) => ({ label, score });

/** Counters after `n` compared calls of which `agreed` agree, with `errors` failed candidate runs and latencies. */
function counters(n: number, agreed: number, errors = 0, activeMs = 10, candidateMs = 10): RolloutCounters {
  const c = emptyCounters();
  for (let i = 0; i < n; i++) {
    candidateRun(c, null);
    observe(c.active, activeMs, [ans('a')]);
    observe(c.candidate, candidateMs, [ans(i < agreed ? 'a' : 'b', 0.8)]);
    compare(c, [ans('a')], [ans(i < agreed ? 'a' : 'b')]);
  }
  for (let i = 0; i < errors; i++) candidateRun(c, 'EDGEFN_SESSION_DIED');
  return c;
}

test('wilson: known intervals (99%), n = 0 is [0, 1]', () => {
  assert.equal(wilson(0, 0), { low: 0, high: 1 });
  const w = wilson(50, 100);
  assert.ok(Math.abs(w.low - 0.3753) < 0.001 && Math.abs(w.high - 0.6247) < 0.001, JSON.stringify(w));
  assert.ok(wilson(0, 30).high < 0.2, 'no agreement in 30 calls: upper bound below 20%');
  assert.ok(wilson(30, 30).low > 0.8);
});

test('agrees: labels, the best of top when label is null (unknown), regressions within 1%', () => {
  assert.ok(agrees(ans('x'), ans('x', 0.1)));
  assert.not.ok(agrees(ans('x'), ans('y')));
  assert.ok(agrees({ label: null, top: [{ label: 'x' }] }, ans('x')));
  assert.ok(agrees({ value: 100 }, { value: 100.5 }));
  assert.not.ok(agrees({ value: 100 }, { value: 103 }));
  assert.not.ok(agrees(null, null), 'nothing comparable never counts as agreement');
});

test('judge: waits below minCalls while nothing is clearly broken', () => {
  assert.equal(judge(shadow, 0, counters(99, 99)), { action: 'wait' });
  assert.equal(judge(shadow, 0, counters(EARLY_MIN - 1, 0)), { action: 'wait' }, 'no early verdict before EARLY_MIN');
  assert.equal(judge(shadow, 0, counters(60, 50)), { action: 'wait' }, '83% agreement over 60: the 99% upper bound is above 90%');
});

test('judge: agreement clearly below minAgreement rejects early, naming the rule and the figures', () => {
  const v = judge(shadow, 0, counters(EARLY_MIN, 0));
  assert.is(v.action, 'reject');
  if (v.action !== 'reject') return;
  assert.is(v.rule, 'agreement');
  assert.match(v.reason, /top-1 agreement 0\.0% \(0 of 30 calls, 99% upper bound 18\.\d%\) is below minAgreement 90\.0%/);
});

test('judge: error rate clearly above maxErrorRate rejects early', () => {
  const c = counters(0, 0, EARLY_MIN);
  const v = judge(shadow, 0, c);
  assert.is(v.action, 'reject');
  if (v.action === 'reject') {
    assert.is(v.rule, 'errors');
    assert.match(v.reason, /error rate 100\.0% \(30 of 30 runs/);
  }
  assert.equal(figures(c).errors, { EDGEFN_SESSION_DIED: 30 });
});

test('judge at minCalls: promote (shadow), advance then promote (canary), reject on each rule', () => {
  assert.equal(judge(shadow, 0, counters(100, 95)), { action: 'promote' });
  assert.equal(judge(canary, 0, counters(100, 95)), { action: 'advance', step: 1 });
  assert.equal(judge(canary, 1, counters(100, 95)), { action: 'promote' });
  const low = judge(shadow, 0, counters(100, 85));
  assert.ok(low.action === 'reject' && low.rule === 'agreement' && /85\.0% over 100 calls/.test(low.reason), JSON.stringify(low));
  const slow = judge(shadow, 0, counters(100, 100, 0, 10, 20));
  assert.ok(slow.action === 'reject' && slow.rule === 'latency' && /2\.00x/.test(slow.reason), JSON.stringify(slow));
  const errs = judge(shadow, 0, counters(100, 100, 2));
  assert.ok(errs.action === 'reject' && errs.rule === 'errors', JSON.stringify(errs));
  assert.equal(judge(shadow, 0, counters(100, 100, 1)), { action: 'promote' }, '1 error in 101 runs is within 1%');
});

test('figures: agreement, mean confidence, p50/p95, bounded latency window', () => {
  const c = counters(150, 120, 0, 10, 12);
  const f = figures(c);
  assert.is(f.compared, 150);
  assert.is(f.agreement, 0.8);
  assert.ok(Math.abs(f.meanScore.active! - 0.9) < 1e-9 && Math.abs(f.meanScore.candidate! - 0.8) < 1e-9);
  assert.is(f.p50Ms.active, 10);
  assert.is(f.p50Ms.candidate, 12);
  assert.is(c.active.latencies.length, LATENCY_WINDOW);
  assert.ok(Math.abs(f.latencyRatio! - 1.2) < 1e-9);
});

test('recordFrom: a record round-trips through JSON; malformed ones are invalid, absent is null', () => {
  const r = newRecord('1.1.0', 'abc', '1.0.0', canary);
  r.counters = counters(10, 9);
  assert.equal(recordFrom(JSON.parse(JSON.stringify(r))), r);
  assert.is(recordFrom(undefined), null);
  assert.is(recordFrom(null), null);
  for (const bad of [
    { ...r, version: '../x' },
    { ...r, step: 2 },
    { ...r, spec: { ...r.spec, mode: 'immediate' } },
    { ...r, counters: { ...r.counters, compared: -1 } },
    { ...r, counters: { ...r.counters, active: { ...r.counters.active, latencies: new Array(LATENCY_WINDOW + 1).fill(1) } } },
    'x',
  ]) assert.is(recordFrom(JSON.parse(JSON.stringify(bad))), 'invalid', JSON.stringify(bad).slice(0, 80));
});

test.run();
