/**
 * run(): a device loop. A source (serial readings, GPIO events, camera frames, files) feeds a
 * bounded queue; the model takes from it; results go to a sink. Every item is counted: received
 * = processed + failed + dropped + buffered (readings waiting to complete a window) + queued +
 * in flight; once the loop has stopped, queued and in flight are 0. A bad item is one failure, reported, and the loop goes on.
 *
 * Waiting for input costs no CPU: the loop awaits the source's promises (streams, interrupts,
 * file-system events) and never polls.
 */
import { EdgefnError, ErrorCode, isEdgefnError } from '../errors.js';
import type { AnyModel } from '../model/load.js';
import { debug } from '../util/debug.js';
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { BoundedQueue, OVERFLOW_POLICIES, type DropReason, type OverflowPolicy } from './queue.js';
import { Windower } from './window.js';
import type { Sink, Source } from './types.js';

const log = debug('loop');

export interface RunOptions<I, R> {
  /** Where inputs come from: any async iterable (see serialSource, gpioSource, cameraSource, folderSource). */
  source: Source<I>;
  /**
   * The model: a loaded model or store, or any async function. A windowed tabular model
   * (`input.window` in its manifest) gets windows built from the source's readings.
   */
  model: ((input: never) => Promise<R>) | AnyModel;
  /** Where results go: a function, or an object with write() and close(). Optional. */
  sink?: Sink<R, I>;
  /** Queue between source and model. Default `{ capacity: 8, policy: 'drop-oldest' }`. */
  queue?: { capacity?: number; policy?: OverflowPolicy };
  /** Stops the loop when aborted. */
  signal?: AbortSignal;
  /** Stop on SIGINT and SIGTERM (the handlers are removed when the loop ends). Default true. */
  handleSignals?: boolean;
  /**
   * What happens to queued items when the loop is stopped: `drain` processes them, `discard`
   * drops them (counted as `shutdown`). Default `discard` for the `latest` policy (old frames
   * are worth nothing), `drain` otherwise.
   */
  onStop?: 'drain' | 'discard';
  /** Model calls at a time. Default 1. */
  concurrency?: number;
  /** Told of every failed item (bad reading, undecodable frame, model or sink error). */
  onError?: (error: EdgefnError, input: unknown) => void;
}

export interface LoopStats {
  /** Items the loop took from the source (good and bad). */
  received: number;
  /** Items the model answered and the sink took. */
  processed: number;
  /** Items that failed: bad input, a model error or a sink error. */
  failed: number;
  /** Failures by error code. */
  failedBy: Record<string, number>;
  /** Items dropped by the queue, by reason, and by the source before the loop saw them. */
  dropped: Record<DropReason | 'source', number>;
  /** Readings held in a window that has not produced a result (windowed models only). */
  buffered: number;
  queued: number;
  inFlight: number;
  running: boolean;
  /** Why the loop ended: the source ended or failed, the signal aborted it, an OS signal, stop(). */
  stoppedBy: 'end' | 'error' | 'abort' | 'SIGINT' | 'SIGTERM' | 'stop' | null;
  /** The source's own failure that ended the loop (not an item: not in `failed`). */
  error?: EdgefnError;
}

export interface Loop {
  /** A snapshot of the counters. */
  readonly stats: LoopStats;
  /** Resolves with the final counters when the loop has stopped and closed its source and sink. */
  readonly done: Promise<LoopStats>;
  /** Stops the loop (as the signal would) and waits for it. */
  stop(): Promise<LoopStats>;
}

/** How long stopping waits for a source to end (see done below). */
const RETURN_TIMEOUT_MS = 2000;

const RUN_KEYS = new Set(['source', 'model', 'sink', 'queue', 'signal', 'handleSignals', 'onStop', 'concurrency', 'onError']);

function toEdgefnError(err: unknown, input: string): EdgefnError {
  if (isEdgefnError(err)) return err;
  return new EdgefnError(ErrorCode.RUNTIME_FAILED, err instanceof Error ? err.message : String(err), { cause: err, input });
}

