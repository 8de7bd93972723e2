/**
 * Shared fixtures for the scheduler, report and suite tests: a spy executor
 * over the mock core, fake clocks, scenario builders and a result document
 * built by running the scheduler on the mock core. No processes, no piscina.
 */
import { InlineExecutor, type Executor } from '../../src/executor.js';
import { createMockCore, FRESH_DEFAULTS, seededRandom, type MockOptions } from '../../src/mock-core.js';
import type { TargetLimits } from '../../src/preflight.js';
import { SCHEMA_VERSION, type Comparison, type ResultDocument, type ScenarioResult } from '../../src/result.js';
import { Scheduler, groupByComparison, type ProgressEvent, type SchedulerDeps } from '../../src/scheduler.js';
import { scenarioId, type Budget } from '../../src/suite.js';
import type {
  HeldNamespace, IsolationProbe, Mode, NamespaceLimits, Outcome, Params, Placement, Route, Scenario, WindowResult, WindowSpec,
} from '../../src/types.js';

/** The host IPC namespace inode the mock core reports for host mode. */
export const HOST = 4026531839;

export const CPUS: readonly number[] = [0, 1];

export function budget(over: Partial<Budget> = {}): Budget {
  return { timeMs: 100, windowMs: 20, warmupWindows: 1, minWindows: 4, maxWindows: 6, sampleEvery: 16, ...over };
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
  inject: Inject | undefined;
  nsOpenResult: Outcome<HeldNamespace> | undefined;
  /** Called after each runWindow call is recorded (e.g. to abort). */
  afterCall: ((index: number) => void) | undefined;

  constructor(private readonly inner: Executor) {}

  async runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]> {
    const nowBefore = this.lastNow;
    const copies = specs.map((s) => ({ ...s }));
    let results = await this.inner.runWindow(specs);
    const index = this.calls.length;
    if (this.inject) results = this.inject(index, specs, results.map((r) => ({ ...r })));
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
  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface Harness {
  spy: SpyExecutor;
  events: ProgressEvent[];
  scheduler: Scheduler;
  deps: SchedulerDeps;
}

export interface HarnessOptions {
  mock?: MockOptions;
  budget?: Partial<Budget>;
  cpus?: readonly number[];
  seed?: number;
  signal?: AbortSignal;
}

export const LIMITS: TargetLimits = { host: { ...FRESH_DEFAULTS, nsInode: HOST }, fresh: FRESH_DEFAULTS };

/** A scheduler over a spy over an InlineExecutor over the mock core, with fake clocks. */
export function harness(o: HarnessOptions = {}): Harness {
  const spy = new SpyExecutor(new InlineExecutor(createMockCore({ seed: o.seed ?? 1, noise: 0.02, ...o.mock })));
  const events: ProgressEvent[] = [];
  let now = 5_000_000_000;
  let wall = 1_000;
  const deps: SchedulerDeps = {
    executor: spy,
    cpus: o.cpus ?? CPUS,
    route: 'privileged',
    limits: async () => LIMITS,
    // A monotonic clock that moves 1 µs per reading; the spy remembers the last reading.
    nowNs: () => {
      now += 1000;
      spy.lastNow = now;
      return now;
    },
    wallMs: () => (wall += 1),
    random: seededRandom(o.seed ?? 1),
    onEvent: (e) => events.push(e),
  };
  if (o.signal) deps.signal = o.signal;
  return { spy, events, deps, scheduler: new Scheduler(deps, budget(o.budget)) };
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

export function emptyDocument(): ResultDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'ipcns-bench', version: '0.1.0' },
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:01:00.000Z',
    complete: true,
    command: { suite: 'test', argv: [] },
    env: structuredClone(ENV),
    scenarios: [],
    comparisons: [],
  };
}

/** Runs every group of `scenarios` through one scheduler and collects a result document. */
export async function runDocument(scenarios: readonly Scenario[], o: HarnessOptions = {}): Promise<ResultDocument> {
  const h = harness(o);
  const doc = emptyDocument();
  for (const group of groupByComparison(scenarios)) {
    const { results, comparisons } = await h.scheduler.runGroup(group);
    doc.scenarios.push(...results);
    doc.comparisons.push(...comparisons);
  }
  return doc;
}

export type { Comparison, ScenarioResult };
