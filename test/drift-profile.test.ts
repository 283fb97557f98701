/**
 * The reference profile (src/drift/profile.ts): decile bins with their shares, a constant statistic
 * that still catches any change, missing shares, the sample for KS, the JSON form (±Infinity as
 * null) read back exactly, and every malformed field refused with MANIFEST_INVALID naming it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../src/index.ts';
import { buildProfile, parseProfile, profileBins, profileJson, statProfile } from '../src/drift/profile.ts';
import { RAIN_VERSION, BUNDLED_VERSION, rejectsWith } from './helpers/index.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('deciles: 1..1000 gives 10 bins of 10 % each, right-closed, the outer edges infinite', () => {
  const p = statProfile('x', range(1000));
  assert.is(p.edges.length, 11);
  assert.equal([p.edges[0], p.edges[10]], [-Infinity, Infinity]);
  for (const s of p.shares) assert.ok(Math.abs(s - 0.1) < 1e-9, String(s));
  assert.equal(profileBins(p, [p.edges[1]!, p.edges[1]! + 1e-9, -1e9, 1e9, NaN]), [1, 1, 0, 0, 0, 0, 0, 0, 0, 1].map((v, i) => (i === 0 ? 2 : v)));
  assert.is(p.mean, 500.5);
  assert.is(p.sample.length, 256);
  assert.equal(p.sample, [...p.sample].sort((a, b) => a - b));
  assert.equal([p.sample[0], p.sample[255]], [1, 1000]);
});

test('a statistic that never varies in the reference: two bins, and any other value lands in the empty one', () => {
  const p = statProfile('width', new Array(500).fill(28));
  assert.equal(p.edges, [-Infinity, 28, Infinity]);
  assert.equal(p.shares, [1, 0]);
  assert.equal(profileBins(p, [28, 28, 29, 640]), [2, 2]);
  assert.equal(profileBins(p, [27]), [1, 0], 'below is in the first bin: a smaller source is caught by the KS sample and the mean');
});

test('missing values: their share is kept apart, the bins hold the rest; an all-missing statistic still has a profile', () => {
  const p = statProfile('wind', [1, 2, NaN, 3, NaN]);
  assert.is(p.missing, 0.4);
  assert.ok(Math.abs(p.shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const none = statProfile('dead', [NaN, NaN]);
  assert.equal([none.missing, none.edges, none.shares], [1, [-Infinity, Infinity], [1]]);
});

test('buildProfile: every statistic named in some input, absent ones counted missing; label shares, confidence and unknown share', () => {
  const inputs: Record<string, number>[] = [{ a: 1, w: 10 }, { a: 2 }, { a: 3, w: 10 }, { a: 4, w: 12 }];
  const outputs = [{ index: 0, confidence: 0.9, unknown: false }, { index: 2, confidence: 0.4, unknown: true }, { index: 2, confidence: 0.8, unknown: false }, { index: 2, confidence: 0.7, unknown: false }];
  const p = buildProfile({ name: 'm', version: '1.0.0', kind: 'tabular', sources: ['s'] }, inputs, outputs, 3);
  assert.equal(p.inputs.map((s) => s.name), ['a', 'w']);
  assert.is(p.inputs[1]!.missing, 0.25);
  assert.equal(p.outputs.labels, [0.25, 0, 0.75]);
  assert.is(p.outputs.unknown, 0.25);
  assert.is(p.outputs.confidence.name, 'confidence');
  assert.equal([p.items, p.kind, p.sources], [4, 'tabular', ['s']]);
});

test('the JSON form reads back as the profile it was written from (outer edges null on disk)', () => {
  const inputs = range(300).map((i) => ({ b: Math.sin(i) * 0.3 + 0.5, c: i % 7 === 0 ? NaN : i / 3 }));
  const outputs = range(300).map((i) => ({ index: i % 4, confidence: 0.5 + (i % 50) / 100, unknown: false }));
  const p = buildProfile({ name: 'm', version: '1.0.0', kind: 'image', sources: ['golden set'] }, inputs, outputs, 4);
  const text = profileJson(p);
  const json = JSON.parse(text);
  assert.equal([json.inputs[0].edges[0], json.inputs[0].edges.at(-1)], [null, null]);
  const back = parseProfile(json, 'profile.json');
  assert.equal(back.inputs.map((s) => s.edges.length), p.inputs.map((s) => s.edges.length));
  for (const [i, s] of back.inputs.entries()) {
    assert.equal([s.edges[0], s.edges.at(-1)], [-Infinity, Infinity]);
    s.edges.forEach((e, k) => assert.ok(Math.abs(e - p.inputs[i]!.edges[k]!) <= 1e-9 * Math.max(1, Math.abs(e)) || e === p.inputs[i]!.edges[k], `edge ${k}`));
    assert.equal(profileBins(s, p.inputs[i]!.sample), profileBins(p.inputs[i]!, p.inputs[i]!.sample), 'rounding on disk moves no reference value across an edge');
  }
});

const base = () => JSON.parse(profileJson(buildProfile({ name: 'm', version: '1.0.0', kind: 'tabular', sources: [] }, range(100).map((i) => ({ a: i })), [{ index: 0, confidence: 0.9, unknown: false }], 2)));
const broken: [string, (j: any) => void, string][] = [
  ['profileVersion', (j) => { j.profileVersion = 2; }, 'profileVersion'],
  ['kind', (j) => { j.kind = 'audio'; }, 'kind'],
  ['an inner edge that is null', (j) => { j.inputs[0].edges[3] = null; }, 'inputs[0].edges[3]'],
  ['edges out of order', (j) => { j.inputs[0].edges[3] = j.inputs[0].edges[2] - 1; }, 'inputs[0].edges[3]'],
  ['shares that do not sum to 1', (j) => { j.inputs[0].shares[0] = 0.5; }, 'inputs[0].shares'],
  ['one share too few', (j) => { j.inputs[0].shares.pop(); }, 'inputs[0].shares'],
  ['an unsorted sample', (j) => { j.inputs[0].sample.reverse(); }, 'inputs[0].sample'],
  ['a missing share above 1', (j) => { j.inputs[0].missing = 2; }, 'inputs[0].missing'],
  ['a name used twice', (j) => { j.inputs.push(j.inputs[0]); }, 'inputs[1].name'],
  ['outputs.labels', (j) => { j.outputs.labels = ['a']; }, 'outputs.labels'],
  ['outputs.confidence', (j) => { delete j.outputs.confidence; }, 'outputs.confidence'],
];
for (const [what, edit, field] of broken) {
  test(`parseProfile refuses ${what} with MANIFEST_INVALID naming ${field}`, async () => {
    const j = base();
    parseProfile(structuredClone(j), 'p.json'); // valid before the edit
    edit(j);
    const err = await rejectsWith(() => parseProfile(j, 'v/profile.json'), ErrorCode.MANIFEST_INVALID, new RegExp(`^v/profile\\.json: expected .* for ${field.replace(/[[\].]/g, '\\$&')} but received`));
    assert.is(err.field, field);
  });
}

test('the bundled models\' profiles parse, and say what they were made from', async () => {
  for (const [dir, kind, names] of [[BUNDLED_VERSION, 'image', ['brightness', 'contrast', 'mean_gray', 'sharpness']], [RAIN_VERSION, 'tabular', ['precipitation', 'temp_max', 'temp_min', 'wind', 'change_temp_max']]] as const) {
    const p = parseProfile(JSON.parse(await readFile(path.join(dir, 'profile.json'), 'utf8')), 'profile.json');
    assert.is(p.kind, kind);
    for (const n of names) assert.ok(p.inputs.some((s) => s.name === n), n);
    assert.ok(p.items >= 1000, `a reference sample, not only the golden set: ${p.items}`);
    assert.ok(p.sources.some((s) => /golden set/.test(s)) && p.sources.length === 2, p.sources.join('; '));
  }
});

test.run();
