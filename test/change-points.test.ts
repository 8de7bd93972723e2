/**
 * The change-point tests of src/analyze/change-points.ts, on plain series:
 * the energy statistic against its definition, E-divisive's permutation
 * test (exact p-values, deterministic per seed, stopped early only when the
 * answer cannot change), and the newest runs' test with its guard against
 * one wild run.
 */
import { describe, expect, it } from 'vitest';
import { bestSplit, eDivisive, newestChange, newestOff, pooledT } from '../src/analyze/change-points.js';
import { gaussian, seededRandom } from '../src/measure/mock-core.js';

/** Q(X, Y) of Matteson & James, straight from its definition. */
function energy(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const m = y.length;
  let between = 0;
  for (const a of x) for (const b of y) between += Math.abs(a - b);
  let wx = 0;
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) wx += Math.abs((x[i] as number) - (x[k] as number));
  let wy = 0;
  for (let i = 0; i < m; i++) for (let k = i + 1; k < m; k++) wy += Math.abs((y[i] as number) - (y[k] as number));
  return ((m * n) / (m + n)) * ((2 / (m * n)) * between - wx / ((n * (n - 1)) / 2) - wy / ((m * (m - 1)) / 2));
}

const noise = (n: number, sd: number, seed: number): number[] => {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => sd * gaussian(rand));
};
const withStep = (xs: readonly number[], at: number, by: number): number[] => xs.map((v, i) => (i >= at ? v + by : v));
const OPTIONS = { minSize: 3, alpha: 0.001, permutations: 1999, seed: 1 };

describe('the energy statistic', () => {
  it('bestSplit finds the largest Q over every split (tau, kappa), as the definition computes it', () => {
    const x = withStep(noise(17, 0.02, 3), 9, 0.1);
    let best = { index: -1, q: -Infinity };
    for (let tau = 3; tau <= x.length - 3; tau++) {
      for (let kappa = tau + 3; kappa <= x.length; kappa++) {
        const q = energy(x.slice(0, tau), x.slice(tau, kappa));
        if (q > best.q) best = { index: tau, q };
      }
    }
    const found = bestSplit(x, 3);
    expect(found?.index).toBe(best.index);
    expect(found?.q).toBeCloseTo(best.q, 10);
    expect(found?.index).toBe(9);
  });

  it('leaves no part shorter than the minimum size', () => {
    const x = withStep(noise(10, 0.01, 4), 8, 0.5);
    expect(bestSplit(x, 3)?.index).toBeLessThanOrEqual(7);
    expect(bestSplit(x.slice(0, 5), 3)).toBeNull();
  });
});

describe('E-divisive with a permutation test', () => {
  it('finds two steps at their runs, and nothing in a steady series', () => {
    const x = withStep(withStep(noise(40, 0.02, 5), 12, 0.15), 27, -0.1);
    expect(eDivisive(x, OPTIONS).map((c) => c.index)).toEqual([12, 27]);
    for (const seed of [6, 7, 8, 9, 10]) expect(eDivisive(noise(40, 0.02, seed), OPTIONS), `seed ${seed}`).toEqual([]);
  });

  it('gives an exact p-value, (extremes + 1) / (permutations + 1), and the same answer for the same seed', () => {
    const x = withStep(noise(24, 0.02, 11), 12, 0.2);
    const [c] = eDivisive(x, { ...OPTIONS, permutations: 999 });
    // A step ten times the noise: no permutation comes near it.
    expect(c).toEqual({ index: 12, p: 1 / 1000, test: 'permutation' });
    expect(eDivisive(x, OPTIONS)).toEqual(eDivisive(x, OPTIONS));
  });

  it('cannot call a split significant below 1 / (permutations + 1)', () => {
    const x = withStep(noise(24, 0.02, 12), 12, 0.2);
    expect(eDivisive(x, { ...OPTIONS, alpha: 0.0005, permutations: 999 })).toEqual([]);
  });

  it('cannot confirm a change the newest 3 of 30 runs show unless they are the most extreme of all (what the newest runs test is for)', () => {
    // One wild run in the past is further off than the newest three.
    const x = withStep(noise(30, 0.01, 13), 27, -0.05).map((v, i) => (i === 5 ? -0.08 : v));
    expect(eDivisive(x, { ...OPTIONS, alpha: 0.0005, permutations: 3999 })).toEqual([]);
    expect(newestChange(x, 0, 3, 3, 0.0005)).toMatchObject({ index: 27, test: 'newest' });
    // The three at the end, far beyond everything else: p = 1 / C(30, 3) is within reach.
    const far = withStep(noise(30, 0.01, 13), 27, -0.3);
    expect(eDivisive(far, { ...OPTIONS, alpha: 0.0005, permutations: 3999 }).map((c) => c.index)).toEqual([27]);
  });
});

describe('the newest runs', () => {
  it('Student t with pooled variance: the textbook two-sample test', () => {
    const t = pooledT([1, 2, 3, 4, 5], [6, 7, 8]);
    expect(t.diff).toBe(4);
    expect(t.df).toBe(6);
    expect(t.se).toBeCloseTo(Math.sqrt(2 * (1 / 5 + 1 / 3)), 12);
    // SciPy: ttest_ind([1, 2, 3, 4, 5], [6, 7, 8]).pvalue = 0.00822
    expect(t.p).toBeCloseTo(0.00822, 4);
  });

  it("a change the three newest runs show is placed at its first run; one that more runs show is the search's to find", () => {
    const base = noise(20, 0.01, 14);
    expect(newestChange(withStep(base, 17, -0.1), 0, 3, 3, 0.0005)?.index).toBe(17);
    expect(newestChange(base, 0, 3, 3, 0.0005)).toBeNull();
    // Five runs after it: the fixed split of the newest three is diluted, the history's search is not.
    expect(newestChange(withStep(base, 15, -0.1), 0, 3, 3, 0.0005)).toBeNull();
    expect(eDivisive(withStep(base, 15, -0.1), { ...OPTIONS, alpha: 0.0005, permutations: 3999 }).map((c) => c.index)).toEqual([15]);
  });

  it('one wild run, or two far off and the third not, is not yet a change of three', () => {
    const base = noise(20, 0.01, 15).map((v, i) => (i === 17 ? 0.005 : v));
    const wild = base.map((v, i) => (i === 19 ? v - 0.5 : v));
    expect(newestChange(wild, 0, 3, 3, 0.0005)).toBeNull();
    const two = base.map((v, i) => (i >= 18 ? v - 0.2 : v));
    expect(newestChange(two, 0, 3, 3, 0.0005)).toBeNull();
    expect(newestOff(two.slice(0, 19), two[19] as number).p).toBeLessThan(0.0005);
  });

  it('needs runs before the newest to compare them with', () => {
    expect(newestChange([0, 0.01, -0.3, -0.3, -0.3], 0, 3, 3, 0.05)).toBeNull();
    expect(newestOff([0, 0.01], -0.3).p).toBeNaN();
  });
});
