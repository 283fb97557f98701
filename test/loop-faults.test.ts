/**
 * Faults in a device loop: a source that yields undefined or null, a source that fails, a model
 * and a sink that throw, a results file that cannot be written, a GPIO pin whose writes fail, and
 * stops at seeded random moments. Each time the loop keeps going (or stops cleanly) and the
 * counts hold exactly: received = processed + failed + dropped + buffered, nothing left queued.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { EdgefnError, ErrorCode, gpioOutput, jsonLinesSink, run, SimulatedPin, type LoopStats, type OverflowPolicy } from '../src/index.ts';
import { Channel } from '../src/io/channel.ts';
import { removeDir, tempDir } from './helpers/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a failing round can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const droppedTotal = (s: LoopStats) => Object.entries(s.dropped).filter(([k]) => k !== 'source').reduce((a, [, v]) => a + v, 0);

/** The identity, exactly, on a stopped loop; failedBy adds up to failed. */
function balanced(s: LoopStats, label = ''): void {
  const why = `${label} ${JSON.stringify(s)}`;
  assert.is(s.received, s.processed + s.failed + droppedTotal(s) + s.buffered, why);
  assert.is(Object.values(s.failedBy).reduce((a, b) => a + b, 0), s.failed, why);
  assert.equal([s.queued, s.inFlight, s.running], [0, 0, false], why);
}

test('a source that yields undefined, null or a revoked Proxy: one INPUT_INVALID failure each, the loop goes on, nothing left queued', async () => {
  // A hand-made iterator: an async generator would itself await (and so throw on) the Proxy.
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke(); // even `instanceof` throws on it
  const items: unknown[] = [1, undefined, 3, null, 5, proxy, 6];
  const source = () => {
    let i = 0;
    return { [Symbol.asyncIterator]: () => ({ next: async () => (i < items.length ? { value: items[i++], done: false } : { value: undefined, done: true }) }) };
  };
  const seen: number[] = [];
  const errors: string[] = [];
  const model = async (x: number) => {
    await sleep(2); // the queue fills behind a slow model: the undefined must not end the consumer
    return x;
  };
  const stats = await run({
    source: source() as AsyncIterable<number>, model, handleSignals: false, queue: { policy: 'block', capacity: 2 },
    sink: (r: number) => { seen.push(r); }, onError: (e) => errors.push(`${e.code} ${e.message}`),
  }).done;
  balanced(stats);
  assert.equal(seen, [1, 3, 5, 6]);
  assert.equal([stats.received, stats.processed, stats.failed, stats.buffered, stats.stoppedBy], [7, 4, 3, 0, 'end']);
  assert.equal(stats.failedBy, { EDGEFN_INPUT_INVALID: 3 });
  assert.equal(errors, [
    'EDGEFN_INPUT_INVALID item 1 is undefined: a source yields inputs, or an Error for a bad one',
    'EDGEFN_INPUT_INVALID item 3 is null: a source yields inputs, or an Error for a bad one',
    'EDGEFN_INPUT_INVALID item 5 cannot be looked at (a revoked Proxy?)',
  ]);
});

test('failures are counted under the code of the part that failed: model RUNTIME_FAILED, sink SINK_FAILED, source item DEVICE_FAILED', async () => {
  async function* source() {
    yield* [1, 2, 3];
    yield new Error('EIO reading the pin'); // a plain Error item from a source: a device failure
    yield 4;
  }
  const errors: string[] = [];
  const stats = await run({
    source: source(), handleSignals: false,
    model: async (x: number) => { if (x === 2) throw new Error('out of memory'); return x; },
    sink: (r: number) => { if (r === 3) throw new Error('disk full'); },
    onError: (e) => errors.push(`${e.code} ${e.message}`),
  }).done;
  balanced(stats);
  assert.equal(stats.failedBy, { EDGEFN_RUNTIME_FAILED: 1, EDGEFN_SINK_FAILED: 1, EDGEFN_DEVICE_FAILED: 1 });
  assert.equal(errors.slice().sort(), ['EDGEFN_DEVICE_FAILED item 3: EIO reading the pin', 'EDGEFN_RUNTIME_FAILED model: out of memory', 'EDGEFN_SINK_FAILED sink: disk full']);
  assert.equal([stats.processed, stats.failed], [2, 3]);
});

test('jsonLinesSink on a path it cannot write: each result is a SINK_FAILED failure, the process and the loop go on, no file appears', async () => {
  const dir = await tempDir();
  try {
    const out = path.join(dir, 'missing-folder', 'results.jsonl');
    async function* source() { yield* [1, 2, 3]; }
    const errors: string[] = [];
    const stats = await run({
      source: source(), model: async (x: number) => ({ label: String(x) }), handleSignals: false,
      sink: jsonLinesSink(out), onError: (e) => errors.push(`${e.code} ${e.message}`),
    }).done;
    balanced(stats);
    assert.equal([stats.received, stats.processed, stats.failed], [3, 0, 3]);
    assert.equal(stats.failedBy, { EDGEFN_SINK_FAILED: 3 });
    assert.is(stats.error, undefined);
    assert.match(errors[0]!, /^EDGEFN_SINK_FAILED Cannot write results to .*missing-folder\/results\.jsonl: ENOENT/);
    // A sink made and closed without a result writes nothing at all.
    const idle = path.join(dir, 'idle.jsonl');
    await jsonLinesSink(idle).close();
    const { existsSync } = await import('node:fs');
    assert.is(existsSync(idle), false);
  } finally {
    await removeDir(dir);
  }
});

