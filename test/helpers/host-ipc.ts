/** What the host IPC namespace holds, read from /proc, for leftover checks. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface SysvObject {
  kind: 'msg' | 'sem' | 'shm';
  key: number;
  id: number;
  /** Pids the kernel records for the object: lspid/lrpid (msg), cpid/lpid (shm); none for sem. */
  pids: number[];
}

function parse(kind: SysvObject['kind']): SysvObject[] {
  const lines = readFileSync(`/proc/sysvipc/${kind}`, 'utf8').trim().split('\n');
  const header = (lines.shift() ?? '').trim().split(/\s+/);
  const col = (name: string): number => header.indexOf(name);
  const pidCols = (kind === 'msg' ? ['lspid', 'lrpid'] : kind === 'shm' ? ['cpid', 'lpid'] : []).map(col);
  return lines.filter((l) => l.trim()).map((l) => {
    const f = l.trim().split(/\s+/).map(Number);
    return { kind, key: f[col('key')] ?? 0, id: f[col(kind === 'msg' ? 'msqid' : kind === 'sem' ? 'semid' : 'shmid')] ?? -1, pids: pidCols.map((c) => f[c] ?? 0) };
  });
}

export function sysvObjects(): SysvObject[] {
  return [...parse('msg'), ...parse('sem'), ...parse('shm')];
}

/** POSIX queues in the host's mqueue mount that carry the tool's name prefix. */
export function toolQueues(): string[] {
  if (!existsSync('/dev/mqueue')) return [];
  try {
    return readdirSync('/dev/mqueue').filter((n) => n.startsWith('ipcnsb-'));
  } catch {
    return [];
  }
}

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

/** Child processes of this process, from /proc (zombies included). */
export function childPids(): number[] {
  const me = process.pid;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === me) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
