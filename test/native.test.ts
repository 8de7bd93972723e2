/**
 * The real native core: every workload in every mode, isolation, cleanup,
 * deadlines. Runs as root (CI does); windows are short, and nothing here
 * asserts a speed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monotonicNs } from '../src/common/clock.js';
import { PoolExecutor } from '../src/measure/executor.js';
import { quantile } from '../src/measure/histogram.js';
import { createMockCore } from '../src/measure/mock-core.js';
import { cpusFor, usableCpus } from '../src/plan/placement.js';
import { preflightProblem } from '../src/measure/preflight.js';
import { keyBase } from '../src/measure/window-runner.js';
import type { HeldNamespace, Mode, Scenario, WindowResult, WindowSpec } from '../src/common/types.js';
import { WORKLOADS } from '../src/plan/workloads.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { childPids, newToolObjects, pidExists, sysvObjects, toolQueues } from './helpers/host-ipc.js';

const { ENOENT, EINVAL, EEXIST, ETIMEDOUT, ECHILD, EINTR, EWOULDBLOCK } = constants.errno;
/** The salt of this file's keys: random, as a run's is. */
const SALT = randomInt(0, 2 ** 30);
const HOST_INODE = statSync('/proc/self/ns/ipc').ino;
const CPUS = usableCpus();
const exec = new PoolExecutor(2);
const before = sysvObjects();
const mine = { pids: new Set<number>(), ids: new Set<string>(), keys: new Set<number>() };
/** A key range nobody else uses: the tests' own pid in the high bits. */
const keyFor = (n: number): number => ((0x1c << 24) | ((process.pid & 0xffff) << 8) | n) >>> 0;

function spec(over: Partial<WindowSpec> & Pick<WindowSpec, 'workload' | 'mode'>, index = 0, windowMs = 40): WindowSpec {
  const start = monotonicNs() + 40e6;
  const info = WORKLOADS.find((w) => w.name === over.workload);
  return {
    params: info?.params.some((p) => p.name === 'size') ? { size: 64 } : {},
    route: 'privileged',
    nsFd: -1,
    userNsFd: -1,
    ...cpusFor('same-cpu', index, CPUS),
    coreParam: over.workload === 'mq.stream' ? 10 : 0,
    sampleEvery: 16,
    startNs: start,
    stopNs: start + windowMs * 1e6,
    deadlineNs: start + windowMs * 1e6 + 3e9,
    sysctls: {},
    keyBase: over.workload === 'ipc.lookup' ? keyBase(SALT, index) : 0,
    journalFd: -1,
    ...over,
  };
}

async function window(specs: WindowSpec[]): Promise<WindowResult[]> {
  // One start time for every worker of the window.
  const start = monotonicNs() + 40e6;
  const aligned = specs.map((s) => ({ ...s, startNs: start, stopNs: start + (s.stopNs - s.startNs), deadlineNs: start + (s.deadlineNs - s.startNs) }));
  const results = await exec.runWindow(aligned);
  for (const r of results) {
    mine.pids.add(r.leaderPid);
    mine.pids.add(r.partnerPid);
  }
  aligned.forEach((s, i) => {
    if (s.keyBase) mine.keys.add(s.keyBase);
    const r = results[i];
    if (r && r.objId >= 0 && s.mode === 'host') mine.ids.add(`${s.workload.startsWith('msg') ? 'msg' : 'sem'}:${r.objId}`);
  });
  return results;
}

async function withSharedNs<T>(fn: (ns: HeldNamespace) => Promise<T>): Promise<T> {
  const opened = await exec.nsOpen('privileged', {});
  if (!opened.ok) throw new Error(opened.failure.message);
  try {
    return await fn(opened.value);
  } finally {
    await exec.nsClose(opened.value);
  }
}

beforeAll(async () => {
  // Start both threads before the first timed window.
  await Promise.all([exec.nowNs(), exec.nowNs()]);
});

afterAll(async () => {
  await exec.close();
  expect(newToolObjects(before, mine)).toEqual([]);
  expect(toolQueues()).toEqual([]);
  expect(childPids().filter((p) => mine.pids.has(p))).toEqual([]);
});

