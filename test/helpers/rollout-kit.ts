/** Helpers for the rollout suites: a worse candidate, the golden images as live inputs, a call driver. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLED_VERSION, age, golden } from './index.ts';
import { stageVersion } from './store-kit.ts';

const items: { file: string; label: string }[] = JSON.parse(readFileSync(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
/** The bundled golden images: live inputs with known answers. */
export const INPUTS = items.map((i) => golden(i.file));

/**
 * A version whose labels.txt is rotated by one (hashes updated): same weights, every top-1 label
 * differs from the bundled model's. Its manifest sets no minAccuracy, so a store with
 * accuracyMargin 1 lets it through the gate to the live stage.
 */
export async function stagePermuted(nameDir: string, version: string, edit?: (m: any) => void): Promise<string> {
  const dir = await stageVersion(nameDir, version, BUNDLED_VERSION, edit);
  const labels = (await readFile(path.join(dir, 'labels.txt'), 'utf8')).trim().split('\n');
  const rotated = `${[...labels.slice(1), labels[0]].join('\n')}\n`;
  await writeFile(path.join(dir, 'labels.txt'), rotated);
  const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  m.labels.sha256 = createHash('sha256').update(rotated).digest('hex');
  delete m.golden?.minAccuracy;
  delete m.metrics;
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  await age(dir);
  return dir;
}

/** Calls `model` on the golden images in turn, `n` calls, one at a time; returns the answers. */
export async function drive(model: (input: string) => Promise<any>, n: number, stop?: () => boolean): Promise<any[]> {
  const out: any[] = [];
  for (let i = 0; i < n && !stop?.(); i++) out.push(await model(INPUTS[i % INPUTS.length]!));
  return out;
}

/** Lets background work (shadow runs, flushes, decisions) run. */
export const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
