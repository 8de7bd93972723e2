/**
 * What the orchestrator knows about each workload: its parameters, what an op
 * is, and which limits of the target namespace it must fit. The hot loops
 * live in native/src, one file each; names here must match the C registry
 * (checked when the core loads).
 */
import type { NamespaceLimits, Params } from './types.js';

export interface ParamSpec {
  name: keyof Params;
  description: string;
  default: number | string;
  /** Allowed values for string parameters. */
  choices?: readonly string[];
  min?: number;
  unit?: string;
}

export interface WorkloadInfo {
  name: string;
  parties: 1 | 2;
  /** What one op is, as a plain C loop would count it. */
  op: string;
  /** What a latency sample times (one op in sampleEvery, in party A). */
  latency: string;
  /**
   * Time at most one op in this many, whatever the suite asks: two clock reads
   * must cost under 1 % of the ops they ride on. Measured: 1 in 16 made
   * ipc.lookup (about 113 ns/op) 1.9 % slower, 1 in 64 0.5 %.
   */
  minSampleEvery?: number;
  /** Caveats a reader of this workload's figures should know. */
  caveat?: string;
  params: readonly ParamSpec[];
  /** bytes = ops x size, so bytes/s means something. */
  hasBytes: boolean;
  /** The sysctls this workload must fit, by their dotted names. */
  limitNames: readonly string[];
  /** Returns a message naming the parameter, the limit and the fix, or null when it fits. */
  check(params: Params, limits: NamespaceLimits, target: Target): string | null;
  /** What one worker's objects take of the namespace's counted limits (checked in preflight.ts). */
  needs(params: Params): readonly Need[];
  /** Workload-specific second argument for the core (queue depth, object count). */
  coreParam(params: Params, limits: NamespaceLimits): number;
}

/** The namespace a scenario's objects live in, for messages and their fixes. */
export interface Target {
  /** E.g. "the host IPC namespace", "a fresh IPC namespace (compile-time defaults, not the host values)". */
  where: string;
  /** The host's namespace: --sysctl does not act there, the host's own sysctl does. */
  host: boolean;
}

/**
 * One counted limit of a namespace that a worker's objects use: `count` of
 * it per worker (summed over the workers that share the namespace) and, for
 * limits per object (kernel.sem's semmsl), `perObject`.
 */
export interface Need {
  /** The limit: a sysctl, or a field of kernel.sem. */
  limit: SysctlField;
  /** What is counted, plural: "queues", "semaphores". */
  what: string;
  count: number;
  /** The limit applies to each object, not to their sum (semmsl: semaphores per set). */
  perObject?: boolean;
}

/** kernel.sem is four numbers in one sysctl: SEMMSL SEMMNS SEMOPM SEMMNI. */
export const SEM_FIELDS = ['semmsl', 'semmns', 'semopm', 'semmni'] as const;
export type SysctlField = 'kernel.msgmni' | 'kernel.shmmni' | 'kernel.shmall' | `kernel.sem ${(typeof SEM_FIELDS)[number]}`;

/** The value of a counted limit in `l`; negative when it could not be read. */
export function limitValue(l: NamespaceLimits, f: SysctlField): number {
  switch (f) {
    case 'kernel.msgmni': return l.msgmni;
    case 'kernel.shmmni': return l.shmmni;
    case 'kernel.shmall': return l.shmall;
    case 'kernel.sem semmsl': return l.semmsl;
    case 'kernel.sem semmns': return l.semmns;
    case 'kernel.sem semopm': return l.semopm;
    case 'kernel.sem semmni': return l.semmni;
  }
}

/**
 * How to raise a limit to `value` where the scenario runs: --sysctl in a
 * fresh namespace; in the host's, the host's own sysctl (as root, for
 * everything on the host) or a fresh namespace instead.
 */
export function raiseAdvice(f: SysctlField, value: number, l: NamespaceLimits, target: Target, semMinimums: Partial<Record<(typeof SEM_FIELDS)[number], number>> = {}): string {
  let setting: string;
  if (f.startsWith('kernel.sem ')) {
    // One sysctl for four limits: every field at least what the scenario needs of it, the others as they are.
    const field = f.slice('kernel.sem '.length);
    const quad = SEM_FIELDS.map((k) => Math.max(0, l[k], semMinimums[k] ?? 0, k === field ? value : 0)).join(' ');
    setting = `kernel.sem="${quad}"`;
  } else {
    setting = `${f}=${value}`;
  }
  const name = f.split(' ')[0] ?? f;
  return target.host
    ? `raise the host's ${name} (sysctl -w ${setting}, as root; it applies to everything on the host), or use --mode shared or isolated with --sysctl ${setting}`
    : `raise it with --sysctl ${setting}`;
}

