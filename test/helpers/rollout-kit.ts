/** Helpers for the rollout suites: a worse candidate, the golden images as live inputs, a call driver. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLED_VERSION, age, golden, installVersion } from './index.ts';

const items: { file: string; label: string }[] = JSON.parse(readFileSync(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8')).items;
/** The bundled golden images: live inputs with known answers. */
export const INPUTS = items.map((i) => golden(i.file));

/**
 * Stages a copy of the bundled version as `version` beside the store, changes it there, and
 * renames it in whole (the store never sees a half-edited version). `permuted`: labels.txt
 * rotated by one (hashes updated), same weights, so every top-1 label differs from the bundled
 * model's; its manifest sets no minAccuracy, so a store with accuracyMargin 1 lets it through the
 * gate to the live stage. `light`: a 10-item golden set and no baseline models, for a gate in
 * ~0.1 s (the kill test's versions).
 */
export async function stageEdited(nameDir: string, version: string, o: { permuted?: boolean; light?: boolean; edit?: (m: any) => void } = {}): Promise<string> {
  const staged = await installVersion(path.join(path.dirname(nameDir), `staging-${process.pid}-${version}`), version, BUNDLED_VERSION, o.edit);
  const m = JSON.parse(await readFile(path.join(staged, 'manifest.json'), 'utf8'));
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  if (o.permuted) {
    const labels = (await readFile(path.join(staged, 'labels.txt'), 'utf8')).trim().split('\n');
    const rotated = `${[...labels.slice(1), labels[0]].join('\n')}\n`;
    await writeFile(path.join(staged, 'labels.txt'), rotated);
    m.labels.sha256 = sha(rotated);
    delete m.golden?.minAccuracy;
    delete m.metrics;
  }
  if (o.light) {
    const index = JSON.parse(await readFile(path.join(staged, 'golden/index.json'), 'utf8'));
    index.items = index.items.slice(0, 10);
    const text = JSON.stringify(index);
    await writeFile(path.join(staged, 'golden/index.json'), text);
    m.golden.sha256 = sha(text);
    delete m.golden.baselines;
  }
  await writeFile(path.join(staged, 'manifest.json'), JSON.stringify(m, null, 2));
  await age(staged);
  const dir = path.join(nameDir, version);
  await rename(staged, dir);
  return dir;
}

/** A worse version (see stageEdited). */
export const stagePermuted = (nameDir: string, version: string, edit?: (m: any) => void) => stageEdited(nameDir, version, { permuted: true, ...(edit ? { edit } : {}) });

/** Calls `model` on the golden images in turn, `n` calls, one at a time; returns the answers. */
export async function drive(model: (input: string) => Promise<any>, n: number, stop?: () => boolean): Promise<any[]> {
  const out: any[] = [];
  for (let i = 0; i < n && !stop?.(); i++) out.push(await model(INPUTS[i % INPUTS.length]!));
  return out;
}

/** Lets background work (shadow runs, flushes, decisions) run. */
export const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
