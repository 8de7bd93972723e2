/**
 * Hostile input and hostile surroundings, as a shared machine brings them: a
 * device or a FIFO named where a file belongs, files far larger than any real
 * one, a suite that names millions of scenarios, escape sequences planted in
 * a result document or a suite, process limits too low for Node, limits of a
 * namespace that the requested scenarios cannot fit, and signals from a
 * terminal that closes or a service manager that stops everything at once.
 * Each is refused or recorded with one line that names the cause and the
 * fix; none hangs, balloons, prints a stack trace or leaves anything behind.
 *
 * The first part drives the built CLI only. The last part calls the modules
 * behind it; they are loaded inside their tests, so that a tree without them
 * fails those tests alone and the CLI tests still run against it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalDirs } from '../src/measure/journal.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/parse.js';
import type { Suite } from '../src/plan/suite.js';
import type { NamespaceUsage } from '../src/measure/sysvipc.js';
import type { NamespaceLimits } from '../src/common/types.js';
import { CLI } from './helpers/cli.js';
import { scenario } from './helpers/fixtures.js';
import { childPids } from './helpers/host-ipc.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-hostile-'));

/** Every process an invocation starts carries this tag and its own number in its environment, so /proc finds them whoever their parent is. */
const TAG_VAR = 'IPCNS_HOSTILE_TEST';
const TAG = randomBytes(6).toString('hex');
let invocations = 0;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed at the test's deadline: it hung (a FIFO) or kept reading (a device). */
  timedOut: boolean;
}

interface Started {
  pid: number;
  tag: string;
  done: Promise<Exit>;
  output: () => { stdout: string; stderr: string };
}

const running = new Set<Started>();

/**
 * Starts the CLI, behind `prefix` (prlimit, setpriv: each execs the next, so
 * the pid is the tool's). At `timeoutMs` it is SIGKILLed: a tool stuck in a
 * synchronous read never runs its SIGTERM handler. `detached`: in a process
 * group of its own, as a service manager starts it.
 */
function start(args: string[], o: { prefix?: string[]; cli?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; detached?: boolean } = {}): Started {
  const tag = `${TAG}-${++invocations}`;
  const argv = [...(o.prefix ?? []), process.execPath, o.cli ?? CLI, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.detached ?? false,
    // No colour either way (not a terminal), and NO_COLOR says so twice: any control character in the output came from the input.
    env: { ...process.env, NO_COLOR: '1', [TAG_VAR]: tag, ...o.env },
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, o.timeoutMs ?? 60_000);
  const started: Started = {
    pid: child.pid ?? 0,
    tag,
    output: () => ({ stdout, stderr }),
    done: new Promise<Exit>((resolve) => {
      // 'close', not 'exit': the output is complete only once both pipes are.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        running.delete(started);
        resolve({ code, signal, stdout, stderr, timedOut });
      });
    }),
  };
  running.add(started);
  return started;
}

const cli = (args: string[], o: Parameters<typeof start>[1] = {}): Promise<Exit> => start(args, o).done;

/** Pids of live processes whose environment carries `tag` (zombies have none left, and are no one's to clean up). */
function tagged(tag: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(`${TAG_VAR}=${tag}`)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Journals of the run with this pid, in any folder where a run of `uid` keeps them (this build's, and the per-user temp folder). */
function journalsOf(pid: number, uid = 0): string[] {
  const dirs = new Set([...journalDirs(), join(tmpdir(), `ipcns-bench-${uid}`), join(tmpdir(), `ipcns-bench-${uid}`, 'journal')]);
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d).filter((n) => n.endsWith('.journal'));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        if (new RegExp(`^# ipcns-bench journal pid=${pid} `).test(readFileSync(join(d, n), 'utf8'))) out.push(join(d, n));
      } catch {
        // removed meanwhile
      }
    }
  }
  return out;
}

/** Waits for a condition that another process brings about, up to a deadline. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

/** The tool's answer to bad input: exit 2 and one line on stderr that starts with its name and says `message`; no stack trace, no abort. */
function expectRefusal(r: Exit, message: RegExp): void {
  const tail = r.stderr.slice(-600);
  expect(r.timedOut, `still running at the deadline; stderr: ${tail}`).toBe(false);
  expect(r.signal, tail).toBeNull();
  expect(r.code, tail).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, tail).toHaveLength(1);
  expect(lines[0]).toMatch(/^ipcns-bench: /);
  expect(lines[0]).toMatch(message);
  expect(r.stdout).toBe('');
}

