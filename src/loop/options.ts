/** run()'s options, checked with the field named, and their defaults. */
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { OVERFLOW_POLICIES, type OverflowPolicy } from './queue.js';
import type { RunOptions } from './types.js';

const RUN_KEYS = new Set(['source', 'model', 'sink', 'queue', 'signal', 'handleSignals', 'onStop', 'concurrency', 'onError']);

export interface CheckedRunOptions {
  capacity: number;
  policy: OverflowPolicy;
  onStop: 'drain' | 'discard';
  concurrency: number;
}

export function checkRunOptions<I, R>(options: RunOptions<I, R>): CheckedRunOptions {
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
  if (options.queue !== undefined && !is.object(options.queue as unknown)) throw invalidArgument('an object { capacity?, policy? }', 'queue', options.queue);
  const capacity = options.queue?.capacity ?? 8;
  if (!is.positiveInteger(capacity)) throw invalidArgument('a positive integer', 'queue.capacity', capacity);
  const policy = options.queue?.policy ?? 'drop-oldest';
  if (!is.oneOf(policy, OVERFLOW_POLICIES)) throw invalidArgument(`one of ${OVERFLOW_POLICIES.join(', ')}`, 'queue.policy', policy);
  const onStop = options.onStop ?? (policy === 'latest' ? 'discard' : 'drain');
  if (!is.oneOf(onStop, ['drain', 'discard'] as const)) throw invalidArgument('drain or discard', 'onStop', onStop);
  const concurrency = options.concurrency ?? 1;
  if (!is.positiveInteger(concurrency)) throw invalidArgument('a positive integer', 'concurrency', concurrency);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw invalidArgument('an AbortSignal', 'signal', options.signal);
  if (options.handleSignals !== undefined && !is.bool(options.handleSignals)) throw invalidArgument('true or false', 'handleSignals', options.handleSignals);
  if (options.onError !== undefined && typeof options.onError !== 'function') throw invalidArgument('a function (error, input)', 'onError', options.onError);
  return { capacity, policy, onStop, concurrency };
}
