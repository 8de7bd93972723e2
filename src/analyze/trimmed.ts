/**
 * Yuen's trimmed-mean intervals: the location estimate and interval every
 * comparison of the tool uses, on the log scale (per-round log-ratios between
 * modes, per-round log-rates between runs).
 *
 * Why trimmed means: per-round log-ratios on a shared machine are a narrow
 * core with heavy tails (docs/noise-study.md: 11-17 % of rounds lie beyond
 * 3 MAD-sd, when the machine changed speed between two windows of one
 * round). The mean and its t-interval are valid there but wide; the 25 %
 * trimmed mean with Yuen's interval keeps its coverage and needs about half
 * the rounds (docs/statistics.md has the simulation).
 *
 * With g = floor(trim * n) values cut from each end and h = n - 2g kept:
 * - one sample (Tukey & McLaughlin 1963, as Wilcox's trimci and SciPy's
 *   mstats.trimmed_mean_ci): se = s_w / ((1 - 2 trim) sqrt(n)), h - 1 degrees
 *   of freedom, s_w the winsorized standard deviation;
 * - two independent samples (Yuen 1974, as SciPy's ttest_ind(trim=)):
 *   d = (n - 1) s_w^2 / (h (h - 1)) per side, se = sqrt(d1 + d2),
 *   Welch–Satterthwaite degrees of freedom.
 */
import { studentTQuantile } from './student-t.js';
import { trimCount, trimmedMean, winsorizedVariance } from './robust.js';

/** Proportion cut from each end. */
export const TRIM = 0.25;

/** An estimate with its two-sided interval, in the unit of the data (log units for log data). */
export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
  /** Standard error of the estimate. */
  se: number;
  /** Degrees of freedom of the t quantile used. */
  df: number;
  /** Samples behind the estimate (both sides together for a difference). */
  n: number;
}

const NONE = (n: number, estimate = NaN): Interval => ({ estimate, lo: NaN, hi: NaN, se: NaN, df: NaN, n });

/** The trimmed mean and Yuen's d (its squared standard error), NaN below 2 kept values. */
function trimmedParts(xs: readonly number[], trim: number): { t: number; d: number; h: number } {
  const n = xs.length;
  const h = n - 2 * trimCount(n, trim);
  if (n < 2 || h < 2) return { t: trimmedMean(xs, trim), d: NaN, h };
  const d = ((n - 1) * winsorizedVariance(xs, trim)) / (h * (h - 1));
  return { t: trimmedMean(xs, trim), d, h };
}

/**
 * Yuen's one-sample interval of the trimmed mean at two-sided level
 * 1 - alpha. Degenerate samples: fewer than 2 kept values give NaN bounds; no
 * spread gives a zero-width interval at the estimate.
 */
export function trimmedInterval(xs: readonly number[], alpha: number, trim = TRIM): Interval {
  const n = xs.length;
  const h = n - 2 * trimCount(n, trim);
  const t = trimmedMean(xs, trim);
  if (n < 2 || h < 2) return NONE(n, t);
  // The same proportion trimCount cuts (it caps the trim below one half).
  const kept = 1 - 2 * Math.min(0.49, Math.max(0, trim));
  const se = Math.sqrt(winsorizedVariance(xs, trim)) / (kept * Math.sqrt(n));
  const df = h - 1;
  const q = se > 0 ? studentTQuantile(1 - alpha / 2, df) : 0;
  return { estimate: t, lo: t - q * se, hi: t + q * se, se, df, n };
}

/**
 * Yuen's two-sample interval of trimmed mean(xs) - trimmed mean(ys), Welch
 * degrees of freedom, two-sided level 1 - alpha. For independent samples
 * (runs that were not interleaved).
 */
export function trimmedDifference(xs: readonly number[], ys: readonly number[], alpha: number, trim = TRIM): Interval {
  const a = trimmedParts(xs, trim);
  const b = trimmedParts(ys, trim);
  const n = xs.length + ys.length;
  const estimate = a.t - b.t;
  if (!Number.isFinite(a.d) || !Number.isFinite(b.d)) return NONE(n, estimate);
  const v = a.d + b.d;
  const se = Math.sqrt(v);
  if (!(v > 0)) return { estimate, lo: estimate, hi: estimate, se: 0, df: a.h + b.h - 2, n };
  const df = (v * v) / ((a.d * a.d) / (a.h - 1) + (b.d * b.d) / (b.h - 1));
  const q = studentTQuantile(1 - alpha / 2, df);
  return { estimate, lo: estimate - q * se, hi: estimate + q * se, se, df, n };
}

/** Natural logs of positive values; anything else is dropped (a round with no figure). */
export function logs(xs: readonly (number | null)[]): number[] {
  return xs.filter((x): x is number => x !== null && x > 0 && Number.isFinite(x)).map(Math.log);
}

/** Per-round log-ratios ln(a_r / b_r), over the rounds where both sides have a positive value. */
export function logRatios(a: readonly (number | null)[], b: readonly (number | null)[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < Math.min(a.length, b.length); r++) {
    const x = a[r] ?? NaN;
    const y = b[r] ?? NaN;
    if (x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)) out.push(Math.log(x / y));
  }
  return out;
}
