/**
 * Runs scenarios: preflight, warm-up windows (discarded), then measured
 * windows until the time and sample budget is used; turns windows into
 * statistics (tinybench) and compares modes.
 *
 * Scenarios that differ only in mode form a group, and their windows are
 * interleaved round by round (in shuffled order): drift on a shared machine
 * then lands on every mode alike instead of on whichever ran last, so a mode
 * comparison measures the mode, not the minute it ran in.
 */
import { constants } from 'node:os';
import { Bench } from 'tinybench';
import { failure } from './errors.js';
import type { Executor } from './executor.js';
import { mergeHistograms, quantile } from './histogram.js';
import { cpusFor } from './placement.js';
import { limitsFor, type TargetLimits } from './preflight.js';
import type { Comparison, LatencyStats, ScenarioResult, ThroughputStats } from './result.js';
import { ALPHA, compareSamples, holmAdjust } from './stats.js';
import type { Budget } from './suite.js';
import type { Failure, HeldNamespace, Mode, Route, Scenario, WindowResult, WindowSpec } from './types.js';
import { workloadInfo } from './workloads.js';

export type ProgressEvent =
  | { type: 'group'; index: number; total: number; scenarios: Scenario[] }
  | { type: 'window'; scenario: Scenario; window: number; warmup: boolean; opsPerSec: number; timerNs: number }
  | { type: 'scenario'; result: ScenarioResult };

export interface SchedulerDeps {
  executor: Executor;
  /** CPUs the measured processes may be pinned to. */
  cpus: readonly number[];
  route: Route;
  /** Limits of the host namespace and of fresh ones, by sysctl set (key: JSON of the sysctls). */
  limits: (sysctls: Record<string, string>) => Promise<TargetLimits>;
  /** CLOCK_MONOTONIC now, in ns: the clock of the windows' absolute start times. */
  nowNs: () => number;
  /** Wall clock for budgets, in ms. */
  wallMs: () => number;
  /** Uniform [0, 1), for the order of modes within a round. */
  random: () => number;
  onEvent?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** Host mode: the run's journal fd, -1 = none. */
  journalFd?: number;
}

/** Ms between scheduling a window and its start: time to dispatch threads and fork groups. */
const INITIAL_LEAD_MS = 30;
const MAX_LEAD_MS = 1000;
const LATE_TRIES = 3;

interface Measured {
  scenario: Scenario;
  windows: WindowResult[][];
  costMs: number;
  failure?: Failure;
  interrupted?: boolean;
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

export class Scheduler {
  private leadMs = INITIAL_LEAD_MS;

  constructor(private readonly deps: SchedulerDeps, private readonly budget: Budget) {}

  /** Runs one group; returns a result for every scenario in it, whatever happened. */
  async runGroup(group: readonly Scenario[]): Promise<{ results: ScenarioResult[]; comparisons: Comparison[] }> {
    const limits = await this.deps.limits(group[0]?.sysctls ?? {});
    const states: Measured[] = group.map((scenario) => ({ scenario, windows: [], costMs: 0 }));
    let held: HeldNamespace | undefined;
    try {
      if (group.some((s) => s.mode === 'shared')) {
        const opened = await this.deps.executor.nsOpen(this.deps.route, group[0]?.sysctls ?? {});
        if (opened.ok) held = opened.value;
        else for (const st of states) if (st.scenario.mode === 'shared') st.failure = opened.failure;
      }
      await this.measure(states, limits, held);
    } finally {
      if (held) await this.deps.executor.nsClose(held);
    }
    const results: ScenarioResult[] = [];
    for (const st of states) {
      const r = await summarize(st, this.budget, this.deps.cpus.length, limitsFor(st.scenario, limits));
      results.push(r);
      this.deps.onEvent?.({ type: 'scenario', result: r });
    }
    return { results, comparisons: compareModes(results) };
  }

  private live(st: Measured): boolean {
    return !st.failure && !this.deps.signal?.aborted;
  }