describe('every workload in every mode', () => {
  const modes: Mode[] = ['host', 'shared', 'isolated'];
  for (const info of WORKLOADS) {
    for (const mode of modes) {
      it(`${info.name} in ${mode}`, async () => {
        const run = async (nsFd: number): Promise<WindowResult> => (await window([spec({ workload: info.name, mode, nsFd })]))[0]!;
        const r = mode === 'shared' ? await withSharedNs((ns) => run(ns.ipcFd)) : await run(-1);
        expect(r.failure).toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.ops).toBeGreaterThan(0);
        expect(Number.isFinite(r.ops)).toBe(true);
        expect(r.elapsedNs).toBeGreaterThan(0);
        expect(r.ops / (r.elapsedNs / 1e9)).toBeGreaterThan(0);
        if (info.hasBytes) expect(r.bytes).toBe(r.ops * 64);
        else expect(r.bytes).toBe(0);
        expect(r.cpuNs).toBeGreaterThan(0);
        expect(r.timerNs).toBeGreaterThan(0);
        expect(Number.isFinite(r.timerNs)).toBe(true);
        // Latency is sampled on one op in 16 of party A.
        expect(r.latency.count).toBeGreaterThan(0);
        expect(r.latency.count).toBeLessThanOrEqual(Math.ceil(r.ops / 16) + 1);
        const p50 = quantile(r.latency, 0.5);
        expect(p50).toBeGreaterThanOrEqual(r.latency.minNs);
        expect(p50).toBeLessThanOrEqual(r.latency.maxNs);
        expect(r.nsInode).toBeGreaterThan(0);
        expect(r.nsInodeB).toBe(info.parties === 2 ? r.nsInode : 0);
        if (mode === 'host') expect(r.nsInode).toBe(HOST_INODE);
        else expect(r.nsInode).not.toBe(HOST_INODE);
        expect(pidExists(r.leaderPid)).toBe(false);
        expect(pidExists(r.partnerPid)).toBe(false);
      });
    }
  }
});

describe('isolation', () => {
  it('isolated workers run in distinct namespaces, none of them the host', async () => {
    const rs = await window([0, 1].map((i) => spec({ workload: 'msg.pingpong', mode: 'isolated', ...cpusFor('same-cpu', i, CPUS) }, i)));
    const inodes = rs.map((r) => r.nsInode);
    expect(rs.every((r) => r.ok)).toBe(true);
    expect(new Set(inodes).size).toBe(2);
    expect(inodes).not.toContain(HOST_INODE);
  });

  it('shared workers run in one namespace that is not the host', async () => {
    await withSharedNs(async (ns) => {
      const rs = await window([0, 1].map((i) => spec({ workload: 'msg.pingpong', mode: 'shared', nsFd: ns.ipcFd, ...cpusFor('same-cpu', i, CPUS) }, i)));
      expect(rs.every((r) => r.ok)).toBe(true);
      expect(new Set(rs.flatMap((r) => [r.nsInode, r.nsInodeB]))).toEqual(new Set([ns.nsInode]));
      expect(ns.nsInode).not.toBe(HOST_INODE);
    });
  });

  it('host workers run in the host namespace', async () => {
    const rs = await window([0, 1].map((i) => spec({ workload: 'sem.pingpong', mode: 'host', ...cpusFor('same-cpu', i, CPUS) }, i)));
    expect(rs.map((r) => r.nsInode)).toEqual([HOST_INODE, HOST_INODE]);
  });

  it('a queue created in a fresh namespace is invisible from the host', async () => {
    const key = keyFor(1);
    mine.keys.add(key);
    const probe = await exec.isolationProbe('privileged', key);
    if (!probe.ok) throw new Error(probe.failure.message);
    expect(probe.value.innerInode).not.toBe(HOST_INODE);
    expect(probe.value.hostGetErrno).toBe(ENOENT);
    // Either no host object has that id, or the one that has it is someone else's.
    if (probe.value.hostStatErrno === 0) expect(probe.value.hostStatKey).not.toBe(key);
    else expect(probe.value.hostStatErrno).toBe(EINVAL);
  });

  it('two isolated groups using the same key get distinct objects', async () => {
    const key = keyFor(2);
    const rs = await window([0, 1].map((i) => spec({ workload: 'msg.stream', mode: 'isolated', keyBase: key, ...cpusFor('same-cpu', i, CPUS) }, i)));
    // The key is created IPC_EXCL: had the groups shared a namespace, one of them would have failed.
    expect(rs.map((r) => r.failure)).toEqual([undefined, undefined]);
    expect(rs.every((r) => r.objId >= 0)).toBe(true);
    expect(new Set(rs.map((r) => r.nsInode)).size).toBe(2);
  });

  it('two shared groups using the same key collide, as they should', async () => {
    const key = keyFor(3);
    await withSharedNs(async (ns) => {
      const rs = await window(
        [0, 1].map((i) => spec({ workload: 'msg.stream', mode: 'shared', nsFd: ns.ipcFd, keyBase: key, ...cpusFor('same-cpu', i, CPUS) }, i)),
      );
      const failures = rs.filter((r) => !r.ok).map((r) => [r.failure?.errno, r.failure?.call]);
      expect(failures).toEqual([[EEXIST, 'msgget']]);
    });
  });
});

