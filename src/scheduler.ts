/**
 * Runs one group of scenarios (the same workload, parameters, workers and
 * placement in different modes) round by round, until its comparisons are
 * decided or its cap is used.
 *
 * A round runs every mode of the group once, in shuffled order, one window
 * each: drift on a shared machine then lands on every mode of a round alike,
 * and the comparisons are built from per-round ratios (analyze/modes.ts).
 * After a warm-up round (discarded, and used to size the window and the
 * latency sampling) the group looks at its comparisons at rounds 10, 15, 23,
 * ... and stops at the first look where all are conclusive, or at its cap of
 * measured window time. The intervals' level pays for every look the group
 * could take within its cap, so stopping early keeps the error rates.
 */
import { randomInt } from 'node:crypto';
import { constants } from 'node:os';
import { Bench } from 'tinybench';
import { compareModes, decided, scenarioEstimate, type ModeComparison, type ModeSeries } from './analyze/modes.js';
import { AlphaSpending, lookSchedule, METRICS, type Metric } from './analyze/verdict.js';
import { overlapFraction, robustWindowRate, windowRate } from './analyze/window.js';
import { failure } from './errors.js';
import type { Executor } from './executor.js';
import { mergeHistograms, quantile } from './histogram.js';
import { cpusFor } from './placement.js';
import { limitsFor, type TargetLimits } from './preflight.js';
import type { GroupSummary, LatencyStats, ScenarioResult, StopReason, ThroughputStats } from './result.js';
import { LIMITS, type Budget } from './suite.js';
import type { Failure, HeldNamespace, LatencyHistogram, Mode, Route, Scenario, WindowResult, WindowSpec } from './types.js';
import { workloadInfo } from './workloads.js';

export type ProgressEvent =
  | { type: 'group'; index: number; total: number; scenarios: Scenario[] }
  | { type: 'window'; scenario: Scenario; round: number; warmup: boolean; opsPerSec: number; timerNs: number }
  | { type: 'look'; rounds: number; undecided: number; measuredMs: number; capMs: number }
  | { type: 'scenario'; result: ScenarioResult };

/** How many comparisons of each metric the whole run makes: the family its intervals' level is shared over. */
export interface RunPlan {
  alphaRun: number;
  comparisons: Record<Metric, number>;
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
  plan: RunPlan;
  onEvent?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Host mode: the run's journal fd, -1 = none. */
  journalFd?: number;
  /** Salt of the run's SysV keys (random when absent). */
  keySalt?: number;
}

/**
 * Ms between scheduling a window and its start: time to dispatch threads and
 * fork the groups (2-5 ms on 2 CPUs for a few workers; each group is a clone
 * of Node's address space: 64 workers took about 1.5 s, 256 about 5 s, and
 * the first window of a run 4 times that). The lead follows what the last
 * set-up took (window()).
 */
const INITIAL_LEAD_MS = 8;
const MIN_LEAD_MS = 4;
const MAX_LEAD_MS = 30_000;
/**
 * A group's wall-clock limit: WALL_FACTOR times its cap of measured time, and
 * at least the cap plus WALL_SLACK_MS. Measured windows are most of a group's
 * time with few workers; with many, setting up each window's processes is,
 * and this bounds it (stop reason "wall").
 */
const WALL_FACTOR = 10;
/** Set-up allowance per worker in a window's deadline: a clone of Node and its partner took about 20 ms on 2 CPUs. */
const SETUP_MS_PER_WORKER = 100;
const WALL_SLACK_MS = 30_000;
/** A window of several workers whose common running time is below this share of it is run again. */
const MIN_OVERLAP = 0.75;
const OVERLAP_TRIES = 3;
/** An auto-sized window holds at least this many ops, so that each of its sub-windows holds 32. */
const OPS_PER_WINDOW = 320;
const SUB_WINDOWS = 10;
/** A window run again for want of ops doubles up to this length; a worker with no op then is stuck. */
const MAX_LENGTHENED_MS = 1000;
/** Look schedule: the first look, and the growth from one look to the next. */
const LOOK_RATIO = 1.5;
/** Latency sampling: two clock reads on one op in k must cost at most this share of the ops. */
const SAMPLING_COST = 0.005;
/** A round's p50 needs this many samples, its p99 this many. */
const MIN_SAMPLES_P50 = 20;
const MIN_SAMPLES_P99 = 100;

