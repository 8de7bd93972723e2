import { describe, expect, it } from 'vitest';
import { createMockCore } from '../src/mock-core.js';
import {
  ALPHA,
  compareSamples,
  mean,
  median,
  ratioOfMeans,
  sampleSd,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  welchTest,
} from '../src/stats.js';
import type { Core, Mode, WindowSpec } from '../src/types.js';

describe('descriptive statistics', () => {
  it('mean, sample sd (n - 1) and median', () => {
    // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, squared deviations sum to 32, sd = sqrt(32/7).
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(sampleSd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(median(xs)).toBe(4.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([5])).toBe(5);
  });

  it('does not lose the spread to a large common offset', () => {
    const xs = [1e9 + 1, 1e9 + 2, 1e9 + 3];
    expect(sampleSd(xs)).toBeCloseTo(1, 12);
  });

  it('is NaN where undefined', () => {
    expect(mean([])).toBeNaN();
    expect(median([])).toBeNaN();
    expect(sampleSd([])).toBeNaN();
    expect(sampleSd([42])).toBeNaN();
    expect(sampleSd([3, 3, 3])).toBe(0);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
});

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

describe("Welch's t-test", () => {
  it('matches a hand-computed example', () => {
    // a = [1..5]:           mean 3, squared deviations 10, var 10/4 = 2.5, va = 2.5/5 = 1/2
    // b = [3, 5, ..., 13]:  mean 8, squared deviations 70, var 70/5 = 14,  vb = 14/6 = 7/3
    // t  = (3 - 8) / sqrt(1/2 + 7/3) = -5 / sqrt(17/6) = -sqrt(150/17) = -2.9704426...
    // df = (17/6)^2 / ((1/2)^2/4 + (7/3)^2/5) = (289/36) / (829/720) = 5780/829 = 6.9722557...
    // p  = 0.0208907229... (scipy.stats.ttest_ind(a, b, equal_var=False) agrees on all three)
    const r = welchTest([1, 2, 3, 4, 5], [3, 5, 7, 9, 11, 13]);
    expect(r.t).toBeCloseTo(-Math.sqrt(150 / 17), 12);
    expect(r.df).toBeCloseTo(5780 / 829, 12);
    expect(r.pValue).toBeCloseTo(0.020890722943256886, 12);
    // Symmetric in the order of the samples, up to the sign of t.
    const s = welchTest([3, 5, 7, 9, 11, 13], [1, 2, 3, 4, 5]);
    expect(s.t).toBeCloseTo(-r.t, 12);
    expect(s.pValue).toBeCloseTo(r.pValue, 14);
  });

  it('gives p = 1 for identical samples', () => {
    const r = welchTest([1, 2, 3], [3, 2, 1]);
    expect(r.t).toBe(0);
    expect(r.pValue).toBe(1);
  });

  it('handles degenerate inputs', () => {
    // Fewer than 2 samples on a side: nothing to test.
    expect(welchTest([1], [1, 2, 3]).pValue).toBeNaN();
    expect(welchTest([1, 2, 3], []).pValue).toBeNaN();
    expect(welchTest([], []).pValue).toBeNaN();
    // Both variances zero.
    expect(welchTest([5, 5, 5], [5, 5]).pValue).toBe(1);
    const d = welchTest([5, 5, 5], [6, 6]);
    expect(d.pValue).toBe(0);
    expect(d.t).toBe(-Infinity);
    // One variance zero: an ordinary test with df = n - 1 of the other side.
    const o = welchTest([5, 5, 5], [4, 6, 5, 7]);
    expect(o.df).toBeCloseTo(3, 12);
    expect(o.pValue).toBeGreaterThan(0);
    expect(o.pValue).toBeLessThan(1);
  });
});

describe('ratio of means', () => {
  it('matches a hand-computed delta-method interval', () => {
    // a: mean 100, var 2.5 -> ra = 2.5 / (5 * 100^2) = 5e-5
    // b: mean  80, var 2.5 -> rb = 2.5 / (5 * 80^2)  = 7.8125e-5
    // se = sqrt(ra + rb) = 0.0113192314..., df = (ra + rb)^2 / (ra^2/4 + rb^2/4) = 7.63223609...
    // t_{0.975, df} = 2.32548934... (SciPy), ci = 1.25 * exp(-/+ t se) = [1.21752584, 1.28334032]
    const r = ratioOfMeans([100, 102, 98, 101, 99], [80, 82, 79, 81, 78]);
    expect(r.ratio).toBe(1.25);
    expect(r.ci[0]).toBeCloseTo(1.2175258396458215, 9);
    expect(r.ci[1]).toBeCloseTo(1.2833403194584614, 9);
  });

  it('identical inputs: ratio 1 with a CI around 1', () => {
    const a = [1000, 1010, 990, 1005, 995, 1002];
    const r = ratioOfMeans(a, [...a]);
    expect(r.ratio).toBe(1);
    expect(r.ci[0]).toBeLessThan(1);
    expect(r.ci[1]).toBeGreaterThan(1);
    // Log-symmetric: lo * hi = ratio^2.
    expect(r.ci[0] * r.ci[1]).toBeCloseTo(1, 12);
  });

  it('b = 1.2 a with noise: ratio near 1/1.2, CI containing it', () => {
    const a = [1000, 1012, 987, 1004, 995, 1009, 991, 1001];
    const noise = [1.004, 0.995, 1.002, 0.998, 1.001, 0.997, 1.003, 0.999];
    const b = a.map((x, i) => x * 1.2 * (noise[i] as number));
    const r = ratioOfMeans(a, b);
    expect(r.ratio).toBeCloseTo(1 / 1.2, 2);
    expect(r.ci[0]).toBeLessThan(1 / 1.2);
    expect(r.ci[1]).toBeGreaterThan(1 / 1.2);
    expect(r.ci[1]).toBeLessThan(1);
  });

  it('a wider confidence gives a wider interval', () => {
    const a = [10, 11, 9, 10.5];
    const b = [12, 12.5, 11, 11.8];
    const c90 = ratioOfMeans(a, b, 0.9).ci;
    const c99 = ratioOfMeans(a, b, 0.99).ci;
    expect(c99[0]).toBeLessThan(c90[0]);
    expect(c99[1]).toBeGreaterThan(c90[1]);
  });

  it('handles degenerate inputs', () => {
    expect(ratioOfMeans([5, 5], [4, 4])).toEqual({ ratio: 1.25, ci: [1.25, 1.25] });
    const few = ratioOfMeans([5], [4, 4.1]);
    expect(few.ratio).toBeCloseTo(5 / 4.05, 14);
    expect(few.ci[0]).toBeNaN();
    expect(few.ci[1]).toBeNaN();
    const zero = ratioOfMeans([1, 2], [0, 0]);
    expect(zero.ci[0]).toBeNaN();
    expect(ratioOfMeans([], [1, 2]).ratio).toBeNaN();
  });
});

describe('compareSamples', () => {
  it('uses alpha 0.01 and says which test it used', () => {
    expect(ALPHA).toBe(0.01);
    const c = compareSamples([1, 2, 3, 4, 5], [3, 5, 7, 9, 11, 13]);
    expect(c.test).toMatch(/Welch/);
    expect(c.test).toMatch(/0\.01/);
    // p = 0.0209 < 0.05 but not < 0.01: not reported as a difference by default ...
    expect(c.pValue).toBeCloseTo(0.020890722943256886, 12);
    expect(c.verdict).toBe('no significant difference');
    // ... but it is at alpha 0.05, and a is the slower one.
    expect(compareSamples([1, 2, 3, 4, 5], [3, 5, 7, 9, 11, 13], 0.05).verdict).toBe('slower');
    expect(c.ratio).toBeCloseTo(3 / 8, 14);
    expect(c.ci95).toEqual(ratioOfMeans([1, 2, 3, 4, 5], [3, 5, 7, 9, 11, 13]).ci);
  });

  it('faster, slower, and too few windows', () => {
    const fast = [200, 202, 198, 201, 199];
    const slow = [100, 101, 99, 100.5, 99.5];
    expect(compareSamples(fast, slow).verdict).toBe('faster');
    expect(compareSamples(slow, fast).verdict).toBe('slower');
    const one = compareSamples([200], slow);
    expect(one.pValue).toBeNaN();
    expect(one.verdict).toBe('no significant difference');
  });
});

/** Per-window throughputs (ops/s) of `n` consecutive 100 ms windows of msg.pingpong on the mock core. */
function windowsOpsPerSec(core: Core, mode: Mode, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const startNs = core.nowNs() + 1_000_000;
    const stopNs = startNs + 100_000_000;
    const spec: WindowSpec = {
      workload: 'msg.pingpong',
      params: { size: 64 },
      mode,
      route: 'privileged',
      nsFd: -1,
      userNsFd: -1,
      cpuA: 0,
      cpuB: 0,
      coreParam: 0,
      sampleEvery: 16,
      startNs,
      stopNs,
      deadlineNs: stopNs + 1e9,
      sysctls: {},
      keyBase: 0,
      journalFd: -1,
    };
    const r = core.run(spec);
    expect(r.ok).toBe(true);
    out.push(r.ops / (r.elapsedNs / 1e9));
  }
  return out;
}

describe('comparisons on the mock core', () => {
  it('A/A: the same scenario twice is "no significant difference" in at least 95 % of 200 seeds', () => {
    const seeds = 200;
    let noDiff = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const core = createMockCore({ seed, noise: 0.03 });
      const a = windowsOpsPerSec(core, 'isolated', 10);
      const b = windowsOpsPerSec(core, 'isolated', 10);
      const c = compareSamples(a, b);
      if (c.verdict === 'no significant difference') noDiff++;
      // Same distribution: the ratio is close to 1 whatever the verdict.
      expect(Math.abs(c.ratio - 1)).toBeLessThan(0.05);
    }
    // At alpha 0.01 about 99 % are expected.
    expect(noDiff / seeds).toBeGreaterThanOrEqual(0.95);
  });

  it('a real 20 % difference is found as "slower", and the CI covers the true ratio', () => {
    const seeds = 50;
    const trueRatio = 1 / 1.2;
    let slower = 0;
    let covered = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const core = createMockCore({ seed, noise: 0.03, modeFactor: { isolated: 1.2 } });
      const isolated = windowsOpsPerSec(core, 'isolated', 10);
      const host = windowsOpsPerSec(core, 'host', 10);
      const c = compareSamples(isolated, host);
      if (c.verdict === 'slower') slower++;
      if (c.ci95[0] <= trueRatio && trueRatio <= c.ci95[1]) covered++;
    }
    expect(slower / seeds).toBeGreaterThanOrEqual(0.95);
    // A 95 % interval: expect about 47 of 50; "most" leaves room for the binomial spread.
    expect(covered / seeds).toBeGreaterThanOrEqual(0.85);
  });
});
