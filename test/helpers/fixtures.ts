/**
 * Shared fixtures for the scheduler, report and suite tests: a spy executor
 * over the mock core, fake clocks, scenario builders and a result document
 * built by running the scheduler on the mock core. No processes, no piscina.
 */
import { InlineExecutor, type Executor } from '../../src/measure/executor.js';
import { createMockCore, FRESH_DEFAULTS, seededRandom, type MockOptions } from '../../src/measure/mock-core.js';
import type { TargetLimits } from '../../src/measure/preflight.js';
import { SCHEMA_VERSION, type Comparison, type ResultDocument, type ScenarioResult } from '../../src/document/result.js';
import { methodText } from '../../src/analyze/modes.js';
import { TRIM } from '../../src/analyze/trimmed.js';
import { addResults } from '../../src/document/writer.js';
import { comparisonsOf, groupByComparison } from '../../src/measure/scheduler.js';
import type { RunPlan } from '../../src/analyze/sequential.js';
import { GroupRunner, type GroupRunnerDeps, type RunEvent } from '../../src/document/group.js';
import { scenarioId, type Budget } from '../../src/plan/suite.js';
import type {
  HeldNamespace,
  IsolationProbe,
  LockOp,
  Mode,
  NamespaceLimits,
  Outcome,
  Params,
  Placement,
  Route,
  Scenario,
  WindowResult,
  WindowSpec,
} from '../../src/common/types.js';

/** The host IPC namespace inode the mock core reports for host mode. */
export const HOST = 4026531839;

export const CPUS: readonly number[] = [0, 1];

/** A small budget: 20-ms windows, a cap of 12 rounds of 3 modes, looks from round 4. */
export function budget(over: Partial<Budget> = {}): Budget {
  return { capMs: 720, margin: 0.05, windowMs: 20, warmupRounds: 1, minRounds: 4, maxRounds: 400, sampleEvery: 16, precision: 0, ...over };
}

/** The run plan of a small run: a family of `comparisons` per metric. */
export function plan(comparisons = 3): RunPlan {
  return { alphaRun: 0.05, comparisons: { throughput: comparisons, 'latency-p50': comparisons, 'latency-p99': comparisons } };
}

export function scenario(
  workload: string,
  mode: Mode,
  opts: { params?: Params; workers?: number; placement?: Placement; sysctls?: Record<string, string> } = {},
): Scenario {
  const s = {
    workload,
    params: opts.params ?? (workload === 'sem.pingpong' ? {} : { size: 64 }),
    mode,
    workers: opts.workers ?? 1,
    placement: opts.placement ?? 'same-cpu',
    sysctls: opts.sysctls ?? {},
  };
  return { id: scenarioId(s), ...s };
}

export const ALL_MODES: readonly Mode[] = ['host', 'shared', 'isolated'];

export function modeGroup(workload: string, opts: Parameters<typeof scenario>[2] = {}, modes: readonly Mode[] = ALL_MODES): Scenario[] {
  return modes.map((m) => scenario(workload, m, opts));
}

/** What the spy saw of one runWindow call. */
export interface WindowCall {
  specs: WindowSpec[];
  results: WindowResult[];
  /** nowNs() reading taken just before the call (the last one the scheduler made). */
  nowBefore: number;
}

/** Rewrites the results of call `index` (0-based, every runWindow call counted). */
export type Inject = (index: number, specs: readonly WindowSpec[], results: WindowResult[]) => WindowResult[];

/** An Executor that records every call and can rewrite window results. */
export class SpyExecutor implements Executor {
  readonly calls: WindowCall[] = [];
  nsOpens = 0;
  nsCloses = 0;
  lastNow = 0;
  /** The stop time of the latest window: a window's run takes until then. */
  lastStop = 0;
  inject: Inject | undefined;
  nsOpenResult: Outcome<HeldNamespace> | undefined;
  /** Called after each runWindow call is recorded (e.g. to abort). */
  afterCall: ((index: number) => void) | undefined;

  constructor(private readonly inner: Executor) {}

