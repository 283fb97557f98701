/**
 * The deletion check on real photos with a real ImageNet model (MobileNetV2 int8 from
 * ../shared/models, EDGEFN_SHARED_MODELS), skipped with a message when it is absent. The model's
 * manifest is the example's without the centre crop, and the photos are cut to 224x224 the way the
 * crop would, so the explanation and the check see the same pixels.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { load, type ImageExplanation } from '../src/index.ts';
import { photo, removeDir, sharedAvailable, SHARED_MODELS } from './helpers/index.ts';
import { deletionAreas, noiseMap, type Areas } from './helpers/deletion-check.ts';
import { mobilenetUncropped, photo224 } from './helpers/explain-kit.ts';

const NAME = 'MobileNetV2 on real photos: salient cells first beat them last on every photo, and random cells on average; noise maps fail';
const missing = ['mobilenetv2-12-int8.onnx', 'imagenet-synset.txt'].filter((f) => !sharedAvailable(f));
const CELL = 32; // 7 x 7 cells

/*
 * On photos: salient-first area below salient-last on every photo, and below random orders of the
 * same cells on average over the photos. Not on every photo: measured at maxCalls 80 (54 used), the
 * cat ties (0.212 salient vs 0.201 random: its label, Egyptian cat at 0.52, trades with tabby as
 * cells go), the espresso wins (0.119 vs 0.180) and Grace Hopper's bow tie wins (0.049 vs 0.215).
 */
if (missing.length > 0) {
  console.log(`explain-imagenet.test: ${SHARED_MODELS} (EDGEFN_SHARED_MODELS) lacks ${missing.join(', ')}; the check is skipped`);
  test.skip(NAME, () => {});
} else {
  test(NAME, async () => {
    const dir = await mobilenetUncropped();
    const model = await load(dir);
    try {
      const real: Areas[] = [];
      const noise: Areas[][] = [[], [], []];
      for (const name of ['chelsea.jpg', 'coffee.jpg', 'grace-hopper.jpg']) {
        const image = await photo224(photo(name));
        const e = (await model.explain(image, { maxCalls: 80, budgetMs: 600_000 })) as ImageExplanation;
        assert.ok(e.calls <= 80);
        const a = await deletionAreas(model, image, e.heatmap, e.target.index, CELL);
        console.log(`  ${name}: ${e.target.label} ${e.target.score.toFixed(2)}, ${e.calls} calls (patch ${e.patch}, stride ${e.stride}); areas salient ${a.salient.toFixed(3)}, random ${a.random.toFixed(3)}, inverted ${a.inverted.toFixed(3)}`);
        real.push(a);
        for (const [k, list] of noise.entries()) list.push(await deletionAreas(model, image, noiseMap(e.heatmap.length, k + 1), e.target.index, CELL, 1));
      }
      assert.ok(real.every((a) => a.salient < a.inverted), JSON.stringify(real));
      const mean = (k: keyof Areas) => real.reduce((s, a) => s + a[k], 0) / real.length;
      assert.ok(mean('salient') < mean('random'), JSON.stringify(real));
      // Three noise maps: none passes on every photo.
      for (const list of noise) assert.not.ok(list.every((a) => a.salient < a.inverted), `noise map passed: ${JSON.stringify(list)}`);
    } finally {
      await model.dispose();
      await removeDir(path.dirname(dir));
    }
  });
}

test.run();
