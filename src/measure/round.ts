/**
 * One mode's round as figures, from the windows its workers ran, and the
 * sizing of a group's windows from its warm-up: pure functions of the
 * workers' results.
 */
import type { LatencyHistogram, Scenario, WindowResult } from '../common/types.js';
import { LIMITS, type Budget } from '../plan/suite.js';
import { workloadInfo } from '../plan/workloads.js';
import { mergeHistograms, quantile } from './histogram.js';
import { robustWindowRate, windowRate } from './window-rate.js';
import { MAX_LENGTHENED_MS, SUB_WINDOWS } from './window-runner.js';

/** What one mode measured in one round. */
export interface Round {
  rate: number;
  p50: number;
  p99: number;
  cpuPerOp: number;
  csPerOp: number;
  ops: number;
  /** The controls measured on party A's CPU next to the round's window, per second (the workers' mean); NaN where none was. */
  syscallControl: number;
  spinControl: number;
}

/** A group's window length and latency sampling. */
export interface Sampling {
  windowMs: number;
  sampleEvery: number;
}

/** An auto-sized window holds at least this many ops, so that each of its sub-windows holds 32. */
const OPS_PER_WINDOW = 320;
/** Latency sampling: two clock reads on one op in k must cost at most this share of the ops. */
const SAMPLING_COST = 0.005;
/** A round's p50 needs this many samples, its p99 this many. */
const MIN_SAMPLES_P50 = 20;
const MIN_SAMPLES_P99 = 100;

/** The mean of the positive values; NaN when there is none (no worker measured its control). */
function positiveMean(xs: readonly number[]): number {
  const ok = xs.filter((x) => x > 0 && Number.isFinite(x));
  return ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** One round of one mode: its figures, its merged latency histogram, and the CPU time and context switches behind them. */
export function roundOf(results: readonly WindowResult[], windowMs: number): { round: Round; histogram: LatencyHistogram; cpuNs: number; cs: number } {
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const cpu = results.reduce((a, r) => a + r.cpuNs, 0);
  const cs = results.reduce((a, r) => a + r.volCs + r.involCs, 0);
  const h = mergeHistograms(results.map((r) => r.latency));
  const start = Math.min(...results.map((r) => r.startNs - r.lateNs));
  const round: Round = {
    rate: robustWindowRate(results, start, (windowMs * 1e6) / SUB_WINDOWS),
    p50: h.count >= MIN_SAMPLES_P50 ? quantile(h, 0.5) : NaN,
    p99: h.count >= MIN_SAMPLES_P99 ? quantile(h, 0.99) : NaN,
    cpuPerOp: ops > 0 ? cpu / ops : NaN,
    csPerOp: ops > 0 ? cs / ops : NaN,
    ops,
    syscallControl: positiveMean(results.map((r) => r.controlSyscall)),
    spinControl: positiveMean(results.map((r) => r.controlSpin)),
  };
  return { round, histogram: h, cpuNs: cpu, cs };
}

/** Window length and latency sampling from the first warm-up window: how long one op takes here. */
export function sizeFromWarmup(budget: Budget, m: Sampling, results: readonly WindowResult[], s: Scenario): void {
  const perWorker = windowRate(results) / Math.max(1, results.length);
  if (!(perWorker > 0)) return;
  const opNs = 1e9 / perWorker;
  // Short windows win (docs/noise-study.md): more rounds per second, and rounds close in time.
  if (budget.windowMs <= 0) {
    m.windowMs = Math.min(MAX_LENGTHENED_MS, Math.max(LIMITS.minWindowMs, Math.ceil((OPS_PER_WINDOW * opNs) / 1e6)));
  }
  if (budget.sampleEvery < 0) {
    const timer = results[0]?.timerNs ?? 25;
    const need = Math.ceil((2 * timer) / (SAMPLING_COST * opNs));
    m.sampleEvery = Math.max(1, need, workloadInfo(s.workload)?.minSampleEvery ?? 1);
  }
}
