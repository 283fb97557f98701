/** edgefn as an application uses it: load() and call the function with a file path. */
import { load } from '../../src/index.ts';
import type { ContenderFactory } from './types.ts';

export const create: ContenderFactory = async (model, options) => {
  const classify = await load(model.dir, options.spinning === undefined ? {} : { spinning: options.spinning });
  return {
    classify: async (file) => (await classify(file)).label!,
    batch: async (files) => (await classify(files)).map((r) => r.label!),
    close: () => classify.dispose(),
  };
};
