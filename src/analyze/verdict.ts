/**
 * Four-way verdicts with a practical margin, and the levels that keep their
 * error rates under a run's many comparisons and repeated looks.
 *
 * For a ratio a / b with interval [lo, hi] (the one the verdict used):
 * - equivalent: the whole interval lies inside the band 1/(1 + margin) ..
 *   1 + margin (two one-sided tests, TOST): any difference is smaller than
 *   the margin;
 * - faster / slower: otherwise, the interval excludes 1: a differs from b,
 *   possibly by more than the margin;
 * - inconclusive: the interval holds 1 and reaches outside the band: the
 *   run cannot tell yet, and the tool samples more.
 * The band is symmetric on the log scale, so swapping a and b swaps faster
 * and slower and keeps equivalent.
 */

export type Verdict = 'faster' | 'slower' | 'equivalent' | 'inconclusive';
export const VERDICTS: readonly Verdict[] = ['faster', 'slower', 'equivalent', 'inconclusive'];

export type Metric = 'throughput' | 'latency-p50' | 'latency-p99';
export const METRICS: readonly Metric[] = ['throughput', 'latency-p50', 'latency-p99'];

/** Throughput is better when bigger; latency when smaller. */
export const BIGGER_IS_BETTER: Readonly<Record<Metric, boolean>> = { throughput: true, 'latency-p50': false, 'latency-p99': false };

/**
 * The metrics whose comparisons decide when a group has sampled enough. The
 * p99 is compared and reported too, but a tail under a busy neighbour could
 * keep every group sampling until its cap.
 */
export const STOPPING_METRICS: readonly Metric[] = ['throughput', 'latency-p50'];

/** Default practical margin: differences within 5 % are "equivalent". */
export const DEFAULT_MARGIN = 0.05;

/** Family-wise error rate of each metric's comparisons over a whole run. */
export const ALPHA_RUN = 0.05;

/** Half-width of the equivalence band on the log scale. */
export function logBand(margin: number): number {
  return Math.log1p(margin);
}

/**
 * The verdict for a relative to b from the interval of ln(a / b); a NaN
 * bound is inconclusive. For a smaller-is-better metric a ratio above 1
 * means a is slower.
 */
export function verdictOf(loLog: number, hiLog: number, margin: number, biggerIsBetter: boolean): Verdict {
  if (!Number.isFinite(loLog) || !Number.isFinite(hiLog)) return 'inconclusive';
  const b = logBand(margin);
  if (loLog >= -b && hiLog <= b) return 'equivalent';
  if (loLog > 0) return biggerIsBetter ? 'faster' : 'slower';
  if (hiLog < 0) return biggerIsBetter ? 'slower' : 'faster';
  return 'inconclusive';
}

/**
 * Rounds at which a group looks at its comparisons: first, then each about
 * `ratio` times the last, up to maxRounds (which is always a look). Looking
 * at geometric intervals keeps the number of looks, and so the price each
 * look pays in alpha, small.
 */
export function lookSchedule(first: number, ratio: number, maxRounds: number): number[] {
  const out: number[] = [];
  for (let n = first; n < maxRounds; n = Math.max(n + 1, Math.ceil(n * ratio))) out.push(n);
  out.push(maxRounds);
  return out;
}

/**
 * The two-sided alpha of each interval at each look of a group. The run's
 * family-wise alpha is shared by Bonferroni's inequality over the metric's
 * comparisons in the run (alphaRun / comparisons each), and each
 * comparison's share is spent over its group's looks in proportion to the
 * rounds behind each look (the information it has, as in a linear
 * Lan-DeMets spending function): early looks, which only settle large
 * effects, spend little. Whatever look a group stops at, the chance that any
 * of the run's intervals of that metric ever missed its true ratio is then
 * at most alphaRun, so a steady comparison is called faster or slower by
 * chance with at most that probability over the whole run.
 */
export class AlphaSpending {
  private spent = 0;
  private readonly total: number;

  /** `schedule`: the rounds of the planned looks (lookSchedule). */
  constructor(
    readonly alphaRun: number,
    readonly comparisons: number,
    readonly schedule: readonly number[],
  ) {
    this.total = schedule.reduce((a, n) => a + n, 0);
  }

  /** Each comparison's alpha over all its looks. */
  get perComparison(): number {
    return this.alphaRun / Math.max(1, this.comparisons);
  }

  /**
   * The alpha of the look at `round`: a planned look gets its share; a look
   * that is not planned (the cap came early, the run was interrupted) is the
   * group's last and gets whatever is left.
   */
  look(round: number): number {
    const left = Math.max(0, 1 - this.spent);
    const portion = Math.min(this.schedule.includes(round) ? round / this.total : left, left);
    this.spent += portion;
    return this.perComparison * portion;
  }
}
