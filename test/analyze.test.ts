/**
 * The pure statistics of src/analyze/: Student's t, robust summaries, Yuen's
 * trimmed-mean intervals, verdicts and alpha spending, mode comparisons,
 * window rates and the noise figure. Expected values come from SciPy/NumPy
 * (scipy 1.17.1, numpy 2.4.6) or are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { compareModes, decided, levelText, methodText, missingComparisons, relativeHalfWidth, scenarioEstimate } from '../src/analyze/modes.js';
import type { ModeComparison, ModeSeries } from '../src/analyze/modes.js';
import { HIGH_ROUND_NOISE, noiseFigure } from '../src/analyze/noise.js';
import { cv, lag1, madSd, mean, medianOf, quantileOf, sampleSd, sorted, trimCount, trimmedMean, winsorizedVariance } from '../src/analyze/robust.js';
import { studentTCdf, studentTQuantile, studentTTwoSidedP } from '../src/analyze/student-t.js';
import { logRatios, logs, TRIM, trimmedDifference, trimmedInterval } from '../src/analyze/trimmed.js';
import { AlphaSpending, logBand, lookSchedule, METRICS, STOPPING_METRICS, verdictOf, type Metric, type Verdict } from '../src/analyze/verdict.js';
import { overlapFraction, robustWindowRate, subWindowRates, windowRate, workerRate, workerSubRates } from '../src/measure/window-rate.js';
import { seededRandom } from '../src/measure/mock-core.js';
import type { Mode, WindowResult } from '../src/common/types.js';

/** |actual - expected| <= rel * |expected|, with both numbers in the failure message. */
function expectRel(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected), `${actual} vs expected ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe("Student's t distribution", () => {
  it('matches table values of the two-sided p-value', () => {
    // Tables: t = 2.228 is the 0.975 quantile for df = 10, so two-sided p = 0.05.
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 4);
    // Reference values from SciPy (2 * scipy.special.stdtr(df, -t)).
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05001177181711132, 12);
    expect(studentTTwoSidedP(10, 3)).toBeCloseTo(0.0021283990584141503, 13);
    expect(studentTTwoSidedP(0, 7)).toBe(1);
    expect(studentTTwoSidedP(Infinity, 7)).toBe(0);
  });

  it('matches closed forms of the CDF', () => {
    // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
    for (const t of [-30, -2, -0.5, 0, 0.3, 1, 4, 100]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
    }
    // df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    for (const t of [-10, -1.5, 0, 0.7, 3, 25]) {
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    }
    expect(studentTCdf(-Infinity, 4)).toBe(0);
    expect(studentTCdf(Infinity, 4)).toBe(1);
  });

  it('has known quantiles', () => {
    // Tables: t_{0.975, 5} = 2.5706, t_{0.975, 10} = 2.2281, t_{0.975, 1} = 12.706.
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.5705818356363146, 10);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281388519862757, 10);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 9);
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-2.5705818356363146, 10);
    // Fractional df as Welch produces (SciPy: stats.t.ppf(0.995, 9.5)).
    expect(studentTQuantile(0.995, 9.5)).toBeCloseTo(3.2070156284394886, 10);
    // Large df tends to the normal quantile 1.959964 (SciPy for df = 1e6: 1.9599663568).
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959966356814107, 10);
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.959963984540054, 12);
    expect(studentTQuantile(0.5, 3)).toBe(0);
  });

  it('quantile inverts the CDF', () => {
    for (const df of [0.7, 1, 2.5, 9, 30, 500, 5e4]) {
      for (const p of [1e-9, 0.001, 0.05, 0.3, 0.6, 0.9, 0.999]) {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
      }
    }
  });

  it('is NaN for invalid input', () => {
    expect(studentTCdf(1, 0)).toBeNaN();
    expect(studentTCdf(NaN, 3)).toBeNaN();
    expect(studentTTwoSidedP(1, NaN)).toBeNaN();
    expect(studentTQuantile(1.5, 3)).toBeNaN();
    expect(studentTQuantile(0.5, -1)).toBeNaN();
  });
});

describe('robust summaries (robust.ts)', () => {
  // A sample with a tie and an odd n (9), used for the trimmed summaries below.
  const d = [2.5, 0.3, 7.1, 4.4, 4.4, 9.0, 1.2, 6.6, 3.3];

  it('mean, sample sd (n - 1) and median', () => {
    // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations sum to 32, sd = sqrt(32/7).
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(sampleSd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(medianOf(xs)).toBe(4.5);
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([5])).toBe(5);
  });

  it('does not lose the spread to a large common offset', () => {
    const xs = [1e9 + 1, 1e9 + 2, 1e9 + 3];
    expect(sampleSd(xs)).toBeCloseTo(1, 12);
  });

  it('is NaN where undefined', () => {
    expect(mean([])).toBeNaN();
    expect(medianOf([])).toBeNaN();
    expect(quantileOf([], 0.3)).toBeNaN();
    expect(sampleSd([])).toBeNaN();
    expect(sampleSd([42])).toBeNaN();
    expect(sampleSd([3, 3, 3])).toBe(0);
    expect(trimmedMean([], 0.25)).toBeNaN();
    expect(winsorizedVariance([4], 0.25)).toBeNaN();
    expect(cv([4])).toBeNaN();
    expect(lag1([1, 2])).toBeNaN();
    // No spread: no autocorrelation to speak of.
    expect(lag1([3, 3, 3, 3])).toBeNaN();
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    medianOf(xs);
    quantileOf(xs, 0.2);
    trimmedMean(xs, 0.25);
    winsorizedVariance(xs, 0.25);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('sorted: an ascending numeric copy', () => {
    const xs = [10, 9, 1, -2.5, 100];
    const s = sorted(xs);
    expect(s).toEqual([-2.5, 1, 9, 10, 100]); // numeric, not lexicographic
    expect(s).not.toBe(xs);
    expect(xs).toEqual([10, 9, 1, -2.5, 100]);
  });

  it('quantileOf interpolates between order statistics (type 7)', () => {
    // numpy 2.4.6: np.quantile([7, 1, 3, 10, 4, 8], q) (default method 'linear' = type 7).
    const q = [7, 1, 3, 10, 4, 8];
    expect(quantileOf(q, 0)).toBe(1);
    expect(quantileOf(q, 0.1)).toBeCloseTo(2, 14);
    expect(quantileOf(q, 0.25)).toBeCloseTo(3.25, 14);
    expect(quantileOf(q, 0.5)).toBeCloseTo(5.5, 14);
    expect(quantileOf(q, 0.9)).toBeCloseTo(9, 14);
    expect(quantileOf(q, 1)).toBe(10);
    expect(quantileOf([5], 0.3)).toBe(5);
    expect(medianOf(q)).toBe(5.5);
  });

  it('trimCount is floor(trim * n)', () => {
    expect(trimCount(12, 0.25)).toBe(3);
    expect(trimCount(10, 0.25)).toBe(2); // 2.5 -> 2
    expect(trimCount(11, 0.25)).toBe(2); // 2.75 -> 2
    expect(trimCount(9, 0.1)).toBe(0); // 0.9 -> 0
    expect(trimCount(3, 0.25)).toBe(0);
    expect(trimCount(10, 0)).toBe(0);
  });

  it('trimmedMean matches SciPy', () => {
    // scipy 1.17.1: stats.trim_mean(d, 0.25) = 4.24, (d, 0.1) = 4.311111111111111, (d, 0.4) = 4.033333333333334.
    expect(trimmedMean(d, 0.25)).toBeCloseTo(4.24, 13);
    expect(trimmedMean(d, 0.1)).toBeCloseTo(4.311111111111111, 13);
    expect(trimmedMean(d, 0.4)).toBeCloseTo(4.033333333333334, 13);
    expect(trimmedMean(d, 0)).toBeCloseTo(mean(d), 13);
    // An outlier barely moves it: [1, 2, 3, 4, 1000] at 25 % keeps 2, 3, 4 (g = 1).
    expect(trimmedMean([1, 2, 3, 4, 1000], 0.25)).toBe(3);
  });

  it('winsorizedVariance matches SciPy', () => {
    // scipy 1.17.1: np.var(mstats.winsorize(d, limits=(t, t)), ddof=1).
    expect(winsorizedVariance(d, 0.1)).toBeCloseTo(8.136111111111111, 12);
    expect(winsorizedVariance(d, 0.25)).toBeCloseTo(3.319444444444444, 12);
    expect(winsorizedVariance(d, 0.4)).toBeCloseTo(0.33611111111111147, 12);
    // trim 0 is the ordinary sample variance.
    expect(winsorizedVariance(d, 0)).toBeCloseTo(sampleSd(d) ** 2, 12);
    // Hand: [1, 5, 5, 5, 5, 9] at 25 % (g = 1) winsorizes to six 5s.
    expect(winsorizedVariance([1, 5, 5, 5, 5, 9], 0.25)).toBe(0);
  });

  it('madSd, cv and lag1 match SciPy / NumPy', () => {
    // scipy 1.17.1: stats.median_abs_deviation(d) * 1.4826 (raw MAD 2.2).
    expect(madSd(d)).toBeCloseTo(3.2617199999999986, 12);
    // scipy 1.17.1: stats.variation(d, ddof=1).
    expect(cv(d)).toBeCloseTo(0.6616361400060781, 13);
    // numpy: sum((d[:-1] - m) * (d[1:] - m)) / sum((d - m)**2), the usual acf estimator.
    expect(lag1(d)).toBeCloseTo(-0.4190015553279465, 13);
    // Hand: a trend 1..4 has m = 2.5, num = (-1.5)(-0.5) + (-0.5)(0.5) + (0.5)(1.5) = 1.25, den = 5.
    expect(lag1([1, 2, 3, 4])).toBeCloseTo(0.25, 14);
    // Hand: a normal sd is recovered from the MAD: [-1, 0, 1] has MAD 1.
    expect(madSd([-1, 0, 1])).toBeCloseTo(1.4826, 14);
  });
});

describe("Yuen's trimmed-mean intervals (trimmed.ts)", () => {
  const x = [0.012, -0.034, 0.051, 0.002, -0.008, 0.19, 0.004, -0.011, 0.007, -0.22, 0.015, 0.001];
  const y = [0.03, 0.02, -0.01, 0.04, 0.25, 0.01, 0.02, 0.03, -0.3, 0.015];
  // n = 11, so 25 % trims g = 2 (2.75 -> 2) and keeps h = 7.
  const z = [3.1, 2.7, 4.4, 3.9, 2.2, 5.8, 3.3, 3.0, 9.5, 3.6, 2.9];
  // n = 7: g = 1, h = 5.
  const w = [10.0, 12.0, 11.5, 9.0, 30.0, 10.5, 11.0];

  it('uses a 25 % trim by default', () => {
    expect(TRIM).toBe(0.25);
  });

  it('one sample: equals SciPy mstats.trimmed_mean_ci', () => {
    // scipy 1.17.1: mstats.trimmed_mean_ci(x, (0.25, 0.25), alpha=0.01) and alpha=0.05;
    // mstats.trimmed_stde(x, (0.25, 0.25)); stats.trim_mean(x, 0.25).
    const i99 = trimmedInterval(x, 0.01);
    expect(i99.estimate).toBeCloseTo(0.003, 15);
    expectRel(i99.se, 0.005006056937411526);
    expect(i99.df).toBe(5); // 12 - 2 * 3 - 1
    expect(i99.n).toBe(12);
    expectRel(i99.lo, -0.017185137355461858, 1e-11);
    expectRel(i99.hi, 0.023185137355461856, 1e-11);
    const i95 = trimmedInterval(x, 0.05);
    expectRel(i95.lo, -0.009868479031471226, 1e-11);
    expectRel(i95.hi, 0.015868479031471226, 1e-11);
  });

  it('one sample: odd n and a trim that does not divide n', () => {
    // scipy 1.17.1: mstats.trimmed_mean_ci(z, (0.25, 0.25), alpha=0.05); trim_mean(z, 0.25).
    const i = trimmedInterval(z, 0.05);
    expectRel(i.estimate, 3.4571428571428564);
    expect(i.df).toBe(6); // h - 1 = 7 - 1
    expectRel(i.lo, 2.5098235410423335, 1e-11);
    expectRel(i.hi, 4.40446217324338, 1e-11);
    // Hand: se = sqrt(winsorized var) / ((1 - 2 * 0.25) sqrt(11)), winsorized var 0.41218181818181837 (SciPy).
    expectRel(i.se, Math.sqrt(0.41218181818181837) / (0.5 * Math.sqrt(11)), 1e-12);
    // scipy 1.17.1: mstats.trimmed_mean_ci(z, (0.2, 0.2), alpha=0.1): g = floor(2.2) = 2, factor 1 - 0.4.
    const j = trimmedInterval(z, 0.1, 0.2);
    expectRel(j.lo, 2.830226044448108, 1e-11);
    expectRel(j.hi, 4.084059669837606, 1e-11);
  });

  it('one sample: degenerate inputs', () => {
    // Fewer than 2 values: the estimate but NaN bounds.
    const one = trimmedInterval([0.3], 0.05);
    expect(one.estimate).toBe(0.3);
    expect(one.n).toBe(1);
    expect(one.lo).toBeNaN();
    expect(one.hi).toBeNaN();
    const none = trimmedInterval([], 0.05);
    expect(none.estimate).toBeNaN();
    expect(none.lo).toBeNaN();
    // Fewer than 2 kept values: trim 0.49 of 3 cuts 1 from each end and keeps 1.
    const kept1 = trimmedInterval([1, 2, 3], 0.05, 0.49);
    expect(kept1.estimate).toBe(2);
    expect(kept1.lo).toBeNaN();
    expect(kept1.hi).toBeNaN();
    // No spread after winsorizing: a zero-width interval at the estimate.
    const flat = trimmedInterval([1, 5, 5, 5, 5, 9], 0.05);
    expect(flat).toMatchObject({ estimate: 5, lo: 5, hi: 5, se: 0, df: 3, n: 6 });
  });

  it('a smaller alpha gives a wider interval around the same estimate', () => {
    const a = trimmedInterval(z, 0.1);
    const b = trimmedInterval(z, 0.001);
    expect(b.estimate).toBe(a.estimate);
    expect(b.lo).toBeLessThan(a.lo);
    expect(b.hi).toBeGreaterThan(a.hi);
  });

  it('two samples: equals SciPy ttest_ind(trim=0.25, equal_var=False)', () => {
    // scipy 1.17.1: r = stats.ttest_ind(x, y, trim=0.25, equal_var=False);
    // r.df = 9.954722900752754, r.confidence_interval(0.99) = [-0.04063347168404531, 0.004966805017378641],
    // r.confidence_interval(0.95) = [-0.03385638489049561, -0.0018102817761710514].
    const d99 = trimmedDifference(x, y, 0.01);
    expectRel(d99.df, 9.954722900752754, 1e-12);
    expectRel(d99.estimate, 0.0030000000000000005 - 0.020833333333333332, 1e-12); // trim_mean(x) - trim_mean(y)
    expectRel(d99.lo, -0.04063347168404531, 1e-11);
    expectRel(d99.hi, 0.004966805017378641, 1e-11);
    expect(d99.n).toBe(22);
    const d95 = trimmedDifference(x, y, 0.05);
    expectRel(d95.lo, -0.03385638489049561, 1e-11);
    expectRel(d95.hi, -0.0018102817761710514, 1e-10);
  });

  it('two samples: odd sizes, and swapping the samples negates the interval', () => {
    // scipy 1.17.1: stats.ttest_ind(z, w, trim=0.25, equal_var=False): df 7.321734053385938,
    // confidence_interval(0.95) = [-8.875152679455175, -6.210561606259111]; (w, z) gives the negation.
    const zw = trimmedDifference(z, w, 0.05);
    expectRel(zw.df, 7.321734053385938, 1e-12);
    expectRel(zw.lo, -8.875152679455175, 1e-11);
    expectRel(zw.hi, -6.210561606259111, 1e-11);
    const wz = trimmedDifference(w, z, 0.05);
    expectRel(wz.df, 7.321734053385938, 1e-12);
    expectRel(wz.lo, 6.210561606259111, 1e-11);
    expectRel(wz.hi, 8.875152679455175, 1e-11);
  });

  it("two samples: one side without spread leaves the other side's degrees of freedom", () => {
    // scipy 1.17.1: stats.ttest_ind(z, [5, 5, 5, 5], trim=0.25, equal_var=False): df 6.0 (h_z - 1),
    // confidence_interval(0.9) = [-2.1515985792016785, -0.9341157065126062].
    const c = trimmedDifference(z, [5, 5, 5, 5], 0.1);
    expectRel(c.df, 6, 1e-12);
    expectRel(c.lo, -2.1515985792016785, 1e-11);
    expectRel(c.hi, -0.9341157065126062, 1e-11);
  });

  it('two samples: degenerate inputs', () => {
    // A side with fewer than 2 values: the difference of the estimates, NaN bounds.
    const few = trimmedDifference([2], [1, 2, 3], 0.05);
    expect(few.estimate).toBe(0);
    expect(few.n).toBe(4);
    expect(few.lo).toBeNaN();
    expect(few.hi).toBeNaN();
    expect(trimmedDifference([1, 2, 3], [], 0.05).lo).toBeNaN();
    // Neither side has spread: a zero-width interval at the difference.
    const flat = trimmedDifference([5, 5, 5], [3, 3, 3, 3], 0.05);
    expect(flat).toMatchObject({ estimate: 2, lo: 2, hi: 2, se: 0 });
  });

  it('logs keeps the logs of positive finite values only', () => {
    expect(logs([100, 0, -1, null, NaN, Infinity, 1])).toEqual([Math.log(100), 0]);
    expect(logs([])).toEqual([]);
  });

  it('logRatios pairs rounds by index and skips rounds without both figures', () => {
    // Round 0: ln 2; 1: a = 0; 2: b NaN; 3: a null; 4: ln 1 = 0; 5: no b.
    expect(logRatios([2, 0, 3, null, 4, 5], [1, 1, NaN, 2, 4])).toEqual([Math.log(2), 0]);
    expect(logRatios([3, 6], [6, 3])).toEqual([Math.log(0.5), Math.log(2)]);
  });
});

describe('verdicts and alpha spending (verdict.ts)', () => {
  const band = Math.log(1.05);

  it('logBand is ln(1 + margin)', () => {
    expect(logBand(0.05)).toBeCloseTo(Math.log(1.05), 15);
    expect(logBand(0)).toBe(0);
  });

  it('verdictOf: equivalent, faster, slower, inconclusive', () => {
    // Inside ±ln 1.05: equivalent, even when 0 is excluded.
    expect(verdictOf(-0.01, 0.02, 0.05, true)).toBe('equivalent');
    expect(verdictOf(0.01, 0.03, 0.05, true)).toBe('equivalent');
    expect(verdictOf(-Math.log(1.049), Math.log(1.049), 0.05, false)).toBe('equivalent');
    // Excludes 0 and reaches outside the band.
    expect(verdictOf(0.02, 0.09, 0.05, true)).toBe('faster');
    expect(verdictOf(-0.09, -0.02, 0.05, true)).toBe('slower');
    // Smaller is better (latency): a ratio above 1 means a is slower.
    expect(verdictOf(0.02, 0.09, 0.05, false)).toBe('slower');
    expect(verdictOf(-0.09, -0.02, 0.05, false)).toBe('faster');
    // Holds 0 and reaches outside the band.
    expect(verdictOf(-0.02, 0.09, 0.05, true)).toBe('inconclusive');
    expect(verdictOf(-band - 0.001, 0.001, 0.05, false)).toBe('inconclusive');
    // A NaN bound is inconclusive.
    expect(verdictOf(NaN, 0.01, 0.05, true)).toBe('inconclusive');
    expect(verdictOf(0.2, NaN, 0.05, true)).toBe('inconclusive');
    expect(verdictOf(NaN, NaN, 0.05, false)).toBe('inconclusive');
  });

  it('verdictOf: the margin sets the band', () => {
    // Ratio interval [1.01, 1.06]: beyond a 5 % margin, inside a 10 % one.
    expect(verdictOf(Math.log(1.01), Math.log(1.06), 0.05, true)).toBe('faster');
    expect(verdictOf(Math.log(1.01), Math.log(1.06), 0.1, true)).toBe('equivalent');
  });

  it('verdictOf: swapping a and b swaps faster and slower and keeps the others', () => {
    const swap: Record<Verdict, Verdict> = { faster: 'slower', slower: 'faster', equivalent: 'equivalent', inconclusive: 'inconclusive' };
    const rand = seededRandom(11);
    const seen = new Set<Verdict>();
    for (let i = 0; i < 2000; i++) {
      const c = (rand() - 0.5) * 0.3;
      const h = rand() * 0.1;
      const margin = rand() * 0.1;
      for (const bigger of [true, false]) {
        const v = verdictOf(c - h, c + h, margin, bigger);
        seen.add(v);
        // ln(b / a) = -ln(a / b): the interval [-hi, -lo].
        expect(verdictOf(-(c + h), -(c - h), margin, bigger)).toBe(swap[v]);
      }
    }
    expect(seen.size).toBe(4); // every verdict was exercised
  });

  it('lookSchedule: first, then about ratio times the last, ending at maxRounds', () => {
    // 5, ceil(7.5) = 8, 12, 18, 27, ceil(40.5) = 41 >= 40 -> 40.
    expect(lookSchedule(5, 1.5, 40)).toEqual([5, 8, 12, 18, 27, 40]);
    expect(lookSchedule(2, 3, 100)).toEqual([2, 6, 18, 54, 100]);
    // Ratio 1 still moves on by one round.
    expect(lookSchedule(4, 1, 7)).toEqual([4, 5, 6, 7]);
    expect(lookSchedule(3, 2, 3)).toEqual([3]);
  });

  it('lookSchedule: always strictly increasing and ends at maxRounds', () => {
    const rand = seededRandom(5);
    for (let i = 0; i < 500; i++) {
      const first = 1 + Math.floor(rand() * 20);
      const ratio = 1 + rand() * 2;
      const maxRounds = first + Math.floor(rand() * 500);
      const s = lookSchedule(first, ratio, maxRounds);
      expect(s[0]).toBe(first);
      expect(s[s.length - 1]).toBe(maxRounds);
      for (let j = 1; j < s.length; j++) expect(s[j] as number).toBeGreaterThan(s[j - 1] as number);
    }
  });

  it('AlphaSpending: planned looks spend in proportion to their rounds', () => {
    const schedule = [5, 8, 12, 18, 27, 40]; // sum 110
    const s = new AlphaSpending(0.05, 9, schedule);
    expect(s.perComparison).toBeCloseTo(0.05 / 9, 16);
    let total = 0;
    for (const round of schedule) {
      const a = s.look(round);
      expectRel(a, (0.05 / 9) * (round / 110), 1e-12);
      total += a;
    }
    // The whole schedule spends the comparison's share.
    expectRel(total, 0.05 / 9, 1e-12);
    // Zero comparisons count as one.
    expect(new AlphaSpending(0.05, 0, schedule).perComparison).toBe(0.05);
  });

  it('AlphaSpending: an unplanned look gets what is left, and later looks nothing', () => {
    const s = new AlphaSpending(0.05, 3, [5, 8, 12, 18, 27, 40]);
    const pc = 0.05 / 3;
    expectRel(s.look(5), (pc * 5) / 110);
    expectRel(s.look(8), (pc * 8) / 110);
    // Round 10 is not planned (the cap came early): the rest, 1 - 13/110 of the share.
    expectRel(s.look(10), (pc * 97) / 110, 1e-12);
    expect(s.look(12)).toBeCloseTo(0, 15);
    expect(s.look(11)).toBeCloseTo(0, 15);
  });

  it('AlphaSpending: gives back exactly what is left, never a negative alpha', () => {
    const a = new AlphaSpending(0.05, 9, [5, 10, 11]);
    // The planned share, then the rest: the whole share, to the last few ulps.
    expect(a.look(5) + a.look(7)).toBeLessThanOrEqual(a.perComparison * (1 + 1e-12));
    const b = new AlphaSpending(0.05, 15, [5, 10, 11]);
    b.look(10);
    b.look(7);
    expect(b.look(8)).toBe(0);
  });

  it('AlphaSpending: never spends more than alphaRun / comparisons, whatever the looks', () => {
    const rand = seededRandom(2024);
    for (let i = 0; i < 3000; i++) {
      const schedule = lookSchedule(1 + Math.floor(rand() * 10), 1 + rand() * 2, 10 + Math.floor(rand() * 300));
      const comparisons = 1 + Math.floor(rand() * 30);
      const s = new AlphaSpending(0.05, comparisons, schedule);
      let total = 0;
      const looks = 1 + Math.floor(rand() * 12);
      for (let j = 0; j < looks; j++) {
        // Planned rounds (possibly repeated, in any order) and unplanned ones.
        const round = rand() < 0.6 ? (schedule[Math.floor(rand() * schedule.length)] as number) : 1 + Math.floor(rand() * 400);
        const a = s.look(round);
        expect(Number.isFinite(a)).toBe(true);
        total += a;
      }
      // Allow float rounding only (a few ulps of the share).
      expect(total).toBeLessThanOrEqual(s.perComparison * (1 + 1e-12));
    }
  });
});

/** A series of one mode: per-round values of each metric (p99 copies p50 unless given). */
function series(mode: Mode, throughput: readonly number[], p50: readonly number[], p99: readonly number[] = p50): ModeSeries {
  return { mode, scenario: `msg.pingpong/${mode}`, values: { throughput, 'latency-p50': p50, 'latency-p99': p99 } };
}

/** A comparison as decided() reads it; the numbers do not matter there. */
function judged(metric: Metric, verdict: Verdict): ModeComparison {
  return {
    metric,
    a: 'isolated',
    b: 'host',
    scenarioA: 'i',
    scenarioB: 'h',
    ratio: 1,
    ci: [0.9, 1.1],
    ciLevel: 0.99,
    margin: 0.05,
    verdict,
    rounds: 10,
    noise: 0.01,
  };
}

describe('mode comparisons (modes.ts)', () => {
  const times = (xs: readonly number[], fs: readonly number[]): number[] => xs.map((x, i) => x * (fs[i] as number));
  // 12 rounds; round 4 is a slow-machine spell shared by every mode (host 1500, shared 1515).
  const host = [1000, 1010, 990, 1005, 1500, 995, 1002, 998, 1001, 1003, 997, 1000];
  const shared = times(host, [1.01, 1.0, 1.02, 0.99, 1.01, 1.0, 1.015, 1.005, 0.995, 1.0, 1.01, 1.0]);
  const isolated = times(host, [1.21, 1.19, 1.2, 1.22, 0.9, 1.18, 1.2, 1.21, 1.19, 1.2, 1.23, 1.2]);
  isolated[3] = NaN; // rounds without a figure
  isolated[7] = 0;
  const latHost = [5000, 5100, 4900, 5050, 5000, 4950, 5020, 4980, 5010, 5030, 4970, 5000];
  const latShared = times(latHost, [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.0, 1.01]);
  const latIsolated = times(latHost, [1.3, 1.31, 1.29, 1.3, 1.32, 1.28, 1.3, 1.3, 1.31, 1.29, 1.3, 1.3]);
  const all = [series('host', host, latHost), series('shared', shared, latShared), series('isolated', isolated, latIsolated)];
  const alpha = 0.005;

  it('compares isolated/shared, isolated/host and shared/host for each metric', () => {
    const cs = compareModes(all, alpha, 0.05);
    expect(cs.map((c) => `${c.metric} ${c.a}/${c.b}`)).toEqual(METRICS.flatMap((m) => [`${m} isolated/shared`, `${m} isolated/host`, `${m} shared/host`]));
    const only = compareModes(all, alpha, 0.05, ['throughput']);
    expect(only.map((c) => c.metric)).toEqual(['throughput', 'throughput', 'throughput']);
    expect(only[0]).toMatchObject({ scenarioA: 'msg.pingpong/isolated', scenarioB: 'msg.pingpong/shared', ciLevel: 1 - alpha, margin: 0.05 });
  });

  it('matches SciPy on the per-round log-ratios', () => {
    // scipy 1.17.1, d = log(a / b) over rounds where both are positive and finite:
    // ratio = exp(stats.trim_mean(d, 0.25)), ci = exp(mstats.trimmed_mean_ci(d, (0.25, 0.25), alpha=0.005)),
    // noise = stats.median_abs_deviation(d) * 1.4826; verdicts by hand from the ci and ±ln 1.05.
    const expected: Array<[Metric, Mode, Mode, number, number, number, number, Verdict, number]> = [
      ['throughput', 'isolated', 'shared', 1.1910195290186016, 1.163643240166966, 1.21903988227539, 0.011036928441617272, 'faster', 10],
      ['throughput', 'isolated', 'host', 1.1966573643008518, 1.1811473767484741, 1.212371017982123, 0.012355286007287447, 'faster', 10],
      ['throughput', 'shared', 'host', 1.0041566488697062, 0.9905338876505729, 1.017966763217841, 0.011055096000773826, 'equivalent', 12],
      ['latency-p50', 'isolated', 'shared', 1.298522607256653, 1.2907112975950301, 1.3063811905097782, 0.005087871722889385, 'slower', 12],
      ['latency-p50', 'isolated', 'host', 1.3, 1.2999999999999998, 1.3000000000000003, 0.00568048756629041, 'slower', 12],
      ['latency-p50', 'shared', 'host', 1.0016597643621756, 0.9882265785895432, 1.0152755504452142, 0.014752360522907012, 'equivalent', 12],
    ];
    const cs = compareModes(all, alpha, 0.05, ['throughput', 'latency-p50']);
    expect(cs).toHaveLength(expected.length);
    for (const [i, [metric, a, b, ratio, lo, hi, noise, verdict, rounds]] of expected.entries()) {
      const c = cs[i];
      if (!c) throw new Error(`comparison ${i} missing`);
      expect([c.metric, c.a, c.b, c.verdict, c.rounds]).toEqual([metric, a, b, verdict, rounds]);
      expectRel(c.ratio, ratio, 1e-12);
      expectRel(c.ci[0], lo, 1e-11);
      expectRel(c.ci[1], hi, 1e-11);
      expectRel(c.noise, noise, 1e-10);
    }
  });

  it('identical modes are equivalent with ratio 1', () => {
    const cs = compareModes([series('host', host, latHost), series('shared', [...host], [...latHost])], 0.01, 0.05);
    expect(cs).toHaveLength(3); // shared/host for each metric
    for (const c of cs) {
      expect([c.a, c.b, c.ratio, c.ci, c.verdict, c.rounds]).toEqual(['shared', 'host', 1, [1, 1], 'equivalent', 12]);
    }
  });

  it('a missing mode gives no comparison for its pairs', () => {
    const cs = compareModes([series('isolated', isolated, latIsolated), series('host', host, latHost)], alpha, 0.05);
    expect(cs.map((c) => `${c.a}/${c.b}`)).toEqual(['isolated/host', 'isolated/host', 'isolated/host']);
    expect(compareModes([series('host', host, latHost)], alpha, 0.05)).toEqual([]);
    expect(compareModes([], alpha, 0.05)).toEqual([]);
  });

  it('decided: only the stopping metrics must be conclusive', () => {
    expect(STOPPING_METRICS).toEqual(['throughput', 'latency-p50']);
    // An inconclusive p99 does not keep a group sampling.
    expect(decided([judged('throughput', 'faster'), judged('latency-p50', 'equivalent'), judged('latency-p99', 'inconclusive')], [])).toBe(true);
    expect(decided([judged('throughput', 'inconclusive'), judged('latency-p50', 'equivalent')], [])).toBe(false);
    expect(decided([judged('throughput', 'slower'), judged('latency-p50', 'inconclusive')], [])).toBe(false);
    const cs = compareModes(all, alpha, 0.05, ['throughput', 'latency-p50']);
    expect(missingComparisons(all, cs)).toEqual([]);
    expect(decided(cs, [])).toBe(true);
  });

  it('a comparison the group should have and could not make keeps it undecided', () => {
    // isolated has no throughput figure in any round: all 0, or all NaN.
    for (const empty of [host.map(() => 0), host.map(() => NaN)]) {
      const three = [series('host', host, latHost), series('shared', shared, latShared), series('isolated', empty, latIsolated)];
      const cs = compareModes(three, alpha, 0.05, ['throughput', 'latency-p50']);
      expect(cs.filter((c) => c.metric === 'throughput').map((c) => `${c.a}/${c.b}`)).toEqual(['shared/host']);
      // Every comparison it could make is conclusive; the two it could not keep it sampling.
      expect(cs.every((c) => c.verdict !== 'inconclusive')).toBe(true);
      const missing = missingComparisons(three, cs);
      expect(missing).toEqual([
        { metric: 'throughput', a: 'isolated', b: 'shared' },
        { metric: 'throughput', a: 'isolated', b: 'host' },
      ]);
      expect(decided(cs, missing)).toBe(false);
    }
    // One round with a figure is not a comparison either.
    const once = host.map((x, i) => (i === 5 ? x : NaN));
    const two = [series('host', host, latHost), series('isolated', latHost, once)];
    expect(missingComparisons(two, compareModes(two, alpha, 0.05))).toEqual([{ metric: 'latency-p50', a: 'isolated', b: 'host' }]);
    // No mode has any throughput figure: still missing, not "nothing to compare".
    const zeros = host.map(() => 0);
    const dead = [series('host', zeros, latHost), series('shared', [...zeros, NaN], latShared)];
    expect(missingComparisons(dead, compareModes(dead, alpha, 0.05))).toEqual([{ metric: 'throughput', a: 'shared', b: 'host' }]);
    expect(decided([], missingComparisons(dead, []))).toBe(false);
  });

  it('a comparison the group cannot have is not missing: latency not sampled in any mode, a group of one mode, the p99', () => {
    const none = host.map(() => NaN);
    const unsampled = [series('host', host, none), series('shared', shared, none)];
    const cs = compareModes(unsampled, alpha, 0.05);
    expect(cs.map((c) => c.metric)).toEqual(['throughput']);
    expect(missingComparisons(unsampled, cs)).toEqual([]);
    expect(decided(cs, [])).toBe(true);
    expect(missingComparisons([series('host', host, latHost)], [])).toEqual([]);
    // The p99 does not keep a group sampling, present or not.
    const noTail = [series('host', host, latHost, none), series('shared', shared, latShared, none)];
    expect(missingComparisons(noTail, compareModes(noTail, alpha, 0.05))).toEqual([]);
  });

  it('scenarioEstimate: the trimmed geometric mean and its interval', () => {
    // scipy 1.17.1, l = log of the positive values (the 0 round is dropped):
    // exp(stats.trim_mean(l, 0.25)), exp(mstats.trimmed_mean_ci(l, (0.25, 0.25), alpha=0.05)), half-width (hi - lo) / 2 of l.
    const e = scenarioEstimate([1000, 1010, 990, 1005, 1500, 995, 1002, 998, 0, 1001, 1003, 997, 1000]);
    expectRel(e.estimate, 1000.6653894909177, 1e-13);
    expectRel(e.ci[0], 997.4149512587289, 1e-13);
    expectRel(e.ci[1], 1003.9264204545348, 1e-13);
    expect(e.ciLevel).toBe(0.95);
    expectRel(e.halfWidth, 0.0032535639666120275, 1e-9);
    // alpha 0.01: mstats.trimmed_mean_ci(l, (0.25, 0.25), alpha=0.01).
    const e99 = scenarioEstimate([1000, 1010, 990, 1005, 1500, 995, 1002, 998, 0, 1001, 1003, 997, 1000], 0.01);
    expectRel(e99.ci[0], 995.5715531253883, 1e-13);
    expectRel(e99.ci[1], 1005.785288442142, 1e-13);
    expect(e99.ciLevel).toBe(0.99);
  });

  it('relativeHalfWidth: half-width over the geometric centre', () => {
    // sqrt(102 / 98) - 1 (numpy: 0.020204061220407077).
    expect(relativeHalfWidth([98, 102])).toBeCloseTo(0.020204061220407077, 15);
    expect(relativeHalfWidth([1, 1])).toBe(0);
    expect(relativeHalfWidth([null, 102])).toBeNaN();
    expect(relativeHalfWidth([98, null])).toBeNaN();
    expect(relativeHalfWidth([0, 5])).toBeNaN();
  });

  it('methodText and levelText say what they must', () => {
    const m = methodText(12);
    expect(m).toMatch(/25 % trimmed mean/);
    expect(m).toMatch(/log-ratio/);
    expect(m).toMatch(/Yuen/);
    expect(m).toMatch(/12 comparisons/);
    expect(m).toMatch(/alpha 0\.05/);
    expect(levelText(0.99992)).toBe('99.992 %');
    expect(levelText(0.95)).toBe('95 %');
    expect(levelText(0.99)).toBe('99 %');
  });
});

/** A worker's window result: what the window functions read, the rest zero. */
function worker(startNs: number, endNs: number, ops: number, marks: Array<[number, number]>): WindowResult {
  return {
    ok: true,
    ops,
    bytes: 0,
    elapsedNs: endNs - startNs,
    startNs,
    endNs,
    lateNs: 0,
    setupLateNs: 0,
    cpuNs: 0,
    volCs: 0,
    involCs: 0,
    nsInode: 0,
    nsInodeB: 0,
    timerNs: 20,
    controlSyscall: 0,
    controlSpin: 0,
    timedOut: false,
    parties: 2,
    leaderPid: 0,
    partnerPid: 0,
    objId: -1,
    latency: { count: 0, sumNs: 0, minNs: 0, maxNs: 0, buckets: [] },
    marks,
  };
}

describe('window rates (window.ts)', () => {
  const S = 1_000_000_000; // requested window start
  const SUB = 10_000_000; // 10 ms sub-windows of a 40 ms window
  const WINDOW = 40_000_000;
  // On time; marks 0.5 µs after each boundary: four whole sub-windows of exactly 10 ms,
  // 10 000, 11 000, 9 000 and 11 000 ops -> 1.0e6, 1.1e6, 0.9e6, 1.1e6 ops/s; 41 000 ops in 40 ms overall.
  const a = worker(S + 500, S + 40_000_500, 41_000, [
    [0, S + 500],
    [10_000, S + 10_000_500],
    [21_000, S + 20_000_500],
    [30_000, S + 30_000_500],
    [41_000, S + 40_000_500],
  ]);
  // Ends early at S + 35 ms: sub-windows 0-2 whole (5 000 ops each, 5e5 ops/s), sub-window 3 only half.
  const b = worker(S + 1_000, S + 35_001_000, 17_500, [
    [0, S + 1_000],
    [5_000, S + 10_001_000],
    [10_000, S + 20_001_000],
    [15_000, S + 30_001_000],
    [17_500, S + 35_001_000],
  ]);
  // Starts just after boundary 2 (sub-windows 0 and 1 missed): 4 000 ops in each of 2 and 3.
  const c = worker(S + 20_000_200, S + 40_000_200, 8_000, [
    [0, S + 20_000_200],
    [4_000, S + 30_000_200],
    [8_000, S + 40_000_200],
  ]);

  const rates = (m: Map<number, number>): Array<[number, number]> => [...m].sort((x, y) => x[0] - y[0]);

  it("workerRate: ops over the worker's own loop time", () => {
    expectRel(workerRate(a), 41_000 / 0.04);
    expectRel(workerRate(b), 17_500 / 0.035);
    expect(workerRate(worker(S, S, 5, []))).toBe(0);
  });

  it("windowRate: the sum of the workers' rates", () => {
    expectRel(windowRate([a, b]), 1.025e6 + 5e5);
    expect(windowRate([])).toBe(0);
  });

  it('overlapFraction: the time every worker ran, over the requested window', () => {
    // Latest start S + 1 µs, earliest end S + 35.001 ms: 35 ms of 40.
    expect(overlapFraction([a, b], WINDOW)).toBeCloseTo(0.875, 14);
    expect(overlapFraction([a], WINDOW)).toBeCloseTo(1, 14);
    // Never all running together.
    expect(overlapFraction([worker(S, S + 10, 1, []), worker(S + 20, S + 30, 1, [])], WINDOW)).toBe(0);
    expect(overlapFraction([], WINDOW)).toBe(0);
    expect(overlapFraction([a], 0)).toBe(0);
  });

  it('workerSubRates: one rate per whole sub-window', () => {
    const ra = rates(workerSubRates(a, S, SUB));
    expect(ra.map(([k]) => k)).toEqual([0, 1, 2, 3]);
    [1e6, 1.1e6, 0.9e6, 1.1e6].forEach((r, k) => expectRel((ra[k] as [number, number])[1], r));
    // The early end leaves sub-window 3 out.
    const rb = rates(workerSubRates(b, S, SUB));
    expect(rb.map(([k]) => k)).toEqual([0, 1, 2]);
    for (const [, r] of rb) expectRel(r, 5e5);
    // A late start: only the sub-windows it ran through.
    const rc = rates(workerSubRates(c, S, SUB));
    expect(rc.map(([k]) => k)).toEqual([2, 3]);
    for (const [, r] of rc) expectRel(r, 4e5);
  });

  it('workerSubRates: a worker that started late, mid sub-window, leaves that sub-window out', () => {
    // Loop start at S + 12 ms, 8 ms into sub-window 1; boundary marks follow at 2 and 3, then the end.
    const late = worker(S + 12e6, S + 32e6, 200, [
      [0, S + 12e6],
      [80, S + 20e6 + 100],
      [180, S + 30e6 + 100],
      [200, S + 32e6],
    ]);
    const r = rates(workerSubRates(late, S, SUB));
    expect(r.map(([k]) => k)).toEqual([2]);
    expectRel((r[0] as [number, number])[1], 100 / 0.01);
  });

  it('workerSubRates: a missing boundary mark leaves out the sub-windows around it', () => {
    // No mark after boundary 2 (the worker was off the CPU across it): sub-windows 1 and 2 are not known.
    const gap = worker(S + 500, S + 40_000_500, 40_000, [
      [0, S + 500],
      [10_000, S + 10_000_500],
      [30_000, S + 30_000_500],
      [40_000, S + 40_000_500],
    ]);
    const r = rates(workerSubRates(gap, S, SUB));
    expect(r.map(([k]) => k)).toEqual([0, 3]);
    for (const [, v] of r) expectRel(v, 1e6);
    // No sub-windows at all without a positive length.
    expect(workerSubRates(a, S, 0).size).toBe(0);
  });

  it('subWindowRates: sums over workers, only where every worker covered the sub-window', () => {
    // a and b share sub-windows 0-2: 1.0e6 + 5e5, 1.1e6 + 5e5, 0.9e6 + 5e5.
    const ab = subWindowRates([a, b], S, SUB);
    expect(ab).toHaveLength(3);
    [1.5e6, 1.6e6, 1.4e6].forEach((r, k) => expectRel(ab[k] as number, r));
    // a and c share sub-windows 2 and 3.
    const ac = subWindowRates([a, c], S, SUB);
    expect(ac).toHaveLength(2);
    [1.3e6, 1.5e6].forEach((r, k) => expectRel(ac[k] as number, r));
    expect(subWindowRates([], S, SUB)).toEqual([]);
  });

  it('robustWindowRate: the median sub-window rate, or the window rate below 3 sub-windows', () => {
    // median(1.5e6, 1.6e6, 1.4e6).
    expectRel(robustWindowRate([a, b], S, SUB), 1.5e6);
    // a alone: median(1.0e6, 1.1e6, 0.9e6, 1.1e6) = 1.05e6.
    expectRel(robustWindowRate([a], S, SUB), 1.05e6);
    // a and c share 2 sub-windows only: the window rate 1.025e6 + 8 000 / 0.02 s.
    expectRel(robustWindowRate([a, c], S, SUB), 1.025e6 + 4e5);
    // A burst that takes most of one sub-window barely moves the median.
    const burst = worker(S, S + 40_000_000, 31_100, [
      [0, S],
      [10_000, S + 10_000_000],
      [20_000, S + 20_000_000],
      [20_100, S + 30_000_000],
      [31_100, S + 40_000_000],
    ]);
    expectRel(robustWindowRate([burst], S, SUB), 1e6); // median(1e6, 1e6, 1e4, 1.1e6)
    expect(windowRate([burst])).toBeCloseTo(777_500, 6);
  });
});

describe('noise figure (noise.ts)', () => {
  type Judged = Parameters<typeof noiseFigure>[0][number];
  const tput = (lo: number | null, hi: number | null, noise: number | null, verdict: Verdict = 'equivalent'): Judged => ({
    metric: 'throughput',
    ci: [lo, hi],
    noise,
    verdict,
  });

  it('is null without throughput comparisons that have a noise figure', () => {
    expect(noiseFigure([], 0.05, 2000)).toBeNull();
    expect(noiseFigure([{ metric: 'latency-p50', ci: [0.9, 1.1], noise: 0.02, verdict: 'equivalent' }], 0.05, 2000)).toBeNull();
    expect(noiseFigure([tput(0.9, 1.1, null)], 0.05, 2000)).toBeNull();
  });

  it('a quiet machine: medians of noise and of half-widths, not high', () => {
    const f = noiseFigure(
      [
        tput(0.99, 1.01, 0.02),
        tput(0.98, 1.02, 0.03),
        tput(1.1, 1.13, 0.04, 'faster'),
        tput(0.97, 1.03, 0.05),
        // Ignored: another metric, and a throughput comparison without a noise figure.
        { metric: 'latency-p99', ci: [0.5, 2], noise: 0.9, verdict: 'inconclusive' },
        tput(0.5, 2, null, 'inconclusive'),
      ],
      0.05,
      2000,
    );
    if (!f) throw new Error('no noise figure');
    // numpy: expm1(median([0.02, 0.03, 0.04, 0.05])) = expm1(0.035) = 0.03561970879962326;
    // expm1(median(log(hi / lo) / 2)) = 0.016868896624988795.
    expect(f.roundNoise).toBeCloseTo(0.03561970879962326, 14);
    expect(f.resolution).toBeCloseTo(0.016868896624988795, 14);
    expect(f.comparisons).toBe(4);
    expect(f.inconclusive).toBe(0);
    expect(f.high).toBe(false);
    expect(f.advice).toMatch(/3\.6 %/);
    expect(f.advice).toMatch(/±1\.7 %/);
    expect(f.advice).not.toMatch(/noisy|cap/);
  });

  it('a noisy machine: high, and the advice says so', () => {
    // Round noise expm1(0.2) = 0.2214 > HIGH_ROUND_NOISE, even though the intervals are narrow.
    expect(HIGH_ROUND_NOISE).toBe(0.1);
    const f = noiseFigure([tput(0.99, 1.01, 0.15), tput(0.99, 1.01, 0.2), tput(0.99, 1.01, 0.25, 'inconclusive')], 0.05, 2000);
    if (!f) throw new Error('no noise figure');
    expect(f.roundNoise).toBeCloseTo(0.22140275816016985, 14);
    expect(f.high).toBe(true);
    expect(f.inconclusive).toBe(1);
    expect(f.advice).toMatch(/noisy/);
    expect(f.advice).toMatch(/22\.1 %/);
    expect(f.advice).toMatch(/1 of 3 throughput comparisons stayed inconclusive/);
    expect(f.advice).toMatch(/--time T \(now 2000 ms/);
    expect(f.advice).not.toMatch(/stopped at their cap/);
  });

  it('groups stopped at their cap: high, and the advice blames the cap, not the machine', () => {
    // Quiet rounds (3 %) but intervals of ±10.6 % (numpy: expm1(log(1.1 / 0.9) / 2)) > the 5 % margin.
    const wide = noiseFigure([tput(0.9, 1.1, 0.03, 'inconclusive'), tput(0.9, 1.1, 0.03, 'inconclusive'), tput(0.9, 1.1, 0.03, 'inconclusive')], 0.05, 1500);
    if (!wide) throw new Error('no noise figure');
    expect(wide.resolution).toBeCloseTo(0.10554159678513333, 14);
    expect(wide.roundNoise).toBeLessThan(HIGH_ROUND_NOISE);
    expect(wide.high).toBe(true);
    expect(wide.advice).toMatch(/stopped at their cap/);
    expect(wide.advice).toMatch(/3 of 3 throughput comparisons stayed inconclusive/);
    expect(wide.advice).toMatch(/now 1500 ms/);
    expect(wide.advice).not.toMatch(/noisy/);
    // Narrow intervals but more than a quarter of the comparisons undecided: high as well.
    const undecided = noiseFigure(
      [tput(0.99, 1.01, 0.03, 'inconclusive'), tput(0.99, 1.01, 0.03, 'inconclusive'), tput(0.99, 1.01, 0.03), tput(0.99, 1.01, 0.03)],
      0.05,
      1500,
    );
    expect(undecided?.high).toBe(true);
    expect(undecided?.advice).toMatch(/stopped at their cap/);
  });

  it('reads intervals with a missing bound (null in a document) as no resolution', () => {
    const f = noiseFigure([tput(null, 1.02, 0.02), tput(0.98, 1.02, 0.02)], 0.05, 2000);
    // Only [0.98, 1.02] counts: expm1(log(1.02 / 0.98) / 2).
    expect(f?.resolution).toBeCloseTo(Math.expm1(Math.log(1.02 / 0.98) / 2), 14);
    const none = noiseFigure([tput(null, null, 0.02)], 0.05, 2000);
    expect(none?.resolution).toBeNaN();
    expect(none?.high).toBe(true);
  });
});
