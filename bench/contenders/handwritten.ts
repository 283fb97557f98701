/**
 * The best pipeline one can write by hand with the same tools: the file read once, sharp's
 * shrink-on-load resize and centre crop straight to raw pixels, one normalising pass into a
 * preallocated Float32Array, session.run with onnxruntime's defaults, softmax and top-k.
 * It follows the model's manifest, so it does exactly the work edgefn does.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ContenderFactory } from './types.ts';

export const create: ContenderFactory = async (model) => {
  const m = JSON.parse(await readFile(path.join(model.dir, 'manifest.json'), 'utf8'));
  const { width, height, fit, cropFraction = 1, background = [0, 0, 0] } = m.input.resize;
  const gray = m.input.color === 'gray';
  const channels = gray ? 1 : 3;
  const plane = width * height;
  const { scale = 1 / 255, mean, std } = m.input.normalize;
  const mul = Array.from({ length: channels }, (_, c) => scale / std[c % std.length]);
  const add = Array.from({ length: channels }, (_, c) => -mean[c % mean.length] / std[c % std.length]);
  const session = await ort.InferenceSession.create(model.onnx);
  const tensorData = new Float32Array(channels * plane);
  const dims = [1, channels, height, width];
  const bg = { r: background[0], g: background[1] ?? background[0], b: background[2] ?? background[0] };
  const outer = cropFraction < 1 ? [Math.round(width / cropFraction), Math.round(height / cropFraction)] : [width, height];

  return {
    async classify(file) {
      const input = await readFile(file);
      let img = sharp(input).resize(outer[0], outer[1], { fit, background: bg });
      if (cropFraction < 1) img = img.extract({ left: Math.round((outer[0]! - width) / 2), top: Math.round((outer[1]! - height) / 2), width, height });
      img = gray ? img.grayscale() : img.removeAlpha();
      const pixels = await img.raw().toBuffer();
      for (let c = 0; c < channels; c++) {
        const a = mul[c]!;
        const b = add[c]!;
        for (let i = 0, o = c * plane, p = c; i < plane; i++, p += channels) tensorData[o + i] = pixels[p]! * a + b;
      }
      const out = await session.run({ [m.input.name]: new ort.Tensor('float32', tensorData, dims) });
      const logits = out[m.output.name]!.data as Float32Array;
      let best = 0;
      let max = -Infinity;
      let sum = 0;
      for (let i = 0; i < logits.length; i++) if (logits[i]! > max) { max = logits[i]!; best = i; }
      for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
      return `${best} ${(1 / sum).toFixed(4)}`;
    },
    close: () => session.release(),
  };
};
