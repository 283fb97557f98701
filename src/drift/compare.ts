/**
 * Comparisons of a window of recent values with a version's reference profile: the population
 * stability index over the reference's bins, and a two-sample Kolmogorov–Smirnov test against the
 * reference's sorted sample. Pure functions, no state.
 */

/**
 * The share a bin is given when it is empty, on either side. Without it one empty bin makes PSI
 * infinite (ln 0); 1e-4 is below one call in a window of 10,000, so a bin the window truly never
 * visits still counts, but boundedly: an empty bin whose reference share is 10 % adds
 * (0.1 - 1e-4) · ln(0.1 / 1e-4) ≈ 0.69, well above any threshold, and no single bin adds more than ~9.
 */
export const PSI_EPSILON = 1e-4;

/**
 * Population stability index of `counts` (the window's values per reference bin) against the
 * reference `shares` (summing to 1): Σ (p − q) · ln(p / q) over the bins, with p and q floored at
 * PSI_EPSILON. 0 for identical distributions; < 0.1 is read as stable, > 0.25 as a large shift.
 */
export function psi(counts: ArrayLike<number>, shares: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < shares.length; i++) {
    const p = Math.max((counts[i] ?? 0) / n, epsilon);
    const q = Math.max(shares[i]!, epsilon);
    sum += (p - q) * Math.log(p / q);
  }
  return sum;
}

/**
 * The largest gap between the empirical distribution functions of two ascending samples
 * (ties handled: both functions step past a tied value before they are compared).
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return 0;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    const gap = Math.abs(i / n - j / m);
    if (gap > d) d = gap;
  }
  return d;
}

/**
 * The asymptotic p-value of a two-sample KS statistic `d` for samples of `n` and `m` values:
 * Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²), λ = (√ne + 0.12 + 0.11/√ne) · d with ne = nm/(n+m)
 * (Stephens' correction, as in Numerical Recipes' kstwo). Good for ne ≥ 4; 1 for d = 0.
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0 || d <= 0) return 1;
  const en = Math.sqrt((n * m) / (n + m));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  const l2 = -2 * lambda * lambda;
  let sum = 0;
  let sign = 1;
  let previous = 0;
  for (let k = 1; k <= 100; k++) {
    const term = sign * 2 * Math.exp(l2 * k * k);
    sum += term;
    if (Math.abs(term) <= 1e-8 * Math.abs(previous) || Math.abs(term) <= 1e-16 * sum) return Math.min(1, Math.max(0, sum));
    sign = -sign;
    previous = term;
  }
  return 1; // the series did not converge: λ is tiny, the samples agree
}

/** Both at once, for two ascending samples. */
export function ksTest(window: ArrayLike<number>, reference: ArrayLike<number>): { d: number; p: number } {
  const d = ksStatistic(window, reference);
  return { d, p: ksPValue(d, window.length, reference.length) };
}

/**
 * Whether a statistic is continuous enough for a KS test: its reference sample has many distinct
 * values. A discrete one (a source size that is always 28, a sensor reporting whole degrees)
 * puts most of both samples on ties, where the asymptotic p-value is far too small.
 */
export function isContinuous(sample: ArrayLike<number>, minDistinct = 20): boolean {
  let distinct = 0;
  for (let i = 0; i < sample.length; i++) {
    if (i === 0 || sample[i] !== sample[i - 1]) distinct++;
    if (distinct >= minDistinct) return true;
  }
  return false;
}


/**
 * A two-sample chi-square test of homogeneity between a window's `counts` per bin and a reference
 * of `referenceItems` inputs spread by `shares` (Numerical Recipes' chstwo, for samples of unequal
 * sizes), for statistics KS does not fit: labels, the unknown share, discrete values. The p-value
 * comes from the Wilson–Hilferty cube-root approximation of the chi-square distribution, close
 * enough in the tail that matters here (p around 0.001).
 */
export function chiSquareTest(counts: ArrayLike<number>, shares: ArrayLike<number>, referenceItems: number): { chi2: number; df: number; p: number } {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  const m = referenceItems;
  if (n === 0 || m <= 0) return { chi2: 0, df: 0, p: 1 };
  const a = Math.sqrt(m / n);
  const b = Math.sqrt(n / m);
  let chi2 = 0;
  let bins = 0;
  for (let i = 0; i < shares.length; i++) {
    const r = shares[i]! * m;
    const w = counts[i] ?? 0;
    if (w + r <= 0) continue;
    bins++;
    chi2 += (a * w - b * r) ** 2 / (w + r);
  }
  const df = bins - 1;
  return { chi2, df, p: df > 0 ? chiSquareTail(chi2, df) : 1 };
}

/** P(X ≥ x) for X chi-square with `k` degrees of freedom (Wilson–Hilferty). */
export function chiSquareTail(x: number, k: number): number {
  if (x <= 0) return 1;
  const v = 2 / (9 * k);
  const z = (Math.cbrt(x / k) - (1 - v)) / Math.sqrt(v);
  return normalTail(z);
}

/** P(Z ≥ z) for a standard normal Z (Abramowitz–Stegun 7.1.26 erfc, error < 1.5e-7). */
function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}
