/**
 * How the scheduler reaches a core. PoolExecutor runs each worker of a window
 * on its own piscina thread, concurrently, with the native core; InlineExecutor
 * runs a core in this thread (the mock core in tests).
 */
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { PACKAGE_ROOT } from '../common/paths.js';
import type { Core, HeldNamespace, IsolationProbe, LockOp, NamespaceLimits, Outcome, Route, WindowResult, WindowSpec } from '../common/types.js';

export type Task =
  | { kind: 'run'; spec: WindowSpec }
  | { kind: 'limits'; fresh: boolean; route: Route; sysctls: Record<string, string> }
  | { kind: 'nsOpen'; route: Route; sysctls: Record<string, string> }
  | { kind: 'nsClose'; ns: HeldNamespace }
  | { kind: 'probe'; route: Route; key: number }
  | { kind: 'now' }
  | { kind: 'workloads' }
  | { kind: 'flock'; fd: number; op: LockOp };

export type TaskResult = WindowResult | Outcome<NamespaceLimits> | Outcome<HeldNamespace> | Outcome<IsolationProbe> | number | string[] | null;

export interface Executor {
  /** Runs one window: every spec on its own worker, all at once. */
  runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]>;
  limits(fresh: boolean, route: Route, sysctls: Record<string, string>): Promise<Outcome<NamespaceLimits>>;
  nsOpen(route: Route, sysctls: Record<string, string>): Promise<Outcome<HeldNamespace>>;
  nsClose(ns: HeldNamespace): Promise<void>;
  isolationProbe(route: Route, key: number): Promise<Outcome<IsolationProbe>>;
  nowNs(): Promise<number>;
  /** Workload names the core implements. */
  workloads(): Promise<string[]>;
  /** flock(2) on an fd of this process (the run's journal); 0 or the errno. */
  flock(fd: number, op: LockOp): Promise<number>;
  close(): Promise<void>;
}

export const WORKER_FILE = join(PACKAGE_ROOT, 'dist', 'src', 'measure', 'worker.js');

export class PoolExecutor implements Executor {
  private readonly pool: Piscina;
  private readonly threads: number;

  constructor(threads: number) {
    this.threads = threads;
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: threads,
      maxThreads: threads,
      // Keep threads alive between windows: thread start-up must not sit between two windows' start times.
      idleTimeout: 60_000,
      // One window per thread at a time, so concurrent windows never queue behind each other.
      concurrentTasksPerWorker: 1,
      maxQueue: 'auto',
    });
  }

  private call<T extends TaskResult>(task: Task): Promise<T> {
    return this.pool.run(task) as Promise<T>;
  }

  runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]> {
    return Promise.all(specs.map((spec) => this.call<WindowResult>({ kind: 'run', spec })));
  }
  limits(fresh: boolean, route: Route, sysctls: Record<string, string>): Promise<Outcome<NamespaceLimits>> {
    return this.call({ kind: 'limits', fresh, route, sysctls });
  }
  nsOpen(route: Route, sysctls: Record<string, string>): Promise<Outcome<HeldNamespace>> {
    return this.call({ kind: 'nsOpen', route, sysctls });
  }
  async nsClose(ns: HeldNamespace): Promise<void> {
    await this.call({ kind: 'nsClose', ns });
  }
  isolationProbe(route: Route, key: number): Promise<Outcome<IsolationProbe>> {
    return this.call({ kind: 'probe', route, key });
  }
  nowNs(): Promise<number> {
    return this.call({ kind: 'now' });
  }
  workloads(): Promise<string[]> {
    return this.call({ kind: 'workloads' });
  }
  flock(fd: number, op: LockOp): Promise<number> {
    return this.call({ kind: 'flock', fd, op });
  }
  async close(): Promise<void> {
    // Terminating a worker while it is still loading the native module aborts the
    // process (a fatal napi_throw inside koffi's registration). One trivial task per
    // thread first: each thread then has finished loading before it is told to stop.
    await Promise.all(Array.from({ length: this.threads }, () => this.nowNs()));
    await this.pool.destroy();
  }
}

export class InlineExecutor implements Executor {
  constructor(private readonly core: Core) {}
  runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]> {
    return Promise.resolve(specs.map((s) => this.core.run(s)));
  }
  limits(fresh: boolean, route: Route, sysctls: Record<string, string>): Promise<Outcome<NamespaceLimits>> {
    return Promise.resolve(this.core.limits(fresh, route, sysctls));
  }
  nsOpen(route: Route, sysctls: Record<string, string>): Promise<Outcome<HeldNamespace>> {
    return Promise.resolve(this.core.nsOpen(route, sysctls));
  }
  nsClose(ns: HeldNamespace): Promise<void> {
    this.core.nsClose(ns);
    return Promise.resolve();
  }
  isolationProbe(route: Route, key: number): Promise<Outcome<IsolationProbe>> {
    return Promise.resolve(this.core.isolationProbe(route, key));
  }
  nowNs(): Promise<number> {
    return Promise.resolve(this.core.nowNs());
  }
  workloads(): Promise<string[]> {
    return Promise.resolve(this.core.workloads());
  }
  flock(fd: number, op: LockOp): Promise<number> {
    return Promise.resolve(this.core.flock(fd, op));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
