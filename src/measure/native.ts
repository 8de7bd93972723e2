/**
 * The koffi boundary: the only module that imports koffi. It loads the C core,
 * mirrors the structs of native/include/ipcb.h, calls the core synchronously
 * (never `.async`, which would run on a koffi thread) and returns plain data.
 *
 * Load it in piscina workers, not in the main thread (docs/ARCHITECTURE.md, the process model).
 */
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { failure } from '../common/errors.js';
import { fromDense, HIST_BUCKETS } from './histogram.js';
import { NATIVE_LIBRARY } from '../common/paths.js';
import { constants } from 'node:os';
import {
  type Core,
  type Failure,
  type HeldNamespace,
  type IsolationProbe,
  type LimitField,
  type LockOp,
  NAMESPACE_LIMITS,
  type NamespaceLimits,
  type Outcome,
  type Route,
  type WindowResult,
  type WindowSpec,
} from '../common/types.js';
import { workloadInfo } from '../plan/workloads.js';
import { intParam } from '../plan/params.js';

const ABI_VERSION = 5;
const MAX_MARKS = 256;
const CALL_LEN = 32;
const SYSCTLS_LEN = 512;

const MODE_CODE = { host: 0, shared: 1, isolated: 2 } as const;
const FAULT_CODE = { none: 0, 'partner-hangs': 1, 'partner-dies': 2 } as const;
const ROUTE_CODE = { privileged: 0, userns: 1 } as const;
const LOCK_CODE = { release: 0, try: 1, wait: 2 } as const;

const Spec = koffi.struct('ipcb_spec', {
  workload: 'int32_t',
  mode: 'int32_t',
  route: 'int32_t',
  ns_fd: 'int32_t',
  userns_fd: 'int32_t',
  cpu_a: 'int32_t',
  cpu_b: 'int32_t',
  sample_every: 'int32_t',
  size: 'int64_t',
  param: 'int64_t',
  key_base: 'int64_t',
  fault: 'int32_t',
  journal_fd: 'int32_t',
  start_ns: 'int64_t',
  stop_ns: 'int64_t',
  deadline_ns: 'int64_t',
  mark_ns: 'int64_t',
  sysctls: koffi.array('char', SYSCTLS_LEN, 'String'),
});

const Result = koffi.struct('ipcb_result', {
  err: 'int32_t',
  timed_out: 'int32_t',
  call: koffi.array('char', CALL_LEN, 'String'),
  ops: 'uint64_t',
  bytes: 'uint64_t',
  start_ns: 'int64_t',
  end_ns: 'int64_t',
  late_ns: 'int64_t',
  setup_late_ns: 'int64_t',
  cpu_ns: 'uint64_t',
  vol_cs: 'uint64_t',
  invol_cs: 'uint64_t',
  ns_inode: 'uint64_t',
  ns_inode_b: 'uint64_t',
  timer_ns: 'double',
  control_syscall: 'double',
  control_spin: 'double',
  lat_count: 'uint64_t',
  lat_sum_ns: 'uint64_t',
  lat_min_ns: 'uint64_t',
  lat_max_ns: 'uint64_t',
  hist: koffi.array('uint32_t', HIST_BUCKETS, 'Typed'),
  leader_pid: 'int32_t',
  partner_pid: 'int32_t',
  parties: 'int32_t',
  obj_id: 'int32_t',
  foreign_key: 'int64_t',
  foreign_uid: 'int32_t',
  marks: 'uint32_t',
  mark_ops: koffi.array('uint64_t', MAX_MARKS, 'Array'),
  mark_at: koffi.array('int64_t', MAX_MARKS, 'Array'),
});

koffi.struct('ipcb_limits', {
  err: 'int32_t',
  call: koffi.array('char', CALL_LEN, 'String'),
  ns_inode: 'uint64_t',
  ...Object.fromEntries(NAMESPACE_LIMITS.map((l) => [l.c, 'int64_t'])),
});

