/**
 * Finds what killed runs of this tool left in the host IPC namespace, and
 * nothing else. A run is dead when the lock on its journal can be taken (a
 * live run, and the measured processes it leaves while they still run, hold
 * it), whatever pid namespace it ran in. An object is the dead run's only if
 * its journal lists it as created and not removed, and it still has the
 * journaled kind, id and key, mode 0600, the run's uid as creator, and a
 * creation time no earlier than the run's start and no later than its
 * journal's last write. POSIX queues are the journal's by name, with the same
 * owner, mode and time checks.
 */
import { closeSync, constants, lstatSync, openSync, unlinkSync } from 'node:fs';
import { listJournals, type JournalContents } from './journal.js';
import { allObjects, KIND_CODE, type SysvKind, type SysvObject } from './sysvipc.js';
import type { LockOp } from '../common/types.js';

export interface Leftover {
  kind: SysvKind | 'mq';
  id: number;
  key: number;
  /** The pid the dead run had (in its own pid namespace), for messages. */
  pid: number;
  /** The journal that lists it. */
  journal: string;
  name?: string;
}

/** A journal whose run is dead, with its lock held until clean is done with it. */
export interface DeadJournal extends JournalContents {
  fd: number;
}

export interface LeftoverScan {
  leftovers: Leftover[];
  /** Journals of dead runs (removed by clean once their objects are gone); their locks are held. */
  journals: DeadJournal[];
  /** Journals still locked by a live run: left alone. */
  live: string[];
  /** Journal entries whose id now belongs to some other object: left alone. */
  foreign: Leftover[];
}

type Flock = (fd: number, op: LockOp) => number;

/** Still the object the run journaled: same key, mode 0600, creator, and made while the run was writing. */
function matches(o: SysvObject, j: JournalContents, key: number): boolean {
  return o.key === key && o.perms === 0o600 && o.cuid === j.uid && o.ctime >= j.started && o.ctime <= j.lastWrite;
}

/** The queue the journal named, if it is still there and still looks like the run's. */
function queueOf(j: JournalContents, name: string): boolean {
  try {
    const st = lstatSync(`/dev/mqueue${name}`);
    const ctime = Math.floor(st.ctimeMs / 1000);
    return st.isFile() && st.uid === j.uid && (st.mode & 0o777) === 0o600 && ctime >= j.started && ctime <= j.lastWrite;
  } catch {
    return false;
  }
}

/**
 * Scans the journals; those whose lock `flock` can take belong to dead runs
 * and stay locked (release them with releaseScan, or let removeLeftovers).
 */
export function scanLeftovers(flock: Flock): LeftoverScan {
  const objects = allObjects();
  const leftovers: Leftover[] = [];
  const foreign: Leftover[] = [];
  const journals: DeadJournal[] = [];
  const live: string[] = [];
  for (const j of listJournals()) {
    let fd: number;
    try {
      fd = openSync(j.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      continue; // gone meanwhile: its run ended
    }
    if (flock(fd, 'try') !== 0) {
      closeSync(fd);
      live.push(j.path);
      continue;
    }
    journals.push({ ...j, fd });
    for (const e of j.live) {
      const o = objects.find((x) => x.kind === e.kind && x.id === e.id);
      if (!o) continue; // already gone
      (matches(o, j, e.key) ? leftovers : foreign).push({ kind: e.kind, id: e.id, key: e.key, pid: j.pid, journal: j.path });
    }
    for (const name of j.queues) if (queueOf(j, name)) leftovers.push({ kind: 'mq', id: -1, key: 0, pid: j.pid, journal: j.path, name });
  }
  return { leftovers, journals, live, foreign };
}

/** Releases the locks a scan took (a dry run). */
export function releaseScan(scan: LeftoverScan): void {
  for (const j of scan.journals) closeSync(j.fd);
}

export interface CleanResult {
  removed: Leftover[];
  failed: Array<Leftover & { errno: number }>;
  foreign: Leftover[];
  live: string[];
  journals: string[];
}

/** Removes the leftovers found by scanLeftovers (`remove` is the core's ipcb_remove), then their journals, then the locks. */
export function removeLeftovers(scan: LeftoverScan, remove: (kind: number, id: number) => number): CleanResult {
  const removed: Leftover[] = [];
  const failed: Array<Leftover & { errno: number }> = [];
  for (const l of scan.leftovers) {
    if (l.kind === 'mq') {
      try {
        unlinkSync(`/dev/mqueue${l.name ?? ''}`);
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
    if (!failed.some((f) => f.journal === j.path)) {
      try {
        unlinkSync(j.path);
        journals.push(j.path);
      } catch {
        // removed by another clean meanwhile
      }
    }
    closeSync(j.fd);
  }
  return { removed, failed, foreign: scan.foreign, live: scan.live, journals };
}
