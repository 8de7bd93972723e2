/**
 * One window of one scenario: every worker starts and stops at the same
 * absolute times, and each is measured over the time it really ran. The
 * runner keeps what it learns from one window to the next: how much lead
 * setting up the measured processes needs on this machine, for each number of
 * workers (groups that take turns alternate between them).
 */
import { constants } from 'node:os';
import { failure } from '../common/errors.js';
import type { Failure, HeldNamespace, Mode, Route, Scenario, WindowResult, WindowSpec } from '../common/types.js';
import { cpusFor } from '../plan/placement.js';
import { workloadInfo } from '../plan/workloads.js';
import type { Executor } from './executor.js';
import { limitsFor, type TargetLimits } from './preflight.js';
import { overlapFraction } from './window-rate.js';

/**
 * Ms between scheduling a window and its start: time to dispatch threads and
 * fork the groups (2-5 ms on 2 CPUs for a few workers; each group is a clone
 * of Node's address space: 64 workers took about 1.5 s, 256 about 5 s, and
 * the first window of a run 4 times that). The lead follows what the last
 * set-up took (run()).
 */
const INITIAL_LEAD_MS = 8;
const MIN_LEAD_MS = 4;
const MAX_LEAD_MS = 30_000;
/** Set-up allowance per worker in a window's deadline: a clone of Node and its partner took about 20 ms on 2 CPUs. */
const SETUP_MS_PER_WORKER = 100;
/** A window of several workers whose common running time is below this share of it is run again. */
const MIN_OVERLAP = 0.75;
const OVERLAP_TRIES = 3;
/** Party A marks (ops, time) this many times a window: the sub-windows of the robust rate (window-rate.ts). */
export const SUB_WINDOWS = 10;
/** A window run again for want of ops doubles up to this length; a worker with no op then is stuck. */
export const MAX_LENGTHENED_MS = 1000;

export interface WindowRunnerDeps {
  executor: Executor;
  /** CPUs the measured processes may be pinned to. */
  cpus: readonly number[];
  route: Route;
  /** CLOCK_MONOTONIC now, in ns: the clock of the windows' absolute start times. */
  nowNs: () => number;
  /** Host mode: the run's journal fd, -1 = none. */
  journalFd?: number;
  /** Salt of the run's SysV keys. */
  keySalt: number;
}

/** What one window gave: the workers' results and the length it took, a failure of the scenario, or nothing (the run is stopping). */
export type WindowOutcome =
  | { kind: 'measured'; results: WindowResult[]; windowMs: number; retried: number }
  | { kind: 'failed'; failure: Failure; retried: number }
  | { kind: 'stopped'; retried: number };

export class WindowRunner {
  /** Lead by worker count: setting up 64 groups of processes takes far longer than one. */
  private readonly leads = new Map<number, number>();
  /** Measured processes stopped by a termination signal from outside (the run is being stopped, maybe before its own signal arrives). */
  terminated = false;

  constructor(
    private readonly deps: WindowRunnerDeps,
    private readonly stopping: () => boolean,
  ) {}

