/**
 * Pure statistics for comparing windows: descriptive figures, Student's t
 * distribution, Welch's t-test and a confidence interval for a ratio of means.
 * No I/O, no dependencies; every function is a plain function of its inputs.
 *
 * The t distribution is computed from the regularized incomplete beta
 * function, evaluated with its continued fraction (modified Lentz method).
 * For df >= 1000 and t² < df/10, where that continued fraction loses digits
 * (x = df/(df + t²) is within a few 1/df of 1), Hill's asymptotic normalizing
 * transformation (ACM Algorithm 395) and the normal tail are used instead.
 * Checked against SciPy (Boost) at 3000 random points, df from 0.5 to 10^12
 * and |t| from 0.001 to 40: relative error of the two-sided tail below 1e-12
 * (absolute below 1e-13) wherever the tail is above 1e-80; quantiles to a
 * relative 1e-12.
 */
import type { Verdict } from './result.js';

/**
 * Significance level of every comparison the tool reports.
 *
 * 0.01, not the customary 0.05: the tool must not report noise as a
 * difference. At 0.05 an A/A comparison (the same thing measured twice) would
 * be flagged as "faster" or "slower" in 5 % of cases, i.e. about once per
 * twenty scenarios of a suite; at 0.01, once per hundred.
 */
export const ALPHA = 0.01;

// ---------------------------------------------------------------------------
// Descriptive statistics
// ---------------------------------------------------------------------------

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

/** Median of `xs` (mean of the two middle values for an even count), in the unit of the samples; NaN for an empty list. */
export function median(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const hi = s[mid] as number;
  return n % 2 === 1 ? hi : ((s[mid - 1] as number) + hi) / 2;
}

// ---------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------

const EPS = 1e-16;
const TINY = 1e-300;

// Lanczos approximation (g = 7, n = 9): relative error below 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** Natural log of the gamma function for x > 0. */
function lnGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Stirling-series remainder: lnGamma(x) - [(x - 1/2) ln x - x + ln(2 pi)/2],
 * to within 1e-15 for x >= 20.
 */
function stirlingDelta(x: number): number {
  const x2 = x * x;
  return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * x2)) / x2) / x2) / x;
}

/**
 * ln B(a, b). When the larger argument is big, lnGamma(big) - lnGamma(big + small)
 * is taken from the Stirling series in a form without cancellation, so that
 * the t distribution stays accurate for large degrees of freedom.
 */
function lnBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 20) return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
  const sum = big + small;
  // lnG(big) - lnG(sum) = -(big - 1/2) ln(1 + small/big) - small ln(sum) + small + delta(big) - delta(sum)
  const diff = -(big - 0.5) * Math.log1p(small / big) - small * Math.log(sum) + small + stirlingDelta(big) - stirlingDelta(sum);
  return lnGamma(small) + diff;
}

/**
 * Continued fraction for I_x(a, b) (Numerical Recipes' betacf), evaluated
 * with the modified Lentz method. Converges fast for x < (a + 1) / (a + b + 2);
 * the number of terms grows like sqrt(max(a, b)).
 */
function betaCf(x: number, y: number, a: number, b: number): number {
  const maxIt = 1000 + Math.ceil(20 * Math.sqrt(Math.max(a, b)));
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  // 1 - qab x / qap, written with y = 1 - x: no cancellation when x is near 1 and a is large.
  let d = (1 - b + qab * y) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIt; m++) {
    const m2 = 2 * m;
    // Even step.
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  return h; // Not converged to EPS within maxIt: the best value reached.
}

/**
 * Regularized incomplete beta function I_x(a, b) for a, b > 0, 0 <= x <= 1.
 * `y` must be 1 - x; callers pass it computed without cancellation.
 */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const lnX = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const lnY = y < 0.5 ? Math.log(y) : Math.log1p(-x);
  const lnFront = a * lnX + b * lnY - lnBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaCf(x, y, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaCf(y, x, b, a)) / b;
}

/**
 * Upper tail of the standard normal distribution, P(Z > z), via
 * erfc(z / sqrt 2) = Q(1/2, z^2 / 2) (regularized upper incomplete gamma).
 * Used for infinite degrees of freedom.
 */
function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return 1 - normalUpperTail(-z);
  const x = (z * z) / 2;
  const a = 0.5;
  const lnFront = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 - P.
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return 0.5 * (1 - sum * Math.exp(lnFront));
  }
  // Continued fraction for Q(a, x), modified Lentz.
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return 0.5 * Math.exp(lnFront) * h;
}

// ---------------------------------------------------------------------------
// Student's t distribution
// ---------------------------------------------------------------------------

/** From this many degrees of freedom on (and for t² < df/10), Hill's asymptotic transformation replaces the incomplete beta. */
const HILL_MIN_DF = 1000;

