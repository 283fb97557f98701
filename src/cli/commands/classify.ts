import { EdgefnError } from '../../errors.js';
import { load } from '../../model/load.js';
import type { LoadOptions } from '../../model/options.js';
import { classificationJson, classificationLine } from '../format.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export interface ClassifyArgs {
  images: string[];
  model: string;
  json: boolean;
  options: LoadOptions;
}

/** Classifies each image; a failed image is reported and the others still printed. */
export async function classifyCommand(args: ClassifyArgs, io: CliIO): Promise<ExitCode> {
  const model = await load(args.model, args.options);
  let failed = 0;
  try {
    for (const image of args.images) {
      try {
        const r = await model(image);
        io.out(args.json ? JSON.stringify(classificationJson(image, r)) : classificationLine(image, r));
      } catch (err) {
        failed++;
        const code = err instanceof EdgefnError ? err.code : 'ERROR';
        const message = err instanceof Error ? err.message : String(err);
        if (args.json) io.out(JSON.stringify({ input: image, error: { code, message } }));
        io.err(`${image}: ${message} [${code}]`);
      }
    }
  } finally {
    await model.dispose();
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