  private async measure(states: Measured[], limits: TargetLimits, held: HeldNamespace | undefined): Promise<void> {
    const b = this.budget;
    for (let w = 0; w < b.warmupWindows; w++) {
      for (const st of this.shuffled(states)) {
        if (!this.live(st)) continue;
        const r = await this.window(st, limits, held);
        if (r) this.deps.onEvent?.({ type: 'window', scenario: st.scenario, window: w + 1, warmup: true, opsPerSec: windowOpsPerSec(r), timerNs: r[0]?.timerNs ?? 0 });
      }
    }
    const done = (st: Measured): boolean =>
      st.windows.length >= b.maxWindows || (st.windows.length >= b.minWindows && st.costMs >= b.timeMs);
    while (states.some((st) => this.live(st) && !done(st))) {
      for (const st of this.shuffled(states)) {
        if (!this.live(st) || done(st)) continue;
        const t0 = this.deps.wallMs();
        const r = await this.window(st, limits, held);
        if (!r) continue;
        st.windows.push(r);
        st.costMs += Math.max(this.deps.wallMs() - t0, b.windowMs);
        this.deps.onEvent?.({ type: 'window', scenario: st.scenario, window: st.windows.length, warmup: false, opsPerSec: windowOpsPerSec(r), timerNs: r[0]?.timerNs ?? 0 });
      }
    }
    if (this.deps.signal?.aborted) for (const st of states) if (!st.failure && !done(st)) st.interrupted = true;
  }

  private shuffled(states: Measured[]): Measured[] {
    const out = [...states];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.deps.random() * (i + 1));
      [out[i], out[j]] = [out[j] as Measured, out[i] as Measured];
    }
    return out;
  }

  /** One window of one scenario: every worker starts and stops at the same absolute times. */
  private async window(st: Measured, limits: TargetLimits, held: HeldNamespace | undefined): Promise<WindowResult[] | undefined> {
    const s = st.scenario;
    const info = workloadInfo(s.workload);
    const target = limitsFor(s, limits);
    let worstLate = 0;
    for (let attempt = 0; attempt < LATE_TRIES; attempt++) {
      const start = this.deps.nowNs() + this.leadMs * 1e6;
      const stop = start + this.budget.windowMs * 1e6;
      const specs: WindowSpec[] = Array.from({ length: s.workers }, (_, i) => ({
        workload: s.workload,
        params: s.params,
        mode: s.mode,
        route: this.deps.route,
        nsFd: s.mode === 'shared' && held ? held.ipcFd : -1,
        userNsFd: s.mode === 'shared' && held ? held.userFd : -1,
        ...cpusFor(s.placement, i, this.deps.cpus),
        coreParam: info ? info.coreParam(s.params, target) : 0,
        sampleEvery: effectiveSampleEvery(this.budget.sampleEvery, s.workload),
        startNs: start,
        stopNs: stop,
        deadlineNs: stop + Math.max(2000, 2 * this.budget.windowMs) * 1e6,
        sysctls: s.sysctls,
        keyBase: s.workload === 'ipc.lookup' ? toolKeyBase(i) : 0,
        journalFd: this.deps.journalFd ?? -1,
      }));
      const results = await this.deps.executor.runWindow(specs);
      const failed = results.find((r) => !r.ok);
      if (failed) {
        st.failure = failed.failure ?? failure(constants.errno.EIO, 'window');
        return undefined;
      }
      // A worker that completed no op in the window has no figure to give, only a problem.
      const idle = results.find((r) => r.ops === 0 || r.endNs <= r.startNs);
      if (idle) {
        st.failure = failure(constants.errno.EIO, 'window', `window: a worker completed no op in ${this.budget.windowMs} ms; the window is too short for this workload, or the workload is stuck`);
        return undefined;
      }
      // A window whose processes started late did not share its time span with the others.
      const late = Math.max(...results.map((r) => r.lateNs));
      worstLate = Math.max(worstLate, late);
      if (late > Math.max(1e6, 0.05 * this.budget.windowMs * 1e6)) {
        this.leadMs = Math.min(MAX_LEAD_MS, this.leadMs * 2);
        continue;
      }
      // On time: give back some of the lead that earlier late windows added.
      this.leadMs = Math.max(INITIAL_LEAD_MS, Math.round(this.leadMs * 0.75));
      const broken = isolationProblem(s.mode, results, limits.host.nsInode, held?.nsInode);
      if (broken) {
        st.failure = failure(constants.errno.EINVAL, 'isolation check', broken);
        return undefined;
      }
      return results;
    }
    st.failure = failure(constants.errno.ETIME, 'window start',
      `window start: the measured processes started ${(worstLate / 1e6).toFixed(1)} ms late ${LATE_TRIES} times, even with ${this.leadMs} ms of lead; the machine is overloaded, or --workers is too high for it`);
    return undefined;
  }
}

/** The suite's sampling stride, widened where a workload's ops are too cheap for it (0 stays off). */
export function effectiveSampleEvery(suite: number, workload: string): number {
  return suite === 0 ? 0 : Math.max(suite, workloadInfo(workload)?.minSampleEvery ?? 0);
}

