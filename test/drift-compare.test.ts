import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chiSquareTail, chiSquareTest, isContinuous, ksPValue, ksStatistic, ksTest, psi, PSI_EPSILON } from '../src/drift/compare.js';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not within ${tol} of ${b}`);

test('psi: 0 when the window matches the reference shares', () => {
  assert.is(psi([10, 20, 70], [0.1, 0.2, 0.7]), 0);
});

test('psi: the textbook sum Σ (p − q) ln(p / q)', () => {
  const expected = (0.3 - 0.5) * Math.log(0.3 / 0.5) + (0.7 - 0.5) * Math.log(0.7 / 0.5);
  close(psi([3, 7], [0.5, 0.5]), expected, 1e-12, 'psi');
});

test('psi: an empty bin is floored at PSI_EPSILON, so the index stays finite', () => {
  const value = psi([0, 10], [0.5, 0.5]);
  assert.ok(Number.isFinite(value), `psi ${value}`);
  const expected = (PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5) + 0.5 * Math.log(1 / 0.5);
  close(value, expected, 1e-12, 'psi with an empty bin');
  // A reference bin that is empty but visited by the window is bounded alike.
  assert.ok(Number.isFinite(psi([5, 5], [1, 0])));
});

test('psi: an empty window compares as 0 (nothing to say yet)', () => {
  assert.is(psi([0, 0], [0.5, 0.5]), 0);
});

test('ksStatistic: the largest gap between the two empirical distributions', () => {
  assert.is(ksStatistic([1, 2, 3, 4], [1, 2, 3, 4]), 0);
  assert.is(ksStatistic([1, 2, 3, 4], [5, 6, 7, 8]), 1);
  // At 2: a has 2/4 at or below, b has 0/2 → 0.5; at 3: 3/4 vs 1/2; at 4: 4/4 vs 1/2 → 0.5.
  assert.is(ksStatistic([1, 2, 3, 4], [3, 5]), 0.5);
  // Ties step both functions together: identical tied samples have D = 0.
  assert.is(ksStatistic([1, 1, 1, 2], [1, 1, 1, 2]), 0);
});

test('ksPValue: the asymptotic Kolmogorov distribution (Q(1.0) ≈ 0.2700, Q(1.36) ≈ 0.0494)', () => {
  // Samples large enough that Stephens' correction vanishes: λ ≈ √ne · d.
  const n = 2_000_000;
  close(ksPValue(1 / 1000, n, n), 0.27, 0.001, 'Q(1.0)');
  close(ksPValue(1.36 / 1000, n, n), 0.0494, 0.001, 'Q(1.36)');
  assert.is(ksPValue(0, 10, 10), 1);
  assert.ok(ksPValue(1, 500, 256) < 1e-20);
});

test('ksTest: a shifted sample is told apart, a matching one is not', () => {
  const ref = Array.from({ length: 256 }, (_, i) => (i + 0.5) / 256);
  const same = Array.from({ length: 500 }, (_, i) => (i + 0.5) / 500);
  const shifted = same.map((v) => v * 0.5);
  assert.ok(ksTest(same, ref).p > 0.5, `p ${ksTest(same, ref).p}`);
  const s = ksTest(shifted, ref);
  close(s.d, 0.5, 0.01, 'd');
  assert.ok(s.p < 1e-10, `p ${s.p}`);
});

test('isContinuous: many distinct values; a constant or a few whole values are not', () => {
  assert.ok(isContinuous(Array.from({ length: 100 }, (_, i) => i / 100)));
  assert.not.ok(isContinuous(new Array(256).fill(28)));
  assert.not.ok(isContinuous(Array.from({ length: 256 }, (_, i) => Math.floor(i / 32))));
});

test('chiSquareTail: the chi-square upper tail (tables: χ²₁₀ 18.307 → 0.05, 29.588 → 0.001; χ²₉ 27.877 → 0.001)', () => {
  close(chiSquareTail(18.307, 10), 0.05, 0.002, 'χ²10 at 18.307');
  close(chiSquareTail(29.588, 10), 0.001, 0.0002, 'χ²10 at 29.588');
  close(chiSquareTail(27.877, 9), 0.001, 0.0002, 'χ²9 at 27.877');
  assert.is(chiSquareTail(0, 3), 1);
});

test('chiSquareTest: a window like the reference is not significant, a class-mix shift is, counting the reference size', () => {
  const shares = new Array(10).fill(0.1);
  const even = new Array(10).fill(50);
  const same = chiSquareTest(even, shares, 100);
  assert.is(same.chi2, 0);
  assert.is(same.p, 1);
  assert.is(same.df, 9);
  const two = [250, 250, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.ok(chiSquareTest(two, shares, 100).p < 1e-10);
  // A mild unevenness: significant against a large reference, not against a small one.
  const uneven = [70, 30, 50, 50, 50, 50, 50, 50, 50, 50];
  assert.ok(chiSquareTest(uneven, shares, 100_000).p < chiSquareTest(uneven, shares, 100).p);
  assert.ok(chiSquareTest(uneven, shares, 100).p > 0.01);
});

test.run();
