/**
 * `edgefn capture export <store> --out DIR` end to end through the CLI (src/cli/main.ts): images
 * in a folder per predicted label with index.json, readings and windows in captured.csv, labels
 * made safe as folder names, and an `--out` that holds something refused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from '../src/index.ts';
import { Capture, captureDirOf } from '../src/drift/capture.ts';
import { safeLabel } from '../src/drift/export.ts';
import { writeRetrainRequest } from '../src/drift/retrain.ts';
import { BUNDLED, ROOT, makeStore, removeDir, tempDir } from './helpers/index.ts';
import { goldenPath, sha256 } from './helpers/capture-kit.ts';
import { edgefnSrc as edgefn } from './helpers/store-kit.ts';

const QUOTA = { maxBytes: 1_000_000, maxItems: 100 };

test('safeLabel: no separators, no dot names, no control characters; none is _unknown', () => {
  assert.equal(['Sneaker', 'T-shirt/top', '..', '.', '', '../../etc', 'a\\b', 'x\ny', 'index.json', null].map(safeLabel),
    ['Sneaker', 'T-shirt_top', '_..', '_.', '_', '.._.._etc', 'a_b', 'x_y', '_index.json', '_unknown']);
});

test('images: a folder per predicted label, the bytes as captured, index.json with each record; a non-empty --out refused', async () => {
  const nameDir = await makeStore();
  const out = path.join(path.dirname(nameDir), 'dataset');
  const classify = await load(BUNDLED);
  try {
    const capture = await Capture.open({ dir: captureDirOf(nameDir), ...QUOTA });
    const expected = new Map<string, { label: string; sha: string }>();
    for (let i = 0; i < 8; i++) {
      const r = await classify(goldenPath(i));
      await capture.add({ input: i % 2 ? goldenPath(i) : await readFile(goldenPath(i)), result: r, version: '1.0.0', reason: i % 3 ? 'drift' : 'low-confidence' });
      expected.set((await capture.list()).at(-1)!.id, { label: r.label!, sha: sha256(await readFile(goldenPath(i))) });
    }
    // A label with a separator, a result below the threshold (label null), and a path that vanished.
    await capture.add({ input: goldenPath(9), result: { label: '../T-shirt/top', score: 0.3, top: [] }, version: '1.1.0', reason: 'drift' });
    await capture.add({ input: goldenPath(10), result: { label: null, score: 0.2, unknown: true, top: [] }, version: '1.1.0', reason: 'low-confidence' });
    await capture.add({ input: path.join(nameDir, 'gone.png'), result: { label: 'Bag', score: 0.1, top: [] }, version: '1.1.0', reason: 'drift' });
    await writeRetrainRequest(nameDir, { name: 'fashion-mnist', version: '1.0.0', since: 'x', requestedAt: 'y', window: { calls: 1, size: 1 }, moved: [], captured: capture.usage() });
    const items = await capture.list();

    const r = await edgefn('capture', 'export', nameDir, '--out', out);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 10 images in \d+ label folders, 1 listed without their bytes \(see index\.json\); index\.json lists every item/);
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'));
    assert.is(index.images.length, 11);
    assert.is(index.retrainRequest.name, 'fashion-mnist');
    for (const [id, e] of expected) {
      const entry = index.images.find((x: any) => x.id === id);
      assert.is(entry.file, `${safeLabel(e.label)}/${entry.captured}`);
      assert.is(sha256(await readFile(path.join(out, entry.file))), e.sha, `${id}: bytes as captured`);
      const item = items.find((x) => x.id === id)!;
      assert.equal([entry.time, entry.version, entry.reason, entry.confidence, entry.label], [item.time, item.version, item.reason, item.confidence, e.label]);
    }
    const odd = index.images.slice(-3);
    assert.equal(odd.map((x: any) => x.file?.split('/')[0] ?? null), ['.._T-shirt_top', '_unknown', null]);
    assert.is(odd[2].error.code, 'EDGEFN_INPUT_UNREADABLE');
    // Nothing but label folders and index.json, and every folder holds only that label's files.
    const top = (await readdir(out)).sort();
    assert.equal(top, [...new Set([...expected.values()].map((e) => safeLabel(e.label))), '.._T-shirt_top', '_unknown', 'index.json'].sort());

    const again = await edgefn('capture', 'export', nameDir, '--out', out);
    assert.is(again.code, 2);
    assert.match(again.stderr, /dataset exists and is not empty: export into a new or empty folder, so two datasets never mix \[EDGEFN_INVALID_ARGUMENT\]/);
    const json = await edgefn('capture', 'export', nameDir, '--out', path.join(path.dirname(nameDir), 'again'), '--json');
    assert.equal(JSON.parse(json.stdout).images, 10);
  } finally {
    await classify.dispose();
    await removeDir(path.dirname(nameDir));
  }
});

test('readings: captured.csv, one row per reading (a window: one per reading, with the item id), features, label, confidence', async () => {
  const root = await tempDir('edgefn-export-');
  const nameDir = path.join(root, 'rain-tomorrow');
  const out = path.join(root, 'dataset');
  const rain = await load(path.join(ROOT, 'models/rain-tomorrow'));
  try {
    const golden = JSON.parse(await readFile(path.join(ROOT, 'models/rain-tomorrow/1.0.0/golden/index.json'), 'utf8')).items;
    const capture = await Capture.open({ dir: captureDirOf(nameDir), ...QUOTA });
    for (let i = 0; i < 3; i++) {
      const window = golden[i].input;
      await capture.add({ input: window, result: await rain(window), version: '1.0.0', reason: 'drift' });
    }
    await capture.add({ input: { precipitation: 1, temp_max: 20, temp_min: Number.NaN, wind: 3 }, result: { label: 'dry', score: 0.9, top: [] }, version: '1.0.0', reason: 'drift' });
    await capture.add({ input: [0, 'x,"y"', 2, 3], result: { label: 'rain, maybe', score: 0.6, top: [] }, version: '1.0.0', reason: 'low-confidence', features: ['precipitation', 'temp_max', 'temp_min', 'wind'] });
    const items = await capture.list();
    await mkdir(out);   // an empty --out is fine
    const r = await edgefn('capture', 'export', nameDir, '--out', out);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /5 reading items \(23 rows\) in captured\.csv/);
    const lines = (await readFile(path.join(out, 'captured.csv'), 'utf8')).trimEnd().split('\n');
    assert.is(lines[0], 'id,row,time,version,reason,label,confidence,precipitation,temp_max,temp_min,wind');
    assert.is(lines.length, 1 + 3 * 7 + 2);
    const first = golden[0].input[0];
    assert.is(lines[1], [items[0]!.id, 0, items[0]!.time, '1.0.0', 'drift', items[0]!.label, items[0]!.confidence, first.precipitation, first.temp_max, first.temp_min, first.wind].join(','));
    assert.is(lines[7]!.split(',')[1], '6');
    assert.is(lines[22], `${items[3]!.id},0,${items[3]!.time},1.0.0,drift,dry,0.9,1,20,,3`);
    assert.is(lines[23], `${items[4]!.id},0,${items[4]!.time},1.0.0,low-confidence,"rain, maybe",0.6,0,,2,3`);
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'));
    assert.equal(index.readings, items.map((x) => x.id));
    assert.equal((await readdir(out)).sort(), ['captured.csv', 'index.json']);
  } finally {
    await rain.dispose();
    await removeDir(root);
  }
});

test('export errors: a store folder that does not exist, an --out that is a file; an empty capture exports an empty index', async () => {
  const root = await tempDir('edgefn-export-');
  try {
    const missing = await edgefn('capture', 'export', path.join(root, 'nope'), '--out', path.join(root, 'o'));
    assert.is(missing.code, 2);
    assert.match(missing.stderr, /nope is not a model's store folder \(a folder of versions\) \[EDGEFN_INVALID_ARGUMENT\]/);
    await mkdir(path.join(root, 'm'));
    await writeFile(path.join(root, 'file'), 'x');
    const file = await edgefn('capture', 'export', path.join(root, 'm'), '--out', path.join(root, 'file'));
    assert.match(file.stderr, /file exists and is not a folder/);
    const empty = await edgefn('capture', 'export', path.join(root, 'm'), '--out', path.join(root, 'o'), '--json');
    assert.is(empty.code, 0, empty.stderr);
    assert.equal(JSON.parse(await readFile(path.join(root, 'o', 'index.json'), 'utf8')).images, []);
    await rm(path.join(root, 'o'), { recursive: true });
  } finally {
    await removeDir(root);
  }
});

test.run();
