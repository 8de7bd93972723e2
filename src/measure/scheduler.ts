/**
 * Runs one group of scenarios (the same workload, parameters, workers and
 * placement in different modes) round by round, until its stopping rule says
 * it may stop or its cap is used.
 *
 * A round runs every mode of the group once, in shuffled order, one window
 * each: drift on a shared machine then lands on every mode of a round alike,
 * and the comparisons are built from per-round ratios. After a warm-up round
 * (discarded, and used to size the window and the latency sampling) the
 * group asks its stopping rule at the rounds the rule chose, and stops at the
 * first look where the rule is satisfied, or at its cap of measured window
 * time. What the rule decides from (verdicts, their error rates) is the
 * analysis layer's (analyze/sequential.ts); this module only measures.
 */
import { randomInt } from 'node:crypto';
import type { Failure, HeldNamespace, LatencyHistogram, Route, Scenario, StopReason, WindowResult } from '../common/types.js';
import { LIMITS, type Budget } from '../plan/suite.js';
import { workloadInfo } from '../plan/workloads.js';
import type { Executor } from './executor.js';
import { mergeHistograms, quantile } from './histogram.js';
import type { TargetLimits } from './preflight.js';
import { robustWindowRate, windowRate } from './window-rate.js';
import { MAX_LENGTHENED_MS, SUB_WINDOWS, WindowRunner } from './window-runner.js';

export type ProgressEvent =
  | { type: 'group'; index: number; total: number; scenarios: Scenario[] }
  | { type: 'window'; scenario: Scenario; round: number; warmup: boolean; opsPerSec: number; timerNs: number }
  | { type: 'look'; rounds: number; undecided: number; measuredMs: number; capMs: number };

/** What one mode measured in one round. */
export interface Round {
  rate: number;
  p50: number;
  p99: number;
  cpuPerOp: number;
  csPerOp: number;
  ops: number;
}

/** Everything one mode of a group measured. */
export interface ModeRecord {
  scenario: Scenario;
  rounds: Round[];
  histograms: LatencyHistogram[];
  cpuNs: number;
  cs: number;
  last?: WindowResult[];
  failure?: Failure;
  interrupted?: boolean;
  retried: number;
  measuredMs: number;
}

/** When a group may stop: asked at the rounds it names, over the modes still running. */
export interface StoppingRule {
  /** The rounds at which to look, given the most rounds the group's cap allows. */
  begin(maxRounds: number): number[];
  /** A look at `round`: whether the group may stop, and how many of its comparisons are not yet decided. */
  look(live: readonly ModeRecord[], round: number): { done: boolean; undecided: number };
}

/** What measuring a group gave: every mode's record and how the sampling went. */
export interface GroupMeasurement {
  records: ModeRecord[];
  windowMs: number;
  sampleEvery: number;
  looks: number;
  stop: StopReason;
  wallMs: number;
  /** The limits the group's scenarios ran under. */
  limits: TargetLimits;
}

export interface SchedulerDeps {
  executor: Executor;
  /** CPUs the measured processes may be pinned to. */
  cpus: readonly number[];
  route: Route;
  /** Limits of the host namespace and of fresh ones, by sysctl set. */
  limits: (sysctls: Record<string, string>) => Promise<TargetLimits>;
  /** CLOCK_MONOTONIC now, in ns: the clock of the windows' absolute start times. */
  nowNs: () => number;
  /** Wall clock in ms, for the wall time a group took. */
  wallMs: () => number;
  /** Uniform [0, 1), for the order of modes within a round. */
  random: () => number;
  onEvent?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Host mode: the run's journal fd, -1 = none. */
  journalFd?: number;
  /** Salt of the run's SysV keys (random when absent). */
  keySalt?: number;
}

/**
 * A group's wall-clock limit: WALL_FACTOR times its cap of measured time, and
 * at least the cap plus WALL_SLACK_MS. Measured windows are most of a group's
 * time with few workers; with many, setting up each window's processes is,
 * and this bounds it (stop reason "wall").
 */
const WALL_FACTOR = 10;
const WALL_SLACK_MS = 30_000;
/** An auto-sized window holds at least this many ops, so that each of its sub-windows holds 32. */
const OPS_PER_WINDOW = 320;
/** Latency sampling: two clock reads on one op in k must cost at most this share of the ops. */
const SAMPLING_COST = 0.005;
/** A round's p50 needs this many samples, its p99 this many. */
const MIN_SAMPLES_P50 = 20;
const MIN_SAMPLES_P99 = 100;

