/**
 * Files the tool writes and reads, on a machine shared with others. The tool
 * often runs as root; a neighbour may plant links, folders and files at the
 * names it uses. So every path it writes to is walked first, component by
 * component (common/safe-path.ts): a link or a folder anywhere on it that
 * another user controls is refused. Then:
 * - every new file (a document's next version, the write probe, a journal)
 *   is created exclusively (O_CREAT | O_EXCL | O_NOFOLLOW) in the checked
 *   folder, with an unpredictable name, mode 0600 until it is renamed into
 *   place; the folder is checked again (dev, ino) around every write;
 * - a target that exists and is not a regular file (a device, a FIFO, a
 *   terminal, /dev/stdout) is written in place, once, never replaced, and
 *   opened without blocking: a FIFO nobody reads fails at once instead of
 *   holding the process; a directory, a block device, a socket, or a file or
 *   link of another user is refused;
 * - an output is never one of the inputs, however it is reached (device and
 *   inode, not the path's text);
 * - the default folder results/ (in the working folder) is made, or used,
 *   only if it is a real folder of this user (or root) that nobody else can
 *   write;
 * - what is read (documents, suites) must be a regular file of bounded size,
 *   read through a descriptor opened without blocking on a FIFO.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import { type Folder, UnsafePath, walk, walkFolder, what, trustedUids } from './safe-path.js';
import { type StreamTarget, writeInPlace } from './streams.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, O_RDONLY, O_NONBLOCK, O_NOCTTY, O_APPEND } = constants;
const uid = (): number => process.getuid?.() ?? -1;

/** Where an output goes. */
export type Target =
  /** `-`: on stdout, once, at the end. */
  | { kind: 'stdout' }
  /**
   * A regular file (or none yet), `path` without links, in the checked
   * `folder`: replaced atomically at every write; `existing` is the file that
   * was there when it was checked; results/latest.json beside the default one.
   */
  | { kind: 'file'; path: string; folder: Folder; existing?: { dev: number; ino: number }; latest?: string }
  /** An existing device, FIFO or terminal: written in place, once, at the end (common/streams.ts). */
  | StreamTarget;

/** The one fix for every unsafe path, after the component's problem. */
const SAFE_PATH_FIX = 'give a path whose every folder belongs to you or root and that no one else can write';

/** A path's problem as a message that starts with the flag and the path as given. */
function refusal(flag: string, given: string, e: UnsafePath): UsageError {
  return new UsageError(`${flag}${given}: ${e.message}; ${e.missing ? 'create it, or give another path' : `not used: ${SAFE_PATH_FIX}`}`);
}

/**
 * Why a folder is not a safe place for this user's files, or null: a real
 * folder (not a link), under folders that only root or the caller can change
 * (links of theirs on the way are followed); with `ownOnly`, one of this very
 * user that no one else can even read.
 */
export function unsafeFolder(dir: string, ownOnly = false): string | null {
  let folder: Folder;
  try {
    folder = walkFolder(dir, 'refuse');
  } catch (e) {
    if (e instanceof UnsafePath) return e.message;
    throw e;
  }
  if (ownOnly) {
    const st = lstatSync(folder.path);
    if (st.uid !== uid() || (st.mode & 0o077) !== 0) {
      return `${folder.path} must be a folder of uid ${uid()} that only it can use (it is uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`;
    }
  }
  return null;
}

/**
 * Makes the folder `dir` (mode `mode`) if it is not there, inside its checked
 * parent; returns why it cannot be used (unsafeFolder), or null.
 */
export function makeFolder(dir: string, mode: number, ownOnly = false): string | null {
  try {
    const parent = walkFolder(dirname(dir));
    mkdirSync(`${parent.path}/${basename(dir)}`, { mode });
  } catch (e) {
    if (e instanceof UnsafePath) return e.message;
    const code = (e as NodeJS.ErrnoException).code;
    // There already: what it is is checked below.
    if (code !== 'EEXIST') return `${dir}: ${code ?? (e as Error).message}`;
  }
  return unsafeFolder(dir, ownOnly);
}

/** The folder `path` is in, checked again now; throws if it is no longer the one checked at the start (`expected`). */
function folderOf(path: string, expected?: Folder): Folder {
  const folder = walkFolder(dirname(path));
  if (expected && (folder.dev !== expected.dev || folder.ino !== expected.ino || folder.path !== expected.path)) {
    throw new UnsafePath(`${dirname(path)} is not the folder it was when it was checked`);
  }
  return folder;
}

/**
 * Creates `path` exclusively (never through a link, never an existing file)
 * inside its checked folder, opened with `flags` (O_WRONLY, O_APPEND...).
 * Returns the descriptor; throws UnsafePath or the system's error.
 */