const sizeParam: ParamSpec = { name: 'size', description: 'message or buffer size', default: 64, min: 1, unit: 'B' };

function over(flag: string, value: number, sysctl: string, limit: number, target: Target): string {
  const raise = target.host
    ? `raise the host's ${sysctl} (sysctl -w ${sysctl}=${value}, as root; it applies to everything on the host), or use --mode shared or isolated with --sysctl ${sysctl}=${value}`
    : `raise it inside the namespace with --sysctl ${sysctl}=${value}`;
  return `${flag} ${value} exceeds ${sysctl} = ${limit} of ${target.where}; use ${flag} ${limit} or less, or ${raise}`;
}

function checkMsg(p: Params, l: NamespaceLimits, target: Target): string | null {
  const size = p.size ?? 64;
  if (l.msgmax >= 0 && size > l.msgmax) return over('--size', size, 'kernel.msgmax', l.msgmax, target);
  if (l.msgmnb >= 0 && size > l.msgmnb) return over('--size', size, 'kernel.msgmnb', l.msgmnb, target);
  return null;
}

function checkMq(p: Params, l: NamespaceLimits, target: Target): string | null {
  const size = p.size ?? 64;
  if (l.mqMsgsizeMax >= 0 && size > l.mqMsgsizeMax) return over('--size', size, 'fs.mqueue.msgsize_max', l.mqMsgsizeMax, target);
  return null;
}

function checkShm(p: Params, l: NamespaceLimits, target: Target): string | null {
  const size = p.size ?? 64;
  if (l.shmmax >= 0 && size > l.shmmax) return over('--size', size, 'kernel.shmmax', l.shmmax, target);
  return null;
}

/** A set of two semaphores (sem.pingpong, shm.copy), operated on one at a time. */
const SEM_PAIR: readonly Need[] = [
  { limit: 'kernel.sem semmsl', what: 'semaphores in a set', count: 2, perObject: true },
  { limit: 'kernel.sem semopm', what: 'operations in one semop', count: 1, perObject: true },
  { limit: 'kernel.sem semmni', what: 'semaphore sets', count: 1 },
  { limit: 'kernel.sem semmns', what: 'semaphores', count: 2 },
];
const ONE_QUEUE: readonly Need[] = [{ limit: 'kernel.msgmni', what: 'queues', count: 1 }];
/** shmall counts pages; 4 KiB pages assumed (a larger page only needs fewer). */
const shmPages = (bytes: number): number => Math.ceil(bytes / 4096);

const CHURN_KINDS = ['msg', 'sem', 'shm'] as const;

function checkLookup(p: Params, l: NamespaceLimits, target: Target): string | null {
  const n = p.objects ?? 64;
  if (n > MAX_LOOKUP_OBJECTS) return `--objects ${n}: at most ${MAX_LOOKUP_OBJECTS} queues per worker`;
  if (l.msgmni >= 0 && n > l.msgmni) return over('--objects', n, 'kernel.msgmni', l.msgmni, target);
  return null;
}

function churnNeeds(p: Params): readonly Need[] {
  if (p.kind === 'sem') {
    return [
      { limit: 'kernel.sem semmsl', what: 'semaphores in a set', count: 1, perObject: true },
      { limit: 'kernel.sem semmni', what: 'semaphore sets', count: 1 },
      { limit: 'kernel.sem semmns', what: 'semaphores', count: 1 },
    ];
  }
  if (p.kind === 'shm') return [{ limit: 'kernel.shmmni', what: 'segments', count: 1 }, { limit: 'kernel.shmall', what: 'pages of segments', count: 1 }];
  return ONE_QUEUE;
}

export const MAX_LOOKUP_OBJECTS = 1000;

/** A fresh namespace allows mq depth 10 (fs.mqueue.msg_max); streams use what the namespace allows, up to 10. */
const mqDepth = (_p: Params, l: NamespaceLimits): number => Math.max(1, Math.min(10, l.mqMsgMax > 0 ? l.mqMsgMax : 10));