/** Groups scenarios that differ only in mode, keeping first-seen order. */
export function groupByComparison(scenarios: readonly Scenario[]): Scenario[][] {
  const groups = new Map<string, Scenario[]>();
  for (const s of scenarios) {
    const key = JSON.stringify([s.workload, s.params, s.workers, s.placement, s.sysctls]);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}

/** Mode comparisons a group will make: one per pair of its modes, per metric. */
export function comparisonsOf(group: readonly Scenario[]): number {
  const k = new Set(group.map((s) => s.mode)).size;
  return (k * (k - 1)) / 2;
}

interface Sampling {
  windowMs: number;
  sampleEvery: number;
}

export class Scheduler {
  private readonly windows: WindowRunner;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly budget: Budget,
  ) {
    const runner = { executor: deps.executor, cpus: deps.cpus, route: deps.route, nowNs: deps.nowNs, keySalt: deps.keySalt ?? randomInt(0, 2 ** 30) };
    this.windows = new WindowRunner(deps.journalFd === undefined ? runner : { ...runner, journalFd: deps.journalFd }, () => this.stopping);
  }

  /** The measured processes were stopped by a termination signal from outside: the run is being stopped. */
  get terminated(): boolean {
    return this.windows.terminated;
  }

  private get stopping(): boolean {
    return this.windows.terminated || this.deps.signal?.aborted === true;
  }

  /** Measures one group; returns a record for every scenario in it, whatever happened. */
  async measureGroup(group: readonly Scenario[], rule: StoppingRule): Promise<GroupMeasurement> {
    const wall0 = this.deps.wallMs();
    const limits = await this.deps.limits(group[0]?.sysctls ?? {});
    const records: ModeRecord[] = group.map((scenario) => ({ scenario, rounds: [], histograms: [], cpuNs: 0, cs: 0, retried: 0, measuredMs: 0 }));
    let held: HeldNamespace | undefined;
    let run: Omit<GroupMeasurement, 'records' | 'wallMs' | 'limits'>;
    try {
      if (group.some((s) => s.mode === 'shared')) {
        const opened = await this.deps.executor.nsOpen(this.deps.route, group[0]?.sysctls ?? {});
        if (opened.ok) held = opened.value;
        else for (const r of records) if (r.scenario.mode === 'shared') r.failure = opened.failure;
      }
      run = await this.sample(records, rule, limits, held);
    } finally {
      if (held) await this.deps.executor.nsClose(held);
    }
    return { records, ...run, wallMs: this.deps.wallMs() - wall0, limits };
  }

  private live(r: ModeRecord): boolean {
    return !r.failure && !this.stopping;
  }

  private async sample(
    records: ModeRecord[],
    rule: StoppingRule,
    limits: TargetLimits,
    held: HeldNamespace | undefined,
  ): Promise<Omit<GroupMeasurement, 'records' | 'wallMs' | 'limits'>> {
    const b = this.budget;
    const first = records[0]?.scenario;
    const m: Sampling = { windowMs: b.windowMs > 0 ? b.windowMs : LIMITS.minWindowMs, sampleEvery: b.sampleEvery >= 0 ? b.sampleEvery : 16 };
    if (!first) return { ...m, looks: 1, stop: 'failed' };
    // Warm-up: discarded; it also tells how long an op takes, to size the window and the sampling.
    for (let w = 0; w < b.warmupRounds; w++) {
      for (const rec of this.shuffled(records)) {
        if (!this.live(rec)) continue;
        const r = await this.window(rec, limits, held, m);
        if (!r) continue;
        this.deps.onEvent?.({ type: 'window', scenario: rec.scenario, round: w + 1, warmup: true, opsPerSec: windowRate(r), timerNs: r[0]?.timerNs ?? 0 });
        if (w === 0) this.calibrate(m, r, first);
      }
    }
    const roundsByCap = Math.max(1, Math.floor(b.capMs / (records.length * m.windowMs)));
    const maxRounds = Math.max(2, Math.min(b.maxRounds, roundsByCap));
    const looks = rule.begin(maxRounds);
    let stop: StopReason = 'max-rounds';
    let round = 0;
    let measuredMs = 0;
    const wall0 = this.deps.wallMs();
    const wallCapMs = Math.max(WALL_FACTOR * b.capMs, b.capMs + WALL_SLACK_MS);
    for (;;) {
      for (const rec of this.shuffled(records)) {
        if (!this.live(rec)) continue;
        const r = await this.window(rec, limits, held, m);
        if (!r) continue;
        this.record(rec, r, m);
        measuredMs += m.windowMs;
        const opsPerSec = rec.rounds.at(-1)?.rate ?? 0;
        this.deps.onEvent?.({ type: 'window', scenario: rec.scenario, round: round + 1, warmup: false, opsPerSec, timerNs: r[0]?.timerNs ?? 0 });
      }
      round++;
      const aborted = this.stopping;
      const live = records.filter((r) => !r.failure);
      if (live.length === 0) {
        stop = 'failed';
        break;
      }
      // A figure needs two rounds, whatever the cap.
      const capReached = measuredMs >= b.capMs && round >= 2;
      const wallReached = this.deps.wallMs() - wall0 >= wallCapMs && round >= 2;
      if (looks.includes(round) || capReached || wallReached || round >= maxRounds || aborted) {
        const { done, undecided } = rule.look(live, round);
        this.deps.onEvent?.({ type: 'look', rounds: round, undecided, measuredMs, capMs: b.capMs });
        if (done && !aborted) {
          stop = 'decided';
          break;
        }
      }
      if (aborted) {
        stop = 'interrupted';
        for (const r of records) if (!r.failure) r.interrupted = true;
        break;
      }
      if (capReached) {
        stop = 'cap';
        break;
      }
      if (wallReached) {
        stop = 'wall';
        break;
      }
      if (round >= maxRounds) {
        stop = roundsByCap <= b.maxRounds ? 'cap' : 'max-rounds';
        break;
      }
    }
    for (const r of records) r.measuredMs = r.rounds.length * m.windowMs;
    return { ...m, looks: looks.length, stop };
  }

  /** Window length and latency sampling from the first warm-up window: how long one op takes here. */
  private calibrate(m: Sampling, results: readonly WindowResult[], s: Scenario): void {
    const perWorker = windowRate(results) / Math.max(1, results.length);
    if (!(perWorker > 0)) return;
    const opNs = 1e9 / perWorker;
    // Short windows win (docs/noise-study.md): more rounds per second, and rounds close in time.
    if (this.budget.windowMs <= 0) {
      m.windowMs = Math.min(MAX_LENGTHENED_MS, Math.max(LIMITS.minWindowMs, Math.ceil((OPS_PER_WINDOW * opNs) / 1e6)));
    }
    if (this.budget.sampleEvery < 0) {
      const timer = results[0]?.timerNs ?? 25;
      const need = Math.ceil((2 * timer) / (SAMPLING_COST * opNs));
      m.sampleEvery = Math.max(1, need, workloadInfo(s.workload)?.minSampleEvery ?? 1);
    }
  }

  private record(rec: ModeRecord, results: readonly WindowResult[], m: Sampling): void {
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const cpu = results.reduce((a, r) => a + r.cpuNs, 0);
    const cs = results.reduce((a, r) => a + r.volCs + r.involCs, 0);
    const h = mergeHistograms(results.map((r) => r.latency));
    const start = Math.min(...results.map((r) => r.startNs - r.lateNs));
    rec.rounds.push({
      rate: robustWindowRate(results, start, (m.windowMs * 1e6) / SUB_WINDOWS),
      p50: h.count >= MIN_SAMPLES_P50 ? quantile(h, 0.5) : NaN,
      p99: h.count >= MIN_SAMPLES_P99 ? quantile(h, 0.99) : NaN,
      cpuPerOp: ops > 0 ? cpu / ops : NaN,
      csPerOp: ops > 0 ? cs / ops : NaN,
      ops,
    });
    rec.histograms.push(h);
    rec.cpuNs += cpu;
    rec.cs += cs;
    rec.last = [...results];
  }

  private shuffled(records: ModeRecord[]): ModeRecord[] {
    const out = [...records];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.deps.random() * (i + 1));
      [out[i], out[j]] = [out[j] as ModeRecord, out[i] as ModeRecord];
    }
    return out;
  }

  /** One window of one mode; a failure is the mode's, and the group keeps a window length that worked. */
  private async window(rec: ModeRecord, limits: TargetLimits, held: HeldNamespace | undefined, m: Sampling): Promise<WindowResult[] | undefined> {
    const out = await this.windows.run(rec.scenario, m.windowMs, m.sampleEvery, limits, held);
    rec.retried += out.retried;
    if (out.kind === 'failed') rec.failure = out.failure;
    if (out.kind !== 'measured') return undefined;
    m.windowMs = out.windowMs;
    return out.results;
  }
}