export function createExclusive(path: string, flags: number, mode = 0o600, expected?: Folder): number {
  const folder = folderOf(path, expected);
  const fd = openSync(`${folder.path}/${basename(path)}`, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, mode);
  try {
    // The file is in the folder the walk saw: the name was not steered elsewhere between the walk and the open.
    const st = fstatSync(fd);
    const now = lstatSync(folder.path);
    if (!st.isFile() || st.dev !== folder.dev || now.dev !== folder.dev || now.ino !== folder.ino) {
      throw new UnsafePath(`${folder.path} changed while ${basename(path)} was created in it`);
    }
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** Renames `from` to `to` within one checked folder (rename never follows a link at either name). */
export function renameInFolder(from: string, to: string, expected?: Folder): void {
  const folder = folderOf(to, expected);
  if (dirname(from) !== dirname(to)) throw new Error(`${from} and ${to} are not in one folder`);
  renameSync(`${folder.path}/${basename(from)}`, `${folder.path}/${basename(to)}`);
}

/** A side file beside `path`, created exclusively; returns its fd and name. */
function sideFile(path: string, expected?: Folder): { fd: number; name: string } {
  const name = `${dirname(path)}/.${basename(path)}.${randomBytes(9).toString('base64url')}.tmp`;
  return { fd: createExclusive(name, O_WRONLY, 0o600, expected), name };
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * Checks, before anything runs, where an output can go. `given` is the flag's
 * value (undefined: a new file in the default folder `resultsDir`, made if
 * needed). Bad input is one UsageError naming the flag, the path, the
 * component that is wrong and the fix.
 */
export function resolveTarget(given: string | undefined, resultsDir: string, startedAt: Date, flag = '--json'): Target {
  if (given === '-') return { kind: 'stdout' };
  if (given === undefined) {
    const problem = makeFolder(resultsDir, 0o755);
    if (problem) {
      throw new UsageError(
        `results/: ${problem}, so a run will not write its document there; give ${flag} PATH, or make ${resultsDir} a folder of uid ${uid()} that only it can write`,
      );
    }
    const folder = walkFolder(resultsDir, 'refuse');
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const target: Target = { kind: 'file', path: `${folder.path}/${stamp}.json`, folder, latest: `${folder.path}/latest.json` };
    probe(target.path, folder, 'results/');
    return target;
  }
  let w: ReturnType<typeof walk>;
  try {
    w = walk(given);
  } catch (e) {
    if (e instanceof UnsafePath) throw refusal(`${flag} `, given, e);
    throw e;
  }
  const st = w.st;
  const fix = `${flag} ${given}`;
  if (w.magic && st) return { kind: 'stream', path: w.path, dev: st.dev, ino: st.ino, viaLink: true };
  if (!st) {
    probe(w.path, w.folder, flag);
    return { kind: 'file', path: w.path, folder: w.folder };
  }
  if (st.isDirectory())
    throw new UsageError(`${fix}: is a directory; give a file path inside it, e.g. ${flag} ${join(given, flag === '--json' ? 'run.json' : 'report.html')}`);
  if (st.isBlockDevice() || st.isSocket()) throw new UsageError(`${fix}: is ${what(st)}; give a file path, a FIFO, a terminal or -`);
  if (st.isCharacterDevice() || st.isFIFO()) return { kind: 'stream', path: w.path, dev: st.dev, ino: st.ino, viaLink: false };
  if (!trustedUids().includes(st.uid)) throw new UsageError(`${fix}: ${w.path} is a file of uid ${st.uid}; not replaced: give a path of your own`);
  probe(w.path, w.folder, flag);
  return { kind: 'file', path: w.path, folder: w.folder, existing: { dev: st.dev, ino: st.ino } };
}

/** Creates and removes a side file beside `path`: the folder can take the document's next version. */
function probe(path: string, folder: Folder, flag: string): void {
  try {
    const { fd, name } = sideFile(path, folder);
    closeSync(fd);
    unlinkSync(name);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${path}: cannot write there (${err.code ?? err.message}); give a writable path with ${flag} PATH`);
  }
}

/** The files a target is: for telling whether two outputs, or an output and an input, are one. */
function identities(t: Target): string[] {
  if (t.kind === 'stdout') return [];
  if (t.kind === 'stream') return [`${t.dev}:${t.ino}`];
  const out = [`path:${t.path}`];
  if (t.existing) out.push(`${t.existing.dev}:${t.existing.ino}`);
  if (t.latest) {
    out.push(`path:${t.latest}`);
    const st = lstatOrNothing(t.latest);
    if (st?.isFile()) out.push(`${st.dev}:${st.ino}`);
  }
  return out;
}

function lstatOrNothing(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses an output that is one of the inputs: the same file, by device and
 * inode, whether named as given, through a link, a linked folder or a hard
 * link. `inputs` are paths as given (an input that is not there is left to its reader).
 */
export function refuseInputAsOutput(target: Target, flag: string, given: string, inputs: readonly string[]): void {
  const ids = new Set(identities(target));
  for (const input of inputs) {
    let st: Stats;
    try {
      st = statSync(input);
    } catch {
      continue;
    }
    if (ids.has(`${st.dev}:${st.ino}`)) {
      throw new UsageError(`${flag} ${given}: is ${input}, one of the inputs (the same file); write to a path of its own`);
    }
  }
}

/** Refuses two outputs of one command that are one file (`run --json x --html x`). */
export function refuseSameTarget(a: Target, aFlag: string, b: Target, bFlag: string, bGiven: string): void {
  const ids = new Set(identities(a));
  if (identities(b).some((id) => ids.has(id))) {
    throw new UsageError(`${bFlag} ${bGiven}: is where ${aFlag} writes too; give each output a path of its own`);
  }
}

/**
 * Replaces `path` atomically with `text`: the next version is written to a
 * side file in the same checked folder, made readable, and renamed over the
 * old one, so a reader never sees half a document and a failed write (a full
 * disk) leaves the last good one. `folder`: the folder as checked at the
 * start, which it must still be. Throws an Error that names the path.
 */
export function replaceFile(path: string, text: string, folder?: Folder): void {
  let side: { fd: number; name: string } | undefined;
  try {
    side = sideFile(path, folder);
    writeAll(side.fd, text);
    fchmodSync(side.fd, 0o644 & ~process.umask());
    closeSync(side.fd);
    renameInFolder(side.name, path, folder);
  } catch (e) {
    if (side) {
      try {
        closeSync(side.fd);
      } catch {
        // closed already
      }
      try {
        unlinkSync(side.name);
      } catch {
        // renamed already, or never there
      }
    }
    const err = e as NodeJS.ErrnoException;
    const why = e instanceof UnsafePath ? err.message : `${err.code ?? ''}${err.code ? ' ' : ''}(${err.message.split(',')[0] ?? err.message})`;
    throw new Error(`cannot write ${path}: ${why}; the last complete version is kept`);
  }
}

/**
 * Appends `text` to the regular file at `path` (a step summary), created
 * exclusively if it is not there; the path is walked like any output's.
 * Problems are UsageErrors: `refused` (what could not be done), the path, why.
 */
export function appendToFile(path: string, text: string, refused: string): void {
  let fd: number | undefined;
  try {
    const w = walk(path);
    if (w.magic || (w.st && !w.st.isFile())) throw new UnsafePath(`${w.path} is ${w.st ? what(w.st) : 'missing'}, not a regular file`);
    if (w.st && !trustedUids().includes(w.st.uid)) throw new UnsafePath(`${w.path} is a file of uid ${w.st.uid}`);
    if (w.st) {
      fd = openSync(w.path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
      const st = fstatSync(fd);
      if (st.dev !== w.st.dev || st.ino !== w.st.ino) throw new UnsafePath(`${w.path} changed while it was opened`);
    } else {
      fd = createExclusive(w.path, O_WRONLY | O_APPEND, 0o644 & ~process.umask(), w.folder);
    }
    writeAll(fd, text);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${refused}${path}: ${e instanceof UnsafePath ? `${err.message}; ${SAFE_PATH_FIX}` : `${err.code ?? err.message}`}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Reads a file the user named (a document, a suite): a regular file (a link
 * to one is followed), opened without blocking on a FIFO, at most
 * `maxBytes`. Problems are UsageErrors that start with `flag` and the path,
 * and say what was expected (`expected`, e.g. "a result document") and the fix.
 */
export function readBounded(path: string, maxBytes: number, flag: string, expected = 'a file', hint = ''): string {
  const where = `${flag}${path}`;
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UsageError(`${where}: no such file${hint ? `; ${hint}` : ''}`);
    if (err.code === 'EISDIR') throw new UsageError(`${where}: is a directory, not ${expected}`);
    throw new UsageError(`${where}: cannot read it (${err.code ?? err.message})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`${where}: is a directory, not ${expected}`);
    if (!st.isFile()) throw new UsageError(`${where}: is ${what(st)}, not a regular file; save ${expected} to a file and give its path`);
    if (st.size > maxBytes) throw new UsageError(`${where}: is ${st.size} bytes, more than the ${maxBytes} this reads of ${expected}; is it the right file?`);
    // Sized by fstat, grown while it reads (a file that grows meanwhile, or one that reports size 0), never past maxBytes + 1.
    let buf = Buffer.alloc(Math.min(Math.max(st.size, 4096), maxBytes) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.alloc(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new UsageError(`${where}: grew beyond the ${maxBytes} bytes this reads of ${expected} while it was read`);
    }
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to a target once: a file replaced atomically, a FIFO or a device in place, or stdout. */
export async function writeTarget(target: Target, text: string, stdout: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  if (target.kind === 'file') {
    replaceFile(target.path, text, target.folder);
    if (target.latest) replaceFile(target.latest, text, target.folder);
  } else if (target.kind === 'stream') {
    await writeInPlace(target, text, signal);
  } else {
    await new Promise<void>((resolve, reject) => stdout.write(text, (err) => (err ? reject(err) : resolve())));
  }
}