/**
 * SysV keys the tool uses for keyed objects: a tag in the top bits, this
 * process's pid and the worker, so that concurrent runs and workers (which
 * share a namespace in host and shared mode) never meet.
 */
export function toolKeyBase(worker: number, pid: number = process.pid): number {
  return (0x40000000 | ((pid & 0x3ff) << 20) | ((worker & 0x3ff) << 10)) >>> 0;
}

/** Every window is checked: the processes ran where the mode says. */
export function isolationProblem(mode: Mode, results: readonly WindowResult[], hostInode: number, sharedInode: number | undefined): string | null {
  const inodes = results.flatMap((r) => (r.parties === 2 ? [r.nsInode, r.nsInodeB] : [r.nsInode]));
  if (mode === 'host' && inodes.some((i) => i !== hostInode)) return `isolation check: host-mode processes ran outside the host namespace (${inodes.join(', ')})`;
  if (mode === 'shared' && inodes.some((i) => i !== sharedInode)) return `isolation check: shared-mode processes ran in namespaces ${[...new Set(inodes)].join(', ')}, not the scenario's ${sharedInode}`;
  if (mode === 'isolated') {
    const perWorker = results.map((r) => r.nsInode);
    if (results.some((r) => r.parties === 2 && r.nsInodeB !== r.nsInode)) return 'isolation check: the two parties of an isolated pair ran in different namespaces';
    if (new Set(perWorker).size !== perWorker.length || perWorker.includes(hostInode)) {
      return `isolation check: isolated workers shared a namespace or used the host's (${perWorker.join(', ')})`;
    }
  }
  return null;
}

/** Aggregate ops/s of one window: all workers' ops over the window's span. */
export function windowOpsPerSec(results: readonly WindowResult[]): number {
  const { ops, spanNs } = windowTotals(results);
  return spanNs > 0 ? ops / (spanNs / 1e9) : 0;
}

function windowTotals(results: readonly WindowResult[]): { ops: number; spanNs: number } {
  const ops = results.reduce((a, r) => a + r.ops, 0);
  const start = Math.min(...results.map((r) => r.startNs));
  const end = Math.max(...results.map((r) => r.endNs));
  return { ops, spanNs: Math.max(0, end - start) };
}

/**
 * tinybench turns the windows into per-op statistics: each sample's
 * overriddenDuration is the window's span divided by its total ops, and its
 * budget cost is the window's span. Its throughput statistics are then
 * per-window ops/s.
 */
async function tinybenchStats(name: string, windows: readonly WindowResult[][]): Promise<ThroughputStats> {
  const perOpMs = windows.map((w) => {
    const { ops, spanNs } = windowTotals(w);
    return { perOp: spanNs / 1e6 / ops, cost: spanNs / 1e6 };
  });
  const bench = new Bench({ iterations: perOpMs.length, time: 0, warmup: false, retainSamples: true, throws: true });
  let next = 0;
  // Declared async: tinybench then skips the extra call it makes to detect a sync
  // function returning a promise, which would consume one window unmeasured.
  bench.add(name, async () => {
    const w = perOpMs[next++];
    if (!w) throw new Error('tinybench asked for more windows than were measured');
    return Promise.resolve({ overriddenDuration: w.perOp, overriddenIterationCost: w.cost });
  });
  const [task] = await bench.run();
  const r = task?.result;
  if (!r || (r.state !== 'completed' && r.state !== 'aborted-with-statistics') || r.throughput.samplesCount !== perOpMs.length) {
    throw new Error(`tinybench did not take every window of ${name}`);
  }
  const t = r.throughput;
  return {
    unit: 'ops/s',
    mean: t.mean,
    median: t.p50,
    sd: t.sd,
    rme: t.rme,
    ci95: [t.mean - t.moe, t.mean + t.moe],
    samples: t.samplesCount,
    windows: perOpMs.map((w) => 1000 / w.perOp),
  };
}

function perOp(window: readonly WindowResult[], value: (r: WindowResult) => number): number {
  const ops = window.reduce((a, r) => a + r.ops, 0);
  return ops > 0 ? window.reduce((a, r) => a + value(r), 0) / ops : 0;
}

/** A window's p99 needs at least 100 samples to mean anything. */
const MIN_SAMPLES_FOR_P99 = 100;

