/**
 * Change points in a series of runs (log figures, one per run, in run
 * order): where the level of a scenario moved, and whether the newest runs
 * moved it. Pure functions; the permutations are drawn from a seeded
 * generator, so the same series gives the same answer.
 *
 * Two tests, each for what the other cannot do:
 *
 * - The history: E-divisive (Matteson & James 2014, "A nonparametric
 *   approach for multiple change point analysis of multivariate data"), as
 *   Apache Otava (formerly Hunter) and MongoDB's performance CI use it. The
 *   split (tau, kappa) of a segment that maximises the energy statistic
 *   Q(X = x[s..tau), Y = x[tau..kappa)) = 2/(n+m) sum|X-Y| - 2m/((n+m)(n-1))
 *   sum_{i<k}|X_i-X_k| - 2n/((n+m)(m-1)) sum_{j<k}|Y_j-Y_k| is the
 *   candidate; the largest over the segments found so far is tested with a
 *   permutation test (every segment shuffled in itself, the largest Q over
 *   them recomputed) and kept when significant, then the search repeats.
 *   The permutation test pays for the search over splits, and assumes no
 *   distribution, so a heavy-tailed runner does not fool it. Unlike Otava's
 *   p = extremes / (R + 1), the p-value here is (extremes + 1) / (R + 1),
 *   which is exact, and the test stops as soon as its answer is certain to
 *   be "not significant": in a steady series after a few permutations.
 * - The newest runs: a permutation test hardly confirms a change that only
 *   a few runs show. With 3 runs after it, a split at the end is
 *   significant only when those 3 are the most extreme values of the
 *   series (p cannot fall below 1 / C(n, 3): 1/4060 of 30 runs); a 10 %
 *   step on a runner whose runs spread by 3 %, or any wild run in the past,
 *   rarely gives that. So the newest `confirm` runs are tested against the
 *   rest of their segment with Student's t on log values (pooled variance:
 *   one runner, one spread; Welch's with 3 runs on one side has about 2
 *   degrees of freedom and no power). The split is fixed in advance, so no
 *   search is paid for; and every one of the newest runs must lie on the side of
 *   the change, so that one wild run cannot make a change of three.
 */
import { seededRandom } from '../measure/mock-core.js';
import { mean } from './robust.js';
import { studentTQuantile, studentTTwoSidedP } from './student-t.js';

export interface Split {
  /** The first index of the right-hand part (relative to the series given). */
  index: number;
  q: number;
}

/**
 * W[a * (n + 1) + b] = sum over a <= i < j < b of |x_i - x_j|: every
 * within-sum the energy statistic needs, for all a <= b, in O(n^2).
 */
function withinSums(x: readonly number[]): Float64Array {
  const n = x.length;
  const w = new Float64Array((n + 1) * (n + 1));
  for (let b = 2; b <= n; b++) {
    const last = x[b - 1] as number;
    let column = 0;
    for (let a = b - 2; a >= 0; a--) {
      column += Math.abs((x[a] as number) - last);
      w[a * (n + 1) + b] = (w[a * (n + 1) + b - 1] as number) + column;
    }
  }
  return w;
}

/**
 * The split of `x` (a whole segment) with the largest energy statistic,
 * both parts at least `minSize` long (at least 2: each part's spread is in
 * the statistic); null when `x` is too short to split.
 */
export function bestSplit(x: readonly number[], minSize: number): Split | null {
  const n = x.length;
  const size = Math.max(2, minSize);
  if (n < 2 * size) return null;
  const w = withinSums(x);
  const at = (a: number, b: number): number => w[a * (n + 1) + b] as number;
  let best: Split | null = null;
  for (let tau = size; tau <= n - size; tau++) {
    const left = at(0, tau);
    for (let kappa = tau + size; kappa <= n; kappa++) {
      const l = tau;
      const r = kappa - tau;
      const right = at(tau, kappa);
      const between = at(0, kappa) - left - right;
      const q = (2 * between) / (l + r) - (2 * r * left) / ((l + r) * (l - 1)) - (2 * l * right) / ((l + r) * (r - 1));
      if (!best || q > best.q) best = { index: tau, q };
    }
  }
  return best;
}

/** The best split over the segments [bounds[i], bounds[i + 1]) of x, with its index in x. */
function bestOver(x: readonly number[], bounds: readonly number[], minSize: number): Split | null {
  let best: Split | null = null;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = bounds[i] as number;
    const s = bestSplit(x.slice(a, bounds[i + 1]), minSize);
    if (s && (!best || s.q > best.q)) best = { index: a + s.index, q: s.q };
  }
  return best;
}

function shuffleWithin(x: number[], bounds: readonly number[], rand: () => number): void {
  for (let s = 0; s + 1 < bounds.length; s++) {
    const a = bounds[s] as number;
    for (let i = (bounds[s + 1] as number) - 1; i > a; i--) {
      const j = a + Math.floor(rand() * (i - a + 1));
      const t = x[i] as number;
      x[i] = x[j] as number;
      x[j] = t;
    }
  }
}

export interface EDivisiveOptions {
  /** The shortest segment a change point may leave on either side. */
  minSize: number;
  /** Significance level of each split's permutation test. */
  alpha: number;
  /** At most this many permutations per test; p cannot fall below 1 / (permutations + 1). */
  permutations: number;
  seed: number;
}

export interface FoundChange {
  /** The first run (index into the series) of the new level. */
  index: number;
  /** The p-value of the test that found it (the permutation test's, or the newest runs' t-test). */
  p: number;
  test: 'permutation' | 'newest';
}