describe('containment', () => {
  it('a group that outlives its deadline is killed and reaped, and leaves nothing behind', async () => {
    const s = spec({ workload: 'msg.pingpong', mode: 'host', fault: 'partner-hangs' }, 0, 30);
    const [r] = await window([{ ...s, deadlineNs: s.stopNs + 200e6 }]);
    expect(r!.ok).toBe(false);
    expect(r!.timedOut).toBe(true);
    expect(r!.failure).toMatchObject({ errno: ETIMEDOUT, call: 'deadline' });
    expect(r!.failure!.message).toContain('deadline');
    expect(pidExists(r!.leaderPid)).toBe(false);
    expect(pidExists(r!.partnerPid)).toBe(false);
    expect(childPids()).not.toContain(r!.leaderPid);
    // The hung group's queue was in the host namespace; the caller removed it.
    expect(sysvObjects().some((o) => o.kind === 'msg' && o.id === r!.objId && !before.some((b) => b.kind === 'msg' && b.id === o.id))).toBe(false);
  });

  it('a partner that dies inside the window ends it with an error, not a hang', async () => {
    const s = spec({ workload: 'sem.pingpong', mode: 'isolated', fault: 'partner-dies' }, 0, 2000);
    const t0 = monotonicNs();
    const [r] = await window([s]);
    expect(r!.failure).toMatchObject({ errno: ECHILD, call: 'partner exit' });
    expect(r!.timedOut).toBe(false);
    // Abandoned at the partner's death, long before the 2 s window or its deadline.
    expect(monotonicNs() - t0).toBeLessThan(s.deadlineNs - s.startNs);
    expect(pidExists(r!.leaderPid)).toBe(false);
    expect(pidExists(r!.partnerPid)).toBe(false);
  });
});

describe('controls', () => {
  it.each(['msg.pingpong', 'ns.lifecycle'])("%s: both controls are measured on party A's CPU next to every window, as positive rates", async (workload) => {
    // Before the start, or after the end when a busy machine woke the party too late: a window has them either way.
    for (let i = 0; i < 3; i++) {
      const [r] = await window([spec({ workload, mode: 'host' }, 0, 20)]);
      expect(r!.ok).toBe(true);
      for (const rate of [r!.controlSyscall, r!.controlSpin]) {
        expect(Number.isFinite(rate)).toBe(true);
        expect(rate).toBeGreaterThan(0);
      }
    }
  });
});

