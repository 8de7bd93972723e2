/**
 * The files a run writes, on a machine shared with others, where the tool
 * often runs as root: a --json target that is not a regular file (a device,
 * a FIFO, stdout) is written in place and never replaced; side files cannot
 * be steered by links a neighbour plants; an unsafe results/ folder or a
 * directory as --json is refused before anything runs; a full disk names the
 * path and keeps the last good document; a run killed at once does not leave
 * an earlier run's complete document at its path.
 *
 * The CLI-level cases run the built tool (dist/src/cli.js). Some run it from
 * a copy of the package (its dist, with links to node_modules and bench/), so
 * that the default results/ folder and the native core can be set up for the
 * case without touching the checkout that others use: with the core replaced
 * by a FIFO, a run stops at its first call into the core (before it has read
 * a limit or forked anything) and stays there until it is killed.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  closeSync,
  openSync,
  writeSync,
  constants,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/parse.js';
import { walkFolder } from '../src/common/safe-path.js';
import { CLI, runCli, startCli, type CliResult } from './helpers/cli.js';
import { childPids } from './helpers/host-ipc.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-files-'));
const mounts: string[] = [];
const onExit: Array<() => void> = [];
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m]);
  for (const f of onExit) f();
  rmSync(dir, { recursive: true, force: true });
});

/** The same run everywhere: one short group in a fresh namespace (no host objects, no journal), about a second. */
const quick = (json: string, extra: string[] = ['--quiet']): string[] => [
  'run',
  '--workload',
  'msg.pingpong',
  '--mode',
  'isolated',
  '--time',
  '50',
  '--json',
  json,
  ...extra,
];

/** Waits for a condition that another process brings about, up to a deadline. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

/** Resolves with the promise's value, or with `fallback` once the deadline has passed. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
}

function parseDocument(text: string): ResultDocument {
  return JSON.parse(text) as ResultDocument;
}

function readDocument(path: string): ResultDocument | undefined {
  try {
    return parseDocument(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The one line of a refusal, after checking that there is only one. */
