/**
 * What the orchestrator knows about each workload: its parameters, what an op
 * is, and which limits of the target namespace it must fit. The hot loops
 * live in native/src, one file each; names here must match the C registry
 * (checked when the core loads).
 */
import type { Mode, NamespaceLimits, Params, Route } from '../common/types.js';
import { over, type Need, type Target } from './limits.js';
import { intParam, paramsOf, textParam, type ParamSpec } from './params.js';

export type { Need, Target } from './limits.js';

/** A mode and route a workload cannot run in: the call that would fail, and the reason with its fix. */
export interface Unsupported {
  mode: Mode;
  route: Route;
  call: string;
  why: string;
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
  /** Creates SysV objects with keys (from WindowSpec.keyBase) rather than IPC_PRIVATE: the run gives each worker a key base. */
  usesKeys?: boolean;
  /** Where it cannot run, and why: skipped there with that reason (preflight.ts). */
  unsupported?: readonly Unsupported[];
  /** The sysctls this workload must fit, by their dotted names. */
  limitNames: readonly string[];
  /** Returns a message naming the parameter, the limit and the fix, or null when it fits. */
  check(params: Params, limits: NamespaceLimits, target: Target): string | null;
  /** What one worker's objects take of the namespace's counted limits (checked in preflight.ts). */
  needs(params: Params): readonly Need[];
  /** Workload-specific second argument for the core (queue depth, object count). */
  coreParam(params: Params, limits: NamespaceLimits): number;
}

/** The C core takes sizes up to 1 GiB; each namespace's own limits are checked in check(). */
const sizeParam: ParamSpec = { name: 'size', description: 'bytes per message or buffer', default: 64, min: 1, max: 1 << 30, unit: 'B' };
const size = (p: Params): number => intParam(p, 'size', 64);

function checkMsg(p: Params, l: NamespaceLimits, target: Target): string | null {
  if (l.msgmax >= 0 && size(p) > l.msgmax) return over('--size', size(p), 'kernel.msgmax', l.msgmax, target);
  if (l.msgmnb >= 0 && size(p) > l.msgmnb) return over('--size', size(p), 'kernel.msgmnb', l.msgmnb, target);
  return null;
}

function checkMq(p: Params, l: NamespaceLimits, target: Target): string | null {
  if (l.mqMsgsizeMax >= 0 && size(p) > l.mqMsgsizeMax) return over('--size', size(p), 'fs.mqueue.msgsize_max', l.mqMsgsizeMax, target);
  return null;
}

function checkShm(p: Params, l: NamespaceLimits, target: Target): string | null {
  if (l.shmmax >= 0 && size(p) > l.shmmax) return over('--size', size(p), 'kernel.shmmax', l.shmmax, target);
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
  const n = intParam(p, 'objects', 64);
  if (l.msgmni >= 0 && n > l.msgmni) return over('--objects', n, 'kernel.msgmni', l.msgmni, target);
  return null;
}

function churnNeeds(p: Params): readonly Need[] {
  const kind = textParam(p, 'kind', 'msg');
  if (kind === 'sem') {
    return [
      { limit: 'kernel.sem semmsl', what: 'semaphores in a set', count: 1, perObject: true },
      { limit: 'kernel.sem semmni', what: 'semaphore sets', count: 1 },
      { limit: 'kernel.sem semmns', what: 'semaphores', count: 1 },
    ];
  }
  if (kind === 'shm')
    return [
      { limit: 'kernel.shmmni', what: 'segments', count: 1 },
      { limit: 'kernel.shmall', what: 'pages of segments', count: 1 },
    ];
  return ONE_QUEUE;
}

/** A fresh namespace allows mq depth 10 (fs.mqueue.msg_max); streams use what the namespace allows, up to 10. */
const mqDepth = (_p: Params, l: NamespaceLimits): number => Math.max(1, Math.min(10, l.mqMsgMax > 0 ? l.mqMsgMax : 10));

