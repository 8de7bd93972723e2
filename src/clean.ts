/**
 * Finds what killed runs of this tool left in the host IPC namespace, and
 * nothing else: an object is the tool's only if a dead run's journal lists it
 * as created and not removed, and it still has the journaled kind, id and
 * key, mode 0600, the run's uid as creator, and a creation time no earlier
 * than the run's start and no later than its journal's last write. Only the
 * user's own journals, in folders only that user can write, are read. POSIX
 * queues carry the tool's name prefix and pid, and must be the user's, 0600.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { listJournals, type JournalContents } from './journal.js';
import { allObjects, KIND_CODE, type SysvKind, type SysvObject } from './sysvipc.js';

export interface Leftover {
  kind: SysvKind | 'mq';
  id: number;
  key: number;
  /** The dead run that made it. */
  pid: number;
  name?: string;
}

export interface LeftoverScan {
  leftovers: Leftover[];
  /** Journals of dead runs (removed by clean once their objects are gone). */
  journals: JournalContents[];
  /** Journal entries whose id now belongs to some other object: left alone. */
  foreign: Leftover[];
}

/** True while the pid runs this tool's CLI, the only writer of journals (their owner still at work). */
export function runIsAlive(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('ipcns-bench') || cmd.includes('cli.js');
  } catch {
    return false;
  }
}

/** Still the object the run journaled: same key, mode 0600, creator, and made while the run was writing. */
function matches(o: SysvObject, j: JournalContents, key: number): boolean {
  return o.key === key && o.perms === 0o600 && o.cuid === j.uid && o.ctime >= j.started && o.ctime <= j.lastWrite;
}

export function scanLeftovers(): LeftoverScan {
  const objects = allObjects();
  const journals = listJournals().filter((j) => j.pid !== process.pid && !runIsAlive(j.pid));
  const leftovers: Leftover[] = [];
  const foreign: Leftover[] = [];
  for (const j of journals) {
    for (const e of j.live) {
      const o = objects.find((x) => x.kind === e.kind && x.id === e.id);
      if (!o) continue; // already gone
      (matches(o, j, e.key) ? leftovers : foreign).push({ kind: e.kind, id: e.id, key: e.key, pid: j.pid });
    }
  }
  for (const name of toolQueueNames()) {
    const pid = Number(/^ipcnsb-(\d+)-/.exec(name)?.[1]);
    if (pid && !runIsAlive(pid) && !pidAlive(pid) && ownedByMe(`/dev/mqueue/${name}`)) leftovers.push({ kind: 'mq', id: -1, key: 0, pid, name });
  }
  return { leftovers, journals, foreign };
}

function ownedByMe(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.uid === process.getuid?.() && (st.mode & 0o777) === 0o600;
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Names in the host's mqueue mount that carry the tool's prefix. */
export function toolQueueNames(): string[] {
  try {
    return readdirSync('/dev/mqueue').filter((n) => n.startsWith('ipcnsb-'));
  } catch {
    return [];
  }
}

export interface CleanResult {
  removed: Leftover[];
  failed: Array<Leftover & { errno: number }>;
  foreign: Leftover[];
  journals: string[];
}

/** Removes the leftovers found by scanLeftovers; `remove` is the core's ipcb_remove. */
export function removeLeftovers(scan: LeftoverScan, remove: (kind: number, id: number) => number): CleanResult {
  const removed: Leftover[] = [];
  const failed: Array<Leftover & { errno: number }> = [];
  for (const l of scan.leftovers) {
    if (l.kind === 'mq') {
      try {
        unlinkSync(`/dev/mqueue/${l.name ?? ''}`);
        removed.push(l);
      } catch (e) {
        failed.push({ ...l, errno: (e as NodeJS.ErrnoException).errno ?? -1 });
      }
      continue;
    }
    const err = remove(KIND_CODE[l.kind], l.id);
    if (err === 0) removed.push(l);
    else failed.push({ ...l, errno: err });
  }
  const journals: string[] = [];
  for (const j of scan.journals) {
    if (failed.some((f) => f.pid === j.pid)) continue;
    rmSync(j.path, { force: true });
    journals.push(j.path);
  }
  return { removed, failed, foreign: scan.foreign, journals };
}
