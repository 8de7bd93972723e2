/**
 * Where a path really leads, checked one component at a time from / the way
 * the kernel resolves it, trusting only what no other user can change. The
 * tool often runs as root on a machine shared with others: a link or a folder
 * of another user anywhere in a path (not just at its end) could send what it
 * writes anywhere. So, on the way down:
 * - every folder must belong to root or to the caller, and must not be
 *   writable by group or others unless it is sticky (as /tmp is: others may
 *   add names there, but not rename or remove what is not theirs);
 * - a symbolic link is followed only if root or the caller owns it (/var/run
 *   -> /run, /dev/stdout), and what it leads to is checked the same way;
 * - `..` goes up from where the walk really is, as the kernel does, not from
 *   the text before it.
 * The caller is this process's user, and under sudo also the user who ran
 * sudo (SUDO_UID, set by sudo itself): `sudo ipcns-bench run --json x.json`
 * in one's own folder works, another user's folder is refused.
 *
 * Node has no openat(); the walk is made safe by what it checks instead:
 * after it, only root or the caller can change any folder on the path, so
 * the path names the same things when the file is opened. Callers still open
 * with O_NOFOLLOW and compare dev and ino with what the walk saw.
 */
import { lstatSync, readlinkSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** The kernel gives up after 40 links in one lookup; so does the walk. */
const MAX_LINKS = 40;
const PROC_SUPER_MAGIC = 0x9fa0;

const uid = (): number => process.getuid?.() ?? -1;

/** root, this process's user, and under sudo (as root) the user who ran sudo. */
export function trustedUids(): number[] {
  const out = [0, uid()];
  const sudo = process.env['SUDO_UID'];
  if (uid() === 0 && sudo !== undefined && /^\d{1,10}$/.test(sudo)) out.push(Number(sudo));
  return out;
}

/** A path that leads through something another user controls; the message names the component. */
export class UnsafePath extends Error {
  override readonly name = 'UnsafePath';
  /** `missing`: the problem is only that a folder on the way is not there (the fix is to make it). */
  constructor(
    message: string,
    readonly missing = false,
  ) {
    super(message);
  }
}

/** A one-line description of what is at a path, for messages. */
export function what(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a regular file';
}

export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Why the folder at `path` (already lstat'ed) lets someone other than root or the caller change what is in it, or null. */
export function folderProblem(path: string, st: Stats): string | null {
  if (!st.isDirectory()) return `${path} is ${what(st)}, not a folder`;
  if (!trustedUids().includes(st.uid)) return `${path} is owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return `${path} can be written by others (mode ${(st.mode & 0o7777).toString(8)})`;
  return null;
}

/** A folder as the walk found it: its path without links, and what it is. */
export interface Folder {
  path: string;
  dev: number;
  ino: number;
}

export interface Walked {
  /** Where the path leads, every link resolved: no component of it is a link (but see `magic`). */
  path: string;
  /** What is there (lstat); null when the last component does not exist yet. */
  st: Stats | null;
  /** The checked folder it is in. */
  folder: Folder;
  /**
   * The last component is a link of /proc (/proc/self/fd/1) to a pipe, a
   * socket or a device: it names no path, so the kernel must follow it, and
   * `st` is what it leads to now. A caller opens it and checks dev and ino.
   */
  magic: boolean;
}

function isProc(path: string): boolean {
  try {
    return statfsSync(path).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

function checkedFolder(path: string): Folder {
  const st = lstatSync(path);
  const problem = folderProblem(path, st);
  if (problem) throw new UnsafePath(problem);
  return { path, dev: st.dev, ino: st.ino };
}

/**
 * Walks `given` (relative to the working folder) component by component.
 * Throws UnsafePath naming the first component that another user controls, a
 * folder on the way that does not exist, or a loop of links. The last
 * component may be anything, or missing; with `lastLink: 'refuse'` it must
 * not be a link at all.
 */
export function walk(given: string, lastLink: 'follow' | 'refuse' = 'follow'): Walked {
  const full = given.startsWith('/') ? given : `${process.cwd()}/${given}`;
  const todo = full.split('/').filter((c) => c !== '' && c !== '.');
  let folder = checkedFolder('/');
  let links = 0;
  for (;;) {
    const name = todo.shift();
    if (name === undefined) {
      // The path named a folder (or /): it is its own result.
      const st = lstatSync(folder.path);
      return { path: folder.path, st, folder: folder.path === '/' ? folder : checkedFolder(dirname(folder.path)), magic: false };
    }
    if (name === '..') {
      folder = checkedFolder(dirname(folder.path));
      continue;
    }
    const next = folder.path === '/' ? `/${name}` : `${folder.path}/${name}`;
    const last = todo.length === 0;
    const st = lstatOrNull(next);
    if (!st) {
      if (last) return { path: next, st: null, folder, magic: false };
      throw new UnsafePath(`the folder ${next} does not exist`, true);
    }
    if (st.isSymbolicLink()) {
      if (!trustedUids().includes(st.uid)) throw new UnsafePath(`${next} is a symbolic link (of uid ${st.uid})`);
      if (last && lastLink === 'refuse') throw new UnsafePath(`${next} is a symbolic link (of uid ${st.uid})`);
      if (last && isProc(folder.path)) {
        let to: Stats | null = null;
        try {
          to = statSync(next);
        } catch {
          // leads nowhere: read as text below, which then fails to exist
        }
        if (to && !to.isFile() && !to.isDirectory()) return { path: next, st: to, folder, magic: true };
      }
      if (++links > MAX_LINKS) throw new UnsafePath(`${next}: too many levels of symbolic links`);
      const text = readlinkSync(next);
      if (text.startsWith('/')) folder = checkedFolder('/');
      todo.unshift(...text.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    if (last) return { path: next, st, folder, magic: false };
    const problem = folderProblem(next, st);
    if (problem) throw new UnsafePath(problem);
    folder = { path: next, dev: st.dev, ino: st.ino };
  }
}

/** Walks a path that must be an existing folder no one else can change (a link to one is followed, unless `lastLink` refuses it). */
export function walkFolder(given: string, lastLink: 'follow' | 'refuse' = 'follow'): Folder {
  const w = walk(given, lastLink);
  if (!w.st) throw new UnsafePath(`the folder ${w.path} does not exist`, true);
  const problem = folderProblem(w.path, w.st);
  if (problem) throw new UnsafePath(problem);
  return { path: w.path, dev: w.st.dev, ino: w.st.ino };
}
