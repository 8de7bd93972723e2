/** What the machine is: recorded in every result document, shown by doctor. */
import { readFileSync } from 'node:fs';
import { arch, cpus, release } from 'node:os';
import { usableCpus } from '../plan/placement.js';
import type { Route } from '../common/types.js';

const CAP_SYS_ADMIN = 21n;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Effective capabilities of this process, from /proc/self/status. */
export function effectiveCaps(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readText('/proc/self/status') ?? '');
  return m?.[1] ? BigInt(`0x${m[1]}`) : 0n;
}

export function hasCapSysAdmin(): boolean {
  return ((effectiveCaps() >> CAP_SYS_ADMIN) & 1n) === 1n;
}

/** Fresh namespaces come from CLONE_NEWIPC with CAP_SYS_ADMIN, else from a new user namespace. */
export function defaultRoute(): Route {
  return hasCapSysAdmin() ? 'privileged' : 'userns';
}

export interface Machine {
  kernel: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  usableCpus: number[];
  clocksource: string;
  node: string;
  uid: number;
  capSysAdmin: boolean;
}

export function machine(): Machine {
  const list = cpus();
  return {
    kernel: release(),
    arch: arch(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    usableCpus: usableCpus(),
    clocksource: readText('/sys/devices/system/clocksource/clocksource0/current_clocksource') ?? 'unknown',
    node: process.version,
    uid: process.getuid?.() ?? -1,
    capSysAdmin: hasCapSysAdmin(),
  };
}