koffi.struct('ipcb_probe', {
  err: 'int32_t',
  call: koffi.array('char', CALL_LEN, 'String'),
  inner_id: 'int32_t',
  inner_inode: 'uint64_t',
  host_get_errno: 'int32_t',
  host_stat_errno: 'int32_t',
  host_stat_key: 'int64_t',
});

koffi.struct('ipcb_ns', {
  err: 'int32_t',
  call: koffi.array('char', CALL_LEN, 'String'),
  ipc_fd: 'int32_t',
  user_fd: 'int32_t',
  ns_inode: 'uint64_t',
});

interface RawResult {
  err: number;
  timed_out: number;
  call: string;
  ops: number;
  bytes: number;
  start_ns: number;
  end_ns: number;
  late_ns: number;
  setup_late_ns: number;
  cpu_ns: number;
  vol_cs: number;
  invol_cs: number;
  ns_inode: number;
  ns_inode_b: number;
  timer_ns: number;
  control_syscall: number;
  control_spin: number;
  lat_count: number;
  lat_sum_ns: number;
  lat_min_ns: number;
  lat_max_ns: number;
  hist: Uint32Array;
  leader_pid: number;
  partner_pid: number;
  parties: number;
  obj_id: number;
  marks: number;
  mark_ops: Array<number | bigint>;
  mark_at: Array<number | bigint>;
  foreign_key: number;
  foreign_uid: number;
}
interface RawProbe {
  err: number;
  call: string;
  inner_id: number;
  inner_inode: number;
  host_get_errno: number;
  host_stat_errno: number;
  host_stat_key: number;
}
type RawLimits = { err: number; call: string; ns_inode: number } & Record<(typeof NAMESPACE_LIMITS)[number]['c'], number | bigint>;
interface RawNs {
  err: number;
  call: string;
  ipc_fd: number;
  user_fd: number;
  ns_inode: number;
}

/** "kernel.msgmni=64" pairs as the core wants them: "kernel/msgmni=64\n". */
export function encodeSysctls(sysctls: Record<string, string>): string {
  const text = Object.entries(sysctls)
    .map(([k, v]) => `${k.replaceAll('.', '/')}=${v}\n`)
    .join('');
  if (Buffer.byteLength(text) >= SYSCTLS_LEN) throw new Error(`--sysctl: at most ${SYSCTLS_LEN - 1} bytes of sysctls in all`);
  return text;
}

/** The core reports a failing sysctl by its path; users wrote it with dots. */
const callName = (call: string): string => (call.includes('/') ? call.replaceAll('/', '.') : call);

/**
 * A SysV key (ipc.lookup) or a POSIX queue name (mq) that another object held
 * on every try: named, with its owner, in the message.
 */
function takenFailure(out: RawResult): Failure | undefined {
  const key = Number(out.foreign_key);
  if (key < 0 || out.err !== constants.errno.EEXIST) return undefined;
  const owner = out.foreign_uid >= 0 ? `uid ${out.foreign_uid}` : 'another user';
  if (out.call === 'mq_open') {
    // The name as the core makes it (native/src/mq_common.c): the prefix, then 52 random bits in hex.
    const name = `/ipcnsb-${key.toString(16).padStart(13, '0')}`;
    return failure(
      out.err,
      'mq_open',
      `mq_open failed: EEXIST: queue ${name} is held by ${owner} (not this run's), and so was the random name of each earlier try: another user is taking this tool's queue names; remove its queues (ipcns-bench clean only removes this tool's), or run in a fresh namespace (--mode shared or isolated)`,
    );
  }
  return failure(
    out.err,
    'msgget',
    `msgget failed: EEXIST: key 0x${key.toString(16)} is held by an object of ${owner} (not this run's), and so was a key of each of the other bases tried; remove it if it is a leftover (ipcns-bench clean only removes this tool's), or run in a fresh namespace (--mode shared or isolated)`,
  );
}

/** Bits of ipcb_workload_flags (native/include/ipcb.h). */
const WL_BYTES_OPS_X_SIZE = 1 << 0;
const WL_USES_KEYS = 1 << 1;

