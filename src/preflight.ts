/**
 * Refuses, before anything is forked, what would fail: a size over the limits
 * of the namespace the scenario will use, a placement this machine cannot
 * honour. Every message names the parameter, the limit and the fix.
 */
import { placementProblem } from './placement.js';
import { constants } from 'node:os';
import { failure } from './errors.js';
import type { Failure, NamespaceLimits, Route, Scenario } from './types.js';
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

/**
 * Why a scenario cannot run with this route, as a skip (missing support, not
 * a failure): ns.lifecycle in host mode unshares from the host namespace,
 * which needs CAP_SYS_ADMIN there.
 */
export function unsupportedOnRoute(scenario: Scenario, route: Route): Failure | null {
  if (scenario.workload === 'ns.lifecycle' && scenario.mode === 'host' && route === 'userns') {
    return failure(constants.errno.EPERM, 'unshare(CLONE_NEWIPC)',
      'skipped: ns.lifecycle in host mode unshares from the host namespace, which needs CAP_SYS_ADMIN; run with sudo -E, or use --mode shared or isolated (they run it inside a user namespace)');
  }
  return null;
}
