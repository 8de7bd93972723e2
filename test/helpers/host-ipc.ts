/** What the host IPC namespace holds, and this process's children, for leftover checks. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { toolQueueNames } from '../../src/clean.js';
import { allObjects, type SysvObject } from '../../src/sysvipc.js';

export type { SysvObject };
export const sysvObjects = allObjects;

/** POSIX queues in the host's mqueue mount that carry the tool's name prefix. */
export const toolQueues = toolQueueNames;

/** Objects present now that were not in `before` and that belong to the given pids, ids or keys. */
export function newToolObjects(before: readonly SysvObject[], mine: { pids: Set<number>; ids: Set<string>; keys: Set<number> }): SysvObject[] {
  const seen = new Set(before.map((o) => `${o.kind}:${o.id}`));
  return sysvObjects().filter((o) => !seen.has(`${o.kind}:${o.id}`)).filter(
    (o) => o.pids.some((p) => mine.pids.has(p)) || mine.ids.has(`${o.kind}:${o.id}`) || (o.key !== 0 && mine.keys.has(o.key)),
  );
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
