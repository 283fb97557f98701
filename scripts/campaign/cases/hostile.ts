/** The fixed hostile model folders: one broken thing each, named. */
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import type { Expect } from '../types.ts';
import type { Base, Folder } from './folder-kit.ts';

interface Hostile {
  base: Base;
  expect: Expect;
  core?: boolean;
  make(f: Folder): Promise<void>;
}

const h = (base: Base, expect: Expect, make: (f: Folder) => Promise<void>, core = false): Hostile => ({ base, expect, make, core });
const text = (f: Folder, name: string, body: string): Promise<void> => writeFile(f.file(name), body);
const deepJson = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
/** Float32 NaN, little-endian. */
const nanBytes = (n: number): Buffer => Buffer.alloc(n, Buffer.from([0x00, 0x00, 0xc0, 0x7f]));
const noModelHash = (f: Folder): Promise<void> => f.edit((m) => { delete m.model.sha256; });

/** A manifest whose description is `mb` MiB, written in chunks: the case's own memory stays flat. */
async function bigDescription(f: Folder, mb: number): Promise<void> {
  const body = await readFile(f.file('manifest.json'), 'utf8');
  const at = body.indexOf('"description": "') + '"description": "'.length;
  const out = await open(f.file('manifest.json'), 'w');
  await out.write(body.slice(0, at));
  const chunk = 'd'.repeat(1 << 20);
  for (let i = 0; i < mb; i++) await out.write(chunk);
  await out.write(body.slice(at));
  await out.close();
}