describe('limits', () => {
  it('reads a fresh namespace with compile-time defaults, not the host values', async () => {
    const fresh = await exec.limits(true, 'privileged', {});
    if (!fresh.ok) throw new Error(fresh.failure.message);
    expect(fresh.value.nsInode).not.toBe(HOST_INODE);
    expect(fresh.value).toMatchObject({ msgmax: 8192, msgmnb: 16384, mqMsgMax: 10, mqMsgsizeMax: 8192 });
  });

  it('writes sysctls inside the fresh namespace only', async () => {
    const host = await exec.limits(false, 'privileged', {});
    const fresh = await exec.limits(true, 'privileged', { 'kernel.msgmni': '7' });
    if (!host.ok || !fresh.ok) throw new Error('limits failed');
    expect(fresh.value.msgmni).toBe(7);
    const hostAfter = await exec.limits(false, 'privileged', {});
    expect(hostAfter.ok && hostAfter.value.msgmni).toBe(host.value.msgmni);
  });

  it('refuses an oversized message for a fresh namespace before anything is forked', async () => {
    const fresh = await exec.limits(true, 'privileged', {});
    const host = await exec.limits(false, 'privileged', {});
    if (!fresh.ok || !host.ok) throw new Error('limits failed');
    const scenario: Scenario = { id: 'x', workload: 'msg.pingpong', params: { size: 16384 }, mode: 'isolated', workers: 1, placement: 'same-cpu', sysctls: {} };
    const problem = preflightProblem(scenario, { host: host.value, fresh: fresh.value }, CPUS);
    expect(problem).toContain('kernel.msgmax = 8192');
    expect(problem).toContain('--size');
    expect(problem).toContain('--sysctl kernel.msgmax=16384');
  });

  it('the main thread clock is the core clock', async () => {
    const a = monotonicNs();
    const core = await exec.nowNs();
    const b = monotonicNs();
    expect(core).toBeGreaterThanOrEqual(a);
    expect(core).toBeLessThanOrEqual(b);
  });
});

describe('the mock core', () => {
  /** The shape of a value: keys and types, recursively (arrays by their first element). */
  function shape(v: unknown): unknown {
    if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .sort()
          .map(([k, x]) => [k, shape(x)]),
      );
    return typeof v;
  }

  it('returns data of the same shape as the real one', async () => {
    const mock = createMockCore({ seed: 7 });
    const s = spec({ workload: 'msg.pingpong', mode: 'isolated' });
    const [real] = await window([s]);
    expect(shape(mock.run({ ...s, startNs: mock.nowNs(), stopNs: mock.nowNs() + 40e6 }))).toEqual(shape(real));
    expect(shape(mock.limits(true, 'privileged', {}))).toEqual(shape(await exec.limits(true, 'privileged', {})));
    const held = await exec.nsOpen('privileged', {});
    expect(shape(mock.nsOpen('privileged', {}))).toEqual(shape(held));
    if (held.ok) await exec.nsClose(held.value);
    expect(shape(mock.isolationProbe('privileged', 1))).toEqual(shape(await exec.isolationProbe('privileged', keyFor(4))));
    expect(mock.workloads()).toEqual(await exec.workloads());
  });
});

const HOLD_KEYS = join(PACKAGE_ROOT, 'native', 'build', 'hold-keys');

/** The k-th base the core tries for a worker's keys (native/src/ipc_lookup.c). */
function baseOf(salt: number, worker: number, attempt: number): number {
  const hop = (keyBase(salt, worker) + Math.imul(attempt, 0x9e3779b1)) >>> 0;
  return (0x40000000 | (hop & 0x3ffffc00)) >>> 0;
}

