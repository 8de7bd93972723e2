/**
 * Which CPU each party of each worker runs on. Placement changes ping-pong
 * cost by almost an order of magnitude (a cross-CPU wake-up of an idle vCPU
 * costs far more than the IPC), so it is part of every scenario's identity.
 */
import { readFileSync } from 'node:fs';
import type { Placement } from '../common/types.js';

export interface Cpus {
  cpuA: number;
  cpuB: number;
}

/** CPUs for worker `index` of a scenario, chosen from the usable CPUs; -1 = not pinned. */
export function cpusFor(placement: Placement, index: number, cpus: readonly number[]): Cpus {
  const at = (i: number): number => cpus[i % cpus.length] ?? 0;
  switch (placement) {
    case 'any':
      return { cpuA: -1, cpuB: -1 };
    case 'same-cpu':
      return { cpuA: at(index), cpuB: at(index) };
    case 'split':
      return { cpuA: at(2 * index), cpuB: at(2 * index + 1) };
  }
}

/** Why a placement cannot be honoured here, or null. */
export function placementProblem(placement: Placement, cpus: readonly number[]): string | null {
  if (placement === 'split' && cpus.length < 2) {
    return `--placement split needs 2 CPUs, this process may use ${cpus.length}; use --placement same-cpu or any`;
  }
  return null;
}

/** The CPUs this process may run on (honours taskset and cgroup cpusets). */
export function usableCpus(): number[] {
  // Node does not expose sched_getaffinity; /proc/self/status carries the same mask.
  try {
    const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m?.[1]) {
      const list = parseCpuList(m[1]);
      if (list.length > 0) return list;
    }
  } catch {
    // not Linux /proc: fall through
  }
  return [0];
}

export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    const [a, b] = part.split('-').map((x) => Number.parseInt(x, 10));
    if (a === undefined || Number.isNaN(a)) continue;
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}
