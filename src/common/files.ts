/**
 * Files the tool writes and reads, on a machine shared with others. The tool
 * often runs as root; a neighbour may plant links and files at the names it
 * uses. So:
 * - every side file (a document's next version, the write probe) is created
 *   exclusively (O_CREAT | O_EXCL | O_NOFOLLOW), with an unpredictable name,
 *   mode 0600 until it is renamed into place;
 * - a target that exists and is not a regular file (a device, a FIFO, a
 *   terminal, /dev/stdout) is written in place, once, never replaced; a
 *   directory, a block device, a socket or a link of another user is refused;
 * - the default folder results/ is used only if it is a real folder of this
 *   user that nobody else can write;
 * - what is read (documents, suites) must be a regular file of bounded size,
 *   read through a descriptor opened without following a link.
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
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, O_RDONLY, O_NONBLOCK, O_NOCTTY } = constants;
const uid = (): number => process.getuid?.() ?? -1;

/** Where a run's document goes. */
export type Target =
  /** `--json -`: the document on stdout, once, at the end. */
  | { kind: 'stdout' }
  /** A regular file (or none yet): rewritten atomically after every group; results/latest.json beside the default one. */
  | { kind: 'file'; path: string; latest?: string }
  /**
   * An existing device, FIFO or terminal: written in place, once, at the end,
   * only if the path still names what it named at the start (`dev`, `ino`).
   */
  | { kind: 'stream'; path: string; dev: number; ino: number; viaLink: boolean };