/** What one mode measured in one round. */
interface Round {
  rate: number;
  p50: number;
  p99: number;
  cpuPerOp: number;
  csPerOp: number;
  ops: number;
}

interface ModeState {
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

export interface GroupOutcome {
  results: ScenarioResult[];
  comparisons: ModeComparison[];
  summary: GroupSummary;
}

export class Scheduler {
  private leadMs = INITIAL_LEAD_MS;
  /** Measured processes stopped by a termination signal from outside (the run is being stopped, maybe before its own signal arrives). */
  private terminated = false;
  private readonly keySalt: number;

  constructor(private readonly deps: SchedulerDeps, private readonly budget: Budget) {
    this.keySalt = deps.keySalt ?? randomInt(0, 2 ** 30);
  }

  private get stopping(): boolean {
    return this.terminated || this.deps.signal?.aborted === true;
  }

  /** Runs one group; returns a result for every scenario in it, whatever happened. */
  async runGroup(group: readonly Scenario[]): Promise<GroupOutcome> {
    const wall0 = this.deps.wallMs();
    const limits = await this.deps.limits(group[0]?.sysctls ?? {});
    const states: ModeState[] = group.map((scenario) => ({ scenario, rounds: [], histograms: [], cpuNs: 0, cs: 0, retried: 0, measuredMs: 0 }));
    let held: HeldNamespace | undefined;
    let run: Measured;
    try {
      if (group.some((s) => s.mode === 'shared')) {
        const opened = await this.deps.executor.nsOpen(this.deps.route, group[0]?.sysctls ?? {});
        if (opened.ok) held = opened.value;
        else for (const st of states) if (st.scenario.mode === 'shared') st.failure = opened.failure;
      }
      run = await this.measure(states, limits, held);
    } finally {
      if (held) await this.deps.executor.nsClose(held);
    }
    const wallMs = this.deps.wallMs() - wall0;
    const results: ScenarioResult[] = [];
    for (const st of states) {
      const r = await summarize(st, run, this.deps.cpus.length, limitsFor(st.scenario, limits), wallMs / states.length);
      results.push(r);
      this.deps.onEvent?.({ type: 'scenario', result: r });
    }
    const summary: GroupSummary = {
      scenarios: group.map((s) => s.id),
      rounds: Math.max(0, ...states.map((s) => s.rounds.length)),
      measuredMs: states.reduce((a, s) => a + s.measuredMs, 0),
      wallMs,
      windowMs: run.windowMs,
      looks: run.looks,
      stop: run.stop,
    };
    return { results, comparisons: run.comparisons, summary };
  }

  private live(st: ModeState): boolean {
    return !st.failure && !this.stopping;
  }

