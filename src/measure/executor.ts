/**
 * How the scheduler reaches a core. PoolExecutor runs each worker of a window
 * on its own piscina thread, concurrently, with the native core; InlineExecutor
 * runs a core in this thread (the mock core in tests).
 */
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { PACKAGE_ROOT } from '../common/paths.js';
import type { Core, WindowResult, WindowSpec } from '../common/types.js';
import { type CoreCall, callCore, type Method, type Task } from './core-call.js';

/** The core's calls, each returning a promise of what the core returns. */
type AsyncCalls = { [K in CoreCall]: (...args: Parameters<Core[K]>) => Promise<ReturnType<Core[K]>> };

export interface Executor extends AsyncCalls {
  /** Runs one window: every spec on its own worker, all at once. */
  runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]>;
  close(): Promise<void>;
}

/** The core's calls over one `call`: the one place each is written for both executors. */
abstract class CoreCalls implements AsyncCalls {
  protected abstract call<K extends Method>(method: K, args: Parameters<Core[K]>): Promise<ReturnType<Core[K]>>;
  limits(...args: Parameters<Core['limits']>) {
    return this.call('limits', args);
  }
  nsOpen(...args: Parameters<Core['nsOpen']>) {
    return this.call('nsOpen', args);
  }
  nsClose(...args: Parameters<Core['nsClose']>) {
    return this.call('nsClose', args);
  }
  isolationProbe(...args: Parameters<Core['isolationProbe']>) {
    return this.call('isolationProbe', args);
  }
  nowNs() {
    return this.call('nowNs', []);
  }
  workloads() {
    return this.call('workloads', []);
  }
  flock(...args: Parameters<Core['flock']>) {
    return this.call('flock', args);
  }
}

export const WORKER_FILE = join(PACKAGE_ROOT, 'dist', 'src', 'measure', 'worker.js');

export class PoolExecutor extends CoreCalls implements Executor {
  private readonly pool: Piscina;
  private readonly threads: number;

  constructor(threads: number) {
    super();
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

  protected call<K extends Method>(method: K, args: Parameters<Core[K]>): Promise<ReturnType<Core[K]>> {
    return this.pool.run({ method, args } as Task) as Promise<ReturnType<Core[K]>>;
  }

  runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]> {
    return Promise.all(specs.map((spec) => this.call('run', [spec])));
  }
  async close(): Promise<void> {
    // Terminating a worker while it is still loading the native module aborts the
    // process (a fatal napi_throw inside koffi's registration). One trivial task per
    // thread first: each thread then has finished loading before it is told to stop.
    await Promise.all(Array.from({ length: this.threads }, () => this.nowNs()));
    await this.pool.destroy();
  }
}

export class InlineExecutor extends CoreCalls implements Executor {
  constructor(private readonly core: Core) {
    super();
  }

  protected call<K extends Method>(method: K, args: Parameters<Core[K]>): Promise<ReturnType<Core[K]>> {
    return Promise.resolve(callCore(this.core, method, args));
  }
  runWindow(specs: readonly WindowSpec[]): Promise<WindowResult[]> {
    return Promise.resolve(specs.map((s) => this.core.run(s)));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
