/**
 * A test double for the native core: same interface, same result shape, no
 * processes. Each window "runs" at a configured cost per op, with seeded
 * noise, so orchestration, statistics and reporters can be tested
 * deterministically. The noise model (NoiseModel) has the shapes the noise
 * study found on shared machines (docs/noise-study.md): a speed of its own
 * for each fresh group of processes with heavy tails, a drift that windows
 * close in time share, and bursts of another tenant inside a window. Its
 * controls (getppid() calls and spin-loop steps per second before each
 * window) follow the drift, the machine's speed, and not a window's own luck.
 */
import { failure } from '../common/errors.js';
import { bucketIndex } from './histogram.js';
import type { Core, HeldNamespace, IsolationProbe, NamespaceLimits, Outcome, WindowResult, WindowSpec } from '../common/types.js';
import { WORKLOADS } from '../plan/workloads.js';
import { intParam } from '../plan/params.js';

/** Noise of the mock's windows, all on the log scale of the op rate. */
export interface NoiseModel {
  /** sd of a window's own speed (a fresh group of processes lands fast or slow). */
  window: number;
  /** Heavy tails: with this probability a window's own speed has `scale` times the sd. */
  tail?: { probability: number; scale: number };
  /** Drift shared by windows close in time: an AR(1) process with this stationary sd and correlation time. */
  drift?: { sd: number; ms: number };
  /** Another tenant: with this probability a sub-window loses a uniform share of its time up to `depth`. */
  burst?: { probability: number; depth: number };
  /** sd of each sub-window's own jitter. */
  sub?: number;
}

/**
 * A shared 2-vCPU VM as the noise study measured it: about 10 % CV from one
 * window to the next, a fifth of that in heavy tails, and drift.
 */
export const NOISY_MACHINE: NoiseModel = {
  window: 0.05,
  tail: { probability: 0.15, scale: 4 },
  drift: { sd: 0.04, ms: 300 },
  burst: { probability: 0.05, depth: 0.6 },
  sub: 0.03,
};

export interface MockOptions {
  /** Seed of the noise generator. */
  seed?: number;
  /** Relative sd of the per-window noise (0.02 = 2 %): a Gaussian window speed, when no noise model is given. */
  noise?: number;
  /** A fuller noise model; replaces `noise`. */
  model?: NoiseModel;
  /** ns per op by workload name; default 2000. */
  nsPerOp?: Record<string, number>;
  /** Multiplier on ns per op by mode (1.2 = 20 % slower). */
  modeFactor?: Partial<Record<WindowSpec['mode'], number>>;
  /** Workloads that fail with this errno and call. */
  failWith?: Record<string, { errno: number; call: string }>;
  limits?: Partial<NamespaceLimits>;
  /** Control rates per second at the machine's usual speed; default 4e6 getppid() calls and 1e9 spin-loop steps. */
  control?: { syscall: number; spin: number };
  /** sd of each control's own jitter, on the log scale (default 0.01). */
  controlNoise?: number;
}

