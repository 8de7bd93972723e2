/**
 * Refuses, before anything is forked, what would fail: a size over the limits
 * of the namespace the scenario will use, a placement this machine cannot
 * honour. Every message names the parameter, the limit and the fix.
 */
import { placementProblem } from './placement.js';
import type { NamespaceLimits, Scenario } from './types.js';
import { workloadInfo } from './workloads.js';

/** Limits of the namespaces a run can use: the tool's own, and a fresh one (with the run's sysctls written). */
export interface TargetLimits {
  host: NamespaceLimits;
  fresh: NamespaceLimits;
}

export function limitsFor(scenario: Scenario, limits: TargetLimits): NamespaceLimits {
  return scenario.mode === 'host' ? limits.host : limits.fresh;
}

export function describeTarget(scenario: Scenario): string {
  return scenario.mode === 'host'
    ? 'the host IPC namespace'
    : Object.keys(scenario.sysctls).length > 0
      ? 'a fresh IPC namespace (with the given --sysctl values)'
      : 'a fresh IPC namespace (compile-time defaults, not the host values)';
}

/** Null when the scenario can run, else the reason and the fix. */
export function preflightProblem(scenario: Scenario, limits: TargetLimits, cpus: readonly number[]): string | null {
  const info = workloadInfo(scenario.workload);
  if (!info) return `unknown workload ${scenario.workload}`;
  if (info.parties === 2) {
    const p = placementProblem(scenario.placement, cpus);
    if (p) return p;
  }
  return info.check(scenario.params, limitsFor(scenario, limits), describeTarget(scenario));
}
