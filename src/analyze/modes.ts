/**
 * Mode comparisons of one group from its rounds: a round ran every mode of
 * the group once, in shuffled order, so the modes of one round share the
 * minute they ran in. Each comparison is built from the per-round
 * log-ratios ln(a_r / b_r), which cancel what the round shared (drift, a
 * slow spell of the machine), and judged by verdictOf.
 */
import type { Mode } from '../common/types.js';
import { madSd } from './robust.js';
import { logRatios, logs, TRIM, trimmedInterval } from './trimmed.js';
import { BIGGER_IS_BETTER, METRICS, STOPPING_METRICS, verdictOf, type Metric, type Verdict } from './verdict.js';

/** One scenario (mode) of a group: its per-round values, aligned by round index with the other modes'. */
export interface ModeSeries {
  mode: Mode;
  scenario: string;
  /** Per round: throughput (ops/s), latency p50 and p99 (ns); NaN or 0 where a round has no figure. */
  values: Readonly<Record<Metric, readonly number[]>>;
}

export interface ModeComparison {
  metric: Metric;
  a: Mode;
  b: Mode;
  scenarioA: string;
  scenarioB: string;
  /** Trimmed geometric mean of the per-round ratios a / b. */
  ratio: number;
  /** The interval the verdict used, at ciLevel (already adjusted for the run's comparisons and looks). */
  ci: [number, number];
  ciLevel: number;
  margin: number;
  verdict: Verdict;
  /** Rounds behind the comparison. */
  rounds: number;
  /** Robust spread (MAD-sd) of the per-round log-ratios: the round-to-round noise of this pair. */
  noise: number;
}

/** The pairs compared, each as a / b. */
export const MODE_PAIRS: ReadonlyArray<readonly [Mode, Mode]> = [
  ['isolated', 'shared'],
  ['isolated', 'host'],
  ['shared', 'host'],
];

/** How a comparison is made, in words, for documents and tables. */
export function methodText(comparisons: number): string {
  return (
    `${TRIM * 100} % trimmed mean of per-round log-ratios (rounds run every mode once, in shuffled order), ` +
    `Yuen interval at 1 - alpha / (${comparisons} comparisons of the metric x the looks its group could take), alpha 0.05 per metric over the run`
  );
}

/** 0.99992 -> "99.992 %". */
export function levelText(level: number): string {
  return `${Number((level * 100).toPrecision(5))} %`;
}

/** Compares every pair of modes present, for each metric, at two-sided alpha. */
export function compareModes(series: readonly ModeSeries[], alpha: number, margin: number, metrics: readonly Metric[] = METRICS): ModeComparison[] {
  const out: ModeComparison[] = [];
  for (const metric of metrics) {
    for (const [a, b] of MODE_PAIRS) {
      const sa = series.find((s) => s.mode === a);
      const sb = series.find((s) => s.mode === b);
      if (!sa || !sb) continue;
      const d = logRatios(sa.values[metric], sb.values[metric]);
      if (d.length < 2) continue;
      const iv = trimmedInterval(d, alpha);
      out.push({
        metric,
        a,
        b,
        scenarioA: sa.scenario,
        scenarioB: sb.scenario,
        ratio: Math.exp(iv.estimate),
        ci: [Math.exp(iv.lo), Math.exp(iv.hi)],
        ciLevel: 1 - alpha,
        margin,
        verdict: verdictOf(iv.lo, iv.hi, margin, BIGGER_IS_BETTER[metric]),
        rounds: d.length,
        noise: madSd(d),
      });
    }
  }
  return out;
}

/** A comparison named by its metric and pair of modes, a / b. */
export interface Pairing {
  metric: Metric;
  a: Mode;
  b: Mode;
}

const hasFigure = (xs: readonly number[]): boolean => xs.some((x) => x > 0 && Number.isFinite(x));

/**
 * The comparisons of the stopping metrics that a group should have and has
 * not: a pair of its modes with fewer than two rounds in which both have a
 * figure (all 0 or NaN on one side). Throughput is always expected; a
 * latency only where some mode of the group has a figure for it (latency
 * sampling can be off).
 */
export function missingComparisons(series: readonly ModeSeries[], comparisons: readonly ModeComparison[]): Pairing[] {
  const out: Pairing[] = [];
  for (const metric of STOPPING_METRICS) {
    if (metric !== 'throughput' && !series.some((s) => hasFigure(s.values[metric]))) continue;
    for (const [a, b] of MODE_PAIRS) {
      if (!series.some((s) => s.mode === a) || !series.some((s) => s.mode === b)) continue;
      if (!comparisons.some((c) => c.metric === metric && c.a === a && c.b === b)) out.push({ metric, a, b });
    }
  }
  return out;
}

/**
 * A group has sampled enough when it has every comparison it should have
 * (none `missing`) and each of a stopping metric has a conclusive verdict. A
 * group with a comparison it cannot make is never decided: it samples on,
 * and stops at its cap undecided.
 */
export function decided(comparisons: readonly ModeComparison[], missing: readonly Pairing[]): boolean {
  return missing.length === 0 && comparisons.filter((c) => STOPPING_METRICS.includes(c.metric)).every((c) => c.verdict !== 'inconclusive');
}

/** A scenario's own figure: the trimmed geometric mean of its per-round values with its interval at 1 - alpha. */
export interface Estimate {
  estimate: number;
  ci: [number, number];
  ciLevel: number;
  /** Relative half-width of the interval on the log scale, e.g. 0.02 for about ±2 %. */
  halfWidth: number;
}

export function scenarioEstimate(values: readonly number[], alpha = 0.05): Estimate {
  const iv = trimmedInterval(logs(values), alpha);
  return {
    estimate: Math.exp(iv.estimate),
    ci: [Math.exp(iv.lo), Math.exp(iv.hi)],
    ciLevel: 1 - alpha,
    halfWidth: (iv.hi - iv.lo) / 2,
  };
}

/** Half-width of an interval as a fraction of its geometric centre: [98, 102] -> about 0.02; NaN for a missing bound. */
export function relativeHalfWidth(ci: readonly [number | null, number | null]): number {
  const [lo, hi] = ci;
  return lo !== null && hi !== null && lo > 0 ? Math.sqrt(hi / lo) - 1 : NaN;
}
