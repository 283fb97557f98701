/**
 * What decoding an image costs in memory, per format: the figures behind `maxDecodeBytes`.
 *
 *   node --import tsx scripts/decode-memory.ts [--size 4096] [--formats avif,png-interlaced,...] [--guarded [--budget MiB]]
 *
 * For each format, generates a flat-colour image of size × size with sharp (a few KB on disk: a
 * decompression bomb), then decodes it in a fresh child process with edgefn's own decodeImage (to
 * a 224×224 RGB model input, limitInputPixels off) and reports the child's peak RSS (VmHWM) above
 * its RSS just before the decode, and that over width × height × channels: the per-format factor.
 * With --guarded the default maxDecodeBytes stays on, to show which files it refuses and what
 * they then cost. Linux only (reads /proc/self/status).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp, { type Sharp } from 'sharp';

const SELF = fileURLToPath(import.meta.url);

/** Peak and current resident memory of this process, in bytes. */
async function rss(): Promise<{ peak: number; now: number }> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(/^(\w+):\s+(\d+)/m.exec(status.split('\n').find((l) => l.startsWith(`${key}:`)) ?? '')?.[2] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

async function child(file: string, guarded: boolean): Promise<void> {
  const { decodeImage } = await import('../src/preprocess/image.ts');
  const { parseManifest, imageInputSpec } = await import('../src/manifest/index.ts');
  const { resolveLoadOptions } = await import('../src/model/options.ts');
  const spec = imageInputSpec(parseManifest({
    manifestVersion: 1, name: 'm', version: '1.0.0', task: 'image-classification', format: 'onnx', model: { file: 'm.onnx' }, labels: ['x'],
    input: { name: 'x', shape: [1, 224, 224, 3], layout: 'NHWC', dtype: 'uint8', color: 'rgb', resize: { width: 224, height: 224, fit: 'cover' } },
    output: { name: 'y', kind: 'logits' },
  }));
  const budget = Number(process.argv[5]) * 2 ** 20;
  const o = resolveLoadOptions(guarded ? { limitInputPixels: false, ...(budget > 0 ? { maxDecodeBytes: budget } : {}) } : { limitInputPixels: false, maxDecodeBytes: false });
  // sharp and libvips load and start on a first, tiny image: that is not the big one's cost.
  await decodeImage({ data: new Uint8Array(3), width: 1, height: 1, channels: 3 }, spec, o);
  sharp.cache(false);
  const before = await rss();
  let outcome = 'decoded';
  try {
    await decodeImage(file, spec, o);
  } catch (err) {
    outcome = (err as { code?: string }).code ?? 'error';
  }
  const after = await rss();
  process.stdout.write(JSON.stringify({ outcome, before: before.now, peak: after.peak, grew: Math.max(0, after.peak - before.now) }));
}

const FORMATS: Record<string, (s: Sharp) => Sharp> = {
  'jpeg': (s) => s.jpeg(),
  'jpeg-progressive': (s) => s.jpeg({ progressive: true }),
  'png': (s) => s.png(),
  'png-interlaced': (s) => s.png({ progressive: true }),
  'webp': (s) => s.webp(),
  'avif': (s) => s.avif({ effort: 0 }),
  'gif': (s) => s.gif(),
  'tiff': (s) => s.tiff(),
  'tiff-tiled': (s) => s.tiff({ tile: true }),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!, args[2] === 'guarded');
  const size = Number(args[args.indexOf('--size') + 1] ?? 4096) || 4096;
  const guarded = args.includes('--guarded');
  const budget = args.includes('--budget') ? args[args.indexOf('--budget') + 1]! : '';
  const only = args.includes('--formats') ? args[args.indexOf('--formats') + 1]!.split(',') : Object.keys(FORMATS);
  const dir = await mkdtemp(path.join(tmpdir(), 'edgefn-decode-'));
  const mb = (n: number) => (n / 2 ** 20).toFixed(0);
  console.log(`size ${size}×${size} (${(size * size / 1e6).toFixed(1)} MP), ${guarded ? `maxDecodeBytes ${budget ? `${budget} MiB` : 'default'}` : 'maxDecodeBytes off'}`);
  console.log('format             file KB   outcome                   peak RSS MiB   grew MiB   grew / (w×h×3)');
  try {
    for (const name of only) {
      const make = FORMATS[name];
      if (!make) throw new Error(`unknown format ${name}; known: ${Object.keys(FORMATS).join(', ')}`);
      const file = path.join(dir, `${name}.img`);
      const bytes = await make(sharp({ create: { width: size, height: size, channels: 3, background: { r: 10, g: 200, b: 30 } }, limitInputPixels: false })).toBuffer();
      await writeFile(file, bytes);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', SELF, '--child', file, guarded ? 'guarded' : 'off', budget], { maxBuffer: 1 << 20 });
      const r = JSON.parse(stdout) as { outcome: string; peak: number; grew: number };
      console.log(`${name.padEnd(18)} ${(bytes.length / 1024).toFixed(1).padStart(7)}   ${r.outcome.padEnd(25)} ${mb(r.peak).padStart(12)}   ${mb(r.grew).padStart(8)}   ${(r.grew / (size * size * 3)).toFixed(2).padStart(6)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
