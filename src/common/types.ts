/**
 * Plain data that crosses thread boundaries and lands in result documents.
 * Nothing here holds a handle, a class instance or a BigInt.
 */

/** Where the measured processes live. */
export type Mode = 'host' | 'shared' | 'isolated';
export const MODES: readonly Mode[] = ['host', 'shared', 'isolated'];

/** Where the two parties of a pair run. */
export type Placement = 'any' | 'same-cpu' | 'split';
export const PLACEMENTS: readonly Placement[] = ['any', 'same-cpu', 'split'];

/** Why a group stopped sampling: decided, its cap, its most rounds, its wall-clock limit, interrupted, every scenario failed. */
/**
 * A run's label names its machine in a fleet (run --label, merge): a host
 * name, a node name or a CI runner image. Letters, digits and . _ - : @ +,
 * starting with a letter or digit, at most 253 characters (a DNS name's
 * limit, so that any Kubernetes node name fits): safe in a file name, a
 * table and a terminal.
 */
export const LABEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,252}$';

/**
 * The commit a run measured (run --commit, or GITHUB_SHA): 7 to 64 lowercase
 * hex digits, an abbreviated or a full SHA-1 or SHA-256 object name.
 */
export const COMMIT_PATTERN = '^[0-9a-f]{7,64}$';

/**
 * The branch or tag a run measured (run --ref, or GITHUB_REF_NAME): 1 to 255
 * characters, none of them a space, a control character or a bidirectional
 * override, so that it prints as itself in a table and a terminal.
 */
export const REF_PATTERN = '^[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]{1,255}$';