/** A one-line description of what is at a path, for messages. */
function what(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a regular file';
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Why a folder is not a safe place for this user's files, or null: a folder
 * (not a link), owned by this user or root, that no one else can write to
 * unless it is sticky (as /tmp is: others cannot then rename or remove what
 * is in it); and the same for every folder above it.
 */
export function unsafeFolder(dir: string, ownOnly = false): string | null {
  let path = resolve(dir);
  for (;;) {
    const st = lstatOrNull(path);
    if (!st) return `${path} does not exist`;
    if (st.isSymbolicLink()) return `${path} is a symbolic link (of uid ${st.uid})`;
    if (!st.isDirectory()) return `${path} is ${what(st)}, not a folder`;
    const mine = st.uid === uid();
    if (!mine && st.uid !== 0) return `${path} is owned by uid ${st.uid}`;
    const othersWrite = (st.mode & 0o022) !== 0;
    const sticky = (st.mode & 0o1000) !== 0;
    if (othersWrite && !sticky) return `${path} can be written by others (mode ${(st.mode & 0o7777).toString(8)})`;
    if (ownOnly && path === resolve(dir) && (!mine || (st.mode & 0o077) !== 0)) {
      return `${path} must be a folder of uid ${uid()} that only it can use (it is uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)})`;
    }
    const up = dirname(path);
    if (up === path) return null;
    path = up;
  }
}

/** A side file beside `path`, created exclusively; returns its fd and name. */
function sideFile(path: string): { fd: number; name: string } {
  const name = join(dirname(path), `.${basename(path)}.${randomBytes(9).toString('base64url')}.tmp`);
  const fd = openSync(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  return { fd, name };
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * Checks, before anything runs, where the document can go. `json` is the
 * --json value (undefined: results/ under `resultsDir`). Bad input is a
 * UsageError naming the path and the fix.
 */
export function resolveTarget(json: string | undefined, resultsDir: string, startedAt: Date, flag = '--json'): Target {
  if (json === '-') return { kind: 'stdout' };
  if (json === undefined) {
    const problem = lstatOrNull(resultsDir) === null ? unsafeFolder(dirname(resultsDir)) : unsafeFolder(resultsDir);
    if (problem) {
      throw new UsageError(
        `results/: ${problem}, so a run will not write its document there; give ${flag} PATH, or make ${resultsDir} a folder of uid ${uid()} that only it can write`,
      );
    }
    mkdirSync(resultsDir, { recursive: true, mode: 0o755 });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const target: Target = { kind: 'file', path: join(resultsDir, `${stamp}.json`), latest: join(resultsDir, 'latest.json') };
    probe(target.path, 'results/');
    return target;
  }
  const path = resolve(json);
  const st = lstatOrNull(path);
  if (st?.isSymbolicLink()) {
    // A link of another user (say, planted in /tmp) is not followed: it could point anywhere.
    if (st.uid !== uid() && st.uid !== 0)
      throw new UsageError(`${flag} ${json}: is a symbolic link of uid ${st.uid}; refusing to follow it: give a path of your own`);
    let to: Stats;
    try {
      to = statSync(path);
    } catch {
      throw new UsageError(`${flag} ${json}: is a symbolic link that leads nowhere; give a file path`);
    }
    // A link to a regular file: that file is replaced, the link kept. To a device, a FIFO or a terminal
    // (/dev/stdout, which may be a pipe with no path of its own): written in place through the link.
    return to.isFile() ? targetAt(realpathSync(path), to, flag, json, false) : targetAt(path, to, flag, json, true);
  }
  if (st) return targetAt(path, st, flag, json, false);
  // Not there yet: its folder must exist (only the default results/ is created).
  const dir = lstatOrNull(dirname(path));
  if (!dir) throw new UsageError(`${flag} ${json}: the folder ${dirname(path)} does not exist; create it, or give another path`);
  probe(path, flag);
  return { kind: 'file', path };
}

/** `flag` and `given` name the path as the user gave it, for messages. */
function targetAt(path: string, st: Stats, flag: string, given: string, viaLink: boolean): Target {
  if (st.isDirectory())
    throw new UsageError(
      `${flag} ${given}: is a directory; give a file path inside it, e.g. ${flag} ${join(given, flag === '--json' ? 'run.json' : 'report.html')}`,
    );
  if (st.isBlockDevice() || st.isSocket()) throw new UsageError(`${flag} ${given}: is ${what(st)}; give a file path, a FIFO, a terminal or -`);
  if (st.isCharacterDevice() || st.isFIFO()) return { kind: 'stream', path, dev: st.dev, ino: st.ino, viaLink };
  probe(path, flag);
  return { kind: 'file', path };
}

/** Creates and removes a side file beside `path`: the folder can take the document's next version. */
function probe(path: string, flag: string): void {
  try {
    const { fd, name } = sideFile(path);
    closeSync(fd);
    unlinkSync(name);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${path}: cannot write there (${err.code ?? err.message}); give a writable path with ${flag} PATH`);
  }
}

/**
 * Replaces `path` atomically with `text`: the next version is written to a
 * side file, made readable, and renamed over the old one, so a reader never
 * sees half a document and a failed write (a full disk) leaves the last good
 * one. Throws an Error that names the path.
 */
export function replaceFile(path: string, text: string): void {
  let side: { fd: number; name: string } | undefined;
  try {
    side = sideFile(path);
    writeAll(side.fd, text);
    fchmodSync(side.fd, 0o644 & ~process.umask());
    closeSync(side.fd);
    renameSync(side.name, path);
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
    throw new Error(
      `cannot write ${path}: ${err.code ?? ''}${err.code ? ' ' : ''}(${err.message.split(',')[0] ?? err.message}); the last complete version is kept`,
    );
  }
}

/**
 * Writes `text` into the device, FIFO or terminal `target` names, in place.
 * The path is opened again at the end of the run: without following a link
 * it did not have (one put there since could lead anywhere), without
 * creating or truncating anything, and written only if what it opened is
 * what the run checked at its start.
 */
export async function writeInPlace(target: Extract<Target, { kind: 'stream' }>, text: string): Promise<void> {
  const { open } = await import('node:fs/promises');
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    // Opened off the main thread: a FIFO without a reader blocks the open, and signals must still be heard.
    handle = await open(target.path, O_WRONLY | O_NOCTTY | (target.viaLink ? 0 : O_NOFOLLOW));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `cannot write ${target.path}: ${err.code === 'ELOOP' ? 'it is a symbolic link now, not what it was when the run started' : (err.code ?? err.message)}; not written`,
    );
  }
  try {
    const st = await handle.stat();
    if (st.dev !== target.dev || st.ino !== target.ino) {
      throw new Error(`cannot write ${target.path}: it is not the ${st.isFIFO() ? 'FIFO' : 'file'} it was when the run started; not written`);
    }
    await handle.writeFile(text);
  } finally {
    await handle.close();
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
export async function writeTarget(target: Target, text: string, stdout: NodeJS.WritableStream): Promise<void> {
  if (target.kind === 'file') {
    replaceFile(target.path, text);
    if (target.latest) replaceFile(target.latest, text);
  } else if (target.kind === 'stream') {
    await writeInPlace(target, text);
  } else {
    await new Promise<void>((resolve, reject) => stdout.write(text, (err) => (err ? reject(err) : resolve())));
  }
}
