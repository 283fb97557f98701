/**
 * run(): a device loop. A source (serial readings, GPIO events, camera frames, files) feeds a
 * bounded queue; the model takes from it; results go to a sink. Every item is counted: received
 * = processed + failed + dropped + buffered (readings waiting to complete a window) + queued +
 * in flight; once the loop has stopped, queued and in flight are 0. A bad item is one failure,
 * reported, and the loop goes on. An item the source gives while the loop stops is counted too
 * (dropped as `stopped`).
 *
 * Waiting for input costs no CPU: the loop awaits the source's promises (streams, interrupts,
 * file-system events) and never polls.
 */
import { EdgefnError, ErrorCode, isEdgefnError, messageOf } from '../errors.js';
import type { AnyModel } from '../model/load.js';
import { debug } from '../util/debug.js';
import { checkRunOptions } from './options.js';
import { BoundedQueue, CLOSED } from './queue.js';
import { Windower } from './window.js';
import type { Loop, LoopStats, RunOptions } from './types.js';

export type { Loop, LoopStats, RunOptions } from './types.js';

const log = debug('loop');

/** How long stopping waits for a source to end (see done below). */
const RETURN_TIMEOUT_MS = 2000;

/**
 * An error as the loop counts it: an EdgefnError keeps its code; anything else gets the code of
 * the part that raised it (the model function: RUNTIME_FAILED, the sink: SINK_FAILED, the source
 * or a device: DEVICE_FAILED).
 */
function toEdgefnError(err: unknown, input: string, code: ErrorCode): EdgefnError {
  if (isEdgefnError(err)) return err;
  return new EdgefnError(code, `${input}: ${messageOf(err)}`, { cause: err, input });
}