export function run<I, R>(options: RunOptions<I, R>): Loop {
  if (!is.object(options as unknown)) throw invalidArgument('an options object', 'options', options);
  checkKeys(options, RUN_KEYS);
  const { source, model, sink } = options;
  if (source === null || typeof source !== 'object' || typeof (source as AsyncIterable<I>)[Symbol.asyncIterator] !== 'function') {
    throw invalidArgument('an async iterable', 'source', source);
  }
  if (typeof model !== 'function') throw invalidArgument('a model (a function)', 'model', model);
  if (sink !== undefined && typeof sink !== 'function' && !(is.object(sink) && typeof sink.write === 'function')) {
    throw invalidArgument('a function or { write, close? }', 'sink', sink);
  }
  const capacity = options.queue?.capacity ?? 8;
  if (!is.positiveInteger(capacity)) throw invalidArgument('a positive integer', 'queue.capacity', capacity);
  const policy = options.queue?.policy ?? 'drop-oldest';
  if (!is.oneOf(policy, OVERFLOW_POLICIES)) throw invalidArgument(`one of ${OVERFLOW_POLICIES.join(', ')}`, 'queue.policy', policy);
  const onStop = options.onStop ?? (policy === 'latest' ? 'discard' : 'drain');
  if (!is.oneOf(onStop, ['drain', 'discard'] as const)) throw invalidArgument('drain or discard', 'onStop', onStop);
  const concurrency = options.concurrency ?? 1;
  if (!is.positiveInteger(concurrency)) throw invalidArgument('a positive integer', 'concurrency', concurrency);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw invalidArgument('an AbortSignal', 'signal', options.signal);

  const stats: LoopStats = {
    received: 0, processed: 0, failed: 0, failedBy: {},
    dropped: { stale: 0, overflow: 0, rejected: 0, shutdown: 0, source: 0 },
    buffered: 0, queued: 0, inFlight: 0, running: true, stoppedBy: null,
  };
  /** Tells onError; a hook that throws must not stop the loop. */
  const report = (e: EdgefnError, input: unknown) => {
    try {
      options.onError?.(e, input);
    } catch (hookErr) {
      process.emitWarning(`edgefn: onError threw: ${hookErr instanceof Error ? hookErr.message : String(hookErr)}`, { code: 'EDGEFN_HOOK_FAILED' });
    }
  };
  const fail = (err: unknown, input: unknown, where: string) => {
    const e = toEdgefnError(err, where);
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

  async function pump(): Promise<void> {
    let index = 0;
    while (!stopping) {
      const next = await Promise.race([iterator.next(), stopRequested]);
      if (next === null) break;
      if (next.done) {
        stats.stoppedBy ??= 'end';
        break;
      }
      const item = next.value;
      const where = `item ${index++}`;
      stats.received++;
      if (item instanceof Error) {
        fail(item, item, where);
        continue;
      }
      let input: unknown = item;
      if (windower) {
        try {
          const w = windower.push(item, where);
          if (w === null) {
            stats.buffered++;
            continue;
          }
          // The window carries this reading to the queue; the older ones in it were counted
          // as buffered when they arrived and stay so (they completed no window of their own).
          input = w;
        } catch (err) {
          fail(err, item, where);
          continue;
        }
      }
      pushing = 1;
      await queue.push(input);
      pushing = 0;
    }
  }

  async function consume(): Promise<void> {
    for (;;) {
      const input = await queue.take();
      if (input === undefined) return;
      stats.inFlight++;
      try {
        const result = await call(input);
        try {
          await write?.(result, input as I);
          stats.processed++;
        } catch (err) {
          fail(err, input, 'sink');
        }
      } catch (err) {
        fail(err, input, 'model');
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
      stats.error = toEdgefnError(err, 'source');
      stats.stoppedBy ??= 'error';
      log('source failed: %s', stats.error.message);
      report(stats.error, undefined);
    }
    stopping = true;
    // Ends the source: closes the port, unwatches the pin, stops the capture timer. An async
    // generator suspended in an await only runs its return() after that await: bounded, so a
    // source waiting forever cannot hold the loop open.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.resolve(iterator.return?.()).catch((err: unknown) => log('closing the source failed: %s', err)),
      new Promise<void>((r) => { timer = setTimeout(() => { log('the source did not end within %d ms', RETURN_TIMEOUT_MS); r(); }, RETURN_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (onStop === 'discard') queue.discard('shutdown');
    queue.close();
    await Promise.all(consumers);
    if (sink !== undefined && typeof sink !== 'function') {
      await Promise.resolve(sink.close?.()).catch((err: unknown) => {
        stats.error ??= toEdgefnError(err, 'sink');
        report(stats.error, undefined);
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
