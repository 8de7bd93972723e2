/**
 * Summaries of a sample, plain and robust: pure functions, in the unit of
 * the samples unless said otherwise. Used for per-window and per-round
 * estimates (the median of sub-window rates) and for the trimmed means of
 * trimmed.ts.
 */

/** Arithmetic mean of `xs`, in the unit of the samples; NaN for an empty list. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/**
 * Sample standard deviation of `xs` (divisor n - 1), in the unit of the
 * samples; NaN for fewer than 2 samples. Two-pass, so a large common offset
 * does not cancel the spread.
 */
export function sampleSd(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  let corr = 0;
  for (const x of xs) {
    const d = x - m;
    ss += d * d;
    corr += d;
  }
  // Corrected two-pass formula: removes the rounding error left in m.
  return Math.sqrt(Math.max(0, (ss - (corr * corr) / n) / (n - 1)));
}

/** Sorted copy, ascending. */
export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/**
 * Quantile q (0..1) by linear interpolation between order statistics (the
 * "type 7" definition of R and NumPy); NaN for an empty sample.
 */
export function quantileOf(xs: readonly number[], q: number): number {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(s.length - 1, lo + 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}

export function medianOf(xs: readonly number[]): number {
  return quantileOf(xs, 0.5);
}

/** Number of values cut from each end by a trimmed mean of proportion `trim` (floor of trim * n). */
export function trimCount(n: number, trim: number): number {
  return Math.floor(Math.min(0.49, Math.max(0, trim)) * n);
}

/** Mean of the values left after cutting floor(trim * n) from each end; NaN for an empty sample. */
export function trimmedMean(xs: readonly number[], trim: number): number {
  const s = sorted(xs);
  const g = trimCount(s.length, trim);
  const kept = s.slice(g, s.length - g);
  if (kept.length === 0) return NaN;
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/**
 * Winsorized sample variance (divisor n - 1): the g = floor(trim * n) lowest
 * values are replaced by the next one up, the g highest by the next one down.
 * The spread that Yuen's trimmed-mean interval is built on.
 */
export function winsorizedVariance(xs: readonly number[], trim: number): number {
  const s = sorted(xs);
  const n = s.length;
  if (n < 2) return NaN;
  const g = trimCount(n, trim);
  const lo = s[g] as number;
  const hi = s[n - 1 - g] as number;
  const w = s.map((x) => Math.min(hi, Math.max(lo, x)));
  const m = w.reduce((a, b) => a + b, 0) / n;
  return w.reduce((a, x) => a + (x - m) * (x - m), 0) / (n - 1);
}

/** Median absolute deviation from the median, scaled by 1.4826 (an sd for normal data). */
export function madSd(xs: readonly number[]): number {
  const m = medianOf(xs);
  return 1.4826 * medianOf(xs.map((x) => Math.abs(x - m)));
}

/** Coefficient of variation: sample sd / mean (dimensionless); NaN below 2 samples. */
export function cv(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const v = xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (n - 1);
  return Math.sqrt(v) / m;
}

/** Lag-1 autocorrelation of a series (how much one sample predicts the next: drift); NaN below 3 samples. */
export function lag1(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 3) return NaN;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - m;
    den += d * d;
    if (i + 1 < n) num += d * ((xs[i + 1] as number) - m);
  }
  return den > 0 ? num / den : NaN;
}
