/**
 * The monitor on hand-made profiles: when a window moves, hysteresis, statistics a deployment
 * does not measure, missing values, and the monitor option's validation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DriftMonitor, type Transition } from '../src/drift/monitor.js';
import { resolveMonitorOption, MONITOR_DEFAULTS } from '../src/drift/monitor-options.js';
import { resolveLoadOptions } from '../src/model/options.js';
import { ErrorCode } from '../src/errors.js';
import { rejectsWith } from './helpers/index.js';
import { handProfile, uniformStat } from './helpers/drift-kit.js';

/** An evenly spread stream on [0, 1) (a Weyl sequence): any 20 consecutive values fill the ten bins about evenly. */
let k = 0;
const normal = () => ({ x: (k++ * 0.6180339887498949) % 1 });
const shifted = () => ({ x: 5 });
const settings = { window: 20, every: 10, psi: 0.25, enter: 3, exit: 3 };

function feed(m: DriftMonitor, make: () => Record<string, number>, n: number): Transition[] {
  const changes: Transition[] = [];
  for (let i = 0; i < n; i++) {
    const t = m.record(make(), null);
    if (t) changes.push(t);
  }
  return changes;
}

test('an unshifted stream stays normal; every statistic is compared at each evaluation', () => {
  const m = new DriftMonitor(handProfile(), settings);
  assert.equal(feed(m, normal, 400), []);
  const s = m.state();
  assert.is(s.drifted, false);
  assert.is(s.calls, 400);
  assert.equal(s.window, { calls: 20, size: 20 });
  assert.equal(s.statistics.map((x) => x.name), ['x']);
  assert.ok(s.statistics[0]!.psi < 0.25, `psi ${s.statistics[0]!.psi}`);
  assert.equal(s.moved, []);
  assert.is(s.since, null);
});

test('a sustained shift enters drift after `enter` evaluations, naming the statistic, its PSI, KS and means', () => {
  const m = new DriftMonitor(handProfile(), settings);
  feed(m, normal, 40);
  // Evaluations at 50 (half shifted), 60 and 70 (all shifted): the third one flips the state.
  assert.equal(feed(m, shifted, 20), []);
  assert.equal(feed(m, shifted, 10), ['entered']);
  const s = m.state();
  assert.is(s.drifted, true);
  assert.ok(s.since !== null);
  assert.equal(s.moved.map((x) => x.name), ['x']);
  const x = s.moved[0]!;
  assert.ok(x.psi > 0.25, `psi ${x.psi}`);
  assert.ok(x.ks !== undefined && x.ks.p < 1e-3 && x.ks.d === 1, JSON.stringify(x.ks));
  assert.is(x.mean, 5);
  assert.is(x.referenceMean, 0.5);
});

test('hysteresis: a burst shorter than `enter` evaluations does not flip it; leaving takes `exit` quiet ones', () => {
  const m = new DriftMonitor(handProfile(), settings);
  feed(m, normal, 40);
  // 10 shifted calls sit in the 20-call window for two evaluations (50 and 60): moved twice, not three times.
  assert.equal(feed(m, shifted, 10), []);
  assert.equal(feed(m, normal, 100), []);
  assert.is(m.state().drifted, false);
  // Drifted now, then back: one quiet evaluation is not enough, three are.
  assert.equal(feed(m, shifted, 30), ['entered']);
  assert.equal(feed(m, normal, 30), []); // evaluations with the shift still in the window, then quiet ones
  assert.equal(feed(m, normal, 20), ['left']);
  assert.is(m.state().drifted, false);
});

test('with enter 1 the first moved evaluation flips it (the hysteresis is what held it before)', () => {
  const m = new DriftMonitor(handProfile(), { ...settings, enter: 1 });
  feed(m, normal, 40);
  assert.equal(feed(m, shifted, 10), ['entered']);
});

test('a statistic the calls do not give (a source size for raw frames) is not compared', () => {
  const profile = handProfile();
  profile.inputs.push({ ...uniformStat('width'), name: 'width' });
  const m = new DriftMonitor(profile, settings);
  assert.equal(feed(m, normal, 200), []);
  assert.equal(m.state().statistics.map((s) => s.name), ['x']);
});

