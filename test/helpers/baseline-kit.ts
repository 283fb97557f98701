/**
 * Real version folders for the baseline tests: a model that always answers one label (the bundled
 * linear baseline's ONNX file with its weights zeroed and a one-hot bias, so it is a real model run
 * by onnxruntime) and golden sets dominated by one label.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLED_VERSION, copyBundled } from './index.js';
import { initializerRanges } from './onnx-weights.js';

export const LINEAR_BASELINE = path.join(BUNDLED_VERSION, 'baselines/linear');
export const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function readJson(file: string): Promise<any> {
  return JSON.parse(await readFile(file, 'utf8'));
}

export async function writeJson(file: string, json: unknown): Promise<string> {
  const text = `${JSON.stringify(json, null, 2)}\n`;
  await writeFile(file, text);
  return sha(Buffer.from(text));
}

/** The linear baseline's model rewritten to answer `label` whatever the input: zero weights, bias 10 on that class. */
export async function constantModel(label: string): Promise<Buffer> {
  const bytes = await readFile(path.join(LINEAR_BASELINE, 'model.onnx'));
  const [weights, bias] = initializerRanges(bytes);
  if (!weights || !bias || bias.end - bias.start !== 4 * LABELS.length) throw new Error('unexpected initializers in the linear baseline');
  bytes.fill(0, weights.start, weights.end);
  for (let k = 0; k < LABELS.length; k++) bytes.writeFloatLE(LABELS[k] === label ? 10 : 0, bias.start + 4 * k);
  return bytes;
}

/**
 * A copy of the bundled version whose golden set is dominated by `label`: each of its 10 golden
 * images repeated 7 times (70 items) plus the 30 images of three other classes, so the majority
 * class scores 70 %. No `golden.baselines`, no minAccuracy. With `constant`, its model always
 * answers `label`: no better than the majority class.
 */
export async function dominatedVersion(label = 'Trouser', constant = false): Promise<string> {
  const dir = await copyBundled();
  const index = await readJson(path.join(dir, 'golden/index.json'));
  const own = index.items.filter((i: { label: string }) => i.label === label);
  const others = index.items.filter((i: { label: string }) => i.label !== label).slice(0, 30);
  const items = [...Array.from({ length: 7 }, () => own).flat(), ...others];
  const goldenSha = await writeJson(path.join(dir, 'golden/index.json'), { items });
  const m = await readJson(path.join(dir, 'manifest.json'));
  m.golden = { file: 'golden/index.json', sha256: goldenSha };
  if (constant) {
    const model = await constantModel(label);
    await writeFile(path.join(dir, 'model.onnx'), model);
    m.model.sha256 = sha(model);
  }
  await writeJson(path.join(dir, 'manifest.json'), m);
  return dir;
}

/** Edits the linear baseline's manifest in a version copy and records its new sha256 in the version's manifest. */
export async function editBaselineManifest(versionDir: string, edit: (m: any) => void): Promise<void> {
  const file = path.join(versionDir, 'baselines/linear/manifest.json');
  const b = await readJson(file);
  edit(b);
  const hash = await writeJson(file, b);
  const m = await readJson(path.join(versionDir, 'manifest.json'));
  m.golden.baselines[0].sha256 = hash;
  await writeJson(path.join(versionDir, 'manifest.json'), m);
}
