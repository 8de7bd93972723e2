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
  check(params: Params, limits: NamespaceLimits, where: string): string | null;
  /** Workload-specific second argument for the core (queue depth, object count). */
  coreParam(params: Params, limits: NamespaceLimits): number;
}

const sizeParam: ParamSpec = { name: 'size', description: 'message or buffer size', default: 64, min: 1, unit: 'B' };

function over(flag: string, value: number, sysctl: string, limit: number, where: string): string {
  return `${flag} ${value} exceeds ${sysctl} = ${limit} of ${where}; use ${flag} ${limit} or less, or raise it inside the namespace with --sysctl ${sysctl}=${value}`;
}

function checkMsg(p: Params, l: NamespaceLimits, where: string): string | null {
  const size = p.size ?? 64;
  if (l.msgmax >= 0 && size > l.msgmax) return over('--size', size, 'kernel.msgmax', l.msgmax, where);
  if (l.msgmnb >= 0 && size > l.msgmnb) return over('--size', size, 'kernel.msgmnb', l.msgmnb, where);
  return null;
}

function checkMq(p: Params, l: NamespaceLimits, where: string): string | null {
  const size = p.size ?? 64;
  if (l.mqMsgsizeMax >= 0 && size > l.mqMsgsizeMax) return over('--size', size, 'fs.mqueue.msgsize_max', l.mqMsgsizeMax, where);
  return null;
}

function checkShm(p: Params, l: NamespaceLimits, where: string): string | null {
  const size = p.size ?? 64;
  if (l.shmmax >= 0 && size > l.shmmax) return over('--size', size, 'kernel.shmmax', l.shmmax, where);
  return null;
}

const CHURN_KINDS = ['msg', 'sem', 'shm'] as const;

function checkLookup(p: Params, l: NamespaceLimits, where: string): string | null {
  const n = p.objects ?? 64;
  if (n > MAX_LOOKUP_OBJECTS) return `--objects ${n}: at most ${MAX_LOOKUP_OBJECTS} queues per worker`;
  if (l.msgmni >= 0 && n > l.msgmni) return over('--objects', n, 'kernel.msgmni', l.msgmni, where);
  return null;
}

export const MAX_LOOKUP_OBJECTS = 1000;

/** A fresh namespace allows mq depth 10 (fs.mqueue.msg_max); streams use what the namespace allows, up to 10. */
const mqDepth = (_p: Params, l: NamespaceLimits): number => Math.max(1, Math.min(10, l.mqMsgMax > 0 ? l.mqMsgMax : 10));

export const WORKLOADS: readonly WorkloadInfo[] = [
  {
    name: 'msg.pingpong', parties: 2, latency: 'one round trip (msgsnd + msgrcv of the reply)', op: 'one round trip of a message over a SysV queue',
    params: [sizeParam], hasBytes: true, limitNames: ['kernel.msgmax', 'kernel.msgmnb'],
    check: checkMsg, coreParam: () => 0,
  },
  {
    name: 'msg.stream', parties: 2, latency: 'one msgsnd by the sender (it blocks only when the queue is full)', op: 'one message sent and received over a SysV queue',
    params: [sizeParam], hasBytes: true, limitNames: ['kernel.msgmax', 'kernel.msgmnb'],
    check: checkMsg, coreParam: () => 0,
  },
  {
    name: 'sem.pingpong', parties: 2, latency: 'one round trip (post + wait)', op: 'one round trip over two SysV semaphores',
    params: [], hasBytes: false, limitNames: ['kernel.sem'],
    check: () => null, coreParam: () => 0,
  },
  {
    name: 'shm.copy', parties: 2, latency: 'one buffer: copy in, post, wait for the consumer to copy it out', op: 'one buffer copied into a SysV segment and out again, handed off by semaphores',
    params: [{ ...sizeParam, default: 4096 }], hasBytes: true, limitNames: ['kernel.shmmax', 'kernel.shmmni'],
    check: checkShm, coreParam: () => 0,
  },
  {
    name: 'mq.pingpong', parties: 2, latency: 'one round trip (mq_send + mq_receive of the reply)', op: 'one round trip of a message over two POSIX queues',
    params: [sizeParam], hasBytes: true, limitNames: ['fs.mqueue.msgsize_max', 'fs.mqueue.queues_max'],
    check: checkMq, coreParam: () => 0,
  },
  {
    name: 'mq.stream', parties: 2, latency: 'one mq_send by the sender (it blocks only when the queue is full)', op: 'one message sent and received over a POSIX queue',
    params: [sizeParam], hasBytes: true, limitNames: ['fs.mqueue.msgsize_max', 'fs.mqueue.msg_max'],
    check: checkMq, coreParam: mqDepth,
  },
  {
    name: 'ipc.churn', parties: 1, latency: 'one create + remove', caveat: 'CPU/op counts the measured process only: frees the kernel defers to kworkers and RCU are not in it', op: 'one SysV object created and removed (msg: msgget + IPC_RMID; sem: semget + IPC_RMID; shm: shmget + shmat + shmdt + IPC_RMID)',
    params: [{ name: 'kind', description: 'object kind', default: 'msg', choices: CHURN_KINDS }],
    hasBytes: false, limitNames: ['kernel.msgmni', 'kernel.sem', 'kernel.shmmni'],
    check: () => null, coreParam: (p) => Math.max(0, CHURN_KINDS.indexOf((p.kind ?? 'msg') as (typeof CHURN_KINDS)[number])),
  },
  {
    name: 'ipc.lookup', parties: 1, latency: 'one msgget of an existing key', minSampleEvery: 64, op: 'one msgget() of an existing key (the queues are created before the window)',
    params: [{ name: 'objects', description: 'queues created per worker and looked up in turn', default: 64, min: 1 }],
    hasBytes: false, limitNames: ['kernel.msgmni'],
    check: checkLookup, coreParam: (p) => p.objects ?? 64,
  },
  {
    name: 'ns.lifecycle', parties: 1, latency: 'one unshare(CLONE_NEWIPC) + msgget', caveat: 'CPU/op counts the measured process only: the namespace teardown the kernel defers to kworkers and RCU is not in it', op: 'one fresh IPC namespace created (unshare), one queue created in it, and the namespace dropped',
    params: [], hasBytes: false, limitNames: ['user.max_ipc_namespaces'],
    check: () => null, coreParam: () => 0,
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