/** mulberry32: small, fast, good enough for seeded noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate (Box-Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export const FRESH_DEFAULTS: NamespaceLimits = {
  nsInode: 0,
  msgmax: 8192,
  msgmnb: 16384,
  msgmni: 32000,
  shmmax: Infinity,
  shmall: Infinity,
  shmmni: 4096,
  semmsl: 32000,
  semmns: 1024000000,
  semopm: 500,
  semmni: 32000,
  mqMsgMax: 10,
  mqMsgsizeMax: 8192,
  mqQueuesMax: 256,
};

const HOST_INODE = 4026531839;

export function createMockCore(options: MockOptions = {}): Core {
  const rand = seededRandom(options.seed ?? 1);
  // A generator of its own: the controls leave the windows' noise as it was for every seed.
  const controlRand = seededRandom((options.seed ?? 1) ^ 0x5eed);
  const control = options.control ?? { syscall: 4e6, spin: 1e9 };
  const controlNoise = options.controlNoise ?? 0.01;
  const noise = options.noise ?? 0.02;
  const model = options.model;
  let drift = 0;
  let driftAt = 0;
  let clock = 1_000_000_000;
  let nextInode = 4026532200;
  const held = new Map<number, number>();
  let nextFd = 100;

  return {
    workloads: () => WORKLOADS.map((w) => w.name),
    nowNs: () => (clock += 1000),
    run(spec: WindowSpec): WindowResult {
      const parties = WORKLOADS.find((w) => w.name === spec.workload)?.parties ?? 2;
      const inode = spec.mode === 'host' ? HOST_INODE : spec.mode === 'shared' ? (held.get(spec.nsFd) ?? 0) : nextInode++;
      const window = Math.max(0, spec.stopNs - spec.startNs);
      const fail = options.failWith?.[spec.workload];
      const base = (options.nsPerOp?.[spec.workload] ?? 2000) * (options.modeFactor?.[spec.mode] ?? 1);
      // Drift advances with the mock clock, shared by every window close in time.
      if (model?.drift) {
        const dt = Math.max(0, spec.startNs - driftAt) / 1e6;
        const keep = Math.exp(-dt / model.drift.ms);
        drift = drift * keep + model.drift.sd * Math.sqrt(1 - keep * keep) * gaussian(rand);
        driftAt = spec.startNs;
      }
      clock = Math.max(clock, spec.stopNs);
      const own = model
        ? model.window * (model.tail && rand() < model.tail.probability ? model.tail.scale : 1) * gaussian(rand)
        : Math.log(Math.max(0.05, 1 + noise * gaussian(rand)));
      const speed = Math.exp(own + drift);
      // Sub-windows: each with its jitter and, now and then, another tenant's burst.
      const subNs = spec.markNs && spec.markNs > 0 ? spec.markNs : window;
      const marks: Array<[number, number]> = [[0, spec.startNs]];
      let ops = 0;
      let sumPerOp = 0;
      for (let t = 0; t < window && !fail; t += subNs) {
        const len = Math.min(subNs, window - t);
        const jitter = model?.sub ? Math.exp(model.sub * gaussian(rand)) : 1;
        const lost = model?.burst && rand() < model.burst.probability ? rand() * model.burst.depth : 0;
        const perOp = base / (speed * jitter);
        const n = Math.max(1, Math.floor((len * (1 - lost)) / perOp));
        ops += n;
        sumPerOp += perOp * n;
        marks.push([ops, spec.startNs + t + len]);
      }
      const perOp = ops > 0 ? sumPerOp / ops : base;
      const sampled = spec.sampleEvery > 0 ? Math.floor(ops / spec.sampleEvery) : 0;
      const buckets = new Map<number, number>();
      let sum = 0;
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < Math.min(sampled, 400); i++) {
        const v = Math.round(perOp * Math.exp(0.1 * gaussian(rand)));
        const b = bucketIndex(v);
        buckets.set(b, (buckets.get(b) ?? 0) + 1);
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const count = [...buckets.values()].reduce((a, b) => a + b, 0);
      const size = intParam(spec.params, 'size', 0);
      const hasBytes = WORKLOADS.find((w) => w.name === spec.workload)?.hasBytes ?? false;
      const result: WindowResult = {
        ok: !fail,
        ops,
        bytes: hasBytes ? ops * size : 0,
        elapsedNs: window,
        startNs: spec.startNs,
        endNs: spec.stopNs,
        lateNs: 0,
        setupLateNs: -1e6,
        cpuNs: Math.round(window * parties * 0.5),
        volCs: ops * parties,
        involCs: Math.floor(ops / 10),
        nsInode: inode,
        nsInodeB: parties === 2 ? inode : 0,
        timerNs: 20,
        controlSyscall: control.syscall * Math.exp(drift + controlNoise * gaussian(controlRand)),
        controlSpin: control.spin * Math.exp(drift + controlNoise * gaussian(controlRand)),
        timedOut: false,
        parties,
        leaderPid: 0,
        partnerPid: 0,
        objId: -1,
        latency: { count, sumNs: sum, minNs: count ? min : 0, maxNs: max, buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]) },
        marks,
      };
      if (fail) result.failure = failure(fail.errno, fail.call);
      return result;
    },
    limits(fresh: boolean): Outcome<NamespaceLimits> {
      return { ok: true, value: { ...FRESH_DEFAULTS, ...options.limits, nsInode: fresh ? nextInode++ : HOST_INODE } };
    },
    nsOpen(): Outcome<HeldNamespace> {
      const fd = nextFd++;
      const inode = nextInode++;
      held.set(fd, inode);
      return { ok: true, value: { ipcFd: fd, userFd: -1, nsInode: inode } };
    },
    nsClose(ns: HeldNamespace): void {
      held.delete(ns.ipcFd);
    },
    remove: () => 0,
    flock: () => 0,
    timerCost: () => 20,
    perfProbe: () => 0,
    isolationProbe(): Outcome<IsolationProbe> {
      return { ok: true, value: { innerId: 0, innerInode: nextInode++, hostGetErrno: 2, hostStatErrno: 22, hostStatKey: 0 } };
    },
  };
}
