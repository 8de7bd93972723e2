/** The shapes of a history of runs (history.ts): what it reads, its options, what it returns. */
import type { RunFigures, ScenarioFigures } from './baseline-shape.js';

/**
 * What a history reads of a scenario: compare's figures, and the calibrated
 * throughput where a run recorded it (the rate over a control measured in
 * the same rounds, scaled by the run's median control).
 */
export interface HistoryScenario extends ScenarioFigures {
  throughput?: NonNullable<ScenarioFigures['throughput']> & { calibrated?: { estimate: number; rounds: readonly (number | null)[] } };
}

/** What a history reads of a run: compare's figures, and the commit and ref it measured. */
export interface HistoryRunFigures extends RunFigures {
  env: RunFigures['env'] & { label?: string; commit?: string; ref?: string };
  /** The run's control: its median rate is the scale its calibrated figures carry (analysis.calibration). */
  analysis?: { calibration?: { medianRate: number } };
  scenarios: readonly HistoryScenario[];
}

export const HISTORY_METRICS = ['throughput', 'calibrated', 'cpu-per-op', 'latency-p50', 'latency-p99'] as const;
export type HistoryMetric = (typeof HISTORY_METRICS)[number];
/** The figure a history judges by default. */
export const DEFAULT_HISTORY_METRIC: HistoryMetric = 'throughput';

export const HISTORY_ORDERS = ['time', 'commit'] as const;
export type HistoryOrder = (typeof HISTORY_ORDERS)[number];

/**
 * Family-wise significance level over the scenarios of one history: a
 * history of runs that changed nothing finds a change point in any of its
 * scenarios with at most this probability (Bonferroni: each scenario's
 * series gets alpha / scenarios, half for the search through its history,
 * half for its newest runs).
 */
export const HISTORY_ALPHA = 0.01;
/** Runs after a change that confirm it (the newest runs' test); a single newest run that looks off is only "suspected". */
export const DEFAULT_CONFIRM = 3;
/** The shortest segment the search through the history may leave. */
export const DEFAULT_MIN_SIZE = 3;
/** Seed of the permutations: the same history gives the same answer. */
export const DEFAULT_SEED = 1;
/** The most permutations per test. */
export const MAX_PERMUTATIONS = 100_000;

export const HISTORY_VERDICTS = ['regressed', 'improved', 'in line', 'inconclusive', 'suspected'] as const;
export type HistoryVerdict = (typeof HISTORY_VERDICTS)[number];

export interface HistoryOptions {
  metric: HistoryMetric;
  /** Fraction, e.g. 0.05: smaller changes do not fail the gate. */
  threshold: number;
  /** Family-wise level over the scenarios (HISTORY_ALPHA). */
  alpha: number;
  /** Runs after a change that confirm it. */
  confirm: number;
  minSize: number;
  /** Permutations per test; undefined: enough for the level (2 / alpha of the test). */
  permutations?: number;
  seed: number;
  /** Each scenario as a ratio to the median of the run's other scenarios: a shift of the whole run cancels. */
  relative: boolean;
  order: HistoryOrder;
}

/** One run of the history, in its place. */
export interface HistoryRun {
  index: number;
  file: string;
  startedAt: string;
  label?: string;
  commit?: string;
  ref?: string;
  complete: boolean;
}

export interface HistoryChangePoint {
  /** The first run (index into `runs`) of the new level. */
  index: number;
  run: { startedAt: string; file: string; label?: string };
  /** The commits between the last run before the change and its first run after; null where the runs recorded none. */
  commits: { from: string | null; to: string | null } | null;
  /** Geometric mean after / before (the segments either side). */
  ratio: number;
  /** Its interval at 1 - alphaSeries (Student's t on log values, pooled variance). */
  ci: [number, number] | null;
  /** The p-value of the test that found it. */
  p: number;
  /** How it was found: the search through the history (permutation), or the newest runs' test. */
  test: 'permutation' | 'newest';
  /** Whether it is a change for the worse, better, or within the threshold. */
  direction: 'worse' | 'better' | 'within threshold';
}

/** A stretch of runs between change points: its geometric mean and that mean's 95 % interval. */
export interface HistorySegment {
  start: number;
  /** One past its last run (indices into `runs`). */
  end: number;
  runs: number;
  mean: number;
  ci: [number, number] | null;
}

export interface HistoryRow {
  id: string;
  metric: HistoryMetric;
  /** The figure of each run, in `unit` (null: not measured in that run). */
  values: (number | null)[];
  /** Each run's own 95 % interval, from its per-round values (null where it has none). */
  runCi: ([number, number] | null)[];
  changePoints: HistoryChangePoint[];
  segments: HistorySegment[];
  verdict: HistoryVerdict;
  /** The newest run against its segment (the runs since the last change point before it): ratio and p-value. */
  newest: { ratio: number | null; p: number | null };
  notes: string[];
}

export interface HistoryResult {
  schemaVersion: 1;
  kind: 'ipcns-bench-history';
  metric: HistoryMetric;
  unit: string;
  biggerIsBetter: boolean;
  relative: boolean;
  order: HistoryOrder;
  threshold: number;
  alpha: number;
  /** The level of each scenario's series: alpha / the scenarios tested. */
  alphaSeries: number;
  confirm: number;
  minSize: number;
  permutations: number;
  seed: number;
  method: string;
  runs: HistoryRun[];
  warnings: string[];
  rows: HistoryRow[];
  regressed: number;
  improved: number;
  suspected: number;
  inLine: number;
  inconclusive: number;
}
