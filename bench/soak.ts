/**
 * npm run soak [-- N]: N short scenarios (default 200) back to back through
 * the real core and the piscina pool, every workload in every mode; prints,
 * as JSON, the process's open fds, children and its IPC namespace's objects
 * before and after, and every scenario that did not complete. The tool's
 * resources must end where they started (test/soak.test.ts runs this in an
 * IPC namespace of its own, so that the objects it counts are its own).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monotonicNs } from '../src/common/clock.js';
import { PoolExecutor } from '../src/measure/executor.js';
import { seededRandom } from '../src/measure/mock-core.js';
import { usableCpus } from '../src/plan/placement.js';
import { GroupRunner } from '../src/document/group.js';
import { expand, type Budget } from '../src/plan/suite.js';
import { allObjects } from '../src/measure/sysvipc.js';
import type { NamespaceLimits } from '../src/common/types.js';
import { WORKLOADS } from '../src/plan/workloads.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;
const objectIds = (): string[] =>
  allObjects()
    .map((o) => `${o.kind}:${o.id}`)
    .sort();

/** Children of this process, zombies included. */
function children(): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 200);
  const budget: Budget = { capMs: 20, margin: 0.05, windowMs: 10, warmupRounds: 0, minRounds: 2, maxRounds: 2, sampleEvery: 16, precision: 0 };
  const all = expand({
    name: 'soak',
    description: '',
    budget,
    matrix: [{ workload: WORKLOADS.map((w) => w.name), mode: ['host', 'shared', 'isolated'], workers: [1, 2], placement: ['same-cpu'] }],
  });
  const scenarios = Array.from({ length: count }, (_, i) => all[i % all.length]);
  const exec = new PoolExecutor(2);
  await Promise.all([exec.nowNs(), exec.nowNs()]);
  const host = await exec.limits(false, 'privileged', {});
  const fresh = await exec.limits(true, 'privileged', {});
  if (!host.ok || !fresh.ok) throw new Error('limits');
  const limits = { host: host.value as NamespaceLimits, fresh: fresh.value as NamespaceLimits };
  // The baseline once the pool is warm: its threads and their fds are the starting point.
  const before = { fds: openFds(), children: children(), objects: objectIds() };
  const scheduler = new GroupRunner(
    {
      executor: exec,
      cpus: usableCpus(),
      route: 'privileged',
      limits: () => Promise.resolve(limits),
      nowNs: monotonicNs,
      wallMs: () => performance.now(),
      random: seededRandom(3),
      plan: { alphaRun: 0.05, comparisons: { throughput: 1, 'latency-p50': 1, 'latency-p99': 1 } },
    },
    budget,
  );
  const failures: string[] = [];
  for (const s of scenarios) {
    if (!s) continue;
    const { results } = await scheduler.runGroup([s]);
    for (const r of results) if (r.state !== 'completed') failures.push(`${r.id}: ${r.failure?.message ?? r.state}`);
  }
  const after = { fds: openFds(), children: children(), objects: objectIds() };
  await exec.close();
  process.stdout.write(`${JSON.stringify({ scenarios: count, failures, before, after })}\n`);
}

await main();