/** C0 and C1 controls other than newline and tab, DEL, and Unicode's bidirectional controls: none of them belongs in a report. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const controls = (text: string): string[] => [...text.matchAll(CONTROL)].map((m) => `U+${(m[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

/** What a planted string may carry: a screen clear, a window title ended by BEL, a C1 CSI, a right-to-left override. */
const HOSTILE = '\u001b[2J\u001b]0;owned\u0007\u009b31m\u202e';
/** The same, as the tool shows it. */
const SHOWN = '\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u{202e}';

/** A copy of `value` with every string equal to `from` replaced by `to`: a scenario id renamed everywhere it appears. */
function renamed<T>(value: T, from: string, to: string): T {
  if (value === from) return to as T;
  if (Array.isArray(value)) return value.map((v: unknown) => renamed(v, from, to)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renamed(v, from, to)])) as T;
  return value;
}

const writeJson = (path: string, value: unknown): string => {
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
};

/** A real quick run's document: what the hostile ones are made from. */
const good = join(dir, 'good.json');
const fifo = join(dir, 'fifo');

beforeAll(async () => {
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const r = await cli(['run', '--workload', 'msg.pingpong', '--mode', 'host,isolated', '--time', '200', '--json', good, '--quiet']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const s of running) {
    for (const pid of [s.pid, ...tagged(s.tag)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await s.done;
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Reads of what the user names: on the old build, a device is read until
 * memory runs out and a FIFO blocks in open() forever. An address-space cap
 * keeps such a reader from eating the machine's memory, and the deadline from
 * waiting forever; a tool that reads only bounded regular files never meets
 * either.
 */
const READ_GUARD = { prefix: ['prlimit', `--as=${4 * 2 ** 30}`], timeoutMs: 20_000 };

describe('suites and documents are read only from regular files, and bounded (exit 2, one line)', () => {
  const oversizedSuite = join(dir, 'oversized-suite.json');
  // A valid suite, padded past 1 MiB: read whole, it would run.
  const suite = JSON.stringify({
    name: 'padded',
    budget: { capMs: 50 },
    matrix: [{ workload: ['msg.pingpong'], mode: ['isolated'], workers: [1], placement: ['same-cpu'] }],
  });
  writeFileSync(oversizedSuite, suite + ' '.repeat((1 << 20) + 1 - suite.length));
  const oversizedDocument = join(dir, 'oversized-document.json');
  // Sparse: 64 MiB + 1 byte of size that take no space.
  writeFileSync(oversizedDocument, '');
  truncateSync(oversizedDocument, (64 << 20) + 1);
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'run --suite /dev/zero',
      () => ['run', '--suite', '/dev/zero', '--json', join(dir, 'zero-run.json')],
      /--suite \/dev\/zero: is a character device, not a regular file/,
    ],
    ['run --suite FIFO', () => ['run', '--suite', fifo, '--json', join(dir, 'fifo-run.json')], /--suite .*fifo: is a FIFO, not a regular file/],
    ['export /dev/zero', () => ['export', '/dev/zero', '--to', 'bmf'], /\/dev\/zero: is a character device, not a regular file/],
    ['export FIFO', () => ['export', fifo, '--to', 'bmf'], /fifo: is a FIFO, not a regular file/],
    ['compare /dev/zero GOOD', () => ['compare', '/dev/zero', good], /\/dev\/zero: is a character device, not a regular file/],
    ['compare GOOD FIFO', () => ['compare', good, fifo], /fifo: is a FIFO, not a regular file/],
    [
      'a suite over 1 MiB',
      () => ['run', '--suite', oversizedSuite, '--json', join(dir, 'oversized-run.json')],
      /--suite .*oversized-suite\.json: is 1048577 bytes, more than the 1048576/,
    ],
    // export also takes a fleet (read up to the fleet's bound): a document over the run's bound that is not JSON gets its position, never its text.
    ['a document over 64 MiB', () => ['export', oversizedDocument, '--to', 'bmf'], /oversized-document\.json is not JSON: .* at line 1, column 1$/],
    ['a document over 64 MiB, to compare', () => ['compare', oversizedDocument, good], /oversized-document\.json/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const run = start(args(), READ_GUARD);
      const r = await run.done;
      expectRefusal(r, message);
      expect(tagged(run.tag)).toEqual([]);
    }, 40_000);
  }
});

describe('a suite naming more than 10 000 scenarios', () => {
  it('is refused before it is expanded, with the count and the limit', async () => {
    // 1000 sizes x 256 worker counts x 3 modes x 2 placements = 1 536 000 scenarios.
    const suite = writeJson(join(dir, 'million.json'), {
      name: 'million',
      budget: { capMs: 100 },
      matrix: [
        {
          workload: ['msg.pingpong'],
          size: Array.from({ length: 1000 }, (_, i) => i + 1),
          workers: Array.from({ length: 256 }, (_, i) => i + 1),
          mode: ['host', 'shared', 'isolated'],
          placement: ['same-cpu', 'split'],
        },
      ],
    });
    const r = await cli(['run', '--suite', suite, '--json', join(dir, 'million-run.json')], { ...READ_GUARD, timeoutMs: 30_000 });
    expectRefusal(r, /--suite .*million\.json: its matrix names 1536000 scenarios, more than the 10000 a run takes/);
    expect(r.stderr).not.toContain('call stack');
  }, 40_000);
});

describe('control characters read from a document or a suite are shown escaped, never printed raw', () => {
  /** The good document with two scenarios renamed (consistently: it still validates), the second errored, and the suite renamed. */
  let base = '';
  let current = '';
  let plainIds: string[] = [];

  beforeAll(() => {
    const doc = JSON.parse(readFileSync(good, 'utf8')) as ResultDocument;
    const [first, second] = doc.scenarios;
    if (!first || !second) throw new Error(`${good}: expected at least two scenarios`);
    plainIds = [first.id, second.id];
    let hostile = renamed(doc, first.id, `${first.id}${HOSTILE}`);
    hostile = renamed(hostile, second.id, `${second.id}${HOSTILE}`);
    hostile.command.suite = `quick${HOSTILE}`;
    const broken = hostile.scenarios[1];
    if (!broken) throw new Error('no second scenario');
    broken.state = 'errored';
    broken.failure = { errno: constants.errno.EIO, code: 'EIO', call: 'window', message: `window failed${HOSTILE}` };
    // Documents that the tool itself accepts: what it prints of them is the point, not whether it reads them.
    expect(validateResultDocument(hostile)).toEqual([]);
    base = writeJson(join(dir, 'hostile-base.json'), hostile);
    // Another run (a copy is refused as the same run twice): the same figures, started a second earlier.
    current = writeJson(join(dir, 'hostile-current.json'), { ...hostile, startedAt: new Date(Date.parse(hostile.startedAt) - 1000).toISOString() });
  });

  it('compare, as a table', async () => {
    const r = await cli(['compare', base, current]);
    expect(r.code, r.stderr).toBe(0);
    expect(controls(r.stdout)).toEqual([]);
    expect(controls(r.stderr)).toEqual([]);
    expect(r.stdout).toContain(`${plainIds[0]}${SHOWN}`);
    expect(r.stdout).toContain(`suite quick${SHOWN}`);
  });

  it('compare --format markdown', async () => {
    const r = await cli(['compare', base, current, '--format', 'markdown']);
    expect(r.code, r.stderr).toBe(0);
    expect(controls(r.stdout)).toEqual([]);
    expect(controls(r.stderr)).toEqual([]);
    // Markdown doubles each backslash: the escapes are still there to read.
    expect(r.stdout).toContain('\\x1b[2J');
    expect(r.stdout).toContain('\\u{202e}');
    expect(r.stdout).toContain(`suite quick`);
  });

  it('export --to gab-bigger: its notes on stderr and its JSON on stdout', async () => {
    const r = await cli(['export', base, '--to', 'gab-bigger']);
    expect(r.code, r.stderr).toBe(0);
    expect(controls(r.stderr)).toEqual([]);
    // JSON escapes C0 controls itself, but not C1 or the bidirectional ones.
    expect(controls(r.stdout)).toEqual([]);
    expect(r.stderr).toContain(`skipped ${plainIds[1]}${SHOWN} (errored: window failed${SHOWN})`);
    const names = (JSON.parse(r.stdout) as Array<{ name: string }>).map((e) => e.name);
    expect(names).toContain(`${plainIds[0]}${SHOWN}`);
  });

  it("a suite whose name carries escapes: the run's table and markdown", async () => {
    const suite = writeJson(join(dir, 'hostile-suite.json'), {
      name: `evil${HOSTILE}`,
      description: `planted${HOSTILE}`,
      budget: { capMs: 100 },
      matrix: [{ workload: ['msg.pingpong'], mode: ['host', 'isolated'], workers: [1], placement: ['same-cpu'] }],
    });
    const md = await cli(['run', '--suite', suite, '--format', 'markdown', '--json', join(dir, 'hostile-suite-md.json')]);
    expect(md.code, md.stderr).toBe(0);
    expect(controls(md.stdout)).toEqual([]);
    expect(controls(md.stderr)).toEqual([]);
    expect(md.stdout).toContain('suite evil\\\\x1b[2J');
    const table = await cli(['run', '--suite', suite, '--json', join(dir, 'hostile-suite-table.json')]);
    expect(table.code, table.stderr).toBe(0);
    expect(controls(table.stdout)).toEqual([]);
    expect(controls(table.stderr)).toEqual([]);
  });
});

/** The pieces of `uid` 65534's view: setpriv to become it, a copy of the package it can read where the checkout is closed to it. */
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
function nobodyCli(): string {
  if (spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), 'test', '-r', CLI]).status === 0) return CLI;
  const copy = join(dir, 'package');
  for (const part of ['package.json', 'dist', 'bench', 'schema', 'node_modules', join('native', 'build')]) {
    cpSync(join(PACKAGE_ROOT, part), join(copy, part), { recursive: true });
  }
  chmodSync(dir, 0o755);
  return join(copy, 'dist', 'src', 'cli.js');
}

