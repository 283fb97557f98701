import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { softmax, topK } from '../src/model/postprocess.ts';

test('softmax sums to 1 and keeps order', () => {
  const p = softmax([1, 2, 3]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.ok(p[2]! > p[1]! && p[1]! > p[0]!);
  assert.ok(Math.abs(p[2]! - Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))) < 1e-6);
});

test('softmax is stable for large logits', () => {
  const p = softmax([1000, 1000]);
  assert.equal([...p], [0.5, 0.5]);
});

test('softmax reads a window of a batch output', () => {
  const p = softmax([9, 9, 0, 0], 2, 2);
  assert.equal([...p], [0.5, 0.5]);
});

test('topK returns the k best, best first, lower index first on ties', () => {
  const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
  assert.equal(topK([0.1, 0.5, 0.2, 0.5, 0.05, 0.9], 3, labels), [
    { label: 'f', index: 5, score: 0.9 },
    { label: 'b', index: 1, score: 0.5 },
    { label: 'd', index: 3, score: 0.5 },
  ]);
});

test('topK with k above the label count returns every label', () => {
  assert.equal(topK([0.2, 0.8], 5, ['x', 'y']).map((s) => s.label), ['y', 'x']);
});

test('topK agrees with a full sort on random scores', () => {
  const scores = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const labels = scores.map((_, i) => `l${i}`);
  const expected = scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index).slice(0, 5);
  assert.equal(topK(scores, 5, labels).map((s) => s.index), expected.map((s) => s.index));
});

test.run();