export function loadNativeCore(path: string = NATIVE_LIBRARY): Core {
  if (!existsSync(path)) {
    throw new Error(`native core not built: ${path} is missing; run npm install (needs make and gcc)`);
  }
  const lib = koffi.load(path);
  const abi = lib.func('int32_t ipcb_abi(void)');
  const resultSize = lib.func('int32_t ipcb_result_size(void)');
  const specSize = lib.func('int32_t ipcb_spec_size(void)');
  const count = lib.func('int32_t ipcb_workload_count(void)');
  const nameOf = lib.func('const char *ipcb_workload_name(int32_t)');
  const partiesOf = lib.func('int32_t ipcb_workload_parties(int32_t)');
  const wlFlags = lib.func('int32_t ipcb_workload_flags(int32_t)');
  const nowNs = lib.func('int64_t ipcb_now_ns(void)');
  const run = lib.func('int32_t ipcb_run(const ipcb_spec *spec, _Out_ ipcb_result *out)');
  const limits = lib.func('int32_t ipcb_limits(int32_t fresh, int32_t route, const char *sysctls, _Out_ ipcb_limits *out)');
  const nsOpen = lib.func('int32_t ipcb_ns_open(int32_t route, const char *sysctls, _Out_ ipcb_ns *out)');
  const nsClose = lib.func('int32_t ipcb_ns_close(int32_t ipc_fd, int32_t user_fd)');
  const probe = lib.func('int32_t ipcb_isolation_probe(int32_t route, int64_t key, _Out_ ipcb_probe *out)');
  const remove = lib.func('int32_t ipcb_remove(int32_t kind, int32_t id)');
  const timerCost = lib.func('double ipcb_timer_cost(void)');
  const perfProbe = lib.func('int32_t ipcb_perf_probe(int32_t hw)');
  const flock = lib.func('int32_t ipcb_flock(int32_t fd, int32_t op)');

  if (abi() !== ABI_VERSION || resultSize() !== koffi.sizeof(Result) || specSize() !== koffi.sizeof(Spec)) {
    throw new Error(`native core ABI mismatch (${path}); rebuild it with npm install`);
  }
  const names: string[] = [];
  for (let i = 0; i < (count() as number); i++) names.push(nameOf(i) as string);
  // The C descriptor and the TypeScript one describe one workload: what both declare must agree.
  for (const [i, n] of names.entries()) {
    const info = workloadInfo(n);
    if (!info) throw new Error(`native core has workload ${n} that src/plan/workloads.ts does not describe`);
    const flags = wlFlags(i) as number;
    const c = { parties: partiesOf(i) as number, hasBytes: (flags & WL_BYTES_OPS_X_SIZE) !== 0, usesKeys: (flags & WL_USES_KEYS) !== 0 };
    const ts = { parties: info.parties, hasBytes: info.hasBytes, usesKeys: info.usesKeys === true };
    if (JSON.stringify(c) !== JSON.stringify(ts)) {
      throw new Error(`workload ${n}: the native core declares ${JSON.stringify(c)}, src/plan/workloads.ts ${JSON.stringify(ts)}; make them agree`);
    }
  }
  const index = new Map(names.map((n, i) => [n, i]));

  return {
    workloads: () => [...names],
    nowNs: () => Number(nowNs()),
    run(spec: WindowSpec): WindowResult {
      const wl = index.get(spec.workload);
      const info = workloadInfo(spec.workload);
      if (wl === undefined || !info) throw new Error(`unknown workload ${spec.workload}`);
      const out = {} as RawResult;
      run(
        {
          workload: wl,
          mode: MODE_CODE[spec.mode],
          route: ROUTE_CODE[spec.route],
          ns_fd: spec.nsFd,
          userns_fd: spec.userNsFd,
          cpu_a: spec.cpuA,
          cpu_b: spec.cpuB,
          sample_every: spec.sampleEvery,
          size: intParam(spec.params, 'size', 0),
          param: spec.coreParam,
          key_base: spec.keyBase,
          fault: FAULT_CODE[spec.fault ?? 'none'],
          journal_fd: spec.mode === 'host' ? spec.journalFd : -1,
          start_ns: spec.startNs,
          stop_ns: spec.stopNs,
          deadline_ns: spec.deadlineNs,
          mark_ns: spec.markNs ?? 0,
          sysctls: spec.mode === 'isolated' ? encodeSysctls(spec.sysctls) : '',
        },
        out,
      );
      const result: WindowResult = {
        ok: out.err === 0,
        ops: Number(out.ops),
        bytes: Number(out.bytes),
        elapsedNs: Math.max(0, Number(out.end_ns) - Number(out.start_ns)),
        startNs: Number(out.start_ns),
        endNs: Number(out.end_ns),
        lateNs: Number(out.late_ns),
        setupLateNs: Number(out.setup_late_ns),
        cpuNs: Number(out.cpu_ns),
        volCs: Number(out.vol_cs),
        involCs: Number(out.invol_cs),
        nsInode: Number(out.ns_inode),
        nsInodeB: Number(out.ns_inode_b),
        timerNs: out.timer_ns,
        controlSyscall: out.control_syscall,
        controlSpin: out.control_spin,
        timedOut: out.timed_out !== 0,
        parties: out.parties,
        leaderPid: out.leader_pid,
        partnerPid: out.partner_pid,
        objId: out.obj_id,
        latency: fromDense(out.hist, Number(out.lat_count), Number(out.lat_sum_ns), Number(out.lat_min_ns), Number(out.lat_max_ns)),
        marks: Array.from({ length: Math.min(out.marks, MAX_MARKS) }, (_, i): [number, number] => [Number(out.mark_ops[i]), Number(out.mark_at[i])]),
      };
      if (out.err !== 0) result.failure = takenFailure(out) ?? failure(out.err, callName(out.call), undefined, spec.mode === 'host');
      return result;
    },
    limits(fresh: boolean, route: Route, sysctls: Record<string, string>): Outcome<NamespaceLimits> {
      const out = {} as RawLimits;
      limits(fresh ? 1 : 0, ROUTE_CODE[route], encodeSysctls(sysctls), out);
      if (out.err !== 0) return { ok: false, failure: failure(out.err, callName(out.call)) };
      // Values beyond 2^53 (the kernel's "unlimited" shmmax and shmall) are not numbers JSON can hold: Infinity here, null in documents.
      const v = (x: number | bigint): number => {
        const n = Number(x);
        return n > Number.MAX_SAFE_INTEGER ? Infinity : n;
      };
      return {
        ok: true,
        value: {
          nsInode: Number(out.ns_inode),
          ...(Object.fromEntries(NAMESPACE_LIMITS.map((l) => [l.field, v(out[l.c])])) as Record<LimitField, number>),
        },
      };
    },
    nsOpen(route: Route, sysctls: Record<string, string>): Outcome<HeldNamespace> {
      const out = {} as RawNs;
      nsOpen(ROUTE_CODE[route], encodeSysctls(sysctls), out);
      if (out.err !== 0) return { ok: false, failure: failure(out.err, callName(out.call)) };
      return { ok: true, value: { ipcFd: out.ipc_fd, userFd: out.user_fd, nsInode: Number(out.ns_inode) } };
    },
    nsClose(ns: HeldNamespace): void {
      nsClose(ns.ipcFd, ns.userFd);
    },
    remove: (kind: number, id: number): number => remove(kind, id) as number,
    timerCost: (): number => timerCost() as number,
    perfProbe: (hardware: boolean): number => perfProbe(hardware ? 1 : 0) as number,
    flock: (fd: number, op: LockOp): number => flock(fd, LOCK_CODE[op]) as number,
    isolationProbe(route: Route, key: number): Outcome<IsolationProbe> {
      const out = {} as RawProbe;
      probe(ROUTE_CODE[route], key, out);
      if (out.err !== 0) return { ok: false, failure: failure(out.err, callName(out.call)) };
      return {
        ok: true,
        value: {
          innerId: out.inner_id,
          innerInode: Number(out.inner_inode),
          hostGetErrno: out.host_get_errno,
          hostStatErrno: out.host_stat_errno,
          hostStatKey: Number(out.host_stat_key),
        },
      };
    },
  };
}