export const HOSTILE: Record<string, Hostile> = {
  'manifest-not-json': h('onnx', 'error', (f) => text(f, 'manifest.json', '{ "manifestVersion": 1, ')),
  'manifest-empty': h('onnx', 'error', (f) => text(f, 'manifest.json', '')),
  'manifest-bom': h('onnx', 'any', async (f) => text(f, 'manifest.json', `\ufeff${await readFile(f.file('manifest.json'), 'utf8')}`)),
  'manifest-array': h('onnx', 'error', (f) => text(f, 'manifest.json', '[]')),
  'manifest-deep-100000': h('onnx', 'error', (f) => text(f, 'manifest.json', deepJson(100_000)), true),
  // Written as text: JSON.stringify itself recurses.
  'manifest-deep-field': h('onnx', 'error', async (f) => text(f, 'manifest.json', (await readFile(f.file('manifest.json'), 'utf8')).replace('"resize": {', `"resize": ${'{"v":'.repeat(100_000)}1${'}'.repeat(100_000)}, "x": {`)), true),
  'manifest-64mb': h('onnx', 'any', (f) => bigDescription(f, 64)),
  'manifest-version-2': h('onnx', 'error', (f) => f.edit((m) => { m.manifestVersion = 2; })),
  'manifest-fifo': h('onnx', 'error', (f) => f.swap('manifest.json', 'fifo'), true),
  'manifest-dev-zero': h('onnx', 'error', (f) => f.swap('manifest.json', { link: '/dev/zero' }), true),
  'manifest-folder': h('onnx', 'error', (f) => f.swap('manifest.json', 'folder')),
  'manifest-loop': h('onnx', 'error', (f) => f.swap('manifest.json', 'loop')),
  'std-1e-300': h('onnx', 'any', (f) => f.edit((m) => { m.input.normalize.std = [1e-300]; }), true),
  'std-0': h('onnx', 'error', (f) => f.edit((m) => { m.input.normalize.std = [0]; })),
  'mean-1e308': h('onnx', 'any', (f) => f.edit((m) => { m.input.normalize.mean = [1e308]; })),
  'scale-1e308': h('onnx', 'any', (f) => f.edit((m) => { m.input.normalize.scale = 1e308; })),
  'resize-1e9': h('onnx', 'error', (f) => f.edit((m) => { m.input.resize.width = 1e9; m.input.resize.height = 1e9; })),
  'resize-0': h('onnx', 'error', (f) => f.edit((m) => { m.input.resize.width = 0; })),
  'shape-1e9': h('onnx', 'error', (f) => f.edit((m) => { m.input.shape = [1e9, 1, 28, 28]; })),
  'labels-mismatch': h('onnx', 'error', (f) => f.edit((m) => { m.labels = ['a', 'b']; })),
  'labels-inline-1e6': h('onnx', 'error', (f) => f.edit((m) => { m.labels = Array.from({ length: 1e6 }, (_, i) => `l${i}`); })),
  'labels-fifo': h('onnx', 'error', (f) => f.swap('labels.txt', 'fifo'), true),
  'labels-dev-zero': h('onnx', 'error', (f) => f.swap('labels.txt', { link: '/dev/zero' }), true),
  'labels-dev-zero-unverified': h('onnx', 'error', async (f) => { await f.swap('labels.txt', { link: '/dev/zero' }); await f.edit((m) => { delete m.labels.sha256; }); }, true),
  'labels-folder': h('onnx', 'error', (f) => f.swap('labels.txt', 'folder')),
  'labels-huge': h('onnx', 'error', async (f) => { await writeFile(f.file('labels.txt'), 'x\n'.repeat(20 << 20)); await f.rehash('labels.txt'); }),
  'model-fifo': h('onnx', 'error', (f) => f.swap('model.onnx', 'fifo'), true),
  'model-dev-zero': h('onnx', 'error', (f) => f.swap('model.onnx', { link: '/dev/zero' }), true),
  'model-dev-zero-unverified': h('onnx', 'error', async (f) => { await f.swap('model.onnx', { link: '/dev/zero' }); await noModelHash(f); }, true),
  'model-dev-urandom-unverified': h('onnx', 'error', async (f) => { await f.swap('model.onnx', { link: '/dev/urandom' }); await noModelHash(f); }),
  'model-folder': h('onnx', 'error', (f) => f.swap('model.onnx', 'folder')),
  'model-loop': h('onnx', 'error', (f) => f.swap('model.onnx', 'loop')),
  'model-link-outside': h('onnx', 'any', async (f) => { const { IMAGE_VERSION } = await import('../paths.ts'); await f.swap('model.onnx', { link: `${IMAGE_VERSION}/model.onnx` }); }),
  'model-empty': h('onnx', 'error', (f) => f.replace('model.onnx', Buffer.alloc(0), true)),
  'model-stale-hash': h('onnx', 'error', async (f) => f.replace('model.onnx', (await readFile(f.file('model.onnx'))).subarray(0, 1000), false)),
  'model-file-dotdot': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = '../1.0.0/model.onnx'; })),
  'model-file-absolute': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = f.file('model.onnx'); })),
  'model-file-dev-zero': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = '/dev/zero'; delete m.model.sha256; })),
  'model-file-nul': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = 'model\0.onnx'; })),
  'model-file-long': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = `${'m'.repeat(5000)}.onnx`; })),
  'model-file-dot': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = '.'; })),
  'model-file-golden-dir': h('onnx', 'error', (f) => f.edit((m) => { m.model.file = 'golden'; })),
  'rain-window-1e9': h('rain', 'error', (f) => f.edit((m) => { m.input.window.size = 1e9; }), true),
  'rain-window-0': h('rain', 'error', (f) => f.edit((m) => { m.input.window.size = 0; })),
  'rain-window-fraction': h('rain', 'error', (f) => f.edit((m) => { m.input.window.size = 1.5; })),
  'rain-hop-0': h('rain', 'error', (f) => f.edit((m) => { m.input.window.hop = 0; })),
  'rain-summaries-nope': h('rain', 'error', (f) => f.edit((m) => { m.input.window.summaries = ['nope']; })),
  'rain-features-empty': h('rain', 'error', (f) => f.edit((m) => { m.input.features = []; })),
  'rain-features-100000': h('rain', 'error', (f) => f.edit((m) => { m.input.features = Array.from({ length: 100_000 }, (_, i) => `f${i}`); })),
  'rain-std-1e-300': h('rain', 'any', (f) => f.edit((m) => { m.input.normalize.std = m.input.normalize.std.map(() => 1e-300); }), true),
  'rain-std-0': h('rain', 'error', (f) => f.edit((m) => { m.input.normalize.std = 0; })),
  'rain-mean-1e308': h('rain', 'any', (f) => f.edit((m) => { m.input.normalize.mean = 1e308; }), true),
  'tfjs-shard-dotdot': h('tfjs', 'error', async (f) => { await f.edit((j) => { j.weightsManifest[0].paths = ['../../../../../../../dev/zero']; }, 'model.json'); await f.edit((m) => { delete m.model.sha256; m.files = []; }); }, true),
  'tfjs-shard-absolute': h('tfjs', 'error', async (f) => { await f.edit((j) => { j.weightsManifest[0].paths = ['/dev/zero']; }, 'model.json'); await f.edit((m) => { delete m.model.sha256; m.files = []; }); }),
  'tfjs-shard-fifo': h('tfjs', 'error', (f) => f.swap('weights.bin', 'fifo'), true),
  'tfjs-shard-nan': h('tfjs', 'any', async (f) => f.replace('weights.bin', nanBytes((await readFile(f.file('weights.bin'))).length), true), true),
  'tfjs-shard-truncated': h('tfjs', 'error', async (f) => f.replace('weights.bin', (await readFile(f.file('weights.bin'))).subarray(0, 5000), true)),
  'tfjs-shape-1e9': h('tfjs', 'error', async (f) => { await f.edit((j) => { j.weightsManifest[0].weights[6].shape = [1e9, 64]; }, 'model.json'); await f.rehash('model.json'); }),
  'tfjs-model-json-fifo': h('tfjs', 'error', (f) => f.swap('model.json', 'fifo')),
  'tm-weights-dotdot': h('teachable', 'error', (f) => f.edit((j) => { j.weightsManifest[0].paths = ['../../../../../../../dev/zero']; }, 'model.json'), true),
  'tm-weights-fifo': h('teachable', 'error', (f) => f.swap('weights.bin', 'fifo')),
  'tm-weights-nan': h('teachable', 'any', async (f) => writeFile(f.file('weights.bin'), nanBytes((await readFile(f.file('weights.bin'))).length))),
  'tm-weights-truncated': h('teachable', 'error', async (f) => writeFile(f.file('weights.bin'), (await readFile(f.file('weights.bin'))).subarray(0, 100))),
  'tm-labels-not-array': h('teachable', 'error', (f) => f.edit((j) => { j.labels = 'Cat'; }, 'metadata.json')),
  'tm-image-size-1e9': h('teachable', 'error', (f) => f.edit((j) => { j.imageSize = 1e9; }, 'metadata.json'), true),
  'tm-image-size-0': h('teachable', 'error', (f) => f.edit((j) => { j.imageSize = 0; }, 'metadata.json')),
  'tm-metadata-fifo': h('teachable', 'error', (f) => f.swap('metadata.json', 'fifo')),
  'tm-metadata-missing': h('teachable', 'error', (f) => rm(f.file('metadata.json'))),
};
