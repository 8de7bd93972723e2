/** The shapes of a run-against-baseline comparison (baseline.ts): what it reads, the metrics it compares, what it returns. */

/**
 * What a comparison reads of a scenario and of a run. The result document's
 * ScenarioResult and ResultDocument have these fields (document/ is a later
 * layer, so the analysis names only what it reads; tsc checks that the
 * document's types fit wherever compare passes them in).
 */
export interface ScenarioFigures {
  id: string;
  workload: string;
  params: Readonly<Record<string, unknown>>;
  mode: string;
  workers: number;
  placement: string;
  sysctls: Readonly<Record<string, string>>;
  state: string;
  failure?: { message: string };
  oversubscribed: boolean;
  throughput?: { estimate: number; rounds: readonly (number | null)[] };
  latency?: { p50: number; p99: number; p50Rounds?: readonly (number | null)[]; p99Rounds?: readonly (number | null)[] };
  cpuNsPerOp?: number;
  cpuNsPerOpRounds?: readonly (number | null)[];
  ctxSwitchesPerOp?: number;
  ctxSwitchesPerOpRounds?: readonly (number | null)[];
}

export interface RunFigures {
  startedAt: string;
  complete: boolean;
  tool: { version: string };
  command: { suite: string };
  env: { kernel: string; cpuModel: string; cpuCount: number; usableCpus: readonly number[]; route: string; clocksource: string };
  scenarios: readonly ScenarioFigures[];
}

export const COMPARE_METRICS = ['throughput', 'latency-p50', 'latency-p99', 'cpu-per-op', 'cs-per-op'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];
export type RunVerdict = 'improved' | 'regressed' | 'unchanged' | 'inconclusive';
export const RUN_VERDICTS: readonly RunVerdict[] = ['regressed', 'improved', 'unchanged', 'inconclusive'];

/** Family-wise alpha over the scenarios of one comparison. */
export const COMPARE_ALPHA = 0.05;
/**
 * Degrees of freedom of a --run-noise given without its own: those of a
 * series of 12 runs, the between-run study's (docs/noise-study.md). A spread
 * measured from fewer runs is less certain: give its degrees of freedom,
 * runs - 1 (--run-noise 3%:2 for three runs).
 */
export const RUN_NOISE_DF = 11;
/** Default threshold (margin): changes within ±5 % are "unchanged". */
export const DEFAULT_THRESHOLD = 0.05;

export interface MetricInfo {
  metric: CompareMetric;
  label: string;
  unit: string;
  biggerIsBetter: boolean;
  /** Where its per-round values live in a scenario, for messages. */
  field: string;
  /** Values this small on both sides are negligible: any change between them is unchanged. */
  negligibleBelow?: number;
  value(s: ScenarioFigures): number | undefined;
  rounds(s: ScenarioFigures): readonly (number | null)[] | undefined;
}

export const METRIC_INFO: Readonly<Record<CompareMetric, MetricInfo>> = {
  throughput: {
    metric: 'throughput',
    label: 'throughput',
    unit: 'ops/s',
    biggerIsBetter: true,
    field: 'throughput.rounds',
    value: (s) => s.throughput?.estimate,
    rounds: (s) => s.throughput?.rounds,
  },
  'latency-p50': {
    metric: 'latency-p50',
    label: 'latency p50',
    unit: 'ns',
    biggerIsBetter: false,
    field: 'latency.p50Rounds',
    value: (s) => s.latency?.p50,
    rounds: (s) => s.latency?.p50Rounds,
  },
  'latency-p99': {
    metric: 'latency-p99',
    label: 'latency p99',
    unit: 'ns',
    biggerIsBetter: false,
    field: 'latency.p99Rounds',
    value: (s) => s.latency?.p99,
    rounds: (s) => s.latency?.p99Rounds,
  },
  'cpu-per-op': {
    metric: 'cpu-per-op',
    label: 'CPU time per op',
    unit: 'ns/op',
    biggerIsBetter: false,
    field: 'cpuNsPerOpRounds',
    value: (s) => s.cpuNsPerOp,
    rounds: (s) => s.cpuNsPerOpRounds,
  },
  'cs-per-op': {
    metric: 'cs-per-op',
    label: 'context switches per op',
    unit: 'switches/op',
    biggerIsBetter: false,
    field: 'ctxSwitchesPerOpRounds',
    negligibleBelow: 0.01,
    value: (s) => s.ctxSwitchesPerOp,
    rounds: (s) => s.ctxSwitchesPerOpRounds,
  },
};

/** The run a side of the comparison came from. */
export interface DocumentSummary {
  path: string;
  startedAt: string;
  kernel: string;
  cpuModel: string;
  version: string;
  suite: string;
  complete: boolean;
  label?: string;
}

export interface CompareRow {
  id: string;
  /** current / base (trimmed geometric means); null where undefined. */
  ratio: number | null;
  /** The interval the verdict used, at the result's ciLevel; null without per-round values on both sides. */
  ci: [number, number] | null;
  verdict: RunVerdict;
  /** The metric's figure on each side (the trimmed geometric mean of its rounds, the mean over baselines), in the unit. */
  base: number;
  current: number;
  /** Rounds behind each side (summed over baselines), and the baselines that hold the scenario. */
  rounds: { base: number; current: number };
  baselines: number;
  notes: string[];
}

export interface NotCompared {
  id: string;
  reason: string;
}

export interface CompareResult {
  schemaVersion: 2;
  kind: 'ipcns-bench-compare';
  metric: CompareMetric;
  unit: string;
  biggerIsBetter: boolean;
  threshold: number;
  alpha: number;
  ciLevel: number;
  /** The verdict rule in words. */
  method: string;
  bases: DocumentSummary[];
  current: DocumentSummary;
  /** Between-run noise estimated from the baselines (a fraction), or null with one baseline. */
  betweenRun: { noise: number; df: number } | null;
  warnings: string[];
  rows: CompareRow[];
  onlyInBase: string[];
  onlyInCurrent: string[];
  notCompared: NotCompared[];
  /** Completed in a baseline, errored or skipped in current: a failure the gate must not pass. */
  broken: string[];
  regressed: number;
  improved: number;
  unchanged: number;
  inconclusive: number;
}

export interface CompareOptions {
  metric: CompareMetric;
  /** Fraction, e.g. 0.05. */
  threshold: number;
  alpha?: number;
  /**
   * A known spread between two runs of one machine (a fraction, e.g. 0.03),
   * used as the between-run noise instead of estimating it from the
   * baselines: the fleet comparison's --run-noise.
   */
  runNoise?: number;
  /** The degrees of freedom of runNoise: runs - 1 of the series it was measured on (default RUN_NOISE_DF). */
  runNoiseDf?: number;
  basePaths: string[];
  currentPath: string;
}