  private async measure(states: ModeState[], limits: TargetLimits, held: HeldNamespace | undefined): Promise<Measured> {
    const b = this.budget;
    const first = states[0]?.scenario;
    const m: Measured = {
      windowMs: b.windowMs > 0 ? b.windowMs : LIMITS.minWindowMs,
      sampleEvery: b.sampleEvery >= 0 ? b.sampleEvery : 16,
      comparisons: [], looks: 1, stop: 'max-rounds',
    };
    if (!first) return { ...m, stop: 'failed' };
    // Warm-up: discarded; it also tells how long an op takes, to size the window and the sampling.
    for (let w = 0; w < b.warmupRounds; w++) {
      for (const st of this.shuffled(states)) {
        if (!this.live(st)) continue;
        const r = await this.window(st, limits, held, m);
        if (!r) continue;
        this.deps.onEvent?.({ type: 'window', scenario: st.scenario, round: w + 1, warmup: true, opsPerSec: windowRate(r), timerNs: r[0]?.timerNs ?? 0 });
        if (w === 0) this.calibrate(m, r, first);
      }
    }
    const modes = states.length;
    const roundsByCap = Math.max(1, Math.floor(b.capMs / (modes * m.windowMs)));
    const maxRounds = Math.max(2, Math.min(b.maxRounds, roundsByCap));
    const looks = lookSchedule(Math.min(b.minRounds, maxRounds), LOOK_RATIO, maxRounds);
    m.looks = looks.length;
    const spending = new Map(METRICS.map((metric) => [metric, new AlphaSpending(this.deps.plan.alphaRun, this.deps.plan.comparisons[metric], looks)]));
    let round = 0;
    let measuredMs = 0;
    const wall0 = this.deps.wallMs();
    const wallCapMs = Math.max(WALL_FACTOR * b.capMs, b.capMs + WALL_SLACK_MS);
    for (;;) {
      for (const st of this.shuffled(states)) {
        if (!this.live(st)) continue;
        const r = await this.window(st, limits, held, m);
        if (!r) continue;
        this.record(st, r, m);
        measuredMs += m.windowMs;
        this.deps.onEvent?.({ type: 'window', scenario: st.scenario, round: round + 1, warmup: false, opsPerSec: st.rounds.at(-1)?.rate ?? 0, timerNs: r[0]?.timerNs ?? 0 });
      }
      round++;
      const aborted = this.stopping;
      const live = states.filter((s) => !s.failure);
      if (live.length === 0) {
        m.stop = 'failed';
        break;
      }
      // A figure needs two rounds, whatever the cap.
      const capReached = measuredMs >= b.capMs && round >= 2;
      const wallReached = this.deps.wallMs() - wall0 >= wallCapMs && round >= 2;
      if (looks.includes(round) || capReached || wallReached || round >= maxRounds || aborted) {
        m.comparisons = this.compare(live, (metric) => spending.get(metric)?.look(round) ?? 0);
        const precise = b.precision <= 0 || live.every((s) => scenarioEstimate(s.rounds.map((x) => x.rate)).halfWidth <= b.precision);
        const undecided = m.comparisons.filter((c) => c.verdict === 'inconclusive').length;
        this.deps.onEvent?.({ type: 'look', rounds: round, undecided, measuredMs, capMs: b.capMs });
        if (decided(m.comparisons) && precise && !aborted) {
          m.stop = 'decided';
          break;
        }
      }
      if (aborted) {
        m.stop = 'interrupted';
        for (const st of states) if (!st.failure) st.interrupted = true;
        break;
      }
      if (capReached) {
        m.stop = 'cap';
        break;
      }
      if (wallReached) {
        m.stop = 'wall';
        break;
      }
      if (round >= maxRounds) {
        m.stop = roundsByCap <= b.maxRounds ? 'cap' : 'max-rounds';
        break;
      }
    }
    for (const st of states) st.measuredMs = st.rounds.length * m.windowMs;
    // Scenarios that failed on the way have no comparisons.
    const ok = new Set(states.filter((s) => !s.failure).map((s) => s.scenario.id));
    m.comparisons = m.comparisons.filter((c) => ok.has(c.scenarioA) && ok.has(c.scenarioB));
    return m;
  }

  private compare(states: readonly ModeState[], alphaOf: (metric: Metric) => number): ModeComparison[] {
    const series: ModeSeries[] = states.map((st) => ({
      mode: st.scenario.mode,
      scenario: st.scenario.id,
      values: {
        throughput: st.rounds.map((r) => r.rate),
        'latency-p50': st.rounds.map((r) => r.p50),
        'latency-p99': st.rounds.map((r) => r.p99),
      },
    }));
    return METRICS.flatMap((metric) => compareModes(series, alphaOf(metric), this.budget.margin, [metric]));
  }