export const STOP_REASONS = ['decided', 'cap', 'max-rounds', 'wall', 'interrupted', 'failed'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** How a fresh IPC namespace is created: with CAP_SYS_ADMIN, or inside a new user namespace. */
export type Route = 'privileged' | 'userns';

/** A workload parameter's value: an integer (size) or a choice (kind). */
export type ParamValue = number | string;

/** Workload parameters by name, as the workload's descriptor declares them (plan/workloads.ts): {size: 64}. */
export type Params = Record<string, ParamValue>;

/** One window for one worker, as the core receives it. */
export interface WindowSpec {
  workload: string;
  params: Params;
  mode: Mode;
  route: Route;
  /** Shared mode: fds (of this process) that hold the scenario's namespace. */
  nsFd: number;
  userNsFd: number;
  /** CPU for party A and B; -1 = not pinned. */
  cpuA: number;
  cpuB: number;
  /** Workload-specific core argument resolved in preflight (mq.stream: queue depth). */
  coreParam: number;
  /** Time one op in this many (0 = no latency sampling). */
  sampleEvery: number;
  /** Absolute CLOCK_MONOTONIC times in ns. */
  startNs: number;
  stopNs: number;
  deadlineNs: number;
  /** Sub-window length in ns: party A marks (ops, time) at each boundary; 0 or absent = none. */
  markNs?: number;
  /** Sysctls written inside each fresh namespace, e.g. {"kernel.msgmni": "64"}. */
  sysctls: Record<string, string>;
  /** SysV key of the group's first object, created IPC_EXCL; 0 = IPC_PRIVATE. */
  keyBase: number;
  /** Host mode: fd of the run's journal (O_APPEND), -1 = none. */
  journalFd: number;
  /** Test-only fault injection. */
  fault?: Fault;
}

export type Fault = 'none' | 'partner-hangs' | 'partner-dies';

/** What flock does: take the lock without waiting (EWOULDBLOCK if held), wait for it, or release it. */
export type LockOp = 'try' | 'wait' | 'release';

/** A failure as data: the errno, its symbolic code, the failing call, and a message with the fix. */
export interface Failure {
  errno: number;
  code: string;
  call: string;
  message: string;
}

/** Sparse log-linear histogram of sampled op latencies (see src/histogram.ts). */
export interface LatencyHistogram {
  count: number;
  sumNs: number;
  minNs: number;
  maxNs: number;
  /** [bucket index, count] pairs, ascending by index. */
  buckets: Array<[number, number]>;
}

/** What one worker measured in one window. */
export interface WindowResult {
  ok: boolean;
  ops: number;
  bytes: number;
  /** Actual loop time: latest party end minus earliest party start. */
  elapsedNs: number;
  startNs: number;
  endNs: number;
  /** How long after the requested start the loop began. */
  lateNs: number;
  /**
   * Party A's ready time minus the time its pre-start spin should have
   * begun: > 0, set up late by that much (more lead cures it); < 0, ready
   * that long before (less lead would do). A loop late for another reason
   * (more runnable processes than CPUs) is not set up late.
   */
  setupLateNs: number;
  cpuNs: number;
  volCs: number;
  involCs: number;
  /** IPC namespace inode of party A, and of party B (0 if single-party). */
  nsInode: number;
  nsInodeB: number;
  /** Measured cost of one clock_gettime(CLOCK_MONOTONIC). */
  timerNs: number;
  /**
   * The controls party A measured on its CPU just before the window, or
   * right after it when it woke too late (per second; 0 = none measured):
   * getppid() calls, and steps of a fixed user-space loop.
   */
  controlSyscall: number;
  controlSpin: number;
  timedOut: boolean;
  parties: number;
  /** Pids of the measured processes (already reaped). */
  leaderPid: number;
  partnerPid: number;
  /** Id of the group's first SysV object, -1 if none. */
  objId: number;
  latency: LatencyHistogram;
  /** [ops completed, CLOCK_MONOTONIC ns] at the loop's start, at each sub-window boundary, and at its end. */
  marks: Array<[number, number]>;
  failure?: Failure;
}

/**
 * The limits of an IPC namespace the tool reads, in the order of the C
 * struct ipcb_limits (native/include/ipcb.h; its size is checked when the
 * core loads): each field, its name in that struct, and its sysctl (kernel.sem
 * holds four fields). The koffi struct, NamespaceLimits, the schema, list and
 * doctor all follow this list.
 */
export const NAMESPACE_LIMITS = [
  { field: 'msgmax', c: 'msgmax', sysctl: 'kernel.msgmax' },
  { field: 'msgmnb', c: 'msgmnb', sysctl: 'kernel.msgmnb' },
  { field: 'msgmni', c: 'msgmni', sysctl: 'kernel.msgmni' },
  { field: 'shmmax', c: 'shmmax', sysctl: 'kernel.shmmax' },
  { field: 'shmall', c: 'shmall', sysctl: 'kernel.shmall' },
  { field: 'shmmni', c: 'shmmni', sysctl: 'kernel.shmmni' },
  { field: 'semmsl', c: 'semmsl', sysctl: 'kernel.sem' },
  { field: 'semmns', c: 'semmns', sysctl: 'kernel.sem' },
  { field: 'semopm', c: 'semopm', sysctl: 'kernel.sem' },
  { field: 'semmni', c: 'semmni', sysctl: 'kernel.sem' },
  { field: 'mqMsgMax', c: 'mq_msg_max', sysctl: 'fs.mqueue.msg_max' },
  { field: 'mqMsgsizeMax', c: 'mq_msgsize_max', sysctl: 'fs.mqueue.msgsize_max' },
  { field: 'mqQueuesMax', c: 'mq_queues_max', sysctl: 'fs.mqueue.queues_max' },
] as const;
export type LimitField = (typeof NAMESPACE_LIMITS)[number]['field'];

/** Limits of one IPC namespace, read from /proc/sys inside it (-1 = unreadable, Infinity = beyond 2^53: the kernel's "unlimited"). */
export type NamespaceLimits = { nsInode: number } & Record<LimitField, number>;

/** A fresh namespace held open by fds of this process for a shared-mode scenario. */
export interface HeldNamespace {
  ipcFd: number;
  userFd: number;
  nsInode: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

/** What the caller's namespace sees of a queue created inside a fresh one. */
export interface IsolationProbe {
  innerId: number;
  innerInode: number;
  /** errno of msgget(key, 0) from the caller's namespace (ENOENT expected). */
  hostGetErrno: number;
  /** errno of msgctl(innerId, IPC_STAT) from the caller's namespace (EINVAL expected), 0 if an object with that id exists there. */
  hostStatErrno: number;
  /** Key of the caller's-namespace object that has the same id, if any. */
  hostStatKey: number;
}

/** The native core's interface; the mock core implements the same one. */
export interface Core {
  /** Workload names the core implements, in registry order. */
  workloads(): string[];
  run(spec: WindowSpec): WindowResult;
  limits(fresh: boolean, route: Route, sysctls: Record<string, string>): Outcome<NamespaceLimits>;
  nsOpen(route: Route, sysctls: Record<string, string>): Outcome<HeldNamespace>;
  nsClose(ns: HeldNamespace): void;
  isolationProbe(route: Route, key: number): Outcome<IsolationProbe>;
  /** Cost of one clock read, ns. */
  timerCost(): number;
  /** 0 if perf counters of that kind can be opened here, else the errno. */
  perfProbe(hardware: boolean): number;
  /** Removes one SysV object of this namespace (kind 1 msg, 2 sem, 3 shm); 0 or the errno. */
  remove(kind: number, id: number): number;
  /** flock(2) on an fd of this process: take it without waiting, wait for it, or release it; 0 or the errno. */
  flock(fd: number, op: LockOp): number;
  /** CLOCK_MONOTONIC now, in ns. */
  nowNs(): number;
}

/** workload x parameters x mode x worker count x placement. */
export interface Scenario {
  /** Stable id built from the identity fields (see scenarioId). */
  id: string;
  workload: string;
  params: Params;
  mode: Mode;
  workers: number;
  placement: Placement;
  /** Sysctls written inside every fresh namespace the scenario creates. */
  sysctls: Record<string, string>;
}