  /**
   * A window in which a worker completed no op is run again at twice the
   * length (the caller keeps the longer window); a window whose workers ran
   * together for too little of it is run again with more lead.
   */
  async run(s: Scenario, windowMs: number, sampleEvery: number, limits: TargetLimits, held: HeldNamespace | undefined): Promise<WindowOutcome> {
    const info = workloadInfo(s.workload);
    // The same for every worker and every try: the workload's core argument for this namespace's limits.
    const coreParam = info ? info.coreParam(s.params, limitsFor(s, limits)) : 0;
    let overlapTries = 0;
    let retried = 0;
    // A window run again for want of ops is longer; the group adopts that length only once it worked.
    let len = windowMs;
    for (;;) {
      // A run being stopped runs no window again: the one in flight was the last.
      if (this.stopping()) return { kind: 'stopped', retried };
      const lead = this.leadMs(s.workers);
      const start = this.deps.nowNs() + lead * 1e6;
      const stop = start + len * 1e6;
      const specs: WindowSpec[] = Array.from({ length: s.workers }, (_, i) => ({
        workload: s.workload,
        params: s.params,
        mode: s.mode,
        route: this.deps.route,
        nsFd: s.mode === 'shared' && held ? held.ipcFd : -1,
        userNsFd: s.mode === 'shared' && held ? held.userFd : -1,
        ...cpusFor(s.placement, i, this.deps.cpus),
        coreParam,
        sampleEvery,
        startNs: start,
        stopNs: stop,
        // Time to end and tear down after the stop, and for a slow set-up: at least the lead,
        // and what setting up as many groups may take (about 20 ms each on 2 CPUs, with room).
        deadlineNs: stop + Math.max(2000, 2 * len, lead, SETUP_MS_PER_WORKER * s.workers) * 1e6,
        markNs: (len * 1e6) / SUB_WINDOWS,
        sysctls: s.sysctls,
        keyBase: info?.usesKeys ? keyBase(this.deps.keySalt, i) : 0,
        journalFd: this.deps.journalFd ?? -1,
      }));
      const results = await this.deps.executor.runWindow(specs);
      const failed = results.find((r) => !r.ok);
      if (failed?.failure?.errno === constants.errno.EINTR) {
        // Stopped by a termination signal to the whole cgroup (systemd, docker stop): the run is ending, not this scenario failing.
        this.terminated = true;
        return { kind: 'stopped', retried };
      }
      if (failed) return { kind: 'failed', failure: failed.failure ?? failure(constants.errno.EIO, 'window'), retried };
      this.followSetup(s.workers, results, len);
      // A worker with no op in the window has no rate to give: the window was too short for this workload here.
      if (results.some((r) => r.ops === 0 || r.endNs <= r.startNs)) {
        const longest = Math.max(MAX_LENGTHENED_MS, windowMs);
        if (len >= longest) {
          const why = `window: a worker completed no op in ${len} ms, the longest window; the workload is stuck, or the machine is starved`;
          return { kind: 'failed', failure: failure(constants.errno.EIO, 'window', why), retried };
        }
        len = Math.min(longest, len * 2);
        continue;
      }
      // More workers than CPUs cannot all run at once, whatever the lead: such a window is taken as it is (shown, not trusted).
      const oversubscribed = s.workers > this.deps.cpus.length;
      if (!oversubscribed && results.length > 1 && overlapFraction(results, len * 1e6) < MIN_OVERLAP && overlapTries < OVERLAP_TRIES) {
        overlapTries++;
        retried++;
        continue;
      }
      const broken = isolationProblem(s.mode, results, limits.host.nsInode, held?.nsInode);
      if (broken) return { kind: 'failed', failure: failure(constants.errno.EINVAL, 'isolation check', broken), retried };
      return { kind: 'measured', results, windowMs: Math.max(windowMs, len), retried };
    }
  }

  /**
   * The lead follows what setting up the groups took (dispatch to the last one ready): half as
   * much again after a late set-up, a quarter more while in time, never below the floor. A loop
   * late only because more processes want the CPUs than there are is not set up late: lead does
   * not cure that, so it does not grow it.
   */
  private followSetup(workers: number, results: readonly WindowResult[], len: number): void {
    const lead = this.leadMs(workers);
    const setupLate = Math.max(...results.map((r) => r.setupLateNs));
    const setupMs = Math.max(0, lead + setupLate / 1e6);
    if (setupLate > 0.1 * len * 1e6) this.leads.set(workers, Math.min(MAX_LEAD_MS, Math.ceil(1.5 * setupMs + MIN_LEAD_MS)));
    else this.leads.set(workers, Math.max(MIN_LEAD_MS, Math.min(lead, Math.ceil(1.25 * setupMs + MIN_LEAD_MS))));
  }

  private leadMs(workers: number): number {
    return this.leads.get(workers) ?? INITIAL_LEAD_MS;
  }
}

/**
 * The SysV key from which a worker's keyed objects start (workloads whose
 * descriptor says usesKeys): a random salt of the run plus the worker, 1024
 * apart; the core moves to other bases derived from it when a key is taken
 * (by another run, or by anyone who took keys to block the tool), so a
 * collision is retried, not fatal.
 */
export function keyBase(salt: number, worker: number): number {
  return ((salt + worker * 0x400) % 2 ** 30) + 0x400;
}

/** Every window is checked: the processes ran where the mode says. */
export function isolationProblem(mode: Mode, results: readonly WindowResult[], hostInode: number, sharedInode: number | undefined): string | null {
  const inodes = results.flatMap((r) => (r.parties === 2 ? [r.nsInode, r.nsInodeB] : [r.nsInode]));
  if (mode === 'host' && inodes.some((i) => i !== hostInode))
    return `isolation check: host-mode processes ran outside the host namespace (${inodes.join(', ')})`;
  if (mode === 'shared' && inodes.some((i) => i !== sharedInode)) {
    return `isolation check: shared-mode processes ran in namespaces ${[...new Set(inodes)].join(', ')}, not the scenario's ${sharedInode}`;
  }
  if (mode === 'isolated') {
    if (results.some((r) => r.parties === 2 && r.nsInodeB !== r.nsInode))
      return 'isolation check: the two parties of an isolated pair ran in different namespaces';
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