  /** Window length and latency sampling from the first warm-up window: how long one op takes here. */
  private calibrate(m: Measured, results: readonly WindowResult[], s: Scenario): void {
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

  private record(st: ModeState, results: readonly WindowResult[], m: Measured): void {
    const ops = results.reduce((a, r) => a + r.ops, 0);
    const cpu = results.reduce((a, r) => a + r.cpuNs, 0);
    const cs = results.reduce((a, r) => a + r.volCs + r.involCs, 0);
    const h = mergeHistograms(results.map((r) => r.latency));
    const start = Math.min(...results.map((r) => r.startNs - r.lateNs));
    st.rounds.push({
      rate: robustWindowRate(results, start, (m.windowMs * 1e6) / SUB_WINDOWS),
      p50: h.count >= MIN_SAMPLES_P50 ? quantile(h, 0.5) : NaN,
      p99: h.count >= MIN_SAMPLES_P99 ? quantile(h, 0.99) : NaN,
      cpuPerOp: ops > 0 ? cpu / ops : NaN,
      csPerOp: ops > 0 ? cs / ops : NaN,
      ops,
    });
    st.histograms.push(h);
    st.cpuNs += cpu;
    st.cs += cs;
    st.last = [...results];
  }

  private shuffled(states: ModeState[]): ModeState[] {
    const out = [...states];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.deps.random() * (i + 1));
      [out[i], out[j]] = [out[j] as ModeState, out[i] as ModeState];
    }
    return out;
  }

  /**
   * One window of one scenario: every worker starts and stops at the same
   * absolute times, and each is measured over the time it really ran. A
   * window in which a worker completed no op is run again at twice the
   * length (the group keeps the longer window); a window whose workers ran
   * together for too little of it is run again with more lead.
   */
  private async window(st: ModeState, limits: TargetLimits, held: HeldNamespace | undefined, m: Measured): Promise<WindowResult[] | undefined> {
    const s = st.scenario;
    const info = workloadInfo(s.workload);
    const target = limitsFor(s, limits);
    let overlapTries = 0;
    // A window run again for want of ops is longer; the group adopts that length only once it worked.
    let len = m.windowMs;
    for (;;) {
      // A run being stopped runs no window again: the one in flight was the last.
      if (this.stopping) return undefined;
      const start = this.deps.nowNs() + this.leadMs * 1e6;
      const stop = start + len * 1e6;
      const specs: WindowSpec[] = Array.from({ length: s.workers }, (_, i) => ({
        workload: s.workload,
        params: s.params,
        mode: s.mode,
        route: this.deps.route,
        nsFd: s.mode === 'shared' && held ? held.ipcFd : -1,
        userNsFd: s.mode === 'shared' && held ? held.userFd : -1,
        ...cpusFor(s.placement, i, this.deps.cpus),
        coreParam: info ? info.coreParam(s.params, target) : 0,
        sampleEvery: m.sampleEvery,
        startNs: start,
        stopNs: stop,
        // Time to end and tear down after the stop, and for a slow set-up: at least the lead,
        // and what setting up as many groups may take (about 20 ms each on 2 CPUs, with room).
        deadlineNs: stop + Math.max(2000, 2 * len, this.leadMs, SETUP_MS_PER_WORKER * s.workers) * 1e6,
        markNs: (len * 1e6) / SUB_WINDOWS,
        sysctls: s.sysctls,
        keyBase: s.workload === 'ipc.lookup' ? keyBase(this.keySalt, i) : 0,
        journalFd: this.deps.journalFd ?? -1,
      }));
      const results = await this.deps.executor.runWindow(specs);
      const failed = results.find((r) => !r.ok);
      if (failed?.failure?.errno === constants.errno.EINTR) {
        // Stopped by a termination signal to the whole cgroup (systemd, docker stop): the run is ending, not this scenario failing.
        this.terminated = true;
        return undefined;
      }
      if (failed) {
        st.failure = failed.failure ?? failure(constants.errno.EIO, 'window');
        return undefined;
      }
      // The lead follows what setting up the groups took (dispatch to the last one ready): half as
      // much again after a late set-up, a quarter more while in time, never below the floor. A loop
      // late only because more processes want the CPUs than there are is not set up late: lead does
      // not cure that, so it does not grow it.
      const setupLate = Math.max(...results.map((r) => r.setupLateNs));
      const setupMs = Math.max(0, this.leadMs + setupLate / 1e6);
      if (setupLate > 0.1 * len * 1e6) this.leadMs = Math.min(MAX_LEAD_MS, Math.ceil(1.5 * setupMs + MIN_LEAD_MS));
      else this.leadMs = Math.max(MIN_LEAD_MS, Math.min(this.leadMs, Math.ceil(1.25 * setupMs + MIN_LEAD_MS)));
      // A worker with no op in the window has no rate to give: the window was too short for this workload here.
      if (results.some((r) => r.ops === 0 || r.endNs <= r.startNs)) {
        const longest = Math.max(MAX_LENGTHENED_MS, m.windowMs);
        if (len >= longest) {
          st.failure = failure(constants.errno.EIO, 'window', `window: a worker completed no op in ${len} ms, the longest window; the workload is stuck, or the machine is starved`);
          return undefined;
        }
        len = Math.min(longest, len * 2);
        continue;
      }
      // More workers than CPUs cannot all run at once, whatever the lead: such a window is taken as it is (shown, not trusted).
      const oversubscribed = s.workers > this.deps.cpus.length;
      if (!oversubscribed && results.length > 1 && overlapFraction(results, len * 1e6) < MIN_OVERLAP && overlapTries < OVERLAP_TRIES) {
        overlapTries++;
        st.retried++;
        continue;
      }
      const broken = isolationProblem(s.mode, results, limits.host.nsInode, held?.nsInode);
      if (broken) {
        st.failure = failure(constants.errno.EINVAL, 'isolation check', broken);
        return undefined;
      }
      m.windowMs = Math.max(m.windowMs, len);
      return results;
    }
  }
}

