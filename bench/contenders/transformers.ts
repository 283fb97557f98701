/** transformers.js's image-classification pipeline on the same ONNX graph, from local files only. */
import { env, pipeline } from '@huggingface/transformers';
import type { ContenderFactory } from './types.ts';

export const create: ContenderFactory = async (model) => {
  if (!model.hf) throw new Error('no transformers.js folder for this model');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${model.hf}/`;
  const classify = await pipeline('image-classification', 'mobilenetv2', { dtype: 'fp32', device: 'cpu' });
  return {
    classify: async (file) => {
      const out = (await classify(file, { top_k: 5 })) as { label: string; score: number }[];
      return out[0]!.label;
    },
    close: () => classify.dispose(),
  };
};