/**
 * Two-sided tail probability of Student's t distribution: P(|T| >= |t|) for
 * `df` degrees of freedom (df > 0, may be fractional as in Welch's test, or
 * Infinity for the normal distribution). Dimensionless, in [0, 1].
 * NaN for a NaN t or a df that is NaN or <= 0.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || df <= 0) return NaN;
  if (!Number.isFinite(t)) return 0;
  if (df === Infinity) return 2 * normalUpperTail(Math.abs(t));
  const t2 = t * t;
  if (df >= HILL_MIN_DF && t2 < 0.1 * df) {
    // Hill (1970), ACM Algorithm 395: asymptotic normalizing transformation
    // z(t, df) with P(|T| >= t) = 2 P(Z >= z). Here the continued fraction
    // below loses digits (x is within ~1/df of 1), this does not.
    const a = df - 0.5;
    const b = 48 * a * a;
    const y = a * Math.log1p(t2 / df);
    const z = (((((-0.4 * y - 3.3) * y - 24) * y - 85.5) / (0.8 * y * y + 100 + b) + y + 3) / b + 1) * Math.sqrt(y);
    return Math.min(1, 2 * normalUpperTail(z));
  }
  // P(|T| >= |t|) = I_x(df/2, 1/2) with x = df / (df + t^2).
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  return Math.min(1, Math.max(0, incompleteBeta(x, y, df / 2, 0.5)));
}

/**
 * Cumulative distribution function of Student's t distribution, P(T <= t),
 * for `df` degrees of freedom (df > 0, may be fractional; Infinity gives the
 * standard normal). Dimensionless, in [0, 1]; NaN for invalid input.
 */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df) || df <= 0) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = studentTTwoSidedP(t, df) / 2; // P(T >= |t|)
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantile (inverse CDF) of Student's t distribution: the t with
 * P(T <= t) = p, for 0 < p < 1 and `df` > 0 degrees of freedom (Infinity
 * gives the standard normal). Dimensionless. Returns -Infinity / Infinity
 * for p = 0 / 1 and NaN for p outside [0, 1] or invalid df.
 * Found by bisection on the tail probability (to adjacent doubles), so as
 * accurate as studentTTwoSidedP allows.
 */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || Number.isNaN(df) || df <= 0 || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Solve on the upper tail for t > 0: P(T >= t) = q, q = min(p, 1 - p).
  const upper = p > 0.5;
  const q = upper ? 1 - p : p;
  const tail = (t: number): number => studentTTwoSidedP(t, df) / 2;
  let lo = 0;
  let hi = 1;
  while (tail(hi) > q) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return upper ? Infinity : -Infinity;
  }
  for (let i = 0; i < 2000; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (tail(mid) > q) lo = mid;
    else hi = mid;
  }
  const t = lo + (hi - lo) / 2;
  return upper ? t : -t;
}

// ---------------------------------------------------------------------------
// Tests and intervals
// ---------------------------------------------------------------------------

/** Result of welchTest. */
export interface WelchResult {
  /** Welch's t statistic, (mean(a) - mean(b)) / sqrt(sa²/na + sb²/nb); dimensionless. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  df: number;
  /** Two-sided p-value, P(|T| >= |t|) under equal means; NaN when it cannot be computed. */
  pValue: number;
}

/**
 * Welch's unequal-variance t-test, two-sided, of H0: mean(a) = mean(b).
 *
 *   t  = (ma - mb) / sqrt(va + vb),  va = sa²/na, vb = sb²/nb
 *   df = (va + vb)² / (va²/(na - 1) + vb²/(nb - 1))
 *
 * a and b are samples in the same unit (here: per-window ops/s); t and the
 * p-value are dimensionless.
 *
 * Degenerate inputs: fewer than 2 samples on either side gives t, df and
 * pValue NaN. Both variances zero gives df = na + nb - 2 and either t = 0,
 * pValue 1 (equal means) or t = ±Infinity, pValue 0 (different means).
 */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult {
  const na = a.length;
  const nb = b.length;
  if (na < 2 || nb < 2) return { t: NaN, df: NaN, pValue: NaN };
  const ma = mean(a);
  const mb = mean(b);
  const sa = sampleSd(a);
  const sb = sampleSd(b);
  const va = (sa * sa) / na;
  const vb = (sb * sb) / nb;
  const v = va + vb;
  if (!(v > 0)) {
    if (Number.isNaN(v) || Number.isNaN(ma) || Number.isNaN(mb)) return { t: NaN, df: NaN, pValue: NaN };
    const df = na + nb - 2;
    if (ma === mb) return { t: 0, df, pValue: 1 };
    return { t: ma > mb ? Infinity : -Infinity, df, pValue: 0 };
  }
  const t = (ma - mb) / Math.sqrt(v);
  const df = (v * v) / ((va * va) / (na - 1) + (vb * vb) / (nb - 1));
  return { t, df, pValue: studentTTwoSidedP(t, df) };
}