test('a statistic only some calls give (raw frames among encoded images) is compared over those, never read as missing', () => {
  const profile = handProfile();
  profile.inputs.push({ ...uniformStat('width'), name: 'width' });
  const m = new DriftMonitor(profile, settings);
  let j = 0;
  // The first call gives a width, the next three do not, and so on: 'width' is absent, not NaN.
  const mixed = () => (j++ % 4 === 0 ? { ...normal(), width: (j * 0.6180339887498949) % 1 } : normal());
  assert.equal(feed(m, mixed, 200), []);
  assert.equal(m.state().statistics.map((s) => s.name), ['x']);
  const half = new DriftMonitor(profile, settings);
  assert.equal(feed(half, () => (j++ % 2 === 0 ? { ...normal(), width: (j * 0.6180339887498949) % 1 } : normal()), 200), []);
  assert.equal(half.state().statistics.map((s) => s.name), ['x', 'width']);
});

test('a sensor going silent (NaN: missing) moves the statistic', () => {
  const m = new DriftMonitor(handProfile(), settings);
  feed(m, normal, 40);
  assert.equal(feed(m, () => ({ x: Number.NaN }), 30), ['entered']);
  assert.ok(Number.isNaN(m.state().moved[0]!.mean));
});

test('outputs: a class-mix shift moves output.label; a confidence shift moves output.confidence', () => {
  const m = new DriftMonitor(handProfile(), settings);
  let j = 0;
  const answer = (index: number) => ({ index, confidence: (j++ * 0.6180339887498949) % 1, unknown: false });
  for (let i = 0; i < 40; i++) m.record(normal(), answer(i % 2));
  assert.is(m.state().drifted, false);
  const changes: Transition[] = [];
  // A half-shifted window (15 of 20 on one label) is not yet significant against 256 reference answers: three fully shifted evaluations are.
  for (let i = 0; i < 40; i++) changes.push(m.record(normal(), answer(0)));
  assert.equal(changes.filter(Boolean), ['entered']);
  assert.equal(m.state().moved.map((s) => s.name), ['output.label']);
  const n = new DriftMonitor(handProfile(), settings);
  for (let i = 0; i < 40; i++) n.record(normal(), answer(i % 2));
  for (let i = 0; i < 30; i++) n.record(normal(), { index: i % 2, confidence: 0.999, unknown: false });
  assert.equal(n.state().moved.map((s) => s.name), ['output.confidence']);
  // unknown shares are compared only when the profile saw unknown answers (it was made with a threshold).
  assert.not.ok(n.state().statistics.some((s) => s.name === 'output.unknown'));
});

test('monitor option: defaults, false, and an object checked field by field', async () => {
  assert.equal(resolveMonitorOption(undefined), { ...MONITOR_DEFAULTS });
  assert.equal(resolveMonitorOption(true), { ...MONITOR_DEFAULTS });
  assert.is(resolveMonitorOption(false), false);
  assert.equal(resolveMonitorOption({ window: 100 }), { window: 100, every: 50, psi: 0.25, enter: 3, exit: 3 });
  assert.equal(resolveMonitorOption({ window: 20 }).valueOf(), { window: 20, every: 20, psi: 0.25, enter: 3, exit: 3 });
  assert.is(resolveLoadOptions({ monitor: false }).monitor, false);
  const cases: [unknown, string, string | RegExp][] = [
    ['yes', 'monitor', 'Expected true, false or monitor options for monitor but received "yes" of type string'],
    [{ window: 5 }, 'monitor.window', 'Expected integer from 10 to 100000 for monitor.window but received 5 of type number'],
    [{ window: 1.5 }, 'monitor.window', /^Expected integer from 10 to 100000 for monitor.window but received 1.5/],
    [{ every: 600 }, 'monitor.every', 'Expected positive integer up to monitor.window (500) for monitor.every but received 600 of type number'],
    [{ psi: 0 }, 'monitor.psi', 'Expected positive number for monitor.psi but received 0 of type number'],
    [{ psi: Number.NaN }, 'monitor.psi', /^Expected positive number for monitor.psi but received NaN/],
    [{ enter: 0 }, 'monitor.enter', /^Expected positive integer up to 1000 for monitor.enter but received 0/],
    [{ exit: '3' }, 'monitor.exit', 'Expected positive integer up to 1000 for monitor.exit but received "3" of type string'],
    [{ onDrift: 1 }, 'monitor.onDrift', 'Expected a function for monitor.onDrift but received 1 of type number'],
    [{ windwo: 100 }, 'monitor option name', 'Expected one of window, every, psi, enter, exit, onDrift for monitor option name but received "windwo" of type string'],
  ];
  for (const [value, field, message] of cases) {
    const err = await rejectsWith(() => resolveLoadOptions({ monitor: value }), ErrorCode.INVALID_ARGUMENT, message);
    assert.is(err.field, field);
  }
});

test.run();
