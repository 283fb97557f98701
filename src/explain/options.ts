/**
 * Validates explain options (`model.explain(x, options)`, `classify(x, { explain })`) once, at the
 * edge, with the one message shape: "Expected positive integer for explain.maxCalls but received 0".
 */
import { checkKeys, invalidArgument, is } from '../util/validate.js';
import { EXPLAIN_METHODS, type ResolvedExplainOptions } from './types.js';

const KEYS = new Set(['budgetMs', 'maxCalls', 'target', 'method', 'reference', 'seed']);

/** `where`: the option's path in messages (`options` for explain(), `explain` inside a call's options). */
export function resolveExplainOptions(options: unknown, where = 'options'): ResolvedExplainOptions {
  const o = options === undefined || options === true ? {} : options;
  if (!is.object(o)) throw invalidArgument('an options object', where, options);
  checkKeys(o, KEYS, where === 'options' ? 'explain' : where);
  const field = (k: string) => (where === 'options' ? k : `${where}.${k}`);
  const { budgetMs, maxCalls, target, method, seed } = o;
  if (budgetMs !== undefined && !(is.number(budgetMs) && budgetMs > 0)) throw invalidArgument('positive number (ms)', field('budgetMs'), budgetMs);
  if (maxCalls !== undefined && !is.positiveInteger(maxCalls)) throw invalidArgument('positive integer', field('maxCalls'), maxCalls);
  if (target !== undefined && !is.nonEmptyString(target) && !is.nonNegativeInteger(target)) {
    throw invalidArgument('a label name or index', field('target'), target);
  }
  if (method !== undefined && !is.oneOf(method, EXPLAIN_METHODS)) throw invalidArgument(`one of ${EXPLAIN_METHODS.join(', ')}`, field('method'), method);
  if (seed !== undefined && !is.nonNegativeInteger(seed)) throw invalidArgument('non-negative integer', field('seed'), seed);
  return {
    budgetMs: (budgetMs as number | undefined) ?? null,
    maxCalls: (maxCalls as number | undefined) ?? Infinity,
    target: (target as string | number | undefined) ?? null,
    method: (method as ResolvedExplainOptions['method'] | undefined) ?? null,
    reference: o.reference,
    seed: (seed as number | undefined) ?? 1,
  };
}
