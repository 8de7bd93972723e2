/**
 * The result document: versioned, plain data, written after every scenario.
 * schema/result.schema.json describes the same shape; readers tolerate
 * unknown fields.
 */
import type { Machine } from './env.js';
import type { Failure, Mode, NamespaceLimits, Route, Scenario } from './types.js';

export const SCHEMA_VERSION = 1;

export type ScenarioState = 'completed' | 'errored' | 'skipped';
export type Verdict = 'faster' | 'slower' | 'no significant difference';

export interface ThroughputStats {
  unit: 'ops/s';
  mean: number;
  median: number;
  sd: number;
  /** Relative margin of error of the mean, in percent (95 %). */
  rme: number;
  ci95: [number, number];
  /** Number of measured windows. */
  samples: number;
  /** ops/s of each measured window, in the order they ran (for later tests against a baseline). */
  windows: number[];
}

export interface LatencyStats {
  unit: 'ns';
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Sampled ops behind these figures, and one op in how many was timed. */
  count: number;
  sampleEvery: number;
  /** p99 of each measured window (absent when a window had too few samples for one). */
  p99Windows?: number[];
}

/** A scenario's identity (see Scenario) and what became of it. */
export interface ScenarioResult extends Scenario {
  state: ScenarioState;
  failure?: Failure;
  /** True when there are more workers than CPUs this process may use: shown, not trusted. */
  oversubscribed: boolean;
  throughput?: ThroughputStats;
  /** bytes/s, where an op moves `size` bytes. */
  bytesPerSecond?: number;
  latency?: LatencyStats;
  cpuNsPerOp?: number;
  ctxSwitchesPerOp?: number;
  /** The same per measured window, in throughput.windows order: samples for tests against a baseline. */
  cpuNsPerOpWindows?: number[];
  ctxSwitchesPerOpWindows?: number[];
  /** IPC namespace inode each worker ran in, in the last measured window. */
  namespaces?: number[];
  /** The limits of the namespace this scenario's processes used. */
  limits?: NamespaceLimits;
  /** Measured windows and the total ops behind the figures. */
  windows?: number;
  ops?: number;
  wallMs?: number;
}

export interface Comparison {
  /** Modes compared: ratio = throughput(a) / throughput(b). */
  a: Mode;
  b: Mode;
  scenarioA: string;
  scenarioB: string;
  ratio: number;
  ci95: [number, number];
  pValue: number;
  /** pValue after Holm's adjustment over all mode comparisons of the run: the verdict uses this. */
  pAdjusted: number;
  verdict: Verdict;
  test: string;
}

/** The machine (see env.ts), the timer cost, and the route and limits of the namespaces used. */
export interface EnvInfo extends Machine {
  timerNs: number;
  route: Route;
  limits: { host: NamespaceLimits; fresh: NamespaceLimits };
}

export interface ResultDocument {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: string; version: string };
  startedAt: string;
  finishedAt: string | null;
  complete: boolean;
  /** What the user asked for. */
  command: { suite: string; argv: string[] };
  env: EnvInfo;
  scenarios: ScenarioResult[];
  comparisons: Comparison[];
}
