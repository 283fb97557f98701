/** `edgefn explain <input>`: why the model answered what it did, or (--global) which features matter. */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { EdgefnError, ErrorCode, messageOf } from '../../errors.js';
import { permutationImportance } from '../../explain/permutation.js';
import type { Explanation, FeatureExplanation, ImageExplanation } from '../../explain/types.js';
import type { TabularInputSpec } from '../../manifest/index.js';
import { load, type AnyModel } from '../../model/load.js';
import type { Command } from '../args.js';
import { percent, table } from '../format.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { readOne, readSet } from './explain-input.js';

export type ExplainArgs = Extract<Command, { kind: 'explain' }> & { model: string };

export async function explainCommand(args: ExplainArgs, io: CliIO): Promise<ExitCode> {
  const model: AnyModel = await load(args.model, args.options);
  try {
    const image = model.manifest.input.kind === 'image';
    if (args.global) {
      if (image) throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `--global ranks the features of a readings model; ${model.name} takes images`, { field: 'global' });
      return await globalCommand(model, args, io);
    }
    if (args.out && !image) throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `--out writes a saliency overlay, for image models; ${model.name} takes readings`, { field: 'out' });
    const input = image ? args.input : await readOne(args.input);
    const e: Explanation = await model.explain(input, args.budgetMs !== undefined ? { budgetMs: args.budgetMs } : {});
    if (e.kind === 'image' && args.out) await writeOut(args.out, await e.toPNG());
    if (args.json) io.out(JSON.stringify(explanationJson(args.input, e, args.out)));
    else io.out(e.kind === 'image' ? imageText(args.input, e, args.out) : featuresText(args.input, e));
    return EXIT.ok;
  } finally {
    await model.dispose();
  }
}

async function globalCommand(model: AnyModel, args: ExplainArgs, io: CliIO): Promise<ExitCode> {
  const set = await readSet(args.input, model.manifest.input as TabularInputSpec);
  const report = await permutationImportance(model, set.inputs, set.labels ? { labels: set.labels } : {});
  if (args.json) {
    io.out(JSON.stringify({ input: args.input, model: { name: model.name, version: model.version }, ...report }));
    return EXIT.ok;
  }
  io.out(`${args.input}: permutation importance over ${report.items} inputs (${report.calls} calls)${report.accuracy === null ? '' : `, accuracy ${percent(report.accuracy)}`}`);
  io.out(table([['feature', 'importance', '± spread'], ...report.features.map((f) => [f.feature, f.importance.toFixed(4), f.spread.toFixed(4)])], [1, 2]));
  return EXIT.ok;
}

const cost = (e: Explanation) => `${e.calls} calls in ${e.elapsedMs.toFixed(1)} ms (budget ${e.budgetMs.toFixed(1)} ms${e.complete ? '' : ', stopped by it'})`;

function imageText(input: string, e: ImageExplanation, out?: string): string {
  let peak = 0;
  e.heatmap.forEach((v, i) => { if (v > e.heatmap[peak]!) peak = i; });
  return [
    `${input}: ${e.target.label} ${percent(e.target.score)}; occlusion, patch ${e.patch} px, stride ${e.stride} px: ${cost(e)}`,
    `  most salient at x ${peak % e.width}, y ${Math.floor(peak / e.width)} of the ${e.width}x${e.height} input (score drop ${e.heatmap[peak]!.toFixed(3)})`,
    ...(out ? [`  overlay written to ${out}`] : []),
  ].join('\n');
}

function featuresText(input: string, e: FeatureExplanation): string {
  const head = `${input}: ${e.target.label} ${e.target.score.toFixed(4)} vs ${e.referenceScore.toFixed(4)} at the reference (${e.reference}); ${e.method}: ${cost(e)}`;
  const sign = (v: number) => (v >= 0 ? `+${v.toFixed(4)}` : v.toFixed(4));
  return `${head}\n${table(e.attributions.map((a) => [a.feature, sign(a.contribution)]), [1])}`;
}

function explanationJson(input: string, e: Explanation, out?: string): Record<string, unknown> {
  if (e.kind === 'features') return { input, ...e };
  const { toPNG: _drop, heatmap, ...rest } = e;
  return { input, ...rest, heatmap: Array.from(heatmap, (v) => +v.toFixed(6)), ...(out ? { out } : {}) };
}

/** Writes the overlay: never through a symbolic link, never into a FIFO or a device. */
async function writeOut(file: string, png: Buffer): Promise<void> {
  let handle;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (err) {
    const link = (err as NodeJS.ErrnoException).code === 'ELOOP';
    throw new EdgefnError(link ? ErrorCode.INVALID_ARGUMENT : ErrorCode.SINK_FAILED, link ? `--out ${file} is a symbolic link: edgefn does not write through links` : `Cannot write ${file}: ${messageOf(err)}`, { cause: err, field: 'out' });
  }
  try {
    if (!(await handle.stat()).isFile()) throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `--out ${file} is not a regular file`, { field: 'out' });
    await handle.truncate(0);
    await handle.writeFile(png);
  } finally {
    await handle.close();
  }
}