export const WORKLOADS: readonly WorkloadInfo[] = [
  {
    name: 'msg.pingpong', parties: 2, latency: 'one round trip (msgsnd + msgrcv of the reply)', op: 'one round trip of a message over a SysV queue',
    params: [sizeParam], hasBytes: true, limitNames: ['kernel.msgmax', 'kernel.msgmnb'],
    check: checkMsg, needs: () => ONE_QUEUE, coreParam: () => 0,
  },
  {
    name: 'msg.stream', parties: 2, latency: 'one msgsnd by the sender (it blocks only when the queue is full)', op: 'one message sent and received over a SysV queue',
    params: [sizeParam], hasBytes: true, limitNames: ['kernel.msgmax', 'kernel.msgmnb'],
    check: checkMsg, needs: () => ONE_QUEUE, coreParam: () => 0,
  },
  {
    name: 'sem.pingpong', parties: 2, latency: 'one round trip (post + wait)', op: 'one round trip over two SysV semaphores',
    params: [], hasBytes: false, limitNames: ['kernel.sem'],
    check: () => null, needs: () => SEM_PAIR, coreParam: () => 0,
  },
  {
    name: 'shm.copy', parties: 2, latency: 'one buffer: copy in, post, wait for the consumer to copy it out', op: 'one buffer copied into a SysV segment and out again, handed off by semaphores',
    params: [{ ...sizeParam, default: 4096 }], hasBytes: true, limitNames: ['kernel.shmmax', 'kernel.shmmni'],
    check: checkShm, needs: (p) => [...SEM_PAIR, { limit: 'kernel.shmmni', what: 'segments', count: 1 }, { limit: 'kernel.shmall', what: 'pages of segments', count: shmPages(p.size ?? 4096) }], coreParam: () => 0,
  },
  {
    name: 'mq.pingpong', parties: 2, latency: 'one round trip (mq_send + mq_receive of the reply)', op: 'one round trip of a message over two POSIX queues',
    params: [sizeParam], hasBytes: true, limitNames: ['fs.mqueue.msgsize_max', 'fs.mqueue.queues_max'],
    check: checkMq, needs: () => [], coreParam: () => 0,
  },
  {
    name: 'mq.stream', parties: 2, latency: 'one mq_send by the sender (it blocks only when the queue is full)', op: 'one message sent and received over a POSIX queue',
    params: [sizeParam], hasBytes: true, limitNames: ['fs.mqueue.msgsize_max', 'fs.mqueue.msg_max'],
    check: checkMq, needs: () => [], coreParam: mqDepth,
  },
  {
    name: 'ipc.churn', parties: 1, latency: 'one create + remove', caveat: 'CPU/op counts the measured process only: frees the kernel defers to kworkers and RCU are not in it', op: 'one SysV object created and removed (msg: msgget + IPC_RMID; sem: semget + IPC_RMID; shm: shmget + shmat + shmdt + IPC_RMID)',
    params: [{ name: 'kind', description: 'object kind', default: 'msg', choices: CHURN_KINDS }],
    hasBytes: false, limitNames: ['kernel.msgmni', 'kernel.sem', 'kernel.shmmni'],
    check: () => null, needs: churnNeeds, coreParam: (p) => Math.max(0, CHURN_KINDS.indexOf((p.kind ?? 'msg') as (typeof CHURN_KINDS)[number])),
  },
  {
    name: 'ipc.lookup', parties: 1, latency: 'one msgget of an existing key', minSampleEvery: 64, op: 'one msgget() of an existing key (the queues are created before the window)',
    params: [{ name: 'objects', description: 'queues created per worker and looked up in turn', default: 64, min: 1 }],
    hasBytes: false, limitNames: ['kernel.msgmni'],
    check: checkLookup, needs: (p) => [{ limit: 'kernel.msgmni', what: 'queues', count: p.objects ?? 64 }], coreParam: (p) => p.objects ?? 64,
  },
  {
    name: 'ns.lifecycle', parties: 1, latency: 'one unshare(CLONE_NEWIPC) + msgget', caveat: 'CPU/op counts the measured process only: the namespace teardown the kernel defers to kworkers and RCU is not in it', op: 'one fresh IPC namespace created (unshare), one queue created in it, and the namespace dropped',
    params: [], hasBytes: false, limitNames: ['user.max_ipc_namespaces'],
    // Its objects live in the namespaces it makes, not in the scenario's.
    check: () => null, needs: () => [], coreParam: () => 0,
  },
];

export function workloadInfo(name: string): WorkloadInfo | undefined {
  return WORKLOADS.find((w) => w.name === name);
}

/** Parameters with defaults filled in, restricted to the ones the workload declares. */
export function resolveParams(info: WorkloadInfo, given: Params): Params {
  const out: Params = {};
  for (const p of info.params) {
    const v = given[p.name] ?? p.default;
    (out as Record<string, number | string>)[p.name] = v;
  }
  return out;
}
