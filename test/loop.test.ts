/**
 * run(): each overflow policy under a flood with exact counts, bad items counted and survived,
 * shutdown by AbortSignal and by a real SIGINT, windows built from a reading stream.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { EdgefnError, ErrorCode, load, run, type LoopStats, type WindowClassifier } from '../src/index.ts';
import { ROOT, RAIN, deferred } from './helpers/index.ts';

const FLOOD = 100;
const CAPACITY = 4;

/** Settled accounting: everything received is processed, failed, dropped or buffered. */
function balanced(s: LoopStats): void {
  const dropped = Object.entries(s.dropped).filter(([k]) => k !== 'source').reduce((a, [, v]) => a + v, 0);
  assert.is(s.received, s.processed + s.failed + dropped + s.buffered, JSON.stringify(s));
  assert.is(s.queued, 0);
  assert.is(s.inFlight, 0);
  assert.is(s.running, false);
}

/**
 * FLOOD items as fast as the loop takes them; the model holds its first call until the source is
 * exhausted, so everything after the first meets a full queue.
 */
async function flood(policy: 'latest' | 'drop-oldest' | 'reject') {
  const exhausted = deferred();
  async function* source() {
    for (let i = 0; i < FLOOD; i++) yield i;
    exhausted.resolve();
  }
  const seen: number[] = [];
  const model = async (x: number) => {
    if (seen.length === 0) await exhausted.promise;
    seen.push(x);
    return x * 2;
  };
  const results: number[] = [];
  const stats = await run({ source: source(), model, sink: (r: number) => { results.push(r); }, queue: { capacity: CAPACITY, policy }, handleSignals: false }).done;
  balanced(stats);
  return { stats, seen, results };
}

test('drop-oldest under a flood: FIFO, the oldest dropped as overflow, exact counts', async () => {
  const { stats, seen, results } = await flood('drop-oldest');
  assert.equal(seen, [0, 96, 97, 98, 99]);
  assert.equal(results, [0, 192, 194, 196, 198]);
  assert.equal([stats.received, stats.processed, stats.dropped.overflow, stats.dropped.stale, stats.dropped.rejected], [100, 5, 95, 0, 0]);
  assert.is(stats.stoppedBy, 'end');
});

test('latest under a flood: only the newest is taken, everything older is stale', async () => {
  const { stats, seen } = await flood('latest');
  assert.equal(seen, [0, 99]);
  assert.equal([stats.received, stats.processed, stats.dropped.stale, stats.dropped.overflow], [100, 2, 98, 0]);
});

test('reject under a flood: a full queue refuses new items, exact counts', async () => {
  const { stats, seen } = await flood('reject');
  assert.equal(seen, [0, 1, 2, 3, 4]);
  assert.equal([stats.received, stats.processed, stats.dropped.rejected], [100, 5, 95]);
});

test('block under a flood: nothing dropped, the source is read no further ahead than the queue holds', async () => {
  let produced = 0;
  let consumed = 0;
  let maxLead = 0;
  async function* source() {
    for (let i = 0; i < FLOOD; i++) {
      produced++;
      maxLead = Math.max(maxLead, produced - consumed);
      yield i;
    }
  }
  const seen: number[] = [];
  const model = async (x: number) => {
    await new Promise((r) => setTimeout(r, 1));
    consumed++;
    seen.push(x);
    return x;
  };
  const stats = await run({ source: source(), model, queue: { capacity: CAPACITY, policy: 'block' }, handleSignals: false }).done;
  balanced(stats);
  assert.equal(seen, Array.from({ length: FLOOD }, (_, i) => i));
  assert.equal([stats.processed, Object.values(stats.dropped).reduce((a, b) => a + b, 0)], [FLOOD, 0]);
  // queue + the one in the model + the one waiting to be pushed
  assert.ok(maxLead <= CAPACITY + 2, `source ran ${maxLead} ahead`);
});

test('bad items are counted by code, reported, and the loop goes on', async () => {
  async function* source() {
    yield 1;
    yield new EdgefnError(ErrorCode.INPUT_UNDECODABLE, 'line 2: garbled');
    yield 3;
    yield -1; // the model refuses this one
    yield 5;
  }
  const errors: string[] = [];
  const processed: number[] = [];
  const stats = await run({
    source: source(),
    model: async (x: number) => {
      if (x < 0) throw new EdgefnError(ErrorCode.INPUT_INVALID, `negative: ${x}`);
      return x;
    },
    sink: (r: number) => { processed.push(r); },
    onError: (e) => errors.push(`${e.code}: ${e.message}`),
    handleSignals: false,
  }).done;
  balanced(stats);
  assert.equal(processed, [1, 3, 5]);
  assert.equal(stats.failedBy, { EDGEFN_INPUT_UNDECODABLE: 1, EDGEFN_INPUT_INVALID: 1 });
  assert.equal(errors, ['EDGEFN_INPUT_UNDECODABLE: line 2: garbled', 'EDGEFN_INPUT_INVALID: negative: -1']);
});