/** Threads and processes of a user now, which RLIMIT_NPROC counts together with the new process's. */
function tasksOfUid(uid: number): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (/\nUid:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] !== String(uid)) continue;
      n += readdirSync(`/proc/${d}/task`).length;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

describe('process limits too low for a run: one line naming the limit and the fix, exit 2, nothing left behind', () => {
  const RUN = ['run', '--workload', 'msg.pingpong', '--mode', 'host', '--time', '100'];

  async function refused(args: string[], prefix: string[], message: RegExp, o: { cli?: string; uid?: number } = {}): Promise<void> {
    const run = start(args, { prefix, timeoutMs: 60_000, ...(o.cli ? { cli: o.cli } : {}) });
    const r = await run.done;
    expectRefusal(r, message);
    expect(r.stderr).not.toMatch(/\n\s+at |Fatal|Error:|Aborted/);
    expect(tagged(run.tag)).toEqual([]);
    expect(journalsOf(run.pid, o.uid ?? 0)).toEqual([]);
  }

  it('an open-file limit of 40 (soft and hard): the limit and ulimit -n', async () => {
    const json = join(dir, 'nofile40.json');
    await refused([...RUN, '--workers', '1', '--json', json], ['prlimit', '--nofile=40:40'], /open-file limit \(ulimit -n\) is 40\b.*ulimit -n 1024/);
    expect(existsSync(json)).toBe(false);
  });

  it('an open-file limit of 72 with --workers 16: how many the workers need', async () => {
    await refused(
      [...RUN, '--workers', '16', '--json', join(dir, 'nofile72.json')],
      // 72 leaves the tool room to load (it needs about 60 before any worker starts) and 16 workers too few.
      ['prlimit', '--nofile=72:72'],
      /open-file limit \(ulimit -n\) is 72; 16 workers need about \d+: raise it \(ulimit -n \d+.*or run fewer --workers/,
    );
  });

  it('an address-space limit of 1.5 GB: the limit, what a worker needs, no V8 fatal error', async () => {
    await refused(
      [...RUN, '--workers', '1', '--json', join(dir, 'as.json')],
      ['prlimit', '--as=1500000000'],
      /address-space limit \(ulimit -v\) is 1\.4 GiB; 1 worker .*needs about [\d.]+ GiB: raise it \(ulimit -v unlimited\)/,
    );
  });

  it('RLIMIT_NPROC of 16 free tasks, as uid 65534', async () => {
    const path = nobodyCli();
    const out = join(dir, 'nobody');
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    chmodSync(dir, 0o755);
    // The limit counts the user's tasks machine-wide: 16 more than it runs now. (With fewer than about 11 free, Node aborts before any JavaScript runs.)
    const nproc = 16 + tasksOfUid(65534);
    await refused(
      [...RUN, '--workers', '2', '--json', join(out, 'nproc.json')],
      [...NOBODY, 'prlimit', `--nproc=${nproc}`],
      /process limit \(ulimit -u, RLIMIT_NPROC[^)]*\) is \d+.*raise it \(ulimit -u \d+\)/,
      { cli: path, uid: 65534 },
    );
  });
});

