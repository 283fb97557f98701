/**
 * edgefn as an application uses it: the built package (dist/, as npm installs it; `npm run bench`
 * builds it first), load(), and the function called with a file path.
 */
// @ts-ignore: dist/ is built before the benchmark runs; its types are those of src/index.ts
import * as built from '../../dist/index.mjs';
import type * as Edgefn from '../../src/index.ts';

const { load } = built as typeof Edgefn;
import type { ContenderFactory } from './types.ts';

export const create: ContenderFactory = async (model, options) => {
  const classify = await load(model.dir, options.spinning === undefined ? {} : { spinning: options.spinning });
  return {
    classify: async (file) => (await classify(file)).label!,
    batch: async (files) => (await classify(files)).map((r) => r.label!),
    close: () => classify.dispose(),
  };
};