test('a failing sink is a counted failure; the next results still reach it', async () => {
  async function* source() { yield* [1, 2, 3]; }
  const got: number[] = [];
  const stats = await run({
    source: source(), model: async (x: number) => x, handleSignals: false,
    sink: { write: (r: number) => { if (r === 2) throw new Error('disk full'); got.push(r); }, close: () => { got.push(-1); } },
  }).done;
  balanced(stats);
  assert.equal(got, [1, 3, -1]);
  assert.equal([stats.processed, stats.failed], [2, 1]);
  assert.equal(stats.failedBy, { EDGEFN_SINK_FAILED: 1 });
});

/** An endless source, one item every `ms`, that records being ended. */
function ticker(ms: number) {
  const state = { ended: false };
  async function* gen() {
    try {
      for (let i = 0; ; i++) {
        await new Promise((r) => setTimeout(r, ms));
        yield i;
      }
    } finally {
      state.ended = true;
    }
  }
  return { source: gen(), state };
}

test('AbortSignal: drain processes what is queued, discard counts it as shutdown; the source is ended', async () => {
  for (const onStop of ['drain', 'discard'] as const) {
    const { source, state } = ticker(1);
    const controller = new AbortController();
    const loop = run({
      source, handleSignals: false, signal: controller.signal, onStop, queue: { capacity: 50, policy: 'drop-oldest' },
      model: async (x: number) => { await new Promise((r) => setTimeout(r, 20)); return x; },
    });
    await new Promise((r) => setTimeout(r, 150));
    const before = loop.stats;
    assert.ok(before.queued > 0, `something queued: ${JSON.stringify(before)}`);
    controller.abort();
    const stats = await loop.done;
    balanced(stats);
    assert.is(stats.stoppedBy, 'abort');
    assert.ok(state.ended, 'source ended');
    if (onStop === 'drain') assert.is(stats.dropped.shutdown, 0);
    else assert.ok(stats.dropped.shutdown > 0 && stats.processed < stats.received, JSON.stringify(stats));
  }
});

test('a windowed model gets windows from a reading stream; a NaN reading fails alone', async () => {
  const model = await load<WindowClassifier>(RAIN, { isolate: 'none' });
  try {
    const day = (i: number) => ({ precipitation: i % 3 === 0 ? 4 : 0, temp_max: 10 + (i % 5), temp_min: 4, wind: 3 });
    async function* readings() {
      for (let i = 0; i < 20; i++) yield i === 10 ? { ...day(i), wind: NaN } : day(i);
    }
    const results: string[] = [];
    const errors: string[] = [];
    const stats = await run({
      source: readings(), model, handleSignals: false, queue: { policy: 'block' },
      sink: (r) => { results.push(r.label!); }, onError: (e) => errors.push(e.message),
    }).done;
    balanced(stats);
    // 19 good readings: the first 6 fill the window, the 13 after each complete one.
    assert.equal([stats.received, stats.failed, stats.buffered, stats.processed], [20, 1, 6, 13]);
    assert.equal(errors, ['item 10.wind is NaN']);
    assert.ok(results.every((l) => l === 'dry' || l === 'rain'));
  } finally {
    await model.dispose();
  }
});

test('a source that fails ends the loop with the error, apart from the item counts', async () => {
  async function* source() {
    yield 1;
    throw new EdgefnError(ErrorCode.DEVICE_FAILED, '/dev/ttyUSB0 closed: the device went away');
  }
  const errors: string[] = [];
  const stats = await run({ source: source(), model: async (x: number) => x, handleSignals: false, onError: (e) => errors.push(e.code) }).done;
  balanced(stats);
  assert.equal([stats.received, stats.processed, stats.failed, stats.stoppedBy, stats.error?.code], [1, 1, 0, 'error', ErrorCode.DEVICE_FAILED]);
  assert.equal(errors, [ErrorCode.DEVICE_FAILED]);
});

test('stop() returns even when a source is stuck waiting and cannot end at once', async () => {
  async function* stuck() {
    yield 1;
    await new Promise(() => {}); // never settles
  }
  const loop = run({ source: stuck(), model: async (x: number) => x, handleSignals: false });
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  const stats = await loop.stop();
  assert.ok(Date.now() - t0 < 3000);
  assert.equal([stats.received, stats.processed, stats.stoppedBy], [1, 1, 'stop']);
});

test('options are checked with the field named', async () => {
  const source = (async function* () {})();
  assert.throws(() => run({ source, model: async () => 1, queue: { policy: 'newest' as any } }), /Expected one of latest, drop-oldest, block, reject for queue.policy but received "newest"/);
  assert.throws(() => run({ source, model: async () => 1, queue: { capacity: 0 } }), /Expected a positive integer for queue.capacity/);
  assert.throws(() => run({ source: [1, 2] as any, model: async () => 1 }), /Expected an async iterable for source/);
  assert.throws(() => run({ source, model: async () => 1, sink: 5 as any }), /for sink/);
});

test('SIGINT stops a loop in a real process: the source is ended and the counts add up', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/loop-child.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await new Promise<void>((resolve) => {
    const check = () => (out.includes('running') ? resolve() : setTimeout(check, 20));
    check();
  });
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.is(code, 0, out);
  const last = JSON.parse(out.trim().split('\n').pop()!);
  assert.is(last.stats.stoppedBy, 'SIGINT');
  assert.ok(last.ended, 'source ended');
  assert.ok(last.stats.processed > 0);
  balanced(last.stats);
});

test.run();