export const WORKLOADS: readonly WorkloadInfo[] = [
  {
    name: 'msg.pingpong',
    parties: 2,
    latency: 'one round trip (msgsnd + msgrcv of the reply)',
    op: 'one round trip of a message over a SysV queue',
    params: [sizeParam],
    hasBytes: true,
    limitNames: ['kernel.msgmax', 'kernel.msgmnb'],
    check: checkMsg,
    needs: () => ONE_QUEUE,
    coreParam: () => 0,
  },
  {
    name: 'msg.stream',
    parties: 2,
    latency: 'one msgsnd by the sender (it blocks only when the queue is full)',
    op: 'one message sent and received over a SysV queue',
    params: [sizeParam],
    hasBytes: true,
    limitNames: ['kernel.msgmax', 'kernel.msgmnb'],
    check: checkMsg,
    needs: () => ONE_QUEUE,
    coreParam: () => 0,
  },
  {
    name: 'sem.pingpong',
    parties: 2,
    latency: 'one round trip (post + wait)',
    op: 'one round trip over two SysV semaphores',
    params: [],
    hasBytes: false,
    limitNames: ['kernel.sem'],
    check: () => null,
    needs: () => SEM_PAIR,
    coreParam: () => 0,
  },
  {
    name: 'shm.copy',
    parties: 2,
    latency: 'one buffer: copy in, post, wait for the consumer to copy it out',
    op: 'one buffer copied into a SysV segment and out again, handed off by semaphores',
    params: [{ ...sizeParam, default: 4096 }],
    hasBytes: true,
    limitNames: ['kernel.shmmax', 'kernel.shmmni'],
    check: checkShm,
    needs: (p) => [
      ...SEM_PAIR,
      { limit: 'kernel.shmmni', what: 'segments', count: 1 },
      { limit: 'kernel.shmall', what: 'pages of segments', count: shmPages(intParam(p, 'size', 4096)) },
    ],
    coreParam: () => 0,
  },
  {
    name: 'mq.pingpong',
    parties: 2,
    latency: 'one round trip (mq_send + mq_receive of the reply)',
    op: 'one round trip of a message over two POSIX queues',
    params: [sizeParam],
    hasBytes: true,
    limitNames: ['fs.mqueue.msgsize_max', 'fs.mqueue.queues_max'],
    check: checkMq,
    needs: () => [],
    coreParam: () => 0,
  },
  {
    name: 'mq.stream',
    parties: 2,
    latency: 'one mq_send by the sender (it blocks only when the queue is full)',
    op: 'one message sent and received over a POSIX queue',
    params: [sizeParam],
    hasBytes: true,
    limitNames: ['fs.mqueue.msgsize_max', 'fs.mqueue.msg_max'],
    check: checkMq,
    needs: () => [],
    coreParam: mqDepth,
  },
  {
    name: 'ipc.churn',
    parties: 1,
    latency: 'one create + remove',
    caveat: 'CPU/op counts the measured process only: frees the kernel defers to kworkers and RCU are not in it',
    op: 'one SysV object created and removed (msg: msgget + IPC_RMID; sem: semget + IPC_RMID; shm: shmget + shmat + shmdt + IPC_RMID)',
    params: [{ name: 'kind', description: 'object kind', default: 'msg', choices: CHURN_KINDS }],
    hasBytes: false,
    limitNames: ['kernel.msgmni', 'kernel.sem', 'kernel.shmmni'],
    check: () => null,
    needs: churnNeeds,
    coreParam: (p) => Math.max(0, CHURN_KINDS.indexOf(textParam(p, 'kind', 'msg') as (typeof CHURN_KINDS)[number])),
  },
  {
    name: 'ipc.lookup',
    parties: 1,
    latency: 'one msgget of an existing key',
    minSampleEvery: 64,
    op: 'one msgget() of an existing key (the queues are created before the window)',
    // The core keeps the ids of at most 1000 (native/src/ipc_lookup.c).
    params: [{ name: 'objects', description: 'queues created per worker and looked up in turn', default: 64, min: 1, max: 1000 }],
    hasBytes: false,
    usesKeys: true,
    limitNames: ['kernel.msgmni'],
    check: checkLookup,
    needs: (p) => [{ limit: 'kernel.msgmni', what: 'queues', count: intParam(p, 'objects', 64) }],
    coreParam: (p) => intParam(p, 'objects', 64),
  },
  {
    name: 'ns.lifecycle',
    parties: 1,
    latency: 'one unshare(CLONE_NEWIPC) + msgget',
    caveat: 'CPU/op counts the measured process only: the namespace teardown the kernel defers to kworkers and RCU is not in it',
    op: 'one fresh IPC namespace created (unshare), one queue created in it, and the namespace dropped',
    params: [],
    hasBytes: false,
    limitNames: ['user.max_ipc_namespaces'],
    unsupported: [
      {
        mode: 'host',
        route: 'userns',
        call: 'unshare(CLONE_NEWIPC)',
        why: 'ns.lifecycle in host mode unshares from the host namespace, which needs CAP_SYS_ADMIN; run with sudo -E, or use --mode shared or isolated (they run it inside a user namespace)',
      },
    ],
    // Its objects live in the namespaces it makes, not in the scenario's.
    check: () => null,
    needs: () => [],
    coreParam: () => 0,
  },
  {
    name: 'futex.pingpong',
    parties: 2,
    latency: 'one round trip (wake + wait for the reply)',
    op: 'one round trip over one futex word in memory the two processes share',
    caveat: 'no IPC object, so no IPC namespace can change it: the cost of a cross-process wake-up here, the floor under the IPC round trips',
    params: [],
    hasBytes: false,
    limitNames: [],
    check: () => null,
    needs: () => [],
    coreParam: () => 0,
  },
];

export function workloadInfo(name: string): WorkloadInfo | undefined {
  return WORKLOADS.find((w) => w.name === name);
}

/** Every parameter any workload declares, once: the run's flags and the suites' matrix keys. */
export const PARAMS: readonly ParamSpec[] = paramsOf(WORKLOADS);

/** Parameters with defaults filled in, restricted to the ones the workload declares, in its order (the scenario's identity). */
export function resolveParams(info: WorkloadInfo, given: Params): Params {
  const out: Params = {};
  for (const p of info.params) out[p.name] = given[p.name] ?? p.default;
  return out;
}
