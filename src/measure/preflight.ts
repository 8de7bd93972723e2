/**
 * Refuses, before anything is forked, what would fail: a size over the limits
 * of the namespace the scenario will use, a placement this machine cannot
 * honour. Every message names the parameter, the limit and the fix.
 */
import { placementProblem } from '../plan/placement.js';
import { constants } from 'node:os';
import { failure } from '../common/errors.js';
import type { NamespaceUsage } from './sysvipc.js';
import type { Failure, NamespaceLimits, Route, Scenario } from '../common/types.js';
import { limitValue, raiseAdvice, type Need, type SEM_FIELDS, type SysctlField, type Target } from '../plan/limits.js';
import { workloadInfo } from '../plan/workloads.js';

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

export function targetOf(scenario: Scenario): Target {
  return { where: describeTarget(scenario), host: scenario.mode === 'host' };
}

/**
 * Null when the scenario can run, else the reason and the fix: bad input,
 * refused before anything is forked. A counted limit that one worker's
 * objects alone exceed (kernel.sem "1 1 1 1" for a pair of semaphores) is
 * bad input too; one that only the workers together exceed is the mode's
 * finding, not the input's (capacityProblem).
 */
export function preflightProblem(scenario: Scenario, limits: TargetLimits, cpus: readonly number[]): string | null {
  const info = workloadInfo(scenario.workload);
  if (!info) return `unknown workload ${scenario.workload}`;
  if (info.parties === 2) {
    const p = placementProblem(scenario.placement, cpus);
    if (p) return p;
  }
  const l = limitsFor(scenario, limits);
  const target = targetOf(scenario);
  const checked = info.check(scenario.params, l, target);
  if (checked) return checked;
  const needs = info.needs(scenario.params);
  for (const need of needs) {
    const limit = limitValue(l, need.limit);
    if (limit >= 0 && need.count > limit) {
      const sem = semMinimums(needs, 1, () => 0);
      return `${scenario.workload} needs ${need.count} ${need.what}${need.perObject ? '' : ' per worker'}, and ${need.limit} is ${limit} in ${target.where}; ${raiseAdvice(need.limit, need.count, l, target, sem)}`;
    }
  }
  return null;
}

/** What each field of kernel.sem must at least be for `sharing` workers in one namespace that already uses `held` of it. */
function semMinimums(needs: readonly Need[], sharing: number, held: (f: SysctlField) => number): Partial<Record<(typeof SEM_FIELDS)[number], number>> {
  const out: Partial<Record<(typeof SEM_FIELDS)[number], number>> = {};
  for (const n of needs) {
    if (!n.limit.startsWith('kernel.sem ')) continue;
    const field = n.limit.slice('kernel.sem '.length) as (typeof SEM_FIELDS)[number];
    out[field] = Math.max(out[field] ?? 0, n.perObject ? n.count : n.count * sharing + held(n.limit));
  }
  return out;
}

/** What the namespace already holds, counted against a limit (the host's objects; a fresh namespace holds none). */
function used(u: NamespaceUsage, f: SysctlField): number {
  switch (f) {
    case 'kernel.msgmni':
      return u.queues;
    case 'kernel.shmmni':
      return u.segments;
    case 'kernel.shmall':
      return u.shmPages;
    case 'kernel.sem semmni':
      return u.semSets;
    case 'kernel.sem semmns':
      return u.sems;
    default:
      return 0;
  }
}

/**
 * Why the scenario's workers together cannot fit the counted limits of the
 * namespace they share (plus what it already holds: `hostUsage`, for the
 * host's), as a skip that names the limit and the fix; null when they fit.
 * A shared namespace running out where one per worker does not is a finding
 * about the modes, so the rest of the run goes on.
 */
export function capacityProblem(scenario: Scenario, limits: TargetLimits, hostUsage: NamespaceUsage): Failure | null {
  const info = workloadInfo(scenario.workload);
  if (!info) return null;
  const l = limitsFor(scenario, limits);
  const target = targetOf(scenario);
  const sharing = scenario.mode === 'isolated' ? 1 : scenario.workers;
  const heldOf = (f: SysctlField): number => (scenario.mode === 'host' ? used(hostUsage, f) : 0);
  const needs = info.needs(scenario.params);
  for (const need of needs.filter((n: Need) => !n.perObject)) {
    const limit = limitValue(l, need.limit);
    const held = heldOf(need.limit);
    const total = need.count * sharing + held;
    if (limit < 0 || total <= limit) continue;
    const them =
      sharing === 1 ? `1 worker needs ${need.count}` : `${sharing} workers in one namespace need ${sharing} x ${need.count} = ${need.count * sharing}`;
    const heldText = held > 0 ? `, and the namespace already holds ${held}` : '';
    const isolated = scenario.mode !== 'isolated' && sharing > 1 ? ', or use --mode isolated (a namespace per worker)' : '';
    const errno = need.limit === 'kernel.sem semmsl' ? constants.errno.EINVAL : constants.errno.ENOSPC;
    return failure(
      errno,
      need.limit,
      `${need.limit} is ${limit} in ${target.where}; ${them} ${need.what}${heldText}: ${raiseAdvice(need.limit, total, l, target, semMinimums(needs, sharing, heldOf))}${isolated}`,
    );
  }
  return null;
}

/**
 * Why a scenario cannot run with this route, as a skip (missing support, not
 * a failure): what its workload's descriptor says of this mode and route.
 */
export function unsupportedOnRoute(scenario: Scenario, route: Route): Failure | null {
  const u = workloadInfo(scenario.workload)?.unsupported?.find((x) => x.mode === scenario.mode && x.route === route);
  return u ? failure(constants.errno.EPERM, u.call, u.why) : null;
}
