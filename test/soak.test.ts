/**
 * 200 short scenarios back to back through the real core and the piscina
 * pool: the process's open fds, its children and the host's IPC objects end
 * where they started.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { monotonicNs } from '../src/clock.js';
import { PoolExecutor } from '../src/executor.js';
import { Scheduler } from '../src/scheduler.js';
import { expand, type Budget } from '../src/suite.js';
import type { NamespaceLimits } from '../src/types.js';
import { WORKLOADS } from '../src/workloads.js';
import { usableCpus } from '../src/placement.js';
import { seededRandom } from '../src/mock-core.js';
import { childPids, sysvObjects, toolQueues } from './helpers/host-ipc.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;
const objectIds = (): string[] => sysvObjects().map((o) => `${o.kind}:${o.id}`).sort();

describe('soak', () => {
  it('200 scenarios leave fds, children and host IPC objects as they were', async () => {
    const budget: Budget = { capMs: 20, margin: 0.05, windowMs: 10, warmupRounds: 0, minRounds: 2, maxRounds: 2, sampleEvery: 16, precision: 0 };
    const all = expand({
      name: 'soak', description: '', budget,
      matrix: [{ workload: WORKLOADS.map((w) => w.name), mode: ['host', 'shared', 'isolated'], workers: [1, 2], placement: ['same-cpu'] }],
    });
    const scenarios = Array.from({ length: 200 }, (_, i) => all[i % all.length]!);
    const exec = new PoolExecutor(2);
    await Promise.all([exec.nowNs(), exec.nowNs()]);
    const host = await exec.limits(false, 'privileged', {});
    const fresh = await exec.limits(true, 'privileged', {});
    if (!host.ok || !fresh.ok) throw new Error('limits');
    const limits = { host: host.value as NamespaceLimits, fresh: fresh.value as NamespaceLimits };
    // Measure the baseline once the pool is warm: its threads and their fds are the starting point.
    const fds0 = openFds();
    const kids0 = childPids().length;
    const objects0 = objectIds();
    const scheduler = new Scheduler({
      executor: exec, cpus: usableCpus(), route: 'privileged', limits: () => Promise.resolve(limits),
      nowNs: monotonicNs, wallMs: () => performance.now(), random: seededRandom(3),
      plan: { alphaRun: 0.05, comparisons: { throughput: 1, 'latency-p50': 1, 'latency-p99': 1 } },
    }, budget);
    const failures: string[] = [];
    for (const s of scenarios) {
      const { results } = await scheduler.runGroup([s]);
      for (const r of results) if (r.state !== 'completed') failures.push(`${r.id}: ${r.failure?.message ?? r.state}`);
    }
    expect(failures).toEqual([]);
    expect(openFds()).toBe(fds0);
    expect(childPids().length).toBe(kids0);
    expect(objectIds()).toEqual(objects0);
    expect(toolQueues()).toEqual([]);
    await exec.close();
  }, 180_000);
});