/** Result of ratioOfMeans. */
export interface RatioResult {
  /** mean(a) / mean(b); dimensionless. */
  ratio: number;
  /** Confidence interval of the ratio at the requested confidence; dimensionless. */
  ci: [number, number];
}

/**
 * Ratio of means mean(a) / mean(b), with a confidence interval (default 95 %).
 *
 * Method: delta method on the log ratio. With ma, mb the means, sa, sb the
 * sample standard deviations and na, nb the counts,
 *
 *   var(ln ma) ≈ sa² / (na·ma²) =: ra,   var(ln mb) ≈ sb² / (nb·mb²) =: rb
 *   se(ln(ma/mb)) = sqrt(ra + rb)
 *   df = (ra + rb)² / (ra²/(na - 1) + rb²/(nb - 1))   (Welch–Satterthwaite on
 *        the relative variances)
 *   ci = ratio · exp(± t_{df, (1 + confidence)/2} · se)
 *
 * The interval is asymmetric around the ratio and always positive, and its
 * reciprocal is the interval of mean(b) / mean(a).
 *
 * Degenerate inputs: the CI is [NaN, NaN] when either side has fewer than 2
 * samples or a mean that is not positive (the log ratio is undefined), and
 * [ratio, ratio] when both sides have zero spread. ratio itself is NaN for
 * an empty side.
 */
export function ratioOfMeans(a: readonly number[], b: readonly number[], confidence = 0.95): RatioResult {
  const ma = mean(a);
  const mb = mean(b);
  const ratio = ma / mb;
  const na = a.length;
  const nb = b.length;
  if (na < 2 || nb < 2 || !(ma > 0) || !(mb > 0) || !(confidence > 0 && confidence < 1)) {
    return { ratio, ci: [NaN, NaN] };
  }
  const sa = sampleSd(a);
  const sb = sampleSd(b);
  const ra = (sa * sa) / (na * ma * ma);
  const rb = (sb * sb) / (nb * mb * mb);
  const r = ra + rb;
  if (Number.isNaN(r)) return { ratio, ci: [NaN, NaN] };
  if (r === 0) return { ratio, ci: [ratio, ratio] };
  const se = Math.sqrt(r);
  const df = (r * r) / ((ra * ra) / (na - 1) + (rb * rb) / (nb - 1));
  const tq = studentTQuantile((1 + confidence) / 2, df);
  return { ratio, ci: [ratio * Math.exp(-tq * se), ratio * Math.exp(tq * se)] };
}

/** Result of compareSamples; the same fields as a Comparison in the result document. */
export interface SampleComparison {
  /** mean(a) / mean(b) of per-window throughput; > 1 means a is faster. Dimensionless. */
  ratio: number;
  /** 95 % confidence interval of the ratio (delta method on the log ratio). */
  ci95: [number, number];
  /** Two-sided p-value of Welch's t-test on the per-window values. */
  pValue: number;
  verdict: Verdict;
  /** The test used, in words, for the result document. */
  test: string;
}

/**
 * Compares two sets of per-window throughputs (ops/s, bigger is better):
 * is a faster or slower than b, or is the difference noise?
 *
 * ratio and ci95 come from ratioOfMeans(a, b, 0.95); pValue from welchTest(a, b).
 * Verdict: 'faster' when pValue < alpha and ratio > 1, 'slower' when
 * pValue < alpha and ratio < 1, otherwise (including a NaN p-value, i.e. too
 * few windows) 'no significant difference'. The CI (95 %) and the test
 * (alpha, default ALPHA = 0.01) use different levels on purpose: the CI
 * shows the size of the effect, the test guards against reporting noise.
 */
export function compareSamples(a: readonly number[], b: readonly number[], alpha = ALPHA): SampleComparison {
  const { ratio, ci } = ratioOfMeans(a, b, 0.95);
  const { pValue } = welchTest(a, b);
  let verdict: Verdict = 'no significant difference';
  if (pValue < alpha && ratio > 1) verdict = 'faster';
  else if (pValue < alpha && ratio < 1) verdict = 'slower';
  return {
    ratio,
    ci95: ci,
    pValue,
    verdict,
    test: `Welch's t-test on per-window ops/s, two-sided, alpha ${alpha}`,
  };
}

/** Holm's step-down adjusted p-values (same order as the input; NaN stays NaN and is left out of the family). */
export function holmAdjust(pValues: readonly number[]): number[] {
  const idx = pValues.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p)).sort((a, b) => a[0] - b[0]);
  const m = idx.length;
  const out = pValues.map(() => NaN);
  let running = 0;
  idx.forEach(([p, i], k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}