describe("advice in host mode names the host's sysctl, not --sysctl", () => {
  it("a --size over the host's kernel.msgmax", async () => {
    const msgmax = Number(readFileSync('/proc/sys/kernel/msgmax', 'utf8'));
    const size = msgmax + 1;
    const run = start([
      'run',
      '--workload',
      'msg.pingpong',
      '--mode',
      'host',
      '--workers',
      '1',
      '--placement',
      'same-cpu',
      '--size',
      String(size),
      '--json',
      join(dir, 'msgmax.json'),
    ]);
    const r = await run.done;
    expectRefusal(r, new RegExp(`--size ${size} exceeds kernel\\.msgmax = ${msgmax} of the host IPC namespace`));
    expect(r.stderr).toContain(`sysctl -w kernel.msgmax=${size}`);
    expect(r.stderr).toContain('--mode shared or isolated');
    expect(r.stderr).not.toContain('inside the namespace');
    // A host-mode run opens its journal before this check: it is gone again.
    expect(journalsOf(run.pid)).toEqual([]);
  });
});

describe('namespace limits that the scenarios cannot fit', () => {
  it('kernel.sem="1 1 1 1" is refused before anything runs, with a full kernel.sem value that works', async () => {
    const args = ['run', '--workload', 'sem.pingpong', '--mode', 'isolated', '--workers', '1', '--placement', 'same-cpu', '--time', '100'];
    const r = await cli([...args, '--sysctl', 'kernel.sem=1 1 1 1', '--json', join(dir, 'sem1111.json')]);
    expectRefusal(r, /sem\.pingpong needs 2 semaphores in a set, and kernel\.sem semmsl is 1 .*--sysctl kernel\.sem="\d+ \d+ \d+ \d+"/);
    // The value it names is the fix: the same run with it completes.
    const value = /--sysctl kernel\.sem="([\d ]+)"/.exec(r.stderr)?.[1] ?? '';
    const json = join(dir, 'sem-fixed.json');
    const fixed = await cli([...args, '--sysctl', `kernel.sem=${value}`, '--json', json, '--quiet']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(doc.scenarios.map((s) => s.state)).toEqual(['completed']);
  });

  it('workers that together overfill a shared fresh namespace are skipped with the fix; isolated runs', async () => {
    const json = join(dir, 'overfill.json');
    const r = await cli([
      'run',
      '--workload',
      'ipc.lookup',
      '--objects',
      '32',
      '--workers',
      '2',
      '--mode',
      'shared,isolated',
      '--placement',
      'same-cpu',
      '--sysctl',
      'kernel.msgmni=48',
      '--time',
      '200',
      '--json',
      json,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(validateResultDocument(doc)).toEqual([]);
    const shared = doc.scenarios.find((s) => s.mode === 'shared');
    const isolated = doc.scenarios.find((s) => s.mode === 'isolated');
    expect(isolated?.state, isolated?.failure?.message).toBe('completed');
    expect(shared?.state).toBe('skipped');
    expect(shared?.failure?.call).toBe('kernel.msgmni');
    expect(shared?.failure?.message).toContain('2 workers in one namespace need 2 x 32 = 64 queues');
    expect(shared?.failure?.message).toContain('--sysctl kernel.msgmni=64');
    expect(shared?.failure?.message).toContain('--mode isolated');
    expect(r.stderr).toContain(`limit at work: ${shared?.id ?? '?'} is not run: kernel.msgmni is 48`);
  });
});

/** Resolves once the tool has finished its first scenario group (its document lists scenarios). */
function afterFirstGroup(json: string): () => boolean {
  return () => {
    try {
      return (JSON.parse(readFileSync(json, 'utf8')) as ResultDocument).scenarios.length > 0;
    } catch {
      return false;
    }
  };
}

describe('signals that stop a run', () => {
  it('SIGHUP (a closed terminal) stops it like SIGTERM: a partial document that validates, exit 129', async () => {
    const json = join(dir, 'sighup.json');
    const run = start(['run', '--workload', 'msg.pingpong,sem.pingpong', '--mode', 'host,isolated', '--time', '1000', '--json', json]);
    expect(await until(afterFirstGroup(json), 60_000)).toBe(true);
    process.kill(run.pid, 'SIGHUP');
    const r = await run.done;
    expect(r.signal, r.stderr.slice(-600)).toBeNull();
    expect(r.code, r.stderr.slice(-600)).toBe(129);
    expect(r.stderr).toContain('SIGHUP: stopping after the window in flight');
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(false);
    expect(doc.scenarios.some((s) => s.state === 'completed')).toBe(true);
    expect(doc.scenarios.some((s) => s.state !== 'completed')).toBe(true);
    expect(tagged(run.tag)).toEqual([]);
    expect(journalsOf(run.pid)).toEqual([]);
  });

  it('SIGTERM to the tool and its measured processes at once (systemd, docker stop): the scenario in flight is interrupted, not failed; exit 143', async () => {
    // Windows of 2 s: the measured processes are alive, inside a window, when the signal comes.
    const suite = writeJson(join(dir, 'long-windows.json'), {
      name: 'long-windows',
      budget: { capMs: 20000, windowMs: 2000, warmupRounds: 0, minRounds: 2, maxRounds: 4 },
      matrix: [{ workload: ['msg.pingpong'], mode: ['host', 'isolated'], workers: [1], placement: ['same-cpu'] }],
    });
    const json = join(dir, 'sigterm-all.json');
    const run = start(['run', '--suite', suite, '--json', json], { detached: true });
    // Both parties of the pair exist (the partner is the tool's child too): the window is under way. The
    // run must have planned first (its document says how it compares): before that, its children are the
    // probes that read the limits of a fresh namespace, and a signal then stops a run that has not begun.
    const planned = (): boolean => {
      try {
        return (JSON.parse(readFileSync(json, 'utf8')) as ResultDocument).analysis.method !== 'not yet planned';
      } catch {
        return false;
      }
    };
    let kids: number[] = [];
    expect(await until(() => planned() && (kids = childPids(run.pid)).length >= 2, 60_000)).toBe(true);
    // Everything at once: the measured processes (each group leader is in a process group of its own), then the tool's group.
    for (const k of kids) {
      try {
        process.kill(k, 'SIGTERM');
      } catch (e) {
        // Gone already: once one party of a group has stopped, the tool kills and reaps the whole group.
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
    process.kill(-run.pid, 'SIGTERM');
    const r = await run.done;
    expect(r.signal, r.stderr.slice(-600)).toBeNull();
    expect(r.code, r.stderr.slice(-600)).toBe(143);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(false);
    expect(doc.scenarios.length).toBeGreaterThan(0);
    for (const s of doc.scenarios) {
      expect(s.failure?.message ?? '').not.toContain('ECHILD');
      expect(s.failure?.call ?? '').not.toMatch(/leader|partner/);
      if (s.state === 'completed') continue;
      expect(['skipped', 'errored']).toContain(s.state);
      expect(s.failure?.call === 'interrupted' || s.failure?.errno === constants.errno.EINTR, `${s.id}: ${JSON.stringify(s.failure)}`).toBe(true);
    }
    expect(kids.filter((k) => existsSync(`/proc/${k}`))).toEqual([]);
    expect(tagged(run.tag)).toEqual([]);
    expect(journalsOf(run.pid)).toEqual([]);
  });
});

/* ---------- the modules behind the CLI ---------- */

const LIMITS_OF = (over: Partial<NamespaceLimits> = {}): NamespaceLimits => ({
  // A fresh namespace's compile-time defaults (src/mock-core.ts FRESH_DEFAULTS), then the crafted values.
  nsInode: 0,
  msgmax: 8192,
  msgmnb: 16384,
  msgmni: 32000,
  shmmax: Infinity,
  shmall: Infinity,
  shmmni: 4096,
  semmsl: 32000,
  semmns: 1024000000,
  semopm: 500,
  semmni: 32000,
  mqMsgMax: 10,
  mqMsgsizeMax: 8192,
  mqQueuesMax: 256,
  ...over,
});
const NO_USAGE: NamespaceUsage = { queues: 0, semSets: 0, sems: 0, segments: 0, shmPages: 0 };

describe('countScenarios and expand at LIMITS.maxScenarios', () => {
  const sized = (n: number, workloads = ['msg.pingpong']): Suite => ({
    name: 'edge',
    description: '',
    budget: { capMs: 100, margin: 0.05, windowMs: 0, warmupRounds: 1, minRounds: 10, maxRounds: 1000, sampleEvery: -1, precision: 0 },
    matrix: [{ workload: workloads, params: { size: Array.from({ length: n }, (_, i) => i + 1) }, mode: ['host'], workers: [1], placement: ['same-cpu'] }],
  });

  it('just at the limit: counted and expanded', async () => {
    const { countScenarios, expand, LIMITS } = await import('../src/plan/suite.js');
    expect(countScenarios(sized(LIMITS.maxScenarios))).toBe(LIMITS.maxScenarios);
    expect(expand(sized(LIMITS.maxScenarios))).toHaveLength(LIMITS.maxScenarios);
  });

  it('one over: refused with the count and the limit', async () => {
    const { countScenarios, expand, LIMITS } = await import('../src/plan/suite.js');
    const { UsageError } = await import('../src/common/errors.js');
    expect(countScenarios(sized(LIMITS.maxScenarios + 1))).toBe(LIMITS.maxScenarios + 1);
    expect(() => expand(sized(LIMITS.maxScenarios + 1), '--suite edge')).toThrow(UsageError);
    expect(() => expand(sized(LIMITS.maxScenarios + 1), '--suite edge')).toThrow(
      `--suite edge: its matrix names ${LIMITS.maxScenarios + 1} scenarios, more than the ${LIMITS.maxScenarios}`,
    );
  });

  it('millions: counted without expanding (duplicates count), refused', async () => {
    const { countScenarios, expand } = await import('../src/plan/suite.js');
    const suite = sized(1000, ['msg.pingpong', 'msg.stream', 'mq.pingpong', 'mq.stream', 'shm.copy']);
    const entry = suite.matrix[0];
    if (!entry) throw new Error('no entry');
    const huge: Suite = {
      ...suite,
      matrix: [{ ...entry, workers: Array.from({ length: 256 }, (_, i) => i + 1), mode: ['host', 'shared', 'isolated'], placement: ['same-cpu', 'split'] }],
    };
    const count = 5 * 1000 * 256 * 3 * 2;
    expect(countScenarios(huge)).toBe(count);
    // The same entry twice names each scenario twice: counted so, expanded once.
    expect(countScenarios({ ...huge, matrix: [...huge.matrix, ...huge.matrix] })).toBe(2 * count);
    expect(() => expand(huge)).toThrow(`its matrix names ${count} scenarios`);
    // A parameter the workload does not take does not multiply it.
    expect(countScenarios({ ...suite, matrix: [{ ...entry, workload: ['sem.pingpong'] }] })).toBe(1);
  });
});

describe('preflightProblem and capacityProblem with crafted limits', () => {
  it('semmsl below a set of two, in a fresh namespace: --sysctl with every kernel.sem field', async () => {
    const { preflightProblem } = await import('../src/measure/preflight.js');
    const s = scenario('sem.pingpong', 'isolated', { params: {}, sysctls: { 'kernel.sem': '1 32000 500 32000' } });
    const problem = preflightProblem(s, { host: LIMITS_OF(), fresh: LIMITS_OF({ semmsl: 1 }) }, [0, 1]);
    expect(problem).toContain('needs 2 semaphores in a set, and kernel.sem semmsl is 1 in a fresh IPC namespace');
    expect(problem).toContain('raise it with --sysctl kernel.sem="2 1024000000 500 32000"');
  });

  it("the same in host mode: the host's sysctl -w, or another mode", async () => {
    const { preflightProblem } = await import('../src/measure/preflight.js');
    const problem = preflightProblem(scenario('sem.pingpong', 'host', { params: {} }), { host: LIMITS_OF({ semmsl: 1 }), fresh: LIMITS_OF() }, [0, 1]);
    expect(problem).toContain('kernel.sem semmsl is 1 in the host IPC namespace');
    expect(problem).toContain('sysctl -w kernel.sem="2 1024000000 500 32000"');
    expect(problem).toContain('--mode shared or isolated');
    expect(problem).not.toContain('inside the namespace');
  });

  it('a limit only the workers together exceed is not bad input', async () => {
    const { preflightProblem } = await import('../src/measure/preflight.js');
    const s = scenario('ipc.lookup', 'shared', { params: { objects: 32 }, workers: 2 });
    expect(preflightProblem(s, { host: LIMITS_OF(), fresh: LIMITS_OF({ msgmni: 48 }) }, [0, 1])).toBeNull();
  });

  it('shared: workers x objects over msgmni is a skip with the fix; at the limit, and isolated, they fit', async () => {
    const { capacityProblem } = await import('../src/measure/preflight.js');
    const shared = scenario('ipc.lookup', 'shared', { params: { objects: 32 }, workers: 2 });
    const f = capacityProblem(shared, { host: LIMITS_OF(), fresh: LIMITS_OF({ msgmni: 48 }) }, NO_USAGE);
    expect(f?.errno).toBe(constants.errno.ENOSPC);
    expect(f?.call).toBe('kernel.msgmni');
    expect(f?.message).toContain('2 workers in one namespace need 2 x 32 = 64 queues');
    expect(f?.message).toContain('raise it with --sysctl kernel.msgmni=64, or use --mode isolated');
    expect(capacityProblem(shared, { host: LIMITS_OF(), fresh: LIMITS_OF({ msgmni: 64 }) }, NO_USAGE)).toBeNull();
    const isolated = scenario('ipc.lookup', 'isolated', { params: { objects: 32 }, workers: 2 });
    expect(capacityProblem(isolated, { host: LIMITS_OF(), fresh: LIMITS_OF({ msgmni: 48 }) }, NO_USAGE)).toBeNull();
  });

  it('host: the objects the host namespace already holds count; a fresh namespace holds none', async () => {
    const { capacityProblem } = await import('../src/measure/preflight.js');
    const limits = { host: LIMITS_OF({ msgmni: 64 }), fresh: LIMITS_OF({ msgmni: 64 }) };
    const host = scenario('ipc.lookup', 'host', { params: { objects: 32 } });
    const f = capacityProblem(host, limits, { ...NO_USAGE, queues: 40 });
    expect(f?.message).toContain('kernel.msgmni is 64 in the host IPC namespace; 1 worker needs 32 queues, and the namespace already holds 40');
    expect(f?.message).toContain('sysctl -w kernel.msgmni=72');
    expect(f?.message).toContain('--mode shared or isolated with --sysctl kernel.msgmni=72');
    expect(capacityProblem(host, limits, { ...NO_USAGE, queues: 32 })).toBeNull();
    expect(capacityProblem(scenario('ipc.lookup', 'shared', { params: { objects: 32 } }), limits, { ...NO_USAGE, queues: 40 })).toBeNull();
  });

  it('kernel.sem semmni shared by four workers: the whole kernel.sem value that fits them', async () => {
    const { capacityProblem } = await import('../src/measure/preflight.js');
    const s = scenario('sem.pingpong', 'shared', { params: {}, workers: 4 });
    const f = capacityProblem(s, { host: LIMITS_OF(), fresh: LIMITS_OF({ semmni: 3 }) }, NO_USAGE);
    expect(f?.call).toBe('kernel.sem semmni');
    expect(f?.message).toContain('4 workers in one namespace need 4 x 1 = 4 semaphore sets');
    expect(f?.message).toContain('--sysctl kernel.sem="32000 1024000000 500 4"');
  });
});

describe('failure advice in the host namespace', () => {
  it("msgget ENOSPC names the host's kernel.msgmni, or another mode; elsewhere --sysctl", async () => {
    const { failure } = await import('../src/common/errors.js');
    const host = failure(constants.errno.ENOSPC, 'msgget', undefined, true).message;
    expect(host).toContain('kernel.msgmni (queues per namespace) is exhausted');
    expect(host).toContain('sysctl -w kernel.msgmni=');
    expect(host).toContain('--mode shared or isolated');
    expect(host).not.toMatch(/raise it (inside the namespace )?with --sysctl/);
    expect(failure(constants.errno.ENOSPC, 'msgget').message).toContain('raise it with --sysctl kernel.msgmni=');
  });
});

describe('what is read and printed', () => {
  it('printable shows every control character as an escape, and leaves the rest', async () => {
    const { printable, printableStrings } = await import('../src/common/text.js');
    expect(printable(`id${HOSTILE}`)).toBe(`id${SHOWN}`);
    expect(printable('tab\tand\nnewline')).toBe('tab\\x09and\\x0anewline');
    expect(printable('µs ⚪ ±5 %')).toBe('µs ⚪ ±5 %');
    expect(printableStrings({ [`k${HOSTILE}`]: [`v${HOSTILE}`, 3] })).toEqual({ [`k${SHOWN}`]: [`v${SHOWN}`, 3] });
  });

  it('readBounded takes a regular file of exactly the bound, and refuses one byte more', async () => {
    const { readBounded } = await import('../src/common/files.js');
    const at = join(dir, 'at-bound.txt');
    writeFileSync(at, 'x'.repeat(4096));
    expect(readBounded(at, 4096, '--suite ')).toHaveLength(4096);
    writeFileSync(at, 'x'.repeat(4097));
    expect(() => readBounded(at, 4096, '--suite ', 'a suite')).toThrow(`--suite ${at}: is 4097 bytes, more than the 4096 this reads of a suite`);
    expect(() => readBounded(fifo, 4096, '--suite ', 'a suite')).toThrow('is a FIFO, not a regular file');
  });
});