/**
 * E-divisive with a permutation test: the change points of `x`, in order.
 * Each split is kept when (extremes + 1) / (R + 1) <= alpha; the test stops
 * once the extremes make that impossible.
 */
export function eDivisive(x: readonly number[], o: EDivisiveOptions): FoundChange[] {
  const rand = seededRandom(o.seed);
  const found: FoundChange[] = [];
  const copy = [...x];
  for (;;) {
    const bounds = [0, ...found.map((c) => c.index), x.length];
    const candidate = bestOver(x, bounds, o.minSize);
    if (!candidate) break;
    const limit = o.alpha * (o.permutations + 1);
    let extremes = 0;
    let done = 0;
    // A permuted Q equal to the observed (the same arrangement drawn again) counts as extreme; rounding must not hide it.
    const bar = candidate.q - 1e-12 * Math.abs(candidate.q);
    while (done < o.permutations && extremes + 1 <= limit) {
      for (let i = 0; i < x.length; i++) copy[i] = x[i] as number;
      shuffleWithin(copy, bounds, rand);
      if ((bestOver(copy, bounds, o.minSize)?.q ?? -Infinity) >= bar) extremes++;
      done++;
    }
    const p = (extremes + 1) / (done + 1);
    if (extremes + 1 > limit) break;
    found.push({ index: candidate.index, p, test: 'permutation' });
    found.sort((a, b) => a.index - b.index);
  }
  return found;
}

/** Student's two-sample t on `after` - `before`, pooled variance. */
export interface TwoSample {
  diff: number;
  se: number;
  df: number;
  p: number;
}

export function pooledT(before: readonly number[], after: readonly number[]): TwoSample {
  const nb = before.length;
  const na = after.length;
  const mb = mean(before);
  const ma = mean(after);
  const diff = ma - mb;
  const df = nb + na - 2;
  const ss = before.reduce((s, v) => s + (v - mb) ** 2, 0) + after.reduce((s, v) => s + (v - ma) ** 2, 0);
  const se = df > 0 ? Math.sqrt((ss / df) * (1 / nb + 1 / na)) : NaN;
  // No spread at all: any difference is certain, none is no change.
  const p = !(df > 0) ? NaN : se > 0 ? studentTTwoSidedP(diff / se, df) : diff === 0 ? 1 : 0;
  return { diff, se, df, p };
}

/** The interval of `after` - `before` (log values) at two-sided level 1 - alpha; pooled Student t. */
export function differenceInterval(before: readonly number[], after: readonly number[], alpha: number): { diff: number; lo: number; hi: number } {
  const t = pooledT(before, after);
  if (!Number.isFinite(t.se)) return { diff: t.diff, lo: NaN, hi: NaN };
  const half = t.se > 0 ? studentTQuantile(1 - alpha / 2, t.df) * t.se : 0;
  return { diff: t.diff, lo: t.diff - half, hi: t.diff + half };
}

/**
 * Did the newest `confirm` runs of `x` move away from the runs since
 * `start` (the last change point found, or 0)? Student's t at `alpha`, and
 * each of them on the side of the change. When they did, the change is
 * placed where it fits best: the newest j runs, all on the side of the
 * change, whose split gives the largest |t|. When that leaves fewer than
 * `confirm` runs after it (two newest runs far off, the third not), the
 * change is not confirmed yet: null, as when nothing moved, or when fewer
 * than `minBefore` runs lie before them.
 */
export function newestChange(x: readonly number[], start: number, confirm: number, minBefore: number, alpha: number): FoundChange | null {
  const n = x.length;
  const room = (j: number): boolean => n - j - start >= Math.max(2, minBefore);
  const split = (j: number): TwoSample => pooledT(x.slice(start, n - j), x.slice(n - j));
  const sameSide = (j: number, diff: number): boolean => {
    const level = mean(x.slice(start, n - j));
    return diff !== 0 && x.slice(n - j).every((v) => Math.sign(v - level) === Math.sign(diff));
  };
  if (!room(confirm)) return null;
  const test = split(confirm);
  if (!(test.p <= alpha) || !sameSide(confirm, test.diff)) return null;
  let best = { j: 0, t: 0, p: 1 };
  for (let j = 1; room(j); j++) {
    const s = split(j);
    if (Math.sign(s.diff) !== Math.sign(test.diff) || !sameSide(j, s.diff)) {
      if (j >= confirm) break;
      continue;
    }
    const t = Math.abs(s.diff / s.se);
    if (t > best.t) best = { j, t, p: s.p };
  }
  return best.j >= confirm ? { index: n - best.j, p: best.p, test: 'newest' } : null;
}

/**
 * The newest value against the runs before it (log values): how far off it
 * lies, as a prediction interval sees it (Student t with the runs' spread,
 * m - 1 degrees of freedom); NaN below 3 runs.
 */
export function newestOff(before: readonly number[], newest: number): { diff: number; p: number } {
  const m = before.length;
  const mu = mean(before);
  const diff = newest - mu;
  if (m < 3) return { diff, p: NaN };
  const sd = Math.sqrt(before.reduce((s, v) => s + (v - mu) ** 2, 0) / (m - 1));
  const se = sd * Math.sqrt(1 + 1 / m);
  return { diff, p: se > 0 ? studentTTwoSidedP(diff / se, m - 1) : diff === 0 ? 1 : 0 };
}