interface Measured {
  windowMs: number;
  sampleEvery: number;
  comparisons: ModeComparison[];
  looks: number;
  stop: StopReason;
}

/**
 * The SysV key from which a worker's keyed objects (ipc.lookup) start: a
 * random salt of the run plus the worker, 1024 apart; the core moves to
 * other bases derived from it when a key is taken (by another run, or by
 * anyone who took keys to block the tool), so a collision is retried, not
 * fatal.
 */
export function keyBase(salt: number, worker: number): number {
  return ((salt + worker * 0x400) % 2 ** 30) + 0x400;
}

/** Every window is checked: the processes ran where the mode says. */
export function isolationProblem(mode: Mode, results: readonly WindowResult[], hostInode: number, sharedInode: number | undefined): string | null {
  const inodes = results.flatMap((r) => (r.parties === 2 ? [r.nsInode, r.nsInodeB] : [r.nsInode]));
  if (mode === 'host' && inodes.some((i) => i !== hostInode)) return `isolation check: host-mode processes ran outside the host namespace (${inodes.join(', ')})`;
  if (mode === 'shared' && inodes.some((i) => i !== sharedInode)) return `isolation check: shared-mode processes ran in namespaces ${[...new Set(inodes)].join(', ')}, not the scenario's ${sharedInode}`;
  if (mode === 'isolated') {
    if (results.some((r) => r.parties === 2 && r.nsInodeB !== r.nsInode)) return 'isolation check: the two parties of an isolated pair ran in different namespaces';
    const host = results.findIndex((r) => r.nsInode === hostInode);
    if (host >= 0) return `isolation check: isolated worker ${host} ran in the host's namespace (${hostInode})`;
    // The kernel reuses a freed namespace's inode number: two workers with one number shared a
    // namespace only if they ran at the same time (a worker set up after another had finished may get its number).
    for (let i = 0; i < results.length; i++) {
      for (let j = i + 1; j < results.length; j++) {
        const a = results[i] as WindowResult;
        const b = results[j] as WindowResult;
        if (a.nsInode === b.nsInode && a.startNs < b.endNs && b.startNs < a.endNs) {
          return `isolation check: isolated workers ${i} and ${j} ran at the same time in one namespace (${a.nsInode})`;
        }
      }
    }
  }
  return null;
}

/**
 * Descriptive statistics of the per-round rates from tinybench: each round
 * is one sample whose overriddenDuration is the time of one op at that rate.
 */