export function run<I, R>(options: RunOptions<I, R>): Loop {
  const { capacity, policy, onStop, concurrency } = checkRunOptions(options);
  const { source, model, sink } = options;

  const stats: LoopStats = {
    received: 0, processed: 0, failed: 0, failedBy: {},
    dropped: { stale: 0, overflow: 0, rejected: 0, shutdown: 0, stopped: 0, source: 0 },
    buffered: 0, queued: 0, inFlight: 0, running: true, stoppedBy: null,
  };
  /** Tells onError; a hook that throws must not stop the loop. */
  const report = (e: EdgefnError, input: unknown) => {
    try {
      options.onError?.(e, input);
    } catch (hookErr) {
      process.emitWarning(`edgefn: onError threw: ${messageOf(hookErr)}`, { code: 'EDGEFN_HOOK_FAILED' });
    }
  };
  const fail = (err: unknown, input: unknown, where: string, code: ErrorCode) => {
    const e = toEdgefnError(err, where, code);
    stats.failed++;
    stats.failedBy[e.code] = (stats.failedBy[e.code] ?? 0) + 1;
    log('failed %s: %s', where, e.message);
    report(e, input);
  };

  const manifest = (model as Partial<AnyModel>).manifest;
  const windower = manifest?.input.kind === 'tabular' && manifest.input.window ? new Windower(manifest.input.window, manifest.input.features) : null;

  const queue = new BoundedQueue<unknown>(capacity, policy, (_item, reason) => {
    stats.dropped[reason]++;
  });
  const call = model as (input: unknown) => Promise<R>;
  const write = sink === undefined ? null : typeof sink === 'function' ? sink : sink.write.bind(sink);

  let stopResolve!: () => void;
  // Raced against each iterator.next(): a stop never waits for the source's next item.
  const stopRequested = new Promise<null>((r) => { stopResolve = () => r(null); });
  let stopping = false;
  const requestStop = (by: LoopStats['stoppedBy']) => {
    if (stopping) return;
    stopping = true;
    stats.stoppedBy ??= by;
    log('stopping (%s)', by);
    stopResolve();
  };

  const onAbort = () => requestStop('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) requestStop('abort');
  const osSignals = (options.handleSignals ?? true) ? (['SIGINT', 'SIGTERM'] as const) : [];
  const signalHandlers = osSignals.map((s) => [s, () => requestStop(s)] as const);
  for (const [s, h] of signalHandlers) process.once(s, h);

  const iterator = source[Symbol.asyncIterator]();

  /** 1 while the pump waits for room under `block`: that item is counted as queued. */
  let pushing = 0;
  /**
   * The source's next() that a stop overtook. The source may still give its item: that item was
   * produced, so it is counted (dropped as `stopped`), never lost.
   */
  let overtaken: Promise<IteratorResult<unknown>> | null = null;

  /** One item from the source, counted and checked, into the queue (or the window). */
  async function admit(item: unknown, where: string): Promise<void> {
    stats.received++;
    const invalid = (why: string) => fail(new EdgefnError(ErrorCode.INPUT_INVALID, `${where} ${why}`, { input: where }), item, where, ErrorCode.INPUT_INVALID);
    let isError: boolean;
    try {
      isError = item instanceof Error;
    } catch {
      return invalid('cannot be looked at (a revoked Proxy?)'); // instanceof itself threw
    }
    if (isError) return fail(item, item, where, ErrorCode.DEVICE_FAILED);
    // The queue must never carry "no item": it is one bad item, not the end of the loop.
    if (item === undefined || item === null) return invalid(`is ${String(item)}: a source yields inputs, or an Error for a bad one`);
    let input: unknown = item;
    if (windower) {
      try {
        const w = windower.push(item, where);
        if (w === null) {
          stats.buffered++;
          return;
        }
        // The window carries this reading to the queue; the older ones in it were counted
        // as buffered when they arrived and stay so (they completed no window of their own).
        input = w;
      } catch (err) {
        return fail(err, item, where, ErrorCode.INPUT_INVALID);
      }
    }
    pushing = 1;
    await queue.push(input);
    pushing = 0;
  }

  async function pump(): Promise<void> {
    let index = 0;
    while (!stopping) {
      const pending = iterator.next();
      const next = await Promise.race([pending, stopRequested]);
      if (next === null) {
        overtaken = pending;
        break;
      }
      if (next.done) {
        stats.stoppedBy ??= 'end';
        break;
      }
      await admit(next.value, `item ${index++}`);
    }
  }

  /** Counts what an overtaken next() gives: an item is dropped as `stopped`; the end or a failure is no item. */
  const settleOvertaken = (): Promise<void> | undefined => overtaken?.then(
    (r) => {
      if (r.done) return;
      stats.received++;
      stats.dropped.stopped++;
      log('an item the source gave while stopping: dropped as stopped');
    },
    (err: unknown) => log('the source failed while stopping: %s', messageOf(err)),
  );

  async function consume(): Promise<void> {
    for (;;) {
      const input = await queue.take();
      if (input === CLOSED) return;
      stats.inFlight++;
      let result: R;
      try {
        result = await call(input);
      } catch (err) {
        stats.inFlight--;
        fail(err, input, 'model', ErrorCode.RUNTIME_FAILED);
        continue;
      }
      try {
        await write?.(result, input as I);
        stats.processed++;
      } catch (err) {
        fail(err, input, 'sink', ErrorCode.SINK_FAILED);
      } finally {
        stats.inFlight--;
      }
    }
  }

  const snapshot = (): LoopStats => {
    const sourceDropped = (source as { dropped?: number }).dropped;
    return {
      ...stats, queued: queue.size + pushing, failedBy: { ...stats.failedBy },
      dropped: { ...stats.dropped, source: typeof sourceDropped === 'number' ? sourceDropped : stats.dropped.source },
    };
  };

  const consumers = Array.from({ length: concurrency }, () => consume());
  const done = (async () => {
    try {
      await pump();
    } catch (err) {
      stats.error = toEdgefnError(err, 'source', ErrorCode.DEVICE_FAILED);
      stats.stoppedBy ??= 'error';
      log('source failed: %s', stats.error.message);
      report(stats.error, undefined);
    }
    stopping = true;
    // Ends the source: closes the port, unwatches the pin, stops the capture timer. An async
    // generator suspended in an await only runs its return() after that await (and gives the
    // item it was making first, counted by settleOvertaken): bounded, so a source waiting
    // forever cannot hold the loop open. An item given after the bound is still counted, in
    // `stats`, after `done` has resolved.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([
        settleOvertaken(),
        Promise.resolve().then(() => iterator.return?.()).catch((err: unknown) => log('closing the source failed: %s', messageOf(err))),
      ]),
      new Promise<void>((r) => { timer = setTimeout(() => { log('the source did not end within %d ms', RETURN_TIMEOUT_MS); r(); }, RETURN_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (onStop === 'discard') queue.discard('shutdown');
    queue.close();
    await Promise.all(consumers);
    if (sink !== undefined && typeof sink !== 'function') {
      await Promise.resolve().then(() => sink.close?.()).catch((err: unknown) => {
        const e = toEdgefnError(err, 'sink', ErrorCode.SINK_FAILED);
        stats.error ??= e;
        report(e, undefined);
      });
    }
    options.signal?.removeEventListener('abort', onAbort);
    for (const [s, h] of signalHandlers) process.removeListener(s, h);
    stats.running = false;
    log('stopped: %o', stats);
    return snapshot();
  })();

  return {
    get stats() {
      return snapshot();
    },
    done,
    stop() {
      requestStop('stop');
      return done;
    },
  };
}
