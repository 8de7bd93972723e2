/**
 * The journal of objects a run creates in the host namespace: one file per
 * run, appended to by the measured processes themselves (O_APPEND, one line
 * per object created or removed). A run that ends normally deletes it; one
 * that was killed leaves it for `ipcns-bench clean`.
 */
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIR } from './document.js';
import type { SysvKind } from './sysvipc.js';

const HEADER = '# ipcns-bench journal';

/** Where journals live: results/.journal, or a per-user folder under the temp dir if results/ is not writable. */
export function journalDirs(): string[] {
  return [join(RESULTS_DIR, '.journal'), join(tmpdir(), `ipcns-bench-${process.getuid?.() ?? 'user'}`, 'journal')];
}

export interface Journal {
  fd: number;
  path: string;
}

/**
 * A journal folder is trusted only if it is a real folder (not a link), owned
 * by this user and closed to everyone else: the temp-dir fallback could
 * otherwise be prepared by another user to make `clean` remove foreign objects.
 */
export function trustedDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export function openJournal(startedAt: Date): Journal | undefined {
  for (const dir of journalDirs()) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!trustedDir(dir)) continue;
      const path = join(dir, `${process.pid}.journal`);
      const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, `${HEADER} pid=${process.pid} uid=${process.getuid?.() ?? -1} started=${Math.floor(startedAt.getTime() / 1000)}\n`);
      return { fd, path };
    } catch {
      // try the next folder
    }
  }
  return undefined;
}

/** Closes the journal; deletes it when every object it lists was removed. */
export function closeJournal(j: Journal): void {
  closeSync(j.fd);
  if (readJournal(j.path)?.live.length === 0) rmSync(j.path, { force: true });
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
  /** Objects created and not (yet) removed, in creation order. */
  live: JournalEntry[];
}

export function readJournal(path: string): JournalContents | undefined {
  let text: string;
  let lastWrite: number;
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.uid !== process.getuid?.()) return undefined;
    lastWrite = Math.ceil(st.mtimeMs / 1000);
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [first, ...lines] = text.split('\n');
  const m = /^# ipcns-bench journal pid=(\d+) uid=(-?\d+) started=(\d+)$/.exec(first ?? '');
  if (!m) return undefined;
  const live = new Map<string, JournalEntry>();
  for (const line of lines) {
    const e = /^(msg|sem|shm) (\d+) (\d+) ([+-])$/.exec(line);
    if (!e) continue;
    const kind = e[1] as SysvKind;
    const id = Number(e[2]);
    if (e[4] === '+') live.set(`${kind}:${id}`, { kind, id, key: Number(e[3]) });
    else live.delete(`${kind}:${id}`);
  }
  if (Number(m[2]) !== process.getuid?.()) return undefined;
  return { path, pid: Number(m[1]), uid: Number(m[2]), started: Number(m[3]), lastWrite, live: [...live.values()] };
}

/** Every journal left in the journal folders. */
export function listJournals(): JournalContents[] {
  const out: JournalContents[] = [];
  for (const dir of journalDirs()) {
    if (!existsSync(dir) || !trustedDir(dir)) continue;
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
