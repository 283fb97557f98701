/**
 * What a loop connects: a source of inputs and a sink for results.
 */

/**
 * Any async iterable of inputs. A source yields an `Error` (an EdgefnError) for an item it could
 * not make sense of (a garbled line): the loop counts it as failed and goes on. A source with its
 * own bounded buffer (GPIO events) reports what it dropped in `dropped`. The loop ends the source
 * with `return()` when it stops, which closes ports and releases pins.
 */
export type Source<T> = AsyncIterable<T | Error> & { readonly dropped?: number };

/** A function called with each result, or an object whose close() the loop calls when it stops. */
export type Sink<R, I = unknown> =
  | ((result: R, input: I) => void | Promise<void>)
  | { write(result: R, input: I): void | Promise<void>; close?(): void | Promise<void> };