async function tinybenchStats(name: string, rates: readonly number[]): Promise<Omit<ThroughputStats, 'estimate' | 'ci' | 'ciLevel' | 'rounds'>> {
  const bench = new Bench({ iterations: rates.length, time: 0, warmup: false, retainSamples: true, throws: true });
  let next = 0;
  // Declared async: tinybench then skips the extra call it makes to detect a sync
  // function returning a promise, which would consume one round unmeasured.
  bench.add(name, async () => {
    const rate = rates[next++];
    if (rate === undefined) throw new Error('tinybench asked for more rounds than were measured');
    return Promise.resolve({ overriddenDuration: 1000 / rate });
  });
  const [task] = await bench.run();
  const r = task?.result;
  if (!r || (r.state !== 'completed' && r.state !== 'aborted-with-statistics') || r.throughput.samplesCount !== rates.length) {
    throw new Error(`tinybench did not take every round of ${name}`);
  }
  const t = r.throughput;
  // A rate is never negative: a t-interval from a few rounds that reaches below 0 is cut at 0.
  return { unit: 'ops/s', mean: t.mean, median: t.p50, sd: t.sd, rme: t.rme, ci95: [Math.max(0, t.mean - t.moe), t.mean + t.moe], samples: t.samplesCount };
}

function latencyStats(st: ModeState, sampleEvery: number): LatencyStats | undefined {
  const h = mergeHistograms(st.histograms);
  if (h.count === 0) return undefined;
  return {
    unit: 'ns',
    p50: quantile(h, 0.5),
    p90: quantile(h, 0.9),
    p99: quantile(h, 0.99),
    p999: quantile(h, 0.999),
    max: h.maxNs,
    mean: h.sumNs / h.count,
    count: h.count,
    sampleEvery,
    p50Rounds: st.rounds.map((r) => r.p50),
    p99Rounds: st.rounds.map((r) => r.p99),
  };
}

async function summarize(st: ModeState, m: Measured, cpuCount: number, limits: ScenarioResult['limits'], wallMs: number): Promise<ScenarioResult> {
  const s = st.scenario;
  const base: ScenarioResult = {
    id: s.id,
    workload: s.workload,
    params: s.params,
    mode: s.mode,
    workers: s.workers,
    placement: s.placement,
    sysctls: s.sysctls,
    state: 'completed',
    oversubscribed: s.workers > cpuCount,
  };
  if (limits) base.limits = limits;
  if (st.failure) return { ...base, state: 'errored', failure: st.failure };
  if (st.rounds.length < 2) {
    return { ...base, state: 'skipped', failure: failure(constants.errno.EINTR, 'interrupted', 'interrupted before it had two measured rounds') };
  }
  const rates = st.rounds.map((r) => r.rate);
  const est = scenarioEstimate(rates);
  const ops = st.rounds.reduce((a, r) => a + r.ops, 0);
  const out: ScenarioResult = {
    ...base,
    throughput: { ...(await tinybenchStats(s.id, rates)), estimate: est.estimate, ci: est.ci, ciLevel: est.ciLevel, rounds: rates },
    cpuNsPerOp: st.cpuNs / ops,
    ctxSwitchesPerOp: st.cs / ops,
    cpuNsPerOpRounds: st.rounds.map((r) => r.cpuPerOp),
    ctxSwitchesPerOpRounds: st.rounds.map((r) => r.csPerOp),
    namespaces: (st.last ?? []).map((r) => r.nsInode),
    rounds: st.rounds.length,
    ops,
    windowMs: m.windowMs,
    subWindowMs: m.windowMs / SUB_WINDOWS,
    measuredMs: st.measuredMs,
    wallMs,
  };
  if (st.retried > 0) out.retriedWindows = st.retried;
  const latency = latencyStats(st, m.sampleEvery);
  if (latency) out.latency = latency;
  if (workloadInfo(s.workload)?.hasBytes && s.params.size) out.bytesPerSecond = est.estimate * s.params.size;
  if (st.interrupted) {
    out.state = 'errored';
    out.failure = failure(constants.errno.EINTR, 'interrupted', `interrupted after ${st.rounds.length} rounds; the figures cover those only`);
  }
  return out;
}
