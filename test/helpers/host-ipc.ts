/** What the host IPC namespace holds, and this process's children, for leftover checks. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allObjects, type SysvObject } from '../../src/measure/sysvipc.js';

export type { SysvObject };
export const sysvObjects = allObjects;

let mounted: string | undefined;

/**
 * A mount of this IPC namespace's mqueue filesystem: /dev/mqueue where the
 * system has it; else one mounted (as root) in a temporary folder for this
 * process, unmounted when it exits. Without one, a check for leftover POSIX
 * queues would see nothing and prove nothing.
 */
export function mqueueDir(): string {
  if (mounted) return mounted;
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' '));
  if (mounts.some((m) => m[1] === '/dev/mqueue' && m[2] === 'mqueue')) return (mounted = '/dev/mqueue');
  const dir = mkdtempSync(join(tmpdir(), 'ipcns-mqueue-'));
  execFileSync('mount', ['-t', 'mqueue', 'mqueue', dir]);
  process.on('exit', () => {
    try {
      execFileSync('umount', [dir]);
      rmdirSync(dir);
    } catch {
      // left for the system
    }
  });
  return (mounted = dir);
}

/** POSIX queues of this IPC namespace that carry the tool's name prefix. */
export function toolQueues(): string[] {
  return readdirSync(mqueueDir()).filter((n) => n.startsWith('ipcnsb-'));
}

/** Objects present now that were not in `before` and that belong to the given pids, ids or keys. */
export function newToolObjects(before: readonly SysvObject[], mine: { pids: Set<number>; ids: Set<string>; keys: Set<number> }): SysvObject[] {
  const seen = new Set(before.map((o) => `${o.kind}:${o.id}`));
  return sysvObjects()
    .filter((o) => !seen.has(`${o.kind}:${o.id}`))
    .filter((o) => o.pids.some((p) => mine.pids.has(p)) || mine.ids.has(`${o.kind}:${o.id}`) || (o.key !== 0 && mine.keys.has(o.key)));
}

/** True if /proc still has the pid (alive or a zombie). */
export function pidExists(pid: number): boolean {
  return pid > 0 && existsSync(`/proc/${pid}`);
}

/** Child processes of `parent` (this process by default), from /proc, zombies included. */
export function childPids(parent: number = process.pid): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
