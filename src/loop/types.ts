/**
 * What a loop connects (a source of inputs, a sink for results), its options and its counters.
 */
import type { EdgefnError } from '../errors.js';
import type { AnyModel } from '../model/load.js';
import type { DropReason, OverflowPolicy } from './queue.js';

/**
 * Any async iterable of inputs. A source yields an `Error` (an EdgefnError) for an item it could
 * not make sense of (a garbled line): the loop counts it as failed and goes on (a plain Error as
 * DEVICE_FAILED); `undefined` or `null` is a failed item too (INPUT_INVALID), never the end. A
 * source with its own bounded buffer (GPIO events) reports what it dropped in `dropped`, including
 * what was still waiting when the loop ended it. The loop ends the source with `return()` when it
 * stops, which closes ports and releases pins.
 */
export type Source<T> = AsyncIterable<T | Error> & { readonly dropped?: number };

/** A function called with each result, or an object whose close() the loop calls when it stops. */
export type Sink<R, I = unknown> =
  | ((result: R, input: I) => void | Promise<void>)
  | { write(result: R, input: I): void | Promise<void>; close?(): void | Promise<void> };

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
  /**
   * Failures by error code: the item's own (INPUT_INVALID, INPUT_UNDECODABLE, DEVICE_FAILED for a
   * failed capture or pin write...), RUNTIME_FAILED for a model function that threw a plain error,
   * SINK_FAILED for a sink that did.
   */
  failedBy: Record<string, number>;
  /**
   * Items dropped, by reason: by the queue (stale, overflow, rejected, shutdown), given by the
   * source while the loop stopped (stopped), and by the source before the loop saw them (source:
   * not in `received`).
   */
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
