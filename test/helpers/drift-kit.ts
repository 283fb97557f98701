/**
 * Drift tests' kit: a copy of the bundled Fashion-MNIST version with a profile (made from its
 * golden set, as `edgefn models profile` does, unless the bundled version already carries one),
 * its golden images as buffers, and darkened copies of them made with sharp.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { makeProfile } from '../../src/store/make-profile.js';
import { profileJson } from '../../src/drift/profile.js';
import { sha256 } from '../../src/model/files.js';
import { copyBundled } from './index.js';
import type { Profile, StatProfile } from '../../src/drift/types.js';

/** A copy of the bundled version whose manifest lists a profile.json with its sha256. */
export async function profiledVersion(dir?: string): Promise<string> {
  const version = dir ?? (await copyBundled());
  const file = path.join(version, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  if (manifest.profile) return version;
  const { profile } = await makeProfile(version);
  const text = profileJson(profile);
  await writeFile(path.join(version, 'profile.json'), text);
  manifest.profile = { file: 'profile.json', sha256: sha256(Buffer.from(text)) };
  await writeFile(file, JSON.stringify(manifest, null, 2));
  return version;
}

/** The golden images of a version, as encoded PNG buffers, in file order. */
export async function goldenImages(version: string): Promise<Buffer[]> {
  const dir = path.join(version, 'golden');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
  return Promise.all(files.map((f) => readFile(path.join(dir, f))));
}

/** The same images with every pixel multiplied by `factor` (a camera in dimmer light). */
export function darkened(images: readonly Buffer[], factor = 0.35): Promise<Buffer[]> {
  return Promise.all(images.map((b) => sharp(b).linear(factor, 0).png().toBuffer()));
}

/** `count` items taken from `items` round and round. */
export function cycle<T>(items: readonly T[], count: number): T[] {
  return Array.from({ length: count }, (_, i) => items[i % items.length]!);
}

/** A statistic whose reference is uniform on [0, 1): ten equal bins, a sorted sample of 256. */
export function uniformStat(name: string): StatProfile {
  const edges = [-Infinity, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, Infinity];
  const sample = Array.from({ length: 256 }, (_, i) => (i + 0.5) / 256);
  return { name, edges, shares: new Array(10).fill(0.1), mean: 0.5, std: Math.sqrt(1 / 12), sample, missing: 0 };
}

/** A hand-made profile: one input statistic `x`, uniform; two labels answered half and half, confidence uniform. */
export function handProfile(): Profile {
  return {
    profileVersion: 1, name: 'hand', version: '1.0.0', kind: 'tabular', items: 256, sources: ['hand-made'], createdAt: new Date(0).toISOString(),
    inputs: [uniformStat('x')],
    outputs: { labels: [0.5, 0.5], confidence: uniformStat('confidence'), unknown: 0 },
  };
}
