/**
 * The campaign checking itself: cases that crash, hang, throw without a code, answer NaN or harm
 * the model on purpose, so a test can show each is counted as what it is (a campaign that cannot
 * see a crash would report zero crashes forever). Never part of a normal run.
 */
import type { Case, Category, Ctx, Outcome } from '../types.ts';
import { GOLDEN_IMAGE } from '../paths.ts';

export const HARNESS: Record<string, { outcome: Outcome; run(ctx: Ctx): Promise<unknown> }> = {
  answer: { outcome: 'ok-answer', run: (ctx) => ctx.image(GOLDEN_IMAGE) },
  'coded-error': { outcome: 'ok-coded-error', run: (ctx) => ctx.image('') },
  abort: { outcome: 'crash', run: async () => process.abort() },
  'exit-1': { outcome: 'crash', run: async () => process.exit(1) },
  'unhandled-rejection': { outcome: 'crash', run: async (ctx) => { void Promise.reject(new Error('campaign: left unhandled')); return ctx.image(GOLDEN_IMAGE); } },
  'never-settles': { outcome: 'hang', run: () => new Promise(() => {}) },
  uncoded: { outcome: 'uncoded-error', run: async () => { throw new TypeError("Cannot read properties of undefined (reading 'prepared')"); } },
  nan: { outcome: 'nan-answer', run: async () => ({ label: 'dry', score: NaN, unknown: false, top: [], probabilities: new Float32Array([NaN]) }) },
  'harms-model': { outcome: 'model-harmed', run: async (ctx) => { await ctx.image.dispose(); return 'disposed'; } },
};

function generate(): Case[] {
  return Object.keys(HARNESS).map((name) => ({ id: `harness/${name}`, category: 'harness', params: { name }, expect: 'any' }));
}

async function run(c: Case, ctx: Ctx): Promise<unknown> {
  return HARNESS[(c.params as { name: string }).name]!.run(ctx);
}

export const harness: Category = { name: 'harness', generate, run };
