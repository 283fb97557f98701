/** The campaign's vocabulary: a case, a category of cases, what a case may use, what came of it. */
import type { ImageClassifier, WindowClassifier } from '../../src/index.ts';
import type { Rng } from './rng.ts';

/** What a case must give: a coded error, a finite answer, or either. */
export type Expect = 'error' | 'answer' | 'any';

export interface Case {
  /** Stable within a seed: `<category>/<kind>/<n>`. */
  id: string;
  category: string;
  /** JSON: everything the child needs to rebuild the input (a seed, a format, a size...). */
  params: Record<string, unknown>;
  expect: Expect;
  /** With `expect: 'answer'`: the label it must give (an upright sneaker, however the file is rotated). */
  label?: string;
  /** Left out of the fast subset (test/campaign.test.ts): costly to make or to run. */
  slow?: boolean;
  /** Always in the fast subset: a case that once found a defect, or stands for a kind of them. */
  core?: boolean;
}

/** What a case may use in its child process. */
export interface Ctx {
  /** The bundled fashion-mnist model, loaded once per child: bad calls must not harm it. */
  image: ImageClassifier;
  /** The bundled rain-tomorrow model, loaded once per child. */
  rain: WindowClassifier;
  /** A scratch folder of this child, removed when it exits. */
  tmp: string;
  /** Files made once by the parent (bombs), shared by every child. */
  cache: string;
}

export interface Category {
  name: string;
  /** The category's cases; `scale` multiplies the count of its random ones. */
  generate(rng: Rng, scale: number): Case[];
  /** Makes the files its cases need that are costly to make (in the parent, once, cached). */
  prepare?(cases: readonly Case[], cache: string): Promise<void>;
  /** Runs one case in the child: resolves with the answer(s), or rejects. */
  run(c: Case, ctx: Ctx): Promise<unknown>;
}

export const OUTCOMES = [
  'ok-coded-error', 'ok-answer', 'uncoded-error', 'nan-answer', 'crash', 'hang',
  'unexpected-answer', 'unexpected-error', 'model-harmed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** Outcomes that are defects: the campaign's goal is zero of each. */
export const FAILURES: ReadonlySet<Outcome> = new Set(['uncoded-error', 'nan-answer', 'crash', 'hang', 'unexpected-answer', 'unexpected-error', 'model-harmed']);

export interface Result {
  id: string;
  category: string;
  outcome: Outcome;
  /** The error code, or what went wrong (the message of an uncoded error, the signal of a crash). */
  detail: string;
  ms: number;
  /** The child's peak resident memory after this case (kB, VmHWM). */
  hwmKb: number;
  /** How far this case raised the child's peak (kB). */
  hwmDeltaKb: number;
  /** The case ran alone in its own child (a re-run after its batch's child died or hung). */
  alone: boolean;
}

/** Messages from a child to the runner. */
export type ChildMessage =
  | { type: 'ready'; hwmKb: number }
  | { type: 'start'; id: string }
  | { type: 'result'; result: Result }
  | { type: 'fatal'; id: string | null; detail: string }
  | { type: 'done' };
