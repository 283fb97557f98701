import { stat } from 'node:fs/promises';
import path from 'node:path';
import { load } from '../../model/load.js';
import type { LoadOptions } from '../../model/options.js';
import type { TensorInfo } from '../../runtime/types.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export interface InspectArgs {
  model: string;
  json: boolean;
  options: LoadOptions;
}

const shape = (t: TensorInfo): string => (t.shape ? `[${t.shape.map((d) => d ?? '?').join(', ')}]` : '?');

/** What the manifest and the model file say: loads the model, so every check at load runs too. */
export async function inspectCommand(args: InspectArgs, io: CliIO): Promise<ExitCode> {
  const model = await load(args.model, args.options);
  try {
    const m = model.manifest;
    const file = path.join(model.dir, m.model.file);
    const bytes = (await stat(file)).size;
    const info = {
      name: m.name,
      version: m.version,
      task: m.task,
      format: m.format,
      dir: model.dir,
      description: m.description,
      runtime: model.runtime,
      providers: model.providers,
      model: { file: m.model.file, bytes, sha256: m.model.sha256 ?? null },
      input: m.input,
      output: m.output,
      modelInputs: model.inputs,
      modelOutputs: model.outputs,
      labels: model.labels,
      metrics: m.metrics,
    };
    if (args.json) {
      io.out(JSON.stringify(info, null, 2));
      return EXIT.ok;
    }
    const i = m.input;
    io.out(`${m.name}@${m.version}  ${m.task}, ${m.format} on ${model.runtime} (${model.providers.join(', ')})`);
    if (m.description) io.out(`  ${m.description}`);
    io.out(`  folder   ${model.dir}`);
    io.out(`  model    ${m.model.file}, ${(bytes / 1024).toFixed(1)} KiB${m.model.sha256 ? `, sha256 ${m.model.sha256.slice(0, 16)}… verified` : ''}`);
    const tensors = model.inputs.map((t) => `${t.name} ${t.dtype} ${shape(t)}`).join('; ');
    if (i.kind === 'image') {
      io.out(`  input    ${tensors}  (${i.layout}, ${i.color}, resize ${i.resize.width}x${i.resize.height} ${i.resize.fit}${i.resize.cropFraction < 1 ? ` crop ${i.resize.cropFraction}` : ''})`);
      if (i.normalize) io.out(`  normalise  scale ${i.normalize.scale.toPrecision(6)}, mean [${i.normalize.mean.join(', ')}], std [${i.normalize.std.join(', ')}]`);
    } else {
      io.out(`  input    ${tensors}  (features ${i.features.join(', ')}${i.window ? `; window ${i.window.size} readings, hop ${i.window.hop}: ${i.window.summaries.join(', ')}` : ''})`);
      if (i.normalize) io.out(`  normalise  per column: mean [${i.normalize.mean.map((x) => x.toPrecision(4)).join(', ')}], std [${i.normalize.std.map((x) => x.toPrecision(4)).join(', ')}]`);
    }
    io.out(`  output   ${model.outputs.map((t) => `${t.name} ${t.dtype} ${shape(t)}`).join('; ')}  (${m.output.kind})`);
    const shown = model.labels.slice(0, 12).join(', ');
    io.out(`  labels   ${model.labels.length}: ${shown}${model.labels.length > 12 ? ', …' : ''}`);
    const metrics = Object.entries(m.metrics).map(([k, v]) => `${k} ${v}`).join(', ');
    if (metrics) io.out(`  metrics  ${metrics}`);
    return EXIT.ok;
  } finally {
    await model.dispose();
  }
}