function latencyStats(windows: readonly WindowResult[][], sampleEvery: number): LatencyStats | undefined {
  const h = mergeHistograms(windows.flat().map((r) => r.latency));
  if (h.count === 0) return undefined;
  const perWindow = windows.map((w) => mergeHistograms(w.map((r) => r.latency)));
  const p99Windows = perWindow.every((x) => x.count >= MIN_SAMPLES_FOR_P99) ? perWindow.map((x) => quantile(x, 0.99)) : undefined;
  return {
    ...(p99Windows ? { p99Windows } : {}),
    unit: 'ns',
    p50: quantile(h, 0.5),
    p90: quantile(h, 0.9),
    p99: quantile(h, 0.99),
    p999: quantile(h, 0.999),
    max: h.maxNs,
    mean: h.sumNs / h.count,
    count: h.count,
    sampleEvery,
  };
}

async function summarize(st: Measured, budget: Budget, cpuCount: number, limits: ScenarioResult['limits']): Promise<ScenarioResult> {
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
  if (st.failure) {
    return { ...base, state: 'errored', failure: st.failure };
  }
  if (st.windows.length < 2) {
    return {
      ...base,
      state: 'skipped',
      failure: failure(constants.errno.EINTR, 'interrupted', 'interrupted before it had two measured windows'),
    };
  }
  const flat = st.windows.flat();
  const ops = flat.reduce((a, r) => a + r.ops, 0);
  const throughput = await tinybenchStats(s.id, st.windows);
  const out: ScenarioResult = {
    ...base,
    throughput,
    cpuNsPerOp: flat.reduce((a, r) => a + r.cpuNs, 0) / ops,
    ctxSwitchesPerOp: flat.reduce((a, r) => a + r.volCs + r.involCs, 0) / ops,
    cpuNsPerOpWindows: st.windows.map((w) => perOp(w, (r) => r.cpuNs)),
    ctxSwitchesPerOpWindows: st.windows.map((w) => perOp(w, (r) => r.volCs + r.involCs)),
    namespaces: (st.windows[st.windows.length - 1] ?? []).map((r) => r.nsInode),
    windows: st.windows.length,
    ops,
    wallMs: st.costMs,
  };
  const latency = latencyStats(st.windows, effectiveSampleEvery(budget.sampleEvery, s.workload));
  if (latency) out.latency = latency;
  if (workloadInfo(s.workload)?.hasBytes && s.params.size) out.bytesPerSecond = throughput.mean * s.params.size;
  if (st.interrupted) {
    out.state = 'errored';
    out.failure = failure(constants.errno.EINTR, 'interrupted', `interrupted after ${st.windows.length} of its windows; the figures cover those only`);
  }
  return out;
}

const PAIRS: ReadonlyArray<[Mode, Mode]> = [['isolated', 'shared'], ['isolated', 'host'], ['shared', 'host']];

/** isolated vs shared, isolated vs host and shared vs host, wherever both completed. */
export function compareModes(results: readonly ScenarioResult[]): Comparison[] {
  const out: Comparison[] = [];
  for (const [a, b] of PAIRS) {
    const ra = results.find((r) => r.mode === a && r.state === 'completed');
    const rb = results.find((r) => r.mode === b && r.state === 'completed');
    if (!ra?.throughput || !rb?.throughput) continue;
    const c = compareSamples(ra.throughput.windows, rb.throughput.windows);
    out.push({ a, b, scenarioA: ra.id, scenarioB: rb.id, ratio: c.ratio, ci95: c.ci95, pValue: c.pValue, pAdjusted: c.pValue, verdict: c.verdict, test: c.test });
  }
  return out;
}

/**
 * Verdicts over a whole run: a run makes dozens of mode comparisons, and at
 * alpha 0.01 each, one in a hundred steady pairs would be called different by
 * chance. Holm's step-down adjustment over all of them keeps the chance of
 * any false difference in the run at 1 %; real effects (p far below 1e-4)
 * keep their verdicts.
 */
export function adjustVerdicts(comparisons: readonly Comparison[]): Comparison[] {
  const adjusted = holmAdjust(comparisons.map((c) => c.pValue));
  return comparisons.map((c, i) => {
    const p = adjusted[i] ?? NaN;
    const significant = Number.isFinite(p) && p < ALPHA;
    const verdict = !significant ? 'no significant difference' : c.ratio > 1 ? 'faster' : c.ratio < 1 ? 'slower' : 'no significant difference';
    return { ...c, pAdjusted: Number.isFinite(p) ? p : 1, verdict, test: `Welch's t-test on per-window ops/s, two-sided, Holm-adjusted over the run's ${comparisons.length} mode comparisons, alpha ${ALPHA}` };
  });
}
