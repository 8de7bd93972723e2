/**
 * The journal of objects a run creates in the host namespace: one file per
 * run, appended to by the measured processes themselves (O_APPEND, one line
 * per object created or removed). The run holds an flock on it for its whole
 * life (its measured processes inherit the descriptor, so the lock outlives
 * the tool until they are gone too): `clean` takes only journals whose lock
 * it can take, whatever pid namespace their run was in and whatever it was
 * called. A run that ends normally deletes its journal; one that was killed
 * leaves it for `ipcns-bench clean`.
 *
 * Journals live in the first safe folder of: $XDG_RUNTIME_DIR/ipcns-bench,
 * the package's results/.journal, <temp dir>/ipcns-bench-<uid>: the same
 * for every run and every `clean`, whatever folder they start in. Safe: a
 * real folder of this user that only it can use, under folders only root or
 * it can change (common/safe-path.ts). Another user who prepared one of
 * them (or a link in its place, or anywhere above it) makes that one unsafe;
 * a run in host mode does not go on without a journal.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, lstatSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { createExclusive, makeFolder, readBounded, renameInFolder, unsafeFolder } from '../common/files.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import type { SysvKind } from './sysvipc.js';

const HEADER = '# ipcns-bench journal';
const { O_WRONLY, O_APPEND } = constants;
/** A journal is a few lines per window: this is far beyond any real one. */
const MAX_JOURNAL_BYTES = 64 << 20;
const uid = (): number => process.getuid?.() ?? -1;

/** The folders journals may live in, most private first. */
export function journalDirs(): string[] {
  const out: string[] = [];
  const xdg = process.env['XDG_RUNTIME_DIR'];
  if (xdg && isAbsolute(xdg)) out.push(join(xdg, 'ipcns-bench'));
  out.push(join(PACKAGE_ROOT, 'results', '.journal'));
  out.push(join(tmpdir(), `ipcns-bench-${uid()}`));
  return out;
}

export interface Journal {
  fd: number;
  path: string;
}

/** Thrown when no folder is safe for the journal: a host-mode run cannot go on. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
}

/**
 * Creates this run's journal in the first safe folder, locked with `lock`
 * (flock through the core) before it takes its name: a journal that `clean`
 * can see is always locked while its run lives. Throws JournalError naming
 * each folder's problem and the fix.
 */
export async function openJournal(startedAt: Date, lock: (fd: number) => Promise<number>): Promise<Journal> {
  const problems: string[] = [];
  for (const dir of journalDirs()) {
    // Made (0700) if its parent is safe.
    const problem = makeFolder(dir, 0o700, true);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const id = randomBytes(12).toString('base64url');
    const hidden = join(dir, `.${id}.tmp`);
    const path = join(dir, `${id}.journal`);
    let fd = -1;
    try {
      fd = createExclusive(hidden, O_WRONLY | O_APPEND);
      const err = await lock(fd);
      if (err !== 0) throw new Error(`flock: errno ${err}`);
      writeSync(fd, `${HEADER} pid=${process.pid} uid=${uid()} started=${Math.floor(startedAt.getTime() / 1000)}\n`);
      renameInFolder(hidden, path);
      return { fd, path };
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      try {
        unlinkSync(hidden);
      } catch {
        // not there
      }
      problems.push(`${dir}: ${(e as Error).message}`);
    }
  }
  throw new JournalError(
    `no safe folder for the journal of host-mode objects (${problems.join('; ')}); ` +
      `set XDG_RUNTIME_DIR to a folder of uid ${uid()} that only it can use, or remove what another user made in its place, or run without --mode host`,
  );
}

/** Closes the journal; deletes it first when every object it lists was removed (while still holding its lock). */
export function closeJournal(j: Journal): void {
  if (readJournal(j.path)?.live.length === 0) {
    try {
      unlinkSync(j.path);
    } catch {
      // gone already
    }
  }
  closeSync(j.fd);
}

export interface JournalEntry {
  kind: SysvKind;
  id: number;
  key: number;
}

export interface JournalContents {
  path: string;
  pid: number;
  uid: number;
  /** Seconds since the epoch. */
  started: number;
  /** When the run last wrote to it (seconds since the epoch): nothing it made is younger. */
  lastWrite: number;
  /** SysV objects created and not (yet) removed, in creation order. */
  live: JournalEntry[];
  /** POSIX queue names opened and not (yet) unlinked. */
  queues: string[];
}

/** Reads a journal of this user; undefined when it is not one (or not this user's). */
export function readJournal(path: string): JournalContents | undefined {
  let text: string;
  let lastWrite: number;
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.uid !== uid()) return undefined;
    lastWrite = Math.ceil(st.mtimeMs / 1000);
    text = readBounded(path, MAX_JOURNAL_BYTES, '');
  } catch {
    return undefined;
  }
  const [first, ...lines] = text.split('\n');
  const m = /^# ipcns-bench journal pid=(\d+) uid=(-?\d+) started=(\d+)$/.exec(first ?? '');
  if (!m || Number(m[2]) !== uid()) return undefined;
  const live = new Map<string, JournalEntry>();
  const queues = new Set<string>();
  for (const line of lines) {
    const e = /^(msg|sem|shm) (\d+) (\d+) ([+-])$/.exec(line);
    if (e) {
      const kind = e[1] as SysvKind;
      const id = Number(e[2]);
      if (e[4] === '+') live.set(`${kind}:${id}`, { kind, id, key: Number(e[3]) });
      else live.delete(`${kind}:${id}`);
      continue;
    }
    // A name of random hex digits (native/src/mq_common.c), or "<pid>-<n>" in the journal of a run of an earlier version.
    const q = /^mq (\/ipcnsb-(?:[0-9a-f]{13}|\d+-\d+)) ([+-])$/.exec(line);
    if (q?.[1]) {
      if (q[2] === '+') queues.add(q[1]);
      else queues.delete(q[1]);
    }
  }
  return { path, pid: Number(m[1]), uid: Number(m[2]), started: Number(m[3]), lastWrite, live: [...live.values()], queues: [...queues] };
}

/** Every journal of this user in the safe journal folders. */
export function listJournals(): JournalContents[] {
  const out: JournalContents[] = [];
  for (const dir of journalDirs()) {
    if (unsafeFolder(dir, true)) continue;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.journal'))) {
      const j = readJournal(join(dir, name));
      if (j) out.push(j);
    }
  }
  return out;
}
