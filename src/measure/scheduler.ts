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
 *
 * Groups run one after another, or interleaved (budget.interleaveGroups): a
 * round of each group in turn, so that a slow stretch of the machine lands on
 * every group a little rather than on one group whole. Each group keeps its
 * own rule, looks and cap, and stops on its own.
 */
import { randomInt } from 'node:crypto';
import type { Failure, HeldNamespace, LatencyHistogram, Route, Scenario, StopReason, WindowResult } from '../common/types.js';
import { LIMITS, type Budget } from '../plan/suite.js';
import type { Executor } from './executor.js';
import type { TargetLimits } from './preflight.js';
import { type Round, roundOf, type Sampling, sizeFromWarmup } from './round.js';
import { windowRate } from './window-rate.js';
import { WindowRunner } from './window-runner.js';

export type { Round } from './round.js';

export type ProgressEvent =
  | { type: 'group'; index: number; total: number; scenarios: Scenario[] }
  | { type: 'window'; scenario: Scenario; round: number; warmup: boolean; opsPerSec: number; timerNs: number }
  | { type: 'look'; rounds: number; undecided: number; measuredMs: number; capMs: number };

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

/** One group as it is being measured: it takes its rounds one at a time, so that groups can take turns. */
interface GroupState {
  records: ModeRecord[];
  rule: StoppingRule;
  m: Sampling;
  limits?: TargetLimits;
  held?: HeldNamespace;
  started: boolean;
  /** Its rounds' limits, from its cap and the window its warm-up sized. */
  looks: number[];
  maxRounds: number;
  roundsByCap: number;
  round: number;
  measuredMs: number;
  /** Wall-clock ms spent on this group's own turns: the whole of it, and its measured rounds. */
  wallMs: number;
  roundsWallMs: number;
  stop?: StopReason;
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
    const st = this.state(group, rule);
    try {
      while (!(await this.turn(st))) {}
    } finally {
      await this.release(st);
    }
    return this.measurement(st);
  }

  /**
   * Measures groups, each under its own rule. One after another; or, with
   * `interleave`, one round of each group in turn, so that every group's
   * rounds spread over the whole run: a group that has stopped takes no more
   * turns while the others go on. `done` gets each group's measurement as it
   * stops, or undefined for a group the run stopped before it began.
   */
  async measureGroups(
    groups: ReadonlyArray<{ scenarios: readonly Scenario[]; rule: StoppingRule }>,
    interleave: boolean,
    done: (index: number, m: GroupMeasurement | undefined) => Promise<void> | void,
    onTurn?: (index: number) => void,
  ): Promise<void> {
    if (!interleave) {
      for (const [i, g] of groups.entries()) {
        if (this.stopping) {
          await done(i, undefined);
          continue;
        }
        onTurn?.(i);
        await done(i, await this.measureGroup(g.scenarios, g.rule));
      }
      return;
    }
    const states = groups.map((g) => this.state(g.scenarios, g.rule));
    let pending = states.map((_, i) => i);
    try {
      while (pending.length > 0) {
        for (const i of [...pending]) {
          const st = states[i] as GroupState;
          if (!st.started && this.stopping) {
            pending = pending.filter((k) => k !== i);
            await done(i, undefined);
            continue;
          }
          onTurn?.(i);
          if (!(await this.turn(st))) continue;
          pending = pending.filter((k) => k !== i);
          await this.release(st);
          await done(i, this.measurement(st));
        }
      }
    } finally {
      for (const st of states) await this.release(st);
    }
  }

  private state(group: readonly Scenario[], rule: StoppingRule): GroupState {
    const b = this.budget;
    return {
      records: group.map((scenario) => ({ scenario, rounds: [], histograms: [], cpuNs: 0, cs: 0, retried: 0, measuredMs: 0 })),
      rule,
      m: { windowMs: b.windowMs > 0 ? b.windowMs : LIMITS.minWindowMs, sampleEvery: b.sampleEvery >= 0 ? b.sampleEvery : 16 },
      started: false,
      looks: [],
      maxRounds: 2,
      roundsByCap: 1,
      round: 0,
      measuredMs: 0,
      wallMs: 0,
      roundsWallMs: 0,
    };
  }

  private measurement(st: GroupState): GroupMeasurement {
    for (const r of st.records) r.measuredMs = r.rounds.length * st.m.windowMs;
    // Read on its first turn, before anything else: a group is measured only once it has begun.
    if (!st.limits) throw new Error('a group has no measurement before its first turn');
    return { records: st.records, ...st.m, looks: Math.max(1, st.looks.length), stop: st.stop ?? 'failed', wallMs: st.wallMs, limits: st.limits };
  }

  private async release(st: GroupState): Promise<void> {
    const held = st.held;
    delete st.held;
    if (held) await this.deps.executor.nsClose(held);
  }

  private live(r: ModeRecord): boolean {
    return !r.failure && !this.stopping;
  }

  /** The group's next turn: on its first, its limits, its namespace and its warm-up; then one round and maybe a look. True once it has stopped. */
  private async turn(st: GroupState): Promise<boolean> {
    const t0 = this.deps.wallMs();
    try {
      if (!st.started) {
        st.started = true;
        await this.begin(st);
        if (st.stop) return true;
      }
      return await this.measuredRound(st);
    } finally {
      st.wallMs += this.deps.wallMs() - t0;
    }
  }

  private async begin(st: GroupState): Promise<void> {
    const { records, m } = st;
    const first = records[0]?.scenario;
    st.limits = await this.deps.limits(first?.sysctls ?? {});
    if (!first) {
      st.stop = 'failed';
      return;
    }
    if (records.some((r) => r.scenario.mode === 'shared')) {
      const opened = await this.deps.executor.nsOpen(this.deps.route, first.sysctls);
      if (opened.ok) st.held = opened.value;
      else for (const r of records) if (r.scenario.mode === 'shared') r.failure = opened.failure;
    }
    const b = this.budget;
    // Warm-up: discarded; it also tells how long an op takes, to size the window and the sampling.
    for (let w = 0; w < b.warmupRounds; w++) {
      for (const rec of this.shuffled(records)) {
        if (!this.live(rec)) continue;
        const r = await this.window(rec, st);
        if (!r) continue;
        this.deps.onEvent?.({ type: 'window', scenario: rec.scenario, round: w + 1, warmup: true, opsPerSec: windowRate(r), timerNs: r[0]?.timerNs ?? 0 });
        if (w === 0) sizeFromWarmup(this.budget, m, r, first);
      }
    }
    st.roundsByCap = Math.max(1, Math.floor(b.capMs / (records.length * m.windowMs)));
    st.maxRounds = Math.max(2, Math.min(b.maxRounds, st.roundsByCap));
    st.looks = st.rule.begin(st.maxRounds);
  }

  /** One round of every live mode, then a look where the schedule, the cap or the wall-clock limit says; true once the group has stopped. */
  private async measuredRound(st: GroupState): Promise<boolean> {
    const b = this.budget;
    const { records, m } = st;
    const t0 = this.deps.wallMs();
    for (const rec of this.shuffled(records)) {
      if (!this.live(rec)) continue;
      const r = await this.window(rec, st);
      if (!r) continue;
      this.record(rec, r, m);
      st.measuredMs += m.windowMs;
      const opsPerSec = rec.rounds.at(-1)?.rate ?? 0;
      this.deps.onEvent?.({ type: 'window', scenario: rec.scenario, round: st.round + 1, warmup: false, opsPerSec, timerNs: r[0]?.timerNs ?? 0 });
    }
    st.roundsWallMs += this.deps.wallMs() - t0;
    const round = ++st.round;
    const aborted = this.stopping;
    const live = records.filter((r) => !r.failure);
    if (live.length === 0) {
      st.stop = 'failed';
      return true;
    }
    // A figure needs two rounds, whatever the cap.
    const capReached = st.measuredMs >= b.capMs && round >= 2;
    const wallReached = st.roundsWallMs >= Math.max(WALL_FACTOR * b.capMs, b.capMs + WALL_SLACK_MS) && round >= 2;
    if (st.looks.includes(round) || capReached || wallReached || round >= st.maxRounds || aborted) {
      const { done, undecided } = st.rule.look(live, round);
      this.deps.onEvent?.({ type: 'look', rounds: round, undecided, measuredMs: st.measuredMs, capMs: b.capMs });
      if (done && !aborted) st.stop = 'decided';
    }
    if (st.stop) return true;
    if (aborted) {
      for (const r of records) if (!r.failure) r.interrupted = true;
      st.stop = 'interrupted';
    } else if (capReached) st.stop = 'cap';
    else if (wallReached) st.stop = 'wall';
    else if (round >= st.maxRounds) st.stop = st.roundsByCap <= b.maxRounds ? 'cap' : 'max-rounds';
    return st.stop !== undefined;
  }

  private record(rec: ModeRecord, results: readonly WindowResult[], m: Sampling): void {
    const { round, histogram, cpuNs, cs } = roundOf(results, m.windowMs);
    rec.rounds.push(round);
    rec.histograms.push(histogram);
    rec.cpuNs += cpuNs;
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
  private async window(rec: ModeRecord, st: GroupState): Promise<WindowResult[] | undefined> {
    const m = st.m;
    const out = await this.windows.run(rec.scenario, m.windowMs, m.sampleEvery, st.limits as TargetLimits, st.held);
    rec.retried += out.retried;
    if (out.kind === 'failed') rec.failure = out.failure;
    if (out.kind !== 'measured') return undefined;
    m.windowMs = out.windowMs;
    return out.results;
  }
}