function oneLine(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

/** Pids the kernel hands out next in this pid namespace (wrapping past pid_max as it does), for names built from a pid. */
function nextPids(count: number): number[] {
  const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const out: number[] = [];
  for (let i = 1; i <= count; i++) {
    const p = last + i;
    // Past pid_max the kernel starts again above the 300 reserved pids.
    out.push(p < max ? p : 300 + (p - max));
  }
  return out;
}

/** A copy of the package whose results/ folder and native core a case can prepare. */
function packageCopy(name: string, core: 'real' | 'held'): string {
  const root = join(dir, name);
  mkdirSync(root);
  cpSync(join(PACKAGE_ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(PACKAGE_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(PACKAGE_ROOT, 'bench'), join(root, 'bench'));
  if (core === 'real') {
    symlinkSync(join(PACKAGE_ROOT, 'native'), join(root, 'native'));
  } else {
    // Loading the core opens this FIFO, which has no writer: the run waits there, at its first call into the core.
    mkdirSync(join(root, 'native', 'build'), { recursive: true });
    execFileSync('mkfifo', [join(root, 'native', 'build', 'libipcb.so')]);
  }
  return root;
}

/** Starts the CLI of a package copy. */
function startAt(root: string, args: string[], env: NodeJS.ProcessEnv = {}): { pid: number; done: Promise<CliResult> } {
  // Started in the copy: the default results/ is the working folder's.
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { pid: child.pid ?? 0, done };
}

/** True while a thread of the process waits in the kernel to open a FIFO nobody writes: the held core. */
function heldAtCore(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((t) => {
      try {
        return readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8').trim() === 'wait_for_partner';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Runs the CLI of a package copy with a held core until it exits by itself or
 * reaches the core (then it is killed): `reachedCore` says which. A run that
 * exits by itself never loaded the core, so it measured and forked nothing.
 */
async function runToCore(root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult & { reachedCore: boolean; pid: number }> {
  const run = startAt(root, args, env);
  let exited = false;
  void run.done.then(() => {
    exited = true;
  });
  await until(() => exited || heldAtCore(run.pid), 30_000);
  const reachedCore = !exited;
  if (reachedCore) process.kill(run.pid, 'SIGKILL');
  return { ...(await run.done), reachedCore, pid: run.pid };
}

/** A complete document of a quick real run, as bytes, for the cases that need an earlier good document. */
let baseText = '';
let base: ResultDocument;
beforeAll(() => {
  const json = join(dir, 'base.json');
  const r = runCli(quick(json));
  expect(r.code).toBe(0);
  baseText = readFileSync(json, 'utf8');
  base = parseDocument(baseText);
  expect(base.complete).toBe(true);
});

describe('a --json target that exists and is not a regular file is written in place (D1)', () => {
  it('a character device stays that device', () => {
    // /dev/null's numbers: what is written goes nowhere, and the node must still be a device afterwards.
    const dev = join(dir, 'null-device');
    execFileSync('mknod', ['-m', '666', dev, 'c', '1', '3']);
    const r = runCli(quick(dev));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const st = lstatSync(dev);
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(statSync('/dev/null').rdev);
  });

  it('a FIFO gets the whole document once, and stays a FIFO', async () => {
    const fifo = join(dir, 'doc.fifo');
    execFileSync('mkfifo', [fifo]);
    // The reader is another process, so that a FIFO replaced under it (the old build) cannot block this one.
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    reader.stdout.on('data', (d: Buffer) => {
      read += d.toString();
    });
    // 'close', not 'exit': all it read has then been delivered.
    const readerDone = new Promise<boolean>((r) => reader.on('close', () => r(true)));
    const r = await startCli(quick(fifo)).done;
    // The tool closed the FIFO before it exited, so the reader has seen its end; the deadline only stops a reader nobody writes to.
    if (!(await within(readerDone, 10_000, false))) reader.kill('SIGKILL');
    expect(r.code).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    // One document and nothing else: two would not parse as one JSON value.
    const doc = parseDocument(read);
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(true);
    expect(doc.command.argv).toContain(fifo);
  });

  it('--json - puts the whole document on stdout and the tables on stderr', () => {
    // Run in a folder of its own: a tool that took "-" for a file name would leave it there.
    const cwd = join(dir, 'dash-cwd');
    mkdirSync(cwd);
    const r = spawnSync(process.execPath, [CLI, ...quick('-', [])], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    expect(r.status).toBe(0);
    const doc = parseDocument(r.stdout);
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(true);
    expect(r.stderr).toContain('msg.pingpong');
    expect(r.stderr).toContain('Result document: stdout');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("a link of this user to /proc/self/fd/1 is written through, to the tool's stdout, and stays a link", () => {
    const link = join(dir, 'stdout-link');
    symlinkSync('/proc/self/fd/1', link);
    // Through a shell pipe: Node gives a child's stdout as a socket, which has no path to open and is refused as one.
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$@" | cat', 'bash', process.execPath, CLI, ...quick(link)], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('/proc/self/fd/1');
    // --quiet: all the tool printed is the document.
    const doc = parseDocument(r.stdout);
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(true);
  });

  it('a link of this user to a regular file replaces that file and keeps the link', () => {
    const real = join(dir, 'linked-doc.json');
    writeFileSync(real, 'the previous version\n');
    const link = join(dir, 'doc-link.json');
    symlinkSync(real, link);
    const r = runCli(quick(link));
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(lstatSync(real).isFile()).toBe(true);
    expect(readDocument(real)?.complete).toBe(true);
  });

  it('a link of another user is refused (exit 2, one line) and neither it nor the file it points at changes', () => {
    // Another user (nobody, uid 65534) planted a link where this run writes, to a file of theirs.
    const victim = join(dir, 'nobody-file');
    writeFileSync(victim, 'belongs to nobody\n', { mode: 0o640 });
    chmodSync(victim, 0o640);
    chownSync(victim, 65534, 65534);
    const link = join(dir, 'planted-link.json');
    symlinkSync(victim, link);
    lchownSync(link, 65534, 65534);
    const r = runCli(quick(link));
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(new RegExp(`^ipcns-bench: --json ${escapeRegExp(link)}: ${escapeRegExp(link)} is a symbolic link \\(of uid 65534\\)`));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(victim);
    const st = statSync(victim);
    expect(readFileSync(victim, 'utf8')).toBe('belongs to nobody\n');
    expect([st.uid, st.mode & 0o7777]).toEqual([65534, 0o640]);
  });
});

describe('a FIFO target swapped during the run', () => {
  it('for a link to a file of root is not written through the link: the run says so and exits 1', async () => {
    // The FIFO is another user's, in a folder anyone may add to (sticky, as /tmp): they can replace it while the run measures.
    const open = mkdtempSync(join(tmpdir(), 'ipcns-files-open-'));
    onExit.push(() => rmSync(open, { recursive: true, force: true }));
    chmodSync(open, 0o1777);
    const fifo = join(open, 'out');
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'mkfifo', fifo]);
    const victim = join(open, 'root-only');
    writeFileSync(victim, 'secret\n', { mode: 0o600 });
    const run = startCli(['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--time', '1000', '--json', fifo, '--quiet']);
    // Once the run measures (its processes exist), the target was checked long ago: swap it now.
    expect(await until(() => childPids(run.pid).length > 0, 30_000)).toBe(true);
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', `rm ${fifo} && ln -s ${victim} ${fifo}`]);
    const r = await run.done;
    expect(readFileSync(victim, 'utf8')).toBe('secret\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot write ${escapeRegExp(fifo)}: it is a symbolic link now`));
  });
});

describe('a run refused for bad input before it measures', () => {
  it('puts back the earlier document its placeholder replaced', () => {
    const json = join(dir, 'kept.json');
    writeFileSync(json, baseText);
    // kernel.msgmax of a fresh namespace is 8192: found in preflight, after the placeholder was written.
    const r = runCli(['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--size', '16384', '--json', json]);
    expect(r.code).toBe(2);
    expect(readFileSync(json, 'utf8')).toBe(baseText);
  });

  it('leaves no file where there was none', () => {
    const json = join(dir, 'never.json');
    const r = runCli(['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--size', '16384', '--json', json]);
    expect(r.code).toBe(2);
    expect(existsSync(json)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('never'))).toEqual([]);
  });
});

describe('a --json directory is refused before anything runs (D9)', () => {
  it('exits 2 with one line naming --json and the path; no journal, no core, nothing created beside it', async () => {
    const root = packageCopy('pkg-dir-target', 'held');
    const parent = join(dir, 'dir-target');
    const target = join(parent, 'out');
    mkdirSync(target, { recursive: true });
    const xdg = join(dir, 'xdg-dir-target');
    mkdirSync(xdg, { mode: 0o700 });
    // Host mode: a run that got past the check would open its journal (in $XDG_RUNTIME_DIR or results/) before it measured.
    const r = await runToCore(root, ['run', '--workload', 'msg.pingpong', '--mode', 'host', '--time', '50', '--json', target, '--quiet'], {
      XDG_RUNTIME_DIR: xdg,
    });
    expect(r.reachedCore).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const line = oneLine(r);
    expect(line).toMatch(/^ipcns-bench: /);
    expect(line).toContain(`--json ${target}`);
    expect(line).toContain('is a directory');
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readdirSync(target)).toEqual([]);
    expect(existsSync(join(xdg, 'ipcns-bench'))).toBe(false);
    expect(existsSync(join(root, 'results'))).toBe(false);
  });
});

describe('side files cannot be steered by planted links (D2)', () => {
  it('links planted at pid-based side-file names leave their target alone; the document is a regular file', async () => {
    const folder = join(dir, 'planted');
    mkdirSync(folder);
    const victim = join(dir, 'planted-victim');
    writeFileSync(victim, 'not yours\n');
    chmodSync(victim, 0o640);
    const json = join(folder, 'run.json');
    // Every predictable name a neighbour could guess: <json>.tmp-<pid> and .probe-<pid> for the pids handed out next, and a few fixed ones.
    const pids = nextPids(4000);
    for (const p of pids) {
      symlinkSync(victim, `${json}.tmp-${p}`);
      symlinkSync(victim, `${json}.probe-${p}`);
    }
    for (const suffix of ['.tmp', '.probe', '.new', '~', '.bak']) symlinkSync(victim, `${json}${suffix}`);
    const run = startCli(quick(json));
    const r = await run.done;
    // The names were planted for the pid this run got, so the links were there to be followed.
    expect(pids).toContain(run.pid);
    expect(r.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('not yours\n');
    expect(statSync(victim).mode & 0o7777).toBe(0o640);
    expect(lstatSync(json).isFile()).toBe(true);
    expect(readDocument(json)?.complete).toBe(true);
    // Nothing was left beside the document but the planted links.
    expect(readdirSync(folder).filter((n) => !lstatSync(join(folder, n)).isSymbolicLink())).toEqual(['run.json']);
  });

  it('every side file is created exclusively, without following a link, mode 0600, under a name not made from the pid', () => {
    const folder = join(dir, 'traced');
    mkdirSync(folder);
    const json = join(folder, 'run.json');
    const log = join(dir, 'trace', 'log');
    mkdirSync(dirname(log));
    // strace shows each open as the kernel got it: the flags and the mode the side file was created with. One file per thread (-ff), so lines are whole;
    // -s 4096: whole paths, also from a checkout deep in a temporary folder (strace cuts strings at 32 characters).
    const r = spawnSync(
      'strace',
      ['-ff', '-qq', '-s', '4096', '-e', 'trace=execve,openat,rename,renameat,renameat2,unlink,unlinkat', '-o', log, process.execPath, CLI, ...quick(json)],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status).toBe(0);
    const logs = readdirSync(dirname(log)).map((f) => ({ tid: Number(f.split('.').pop()), text: readFileSync(join(dirname(log), f), 'utf8') }));
    const lines = logs.flatMap((l) => l.text.split('\n'));
    // The tool's pid: the one that exec'd node with the CLI.
    const pid = logs.find((l) => l.text.startsWith('execve(') && l.text.includes(CLI))?.tid;
    expect(pid).toBeGreaterThan(0);
    const creates = lines.filter((l) => l.startsWith('openat(') && l.includes(`"${folder}/`) && l.includes('O_CREAT'));
    // The write probe, the early placeholder, the planned document, the group and the final one: each its own side file.
    expect(creates.length).toBeGreaterThanOrEqual(2);
    const names = creates.map((l) => /"([^"]+)"/.exec(l)?.[1] ?? '');
    for (const l of creates) {
      expect(l).toMatch(/O_EXCL/);
      expect(l).toMatch(/O_NOFOLLOW/);
      expect(l).toMatch(/, 0600\) = \d+$/);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) {
      expect(n).not.toBe(json);
      expect(basename(n)).not.toContain(String(pid));
      expect(basename(n).startsWith(`${basename(json)}.`)).toBe(false);
      // Each one ends renamed onto the document or removed.
      expect(lines.some((l) => (/^rename/.test(l) && l.includes(`"${n}"`) && l.includes(`"${json}"`)) || (/^unlink/.test(l) && l.includes(`"${n}"`)))).toBe(
        true,
      );
    }
    expect(readdirSync(folder)).toEqual(['run.json']);
    expect(readDocument(json)?.complete).toBe(true);
  });

  it('the default results/ folder is used when it is safe, and links planted at latest.json side-file names are not followed', () => {
    const root = packageCopy('pkg-results-safe', 'real');
    const results = join(root, 'results');
    mkdirSync(results, { mode: 0o755 });
    const victim = join(dir, 'latest-victim');
    writeFileSync(victim, 'not yours either\n');
    for (const p of nextPids(4000)) symlinkSync(victim, join(results, `latest.json.tmp-${p}`));
    const r = spawnSync(
      process.execPath,
      [join(root, 'dist', 'src', 'cli.js'), 'run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--time', '50', '--quiet'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('not yours either\n');
    const written = readdirSync(results)
      .filter((n) => !lstatSync(join(results, n)).isSymbolicLink())
      .sort();
    expect(written).toHaveLength(2);
    expect(written).toContain('latest.json');
    for (const n of written) {
      expect(lstatSync(join(results, n)).isFile()).toBe(true);
      expect(readDocument(join(results, n))?.complete).toBe(true);
    }
  });

  describe('an unsafe default results/ folder is refused with one line, exit 2, before the core is loaded', () => {
    const cases: Array<[string, (results: string) => void, RegExp]> = [
      [
        'a symbolic link to a folder',
        (results) => {
          const real = `${results}-real`;
          mkdirSync(real, { mode: 0o700 });
          symlinkSync(real, results);
        },
        /is a symbolic link/,
      ],
      [
        'a folder anyone can write (0777)',
        (results) => {
          mkdirSync(results);
          chmodSync(results, 0o777);
        },
        /can be written by others \(mode 777\)/,
      ],
      [
        'a folder of another user (uid 65534)',
        (results) => {
          mkdirSync(results, { mode: 0o755 });
          chownSync(results, 65534, 65534);
        },
        /is owned by uid 65534/,
      ],
    ];
    for (const [name, prepare, reason] of cases) {
      it(name, async () => {
        const root = packageCopy(`pkg-results-${name.replace(/\W+/g, '-')}`, 'held');
        const results = join(root, 'results');
        prepare(results);
        const r = await runToCore(root, ['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--time', '50', '--quiet']);
        expect(r.reachedCore).toBe(false);
        expect(r.code).toBe(2);
        const line = oneLine(r);
        expect(line).toMatch(/^ipcns-bench: results\/: /);
        expect(line).toMatch(reason);
        expect(line).toContain('--json PATH');
        expect(readdirSync(results)).toEqual([]);
      });
    }
  });
});

describe('a full disk (D8)', () => {
  let mnt = '';
  let json = '';
  beforeAll(() => {
    mnt = join(dir, 'full');
    mkdirSync(mnt);
    // Room for the earlier document (whose size varies from run to run with its histograms) and a little more, which the filler then takes.
    const kib = Math.ceil(Buffer.byteLength(baseText) / 4096) * 4 + 16;
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0700`, 'tmpfs', mnt]);
    mounts.push(mnt);
    json = join(mnt, 'run.json');
    writeFileSync(json, baseText);
    // Fill what is left: not one more byte fits, while an empty file (the write probe) still can be made.
    const fd = openSync(join(mnt, 'filler'), constants.O_WRONLY | constants.O_CREAT, 0o600);
    const block = Buffer.alloc(4096, 0x2e);
    try {
      for (;;) writeSync(fd, block);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
  });

  it('a run whose document does not fit exits 1, names the path, leaves no side file and keeps the previous document', () => {
    const r = runCli(quick(json));
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    // The early placeholder does not fit either: said once, and the run goes on; then the final write fails.
    expect(lines[0]).toMatch(new RegExp(`^ipcns-bench: cannot write ${escapeRegExp(json)}: ENOSPC .*the run goes on$`));
    expect(lines.at(-1)).toMatch(new RegExp(`^ipcns-bench: cannot write ${escapeRegExp(json)}: ENOSPC `));
    expect(lines.every((l) => l.startsWith('ipcns-bench: '))).toBe(true);
    expect(readdirSync(mnt).sort()).toEqual(['filler', 'run.json']);
    expect(readFileSync(json, 'utf8')).toBe(baseText);
  });

  it('replaceFile throws an error naming the path and keeps the last version (unit)', async () => {
    const { replaceFile } = await import('../src/common/files.js');
    expect(() => replaceFile(json, 'x'.repeat(100_000))).toThrow(
      new RegExp(`^cannot write ${escapeRegExp(json)}: ENOSPC .*the last complete version is kept$`),
    );
    expect(readdirSync(mnt).sort()).toEqual(['filler', 'run.json']);
    expect(readFileSync(json, 'utf8')).toBe(baseText);
  });

  it('DocumentWriter: a checkpoint that does not fit is said once and the run goes on; the final write throws (unit)', async () => {
    const { DocumentWriter } = await import('../src/document/writer.js');
    let err = '';
    const stderr = new Writable({
      write(chunk: Buffer, _enc, cb) {
        err += chunk.toString();
        cb();
      },
    });
    const writer = new DocumentWriter({ kind: 'file', path: json, folder: walkFolder(mnt) }, stderr, stderr);
    const doc = { ...base, scenarios: [...base.scenarios, ...base.scenarios, ...base.scenarios] };
    writer.checkpoint(doc);
    writer.checkpoint(doc);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toContain(`cannot write ${json}: ENOSPC`);
    await expect(writer.final(doc)).rejects.toThrow(`cannot write ${json}: ENOSPC`);
    expect(readdirSync(mnt).sort()).toEqual(['filler', 'run.json']);
    expect(readFileSync(json, 'utf8')).toBe(baseText);
  });
});

describe('a run killed at once (D16)', () => {
  it("has already replaced the earlier run's complete document with its own placeholder", async () => {
    const root = packageCopy('pkg-killed', 'held');
    const json = join(dir, 'killed.json');
    writeFileSync(json, baseText);
    const run = startAt(root, quick(json));
    // The held core stops the run at its first call into the core, before it has read a limit: kill it there.
    expect(await until(() => heldAtCore(run.pid), 30_000)).toBe(true);
    process.kill(run.pid, 'SIGKILL');
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    const doc = readDocument(json);
    expect(doc).toBeDefined();
    expect(doc?.complete === true && doc.startedAt === base.startedAt).toBe(false);
    // What is there is this run's own placeholder, a valid document that says it is not complete.
    expect(doc?.complete).toBe(false);
    expect(doc?.command.argv).toContain(json);
    expect(validateResultDocument(doc)).toEqual([]);
  });
});
