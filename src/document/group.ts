/**
 * One group, from scenarios to its part of the result document: measured
 * (measure/scheduler.ts) under the sequential stopping rule
 * (analyze/sequential.ts), then summarized into the document's shape.
 */
import { constants } from 'node:os';
import { failure } from '../common/errors.js';
import type { Scenario } from '../common/types.js';
import { describeRates } from '../analyze/describe.js';
import { scenarioEstimate, type ModeComparison } from '../analyze/modes.js';
import { SequentialRule, type RunPlan } from '../analyze/sequential.js';
import { LINEAR, mergeHistograms, quantile, SUB_BITS } from '../measure/histogram.js';
import { limitsFor } from '../measure/preflight.js';
import { Scheduler, type GroupMeasurement, type ModeRecord, type ProgressEvent, type SchedulerDeps } from '../measure/scheduler.js';
import { SUB_WINDOWS } from '../measure/window-runner.js';
import type { Budget } from '../plan/suite.js';
import { workloadInfo } from '../plan/workloads.js';
import type { GroupSummary, LatencyStats, ScenarioResult } from './result.js';

/** Progress of a run: the scheduler's events, and each scenario's result once its group is summarized. */
export type RunEvent = ProgressEvent | { type: 'scenario'; result: ScenarioResult };

export interface GroupRunnerDeps extends Omit<SchedulerDeps, 'onEvent'> {
  plan: RunPlan;
  onEvent?: (e: RunEvent) => void;
}

export interface GroupOutcome {
  results: ScenarioResult[];
  comparisons: ModeComparison[];
  summary: GroupSummary;
}

export class GroupRunner {
  private readonly scheduler: Scheduler;

  constructor(
    private readonly deps: GroupRunnerDeps,
    private readonly budget: Budget,
  ) {
    const { plan: _plan, onEvent, ...rest } = deps;
    this.scheduler = new Scheduler(onEvent ? { ...rest, onEvent } : rest, budget);
  }

  /** The measured processes were stopped by a termination signal from outside (systemd, docker stop signal every process). */
  get terminated(): boolean {
    return this.scheduler.terminated;
  }

  /** Runs one group; returns a result for every scenario in it, whatever happened. */
  async runGroup(group: readonly Scenario[]): Promise<GroupOutcome> {
    const rule = this.rule();
    return this.outcome(group, rule, await this.scheduler.measureGroup(group, rule));
  }

  /**
   * Runs groups one after another, or interleaved (a round of each in turn,
   * budget.interleaveGroups); `done` gets each group's outcome as it stops,
   * or undefined for a group the run was stopped before it began.
   */
  async runGroups(groups: ReadonlyArray<readonly Scenario[]>, done: (index: number, outcome: GroupOutcome | undefined) => void): Promise<void> {
    const plans = groups.map((scenarios) => ({ scenarios, rule: this.rule() }));
    await this.scheduler.measureGroups(
      plans,
      this.budget.interleaveGroups === true,
      async (i, m) => {
        const p = plans[i];
        done(i, m && p ? await this.outcome(p.scenarios, p.rule, m) : undefined);
      },
      (i) => this.deps.onEvent?.({ type: 'group', index: i + 1, total: groups.length, scenarios: [...(groups[i] ?? [])] }),
    );
  }

  private rule(): SequentialRule {
    const b = this.budget;
    return new SequentialRule({ plan: this.deps.plan, minRounds: b.minRounds, margin: b.margin, precision: b.precision });
  }

  private async outcome(group: readonly Scenario[], rule: SequentialRule, m: GroupMeasurement): Promise<GroupOutcome> {
    const results: ScenarioResult[] = [];
    for (const rec of m.records) {
      const r = await summarize(rec, m, this.deps.cpus.length, limitsFor(rec.scenario, m.limits), m.wallMs / m.records.length);
      results.push(r);
      this.deps.onEvent?.({ type: 'scenario', result: r });
    }
    const summary: GroupSummary = {
      scenarios: group.map((s) => s.id),
      rounds: Math.max(0, ...m.records.map((r) => r.rounds.length)),
      measuredMs: m.records.reduce((a, r) => a + r.measuredMs, 0),
      wallMs: m.wallMs,
      windowMs: m.windowMs,
      looks: m.looks,
      stop: m.stop,
    };
    const uncompared = rule.uncompared();
    if (uncompared.length > 0) summary.uncompared = uncompared;
    return { results, comparisons: rule.comparisons(m.records), summary };
  }
}

function latencyStats(rec: ModeRecord, sampleEvery: number): LatencyStats | undefined {
  const h = mergeHistograms(rec.histograms);
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
    p50Rounds: rec.rounds.map((r) => r.p50),
    p99Rounds: rec.rounds.map((r) => r.p99),
    histogram: { linear: LINEAR, subBits: SUB_BITS, buckets: h.buckets },
  };
}

async function summarize(rec: ModeRecord, m: GroupMeasurement, cpuCount: number, limits: ScenarioResult['limits'], wallMs: number): Promise<ScenarioResult> {
  const s = rec.scenario;
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
  if (rec.failure) return { ...base, state: 'errored', failure: rec.failure };
  if (rec.rounds.length < 2) {
    return { ...base, state: 'skipped', failure: failure(constants.errno.EINTR, 'interrupted', 'interrupted before it had two measured rounds') };
  }
  const rates = rec.rounds.map((r) => r.rate);
  const est = scenarioEstimate(rates);
  const ops = rec.rounds.reduce((a, r) => a + r.ops, 0);
  const out: ScenarioResult = {
    ...base,
    throughput: { ...(await describeRates(s.id, rates)), estimate: est.estimate, ci: est.ci, ciLevel: est.ciLevel, rounds: rates },
    cpuNsPerOp: rec.cpuNs / ops,
    ctxSwitchesPerOp: rec.cs / ops,
    cpuNsPerOpRounds: rec.rounds.map((r) => r.cpuPerOp),
    ctxSwitchesPerOpRounds: rec.rounds.map((r) => r.csPerOp),
    controlRounds: { getppid: rec.rounds.map((r) => r.syscallControl), spin: rec.rounds.map((r) => r.spinControl) },
    namespaces: (rec.last ?? []).map((r) => r.nsInode),
    rounds: rec.rounds.length,
    ops,
    windowMs: m.windowMs,
    subWindowMs: m.windowMs / SUB_WINDOWS,
    measuredMs: rec.measuredMs,
    wallMs,
  };
  if (rec.retried > 0) out.retriedWindows = rec.retried;
  const latency = latencyStats(rec, m.sampleEvery);
  if (latency) out.latency = latency;
  if (workloadInfo(s.workload)?.hasBytes && typeof s.params.size === 'number') out.bytesPerSecond = est.estimate * s.params.size;
  if (rec.interrupted) {
    out.state = 'errored';
    out.failure = failure(constants.errno.EINTR, 'interrupted', `interrupted after ${rec.rounds.length} rounds; the figures cover those only`);
  }
  return out;
}
