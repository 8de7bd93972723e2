/**
 * Student's t distribution, for the intervals of analyze/trimmed.ts: pure
 * functions, no dependencies.
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

// ---------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------

const EPS = 1e-16;
const TINY = 1e-300;

// Lanczos approximation (g = 7, n = 9): relative error below 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
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