/** Another program holding queues with these keys (as uid 65534 with `asNobody`) until released. */
async function holdKeys(keys: number[], asNobody = false): Promise<{ ids: number[]; release: () => Promise<void> }> {
  const args = keys.map((k) => `0x${k.toString(16)}`);
  const child: ChildProcessWithoutNullStreams = asNobody
    ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', HOLD_KEYS, ...args])
    : spawn(HOLD_KEYS, args);
  const ids = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.trim().split('\n').filter(Boolean);
      if (lines.length === keys.length) resolve(lines.map((l) => Number(l.split(' ')[1])));
    });
    child.on('exit', (code) => reject(new Error(`hold-keys exited ${code}`)));
  });
  return {
    ids,
    release: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

describe('keys another object holds', () => {
  it('moves to the next base when a key of the first one is taken, and leaves the other object alone', async () => {
    const salt = randomInt(0, 2 ** 30);
    const holder = await holdKeys([baseOf(salt, 0, 0) + 5]);
    try {
      const [r] = await window([spec({ workload: 'ipc.lookup', mode: 'host', keyBase: keyBase(salt, 0), coreParam: 16 })]);
      expect(r!.failure).toBeUndefined();
      expect(r!.ops).toBeGreaterThan(0);
      expect(sysvObjects().some((o) => o.kind === 'msg' && o.id === holder.ids[0])).toBe(true);
    } finally {
      await holder.release();
    }
  });

  it('says which key is taken and whose object holds it when every base is taken', async () => {
    const salt = randomInt(0, 2 ** 30);
    const taken = Array.from({ length: 8 }, (_, a) => baseOf(salt, 0, a));
    const holder = await holdKeys(taken, true);
    try {
      const [r] = await window([spec({ workload: 'ipc.lookup', mode: 'host', keyBase: keyBase(salt, 0), coreParam: 4 })]);
      expect(r!.failure).toMatchObject({ errno: EEXIST, call: 'msgget' });
      expect(r!.failure!.message).toContain(`key 0x${taken[7]!.toString(16)} is held by an object of uid 65534`);
      // Nothing of the group's own is left, and the neighbour's queues are all there.
      for (const id of holder.ids) expect(sysvObjects().some((o) => o.kind === 'msg' && o.id === id)).toBe(true);
      expect(
        sysvObjects().filter((o) => o.kind === 'msg' && o.cuid === 0 && taken.some((k) => o.key >= k && o.key < k + 4 && !holder.ids.includes(o.id))),
      ).toEqual([]);
    } finally {
      await holder.release();
    }
  });
});

describe('a termination signal from outside', () => {
  it('reaching the measured processes (SIGTERM to a whole cgroup) ends the window as interrupted, and host objects go', async () => {
    const s = spec({ workload: 'sem.pingpong', mode: 'host' }, 0, 3000);
    const pending = window([s]);
    // Once the group is in its window, stop it as systemd or docker stop would.
    const t0 = Date.now();
    let kids: number[] = [];
    while (kids.length < 2 && Date.now() - t0 < 5000) {
      kids = childPids();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(kids.length).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 200));
    for (const k of kids) process.kill(k, 'SIGTERM');
    const [r] = await pending;
    expect(r!.failure).toMatchObject({ errno: EINTR, call: 'terminated' });
    expect(sysvObjects().some((o) => o.kind === 'sem' && o.id === r!.objId && !before.some((b) => b.kind === 'sem' && b.id === o.id))).toBe(false);
  });
});

describe('flock', () => {
  it('a lock held through one open file is refused to another until released', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipcns-flock-'));
    try {
      const path = join(dir, 'x.journal');
      writeFileSync(path, '');
      const a = openSync(path, 'r');
      const b = openSync(path, 'r');
      expect(await exec.flock(a, 'try')).toBe(0);
      expect(await exec.flock(b, 'try')).toBe(EWOULDBLOCK);
      expect(await exec.flock(a, 'release')).toBe(0);
      expect(await exec.flock(b, 'try')).toBe(0);
      closeSync(a);
      closeSync(b);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a group stopped while it creates objects in the host namespace', () => {
  it.each([
    ['msg', 0],
    ['sem', 1],
    ['shm', 2],
  ] as const)('leaves no ipc.churn %s object behind, however often it is stopped mid-loop', async (kind, code) => {
    const seen = new Set(sysvObjects().map((o) => `${o.kind}:${o.id}`));
    for (let i = 0; i < 12; i++) {
      const pending = window([spec({ workload: 'ipc.churn', mode: 'host', coreParam: code, params: { kind } }, 0, 2000)]);
      const t0 = Date.now();
      let kids: number[] = [];
      while (kids.length < 1 && Date.now() - t0 < 5000) {
        kids = childPids();
        await new Promise((r) => setTimeout(r, 5));
      }
      // Somewhere inside its loop of create-and-remove.
      await new Promise((r) => setTimeout(r, 60 + 7 * i));
      for (const k of kids) process.kill(k, 'SIGTERM');
      const [r] = await pending;
      expect(r!.failure?.call).toBe('terminated');
    }
    const left = sysvObjects().filter((o) => o.kind === kind && o.key === 0 && o.cuid === 0 && o.perms === 0o600 && !seen.has(`${o.kind}:${o.id}`));
    expect(left).toEqual([]);
  });
});