test('gpioOutput whose pin refuses a write: DEVICE_FAILED, counted; the next result tries the pin again', async () => {
  const led = await gpioOutput<number>({ pin: 17, simulate: true, when: (r) => r % 2 === 1 });
  const pin = led.pin as SimulatedPin;
  let refuse = 1; // the first write fails as a sysfs write can (EIO after the pin was unexported)
  const write = pin.write.bind(pin);
  pin.write = async (v) => {
    if (refuse-- > 0) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    return write(v);
  };
  async function* source() { yield* [1, 3, 4]; }
  const errors: string[] = [];
  const stats = await run({ source: source(), model: async (x: number) => x, sink: led, handleSignals: false, onError: (e) => errors.push(`${e.code} ${e.message}`) }).done;
  balanced(stats);
  assert.equal(stats.failedBy, { EDGEFN_DEVICE_FAILED: 1 });
  assert.equal(errors, ['EDGEFN_DEVICE_FAILED GPIO 17: writing 1 failed: EIO: i/o error, write']);
  assert.equal(pin.writes, [1, 0, 0]); // 3 turned it on (retried), 4 off, close off
});

type Kind = 'generator' | 'channel';

/**
 * One round: a source of `kind` producing items at random (numbers, undefined, null, error
 * items; a generator may fail as a whole), a model and a sink that sometimes throw, a random
 * policy, capacity, concurrency and stop mode, and a stop from outside at a random moment.
 */
async function round(seed: number, kind: Kind) {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let produced = 0;
  const failAt = kind === 'generator' && rand() < 0.15 ? Math.floor(rand() * 40) : -1;
  const item = (i: number): unknown => {
    const r = rand();
    return r < 0.05 ? undefined : r < 0.08 ? null : r < 0.12 ? new EdgefnError(ErrorCode.INPUT_UNDECODABLE, `line ${i}: garbled`) : i;
  };
  const pause = () => (rand() < 0.3 ? Promise.resolve() : sleep(Math.floor(rand() * 3)));
  let channel: Channel<unknown> | null = null;
  let source: AsyncIterable<unknown>;
  if (kind === 'generator') {
    source = (async function* () {
      for (let i = 0; ; i++) {
        await pause();
        if (i === failAt) throw new EdgefnError(ErrorCode.DEVICE_FAILED, 'the device went away');
        produced++;
        yield item(i);
      }
    })();
  } else {
    let closed = false;
    const ch = new Channel<unknown>({ capacity: 1 + Math.floor(rand() * 4), close: () => { closed = true; } });
    channel = ch;
    void (async () => {
      for (let i = 0; !closed; i++) {
        await pause();
        if (closed) break;
        produced++;
        ch.push(item(i));
      }
    })();
    source = ch;
  }
  const policy = pick<OverflowPolicy>(['latest', 'drop-oldest', 'block', 'reject']);
  const onStop = pick(['drain', 'discard'] as const);
  const controller = new AbortController();
  const loop = run({
    source, handleSignals: false, onStop, signal: controller.signal,
    queue: { policy, capacity: 1 + Math.floor(rand() * 4) }, concurrency: 1 + Math.floor(rand() * 3),
    model: async (x: number) => {
      await pause();
      if (x % 7 === 3) throw new EdgefnError(ErrorCode.INPUT_INVALID, `item ${x} refused`);
      return x;
    },
    sink: async (r: number) => {
      if (r % 11 === 5) throw new Error('sink: disk full');
      await pause();
    },
  });
  await sleep(Math.floor(rand() * 25));
  const how = rand() < 0.5 ? 'stop' : 'abort';
  const stats = how === 'stop' ? await loop.stop() : (controller.abort(), await loop.done);
  return { stats, produced, sourceDropped: channel?.dropped ?? 0, label: `seed ${seed} ${kind} ${policy}/${onStop}` };
}

test('stopping from outside at seeded random moments: every item the source produced is counted, exactly, every time', async () => {
  const SEED = 20260513;
  const ROUNDS = 150;
  let items = 0;
  let stoppedItems = 0;
  let sourceFailures = 0;
  const codes: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    const kind: Kind = r % 3 === 2 ? 'channel' : 'generator';
    const { stats, produced, sourceDropped, label } = await round(SEED + r, kind);
    balanced(stats, label);
    // Nothing the source gave is missing: what the loop received plus what a channel dropped.
    assert.is(stats.received + sourceDropped, produced, label);
    assert.is(stats.dropped.source, sourceDropped, label);
    if (stats.stoppedBy === 'error') {
      sourceFailures++;
      assert.is(stats.error?.code, ErrorCode.DEVICE_FAILED, label);
    } else {
      assert.ok(stats.stoppedBy === 'stop' || stats.stoppedBy === 'abort', label);
    }
    for (const code of Object.keys(stats.failedBy)) {
      assert.ok(([ErrorCode.INPUT_INVALID, ErrorCode.INPUT_UNDECODABLE, ErrorCode.SINK_FAILED] as string[]).includes(code), `${label}: ${code}`);
      codes[code] = (codes[code] ?? 0) + stats.failedBy[code]!;
    }
    items += produced;
    stoppedItems += stats.dropped.stopped;
  }
  // The figures the README quotes (seed 20260513): rounds, items checked, items given while stopping.
  console.log(`  ${ROUNDS} stops, ${items} items checked, ${stoppedItems} given while stopping, ${sourceFailures} source failures, failed by code ${JSON.stringify(codes)}`);
  assert.ok(stoppedItems > 0, 'some stops met an item in the making');
  assert.ok(sourceFailures > 0, 'some sources failed');
});

test.run();
