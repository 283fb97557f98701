/**
 * The cascade's two ways through its stages. When both stages prepare an input the same way (the
 * same input spec and decode limits, as a cheap model trained on the detailed one's inputs does),
 * the fast stage hands back what it prepared and the detailed stage runs on that: an escalated
 * input is read and decoded once and costs the detailed model's run alone. Otherwise, or when a
 * stage is not a plain load() model (a store answers through its own call, which swaps versions and
 * rolls candidates out; a nested cascade routes), each stage is called as it would be alone.
 */
import { internalsOf, preparationDifference } from './internals.js';
import type { CallOptions } from './options.js';
import type { Classification } from './tasks/image-classification.js';
import type { Prepared } from './tasks/task.js';

type Answer = Classification | Classification[];
type Call = (input: unknown, options?: CallOptions) => Promise<unknown>;

/** One call's way through the stages. */
export interface Stages {
  /** Whether the detailed stage runs on the fast stage's prepared inputs. */
  readonly shared: boolean;
  /** The fast stage on the call's input: its answer is the stage's answer alone. */
  fast(input: unknown, o: CallOptions | undefined): Promise<Answer>;
  /**
   * The detailed stage on what the fast one did not settle: the call's input itself (`escalated`
   * null), or the items of a batch at these indexes, answered in that order as one batch.
   */
  detailed(input: unknown, o: CallOptions | undefined, escalated: readonly number[] | null): Promise<Answer>;
}

/** Each stage on its own: the detailed one gets the call's input, or a batch of the escalated items. */
export function separateStages(fast: Call, detailed: Call): Stages {
  return {
    shared: false,
    fast: (input, o) => fast(input, o) as Promise<Answer>,
    detailed(input, o, escalated) {
      if (escalated === null) return detailed(input, o) as Promise<Answer>;
      const inputs = input as readonly unknown[];
      // By index: a hole stays a missing input, which the detailed stage refuses as it would alone.
      const sub = escalated.map((i) => (Object.prototype.hasOwnProperty.call(inputs, i) ? inputs[i] : undefined));
      return detailed(sub, o) as Promise<Answer>;
    },
  };
}

/**
 * Stages for one call that share preparation, made per call (each call keeps its own prepared
 * inputs); or, when the pair cannot share, why not. `escalates` is the cascade's routing rule:
 * only the prepared forms of inputs it escalates are kept, so a batch holds no more than those.
 */
export type SharedStages = (escalates: (fastAnswer: Classification) => boolean) => Stages;

export function sharedStages(fast: Call, detailed: Call): SharedStages | { why: string } {
  const [f, d] = [internalsOf(fast), internalsOf(detailed)];
  if (!f || !d) return { why: `models[${f ? 1 : 0}] is not a model from load()` };
  const differs = preparationDifference(f.preparation, d.preparation);
  if (differs !== null) return { why: `the stages prepare inputs differently (${differs})` };
  const separate = separateStages(fast, detailed);

  return (escalates) => {
    const kept = new Map<number, Prepared>();
    return {
      shared: true,
      fast: (input, o) => f.call(input, o, (i, r, prepared) => {
        if (escalates(r as Classification)) kept.set(i, prepared);
      }) as Promise<Answer>,
      async detailed(input, o, escalated) {
        const items = (escalated ?? [0]).map((i) => kept.get(i));
        // Never expected (the fast stage handed back every answer it gave), and harmless: decode again.
        if (items.some((p) => p === undefined)) return separate.detailed(input, o, escalated);
        const answers = (await d.runPrepared(items as Prepared[], o, escalated !== null)) as Classification[];
        return escalated === null ? answers[0]! : answers;
      },
    };
  };
}