  async runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]> {
    const nowBefore = this.lastNow;
    const copies = specs.map((s) => ({ ...s }));
    let results = await this.inner.runWindow(specs);
    this.lastStop = Math.max(this.lastStop, ...specs.map((s) => s.stopNs));
    const index = this.calls.length;
    if (this.inject)
      results = this.inject(
        index,
        specs,
        results.map((r) => ({ ...r })),
      );
    this.calls.push({ specs: copies, results, nowBefore });
    this.afterCall?.(index);
    return results;
  }
  limits(fresh: boolean, route: Route, sysctls: Record<string, string>): Promise<Outcome<NamespaceLimits>> {
    return this.inner.limits(fresh, route, sysctls);
  }
  nsOpen(route: Route, sysctls: Record<string, string>): Promise<Outcome<HeldNamespace>> {
    this.nsOpens++;
    return this.nsOpenResult ? Promise.resolve(this.nsOpenResult) : this.inner.nsOpen(route, sysctls);
  }
  nsClose(ns: HeldNamespace): Promise<void> {
    this.nsCloses++;
    return this.inner.nsClose(ns);
  }
  isolationProbe(route: Route, key: number): Promise<Outcome<IsolationProbe>> {
    return this.inner.isolationProbe(route, key);
  }
  nowNs(): Promise<number> {
    return this.inner.nowNs();
  }
  workloads(): Promise<string[]> {
    return this.inner.workloads();
  }
  flock(fd: number, op: LockOp): Promise<number> {
    return this.inner.flock(fd, op);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface Harness {
  spy: SpyExecutor;
  events: RunEvent[];
  scheduler: GroupRunner;
  deps: GroupRunnerDeps;
}

export interface HarnessOptions {
  mock?: MockOptions;
  budget?: Partial<Budget>;
  cpus?: readonly number[];
  seed?: number;
  signal?: AbortSignal;
  plan?: RunPlan;
  /** Wall-clock ms that pass per reading of the wall clock (1 by default). */
  wallStepMs?: number;
}

export const LIMITS: TargetLimits = { host: { ...FRESH_DEFAULTS, nsInode: HOST }, fresh: FRESH_DEFAULTS };

/** A scheduler over a spy over an InlineExecutor over the mock core, with fake clocks. */
export function harness(o: HarnessOptions = {}): Harness {
  const spy = new SpyExecutor(new InlineExecutor(createMockCore({ seed: o.seed ?? 1, noise: 0.02, ...o.mock })));
  const events: RunEvent[] = [];
  let now = 5_000_000_000;
  let wall = 1_000;
  const deps: GroupRunnerDeps = {
    executor: spy,
    cpus: o.cpus ?? CPUS,
    route: 'privileged',
    limits: async () => LIMITS,
    // A monotonic clock that moves 1 µs per reading, and past each window once it has run; the spy remembers the last reading.
    nowNs: () => {
      now = Math.max(now + 1000, spy.lastStop);
      spy.lastNow = now;
      return now;
    },
    wallMs: () => (wall += o.wallStepMs ?? 1),
    random: seededRandom(o.seed ?? 1),
    onEvent: (e) => events.push(e),
    plan: o.plan ?? plan(),
  };
  if (o.signal) deps.signal = o.signal;
  return { spy, events, deps, scheduler: new GroupRunner(deps, budget(o.budget)) };
}

export const ENV = {
  kernel: '6.8.0-test',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpuCount: 2,
  usableCpus: [0, 1],
  clocksource: 'tsc',
  timerNs: 20,
  node: 'v20.0.0',
  uid: 0,
  capSysAdmin: true,
  route: 'privileged' as Route,
  limits: { host: { ...FRESH_DEFAULTS, nsInode: HOST }, fresh: FRESH_DEFAULTS },
};

export function emptyDocument(comparisons = 3): ResultDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'ipcns-bench', version: '0.1.0' },
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:01:00.000Z',
    complete: true,
    command: { suite: 'test', argv: [] },
    env: structuredClone(ENV),
    analysis: { method: methodText(comparisons), alphaRun: 0.05, margin: 0.05, trim: TRIM, comparisons: plan(comparisons).comparisons },
    noise: null,
    scenarios: [],
    groups: [],
    comparisons: [],
  };
}

/** Runs every group of `scenarios` through one scheduler (its plan counting their comparisons) and collects a result document. */
export async function runDocument(scenarios: readonly Scenario[], o: HarnessOptions = {}): Promise<ResultDocument> {
  const groups = groupByComparison(scenarios);
  const comparisons = groups.reduce((a, g) => a + comparisonsOf(g), 0);
  const h = harness({ plan: plan(comparisons), ...o });
  const doc = emptyDocument(comparisons);
  for (const group of groups) {
    const { results, comparisons: cs, summary } = await h.scheduler.runGroup(group);
    addResults(doc, results, cs, summary, budget(o.budget).capMs);
  }
  return doc;
}

export type { Comparison, ScenarioResult };
