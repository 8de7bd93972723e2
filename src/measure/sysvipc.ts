/** The SysV IPC objects of this process's IPC namespace, as /proc/sysvipc lists them. */
import { readFileSync } from 'node:fs';

export type SysvKind = 'msg' | 'sem' | 'shm';
export const SYSV_KINDS: readonly SysvKind[] = ['msg', 'sem', 'shm'];
/** The core's object kind codes (native/src/core.h). */
export const KIND_CODE: Record<SysvKind, number> = { msg: 1, sem: 2, shm: 3 };

export interface SysvObject {
  kind: SysvKind;
  key: number;
  id: number;
  /** Permission bits, e.g. 0o600. */
  perms: number;
  cuid: number;
  /** Creation (or last IPC_SET) time, seconds since the epoch. */
  ctime: number;
  /** Pids the kernel records: lspid/lrpid (msg), cpid/lpid (shm); none for sem. */
  pids: number[];
  /** Semaphores in the set (sem), bytes of the segment (shm); 0 for msg. */
  size: number;
}

const ID_COLUMN: Record<SysvKind, string> = { msg: 'msqid', sem: 'semid', shm: 'shmid' };
const PID_COLUMNS: Record<SysvKind, string[]> = { msg: ['lspid', 'lrpid'], sem: [], shm: ['cpid', 'lpid'] };

export function listObjects(kind: SysvKind): SysvObject[] {
  let text: string;
  try {
    text = readFileSync(`/proc/sysvipc/${kind}`, 'utf8');
  } catch {
    return [];
  }
  const lines = text.trim().split('\n');
  const header = (lines.shift() ?? '').trim().split(/\s+/);
  const col = (name: string): number => header.indexOf(name);
  return lines
    .filter((l) => l.trim())
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const num = (name: string): number => Number(f[col(name)] ?? NaN);
      return {
        kind,
        key: num('key') >>> 0,
        id: num(ID_COLUMN[kind]),
        perms: Number.parseInt(f[col('perms')] ?? '0', 8) & 0o777,
        cuid: num('cuid'),
        ctime: num('ctime'),
        pids: PID_COLUMNS[kind].map(num),
        size: kind === 'sem' ? num('nsems') : kind === 'shm' ? num('size') : 0,
      };
    });
}

export function allObjects(): SysvObject[] {
  return SYSV_KINDS.flatMap(listObjects);
}

/** What the objects of this namespace already take of its counted limits (kernel.msgmni, kernel.sem, kernel.shmmni, kernel.shmall). */
export interface NamespaceUsage {
  queues: number;
  semSets: number;
  sems: number;
  segments: number;
  /** Pages of 4 KiB, as kernel.shmall counts them on x86-64. */
  shmPages: number;
}

export function namespaceUsage(objects: readonly SysvObject[] = allObjects()): NamespaceUsage {
  const of = (k: SysvKind): SysvObject[] => objects.filter((o) => o.kind === k);
  const sum = (xs: SysvObject[], f: (o: SysvObject) => number): number => xs.reduce((a, o) => a + (Number.isFinite(f(o)) ? f(o) : 0), 0);
  return {
    queues: of('msg').length,
    semSets: of('sem').length,
    sems: sum(of('sem'), (o) => o.size),
    segments: of('shm').length,
    shmPages: sum(of('shm'), (o) => Math.ceil(o.size / 4096)),
  };
}
