/**
 * Every output target, on a machine shared with another user who plants
 * things where the tool (root) writes: run --json and --html, the default
 * results/ folder, the journal folder, merge and report --out, export
 * --output. The other user is a real unprivileged one (uid 65534, through
 * setpriv): what it makes, it owns, as on a real machine.
 * - A link or a folder of that user anywhere on the path is refused before
 *   anything is read or measured, with one line naming the component; a link
 *   of root on the way is followed.
 * - That user's FIFO at --json cannot hold the run: no reader fails at once,
 *   a reader that stops reading yields to a signal.
 * - An output that is one of the inputs, however it is reached, is refused.
 * - Without --json the document goes to results/ in the working folder, and
 *   every file written is named on stderr.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { documentText } from '../src/document/writer.js';
import { type CliResult, runCli, startCli } from './helpers/cli.js';
import { modeGroup, runDocument } from './helpers/fixtures.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
/** Runs a command as uid 65534. */
const asNobody = (...command: string[]): void => {
  execFileSync('setpriv', [...NOBODY, ...command]);
};

const dir = mkdtempSync(join(tmpdir(), 'ipcns-targets-'));
chmodSync(dir, 0o755);
/** Like /tmp: anyone may add names here, no one may rename or remove another's (sticky). */
const shared = join(dir, 'shared');
mkdirSync(shared);
chmodSync(shared, 0o1777);
/** A folder only root can use, with a file in it that nothing here may touch. */
const rootOnly = join(dir, 'root-only');
mkdirSync(rootOnly, { mode: 0o700 });
const SECRET = 'root only\n';
writeFileSync(join(rootOnly, 'secret.json'), SECRET);
const pending: Array<() => void> = [];
afterAll(() => {
  for (const f of pending) f();
  rmSync(dir, { recursive: true, force: true });
});

/** One short group in a fresh namespace: about a second of measuring. */
const QUICK = ['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--time', '50'];

/** The one line of a refusal, after checking that there is only one. */
function oneLine(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0] ?? '';
}

function expectSecretKept(): void {
  expect(readdirSync(rootOnly)).toEqual(['secret.json']);
  expect(readFileSync(join(rootOnly, 'secret.json'), 'utf8')).toBe(SECRET);
}

/** A file's bytes and inode, to show it was neither rewritten nor replaced. */
const identity = (path: string): { text: string; ino: number } => ({ text: readFileSync(path, 'utf8'), ino: statSync(path).ino });

/** Resolves with the promise's value, or with `fallback` once the deadline has passed (a hang is a failure, not a wait forever). */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
}

/** Waits for a condition another process brings about, up to a deadline. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

/** Starts the CLI and makes sure it is gone when the file ends, whatever the test found. */
function started(args: string[]): ReturnType<typeof startCli> {
  const run = startCli(args);
  let exited = false;
  void run.done.then(() => {
    exited = true;
  });
  pending.push(() => {
    if (!exited) process.kill(run.pid, 'SIGKILL');
  });
  return run;
}

let docPath = '';
let basePath = '';
beforeAll(async () => {
  const measured = await runDocument(modeGroup('msg.pingpong'), { seed: 3 });
  // Labelled, as run writes it: merge takes it.
  const doc: ResultDocument = { ...measured, env: { ...measured.env, label: 'here' } };
  docPath = join(dir, 'run.json');
  writeFileSync(docPath, documentText(doc));
  basePath = join(dir, 'base.json');
  writeFileSync(basePath, documentText({ ...doc, startedAt: '2023-12-31T00:00:00.000Z' }));
});

describe('a link or a folder of another user anywhere in an output path', () => {
  beforeAll(() => {
    // In the shared folder, a link of uid 65534 to root's folder; and a folder of uid 65534 with such a link inside.
    asNobody('ln', '-s', rootOnly, join(shared, 'x'));
    asNobody('mkdir', join(shared, 'theirs'));
    asNobody('ln', '-s', rootOnly, join(shared, 'theirs', 'y'));
  });

  const commands: Array<[string, (out: string) => string[], string]> = [
    ['run --json', (out) => [...QUICK, '--json', out], '--json'],
    ['run --html', (out) => [...QUICK, '--json', join(dir, 'html-run.json'), '--html', out], '--html'],
    ['merge --out', (out) => ['merge', docPath, '--out', out], '--out'],
    ['report --out', (out) => ['report', docPath, '--out', out], '--out'],
    ['export --output', (out) => ['export', docPath, '--to', 'bmf', '--output', out], '--output'],
  ];
  for (const [name, args, flag] of commands) {
    it(`${name}: through a link of uid 65534 in a shared folder, to a file of root's: refused, exit 2, one line naming the link`, () => {
      const out = join(shared, 'x', 'secret.json');
      const r = runCli(args(out));
      expect(r.code, r.stderr).toBe(2);
      const line = oneLine(r);
      expect(line).toContain(`ipcns-bench: ${flag} ${out}: ${join(shared, 'x')} is a symbolic link (of uid 65534); not used: give a path whose every folder`);
      expectSecretKept();
    });

    it(`${name}: inside a folder of uid 65534: refused, exit 2, one line naming the folder`, () => {
      const out = join(shared, 'theirs', 'y', 'secret.json');
      const r = runCli(args(out));
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toContain(`ipcns-bench: ${flag} ${out}: ${join(shared, 'theirs')} is owned by uid 65534; not used`);
      expectSecretKept();
    });
  }

  it("under sudo, the folders of the user who ran sudo (SUDO_UID) count as the caller's own: written there", () => {
    const theirs = join(shared, 'sudo-user');
    asNobody('mkdir', theirs);
    const out = join(theirs, 'fleet.json');
    const refused = runCli(['merge', docPath, '--out', out, '--quiet']);
    expect(refused.code).toBe(2);
    const r = runCli(['merge', docPath, '--out', out, '--quiet'], { SUDO_UID: '65534' });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(out).isFile()).toBe(true);
  });

  it("a link of root's on the way (as /var/run -> /run) is followed: the file is written where it leads", () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    symlinkSync(mine, join(dir, 'root-link'));
    const r = runCli(['merge', docPath, '--out', join(dir, 'root-link', 'fleet.json'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(mine, 'fleet.json')).isFile()).toBe(true);
    expect(lstatSync(join(dir, 'root-link')).isSymbolicLink()).toBe(true);
  });
});

/** A copy of the package (its dist; node_modules, bench and the core through links), so that its own results/ can be watched. */
function packageCopy(name: string): string {
  const root = join(dir, name);
  mkdirSync(root);
  cpSync(join(PACKAGE_ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(PACKAGE_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  for (const part of ['node_modules', 'bench', 'native']) symlinkSync(join(PACKAGE_ROOT, part), join(root, part));
  return root;
}

/** Runs a package copy's CLI in `cwd`. */
function runAt(root: string, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], {
    cwd,
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
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('where the outputs of a run go', () => {
  it('without --json: results/ in the working folder (made there), not in the package; --html is named on stderr', async () => {
    const root = packageCopy('pkg-cwd');
    const cwd = join(dir, 'elsewhere');
    mkdirSync(cwd);
    const html = join(cwd, 'report.html');
    const r = await runAt(root, cwd, [...QUICK, '--format', 'markdown', '--html', 'report.html']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(root, 'results'))).toBe(false);
    const results = join(cwd, 'results');
    expect(lstatSync(results).isDirectory()).toBe(true);
    const written = readdirSync(results).sort();
    expect(written).toHaveLength(2);
    expect(written).toContain('latest.json');
    const latest = JSON.parse(readFileSync(join(results, 'latest.json'), 'utf8')) as ResultDocument;
    expect(latest.complete).toBe(true);
    // Each file written, named on stderr: the document (markdown prints only itself on stdout) and the report.
    const stamped = written.find((n) => n !== 'latest.json') ?? '';
    expect(r.stderr.split('\n')).toEqual(expect.arrayContaining([`Result document: ${join(results, stamped)}`, `Report: ${html}`]));
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('--quiet names nothing', async () => {
    const root = packageCopy('pkg-quiet');
    const r = await runAt(root, dir, [...QUICK, '--json', join(dir, 'quiet.json'), '--html', join(dir, 'quiet.html'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(existsSync(join(dir, 'quiet.html'))).toBe(true);
  });

  it('started in a folder of uid 65534: results/ is refused there, exit 2, one line, nothing made', async () => {
    const root = packageCopy('pkg-theirs');
    const cwd = join(shared, 'their-cwd');
    asNobody('mkdir', cwd);
    const r = await runAt(root, cwd, [...QUICK, '--quiet']);
    expect(r.code).toBe(2);
    const line = oneLine(r);
    expect(line).toMatch(/^ipcns-bench: results\/: /);
    expect(line).toContain(`${cwd} is owned by uid 65534`);
    expect(line).toContain('--json PATH');
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(root, 'results'))).toBe(false);
  });

  it("the journal folder is not made through another user's link (TMPDIR through it): a host-mode run does not start", async () => {
    const root = packageCopy('pkg-journal');
    const env = { TMPDIR: join(shared, 'x'), XDG_RUNTIME_DIR: '' };
    const r = await runAt(root, dir, ['run', '--workload', 'msg.pingpong', '--mode', 'host', '--time', '50', '--json', join(dir, 'host.json')], env);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toContain(`${join(shared, 'x')} is a symbolic link (of uid 65534)`);
    expectSecretKept();
  });
});

describe("a FIFO of another user at --json (uid 65534's, in the shared folder)", () => {
  it('with no reader: the run ends at once when it comes to write, exit 1, and says why', async () => {
    const fifo = join(shared, 'no-reader');
    asNobody('mkfifo', '-m', '666', fifo);
    const run = started([...QUICK, '--json', fifo, '--quiet']);
    const r = await within(run.done, 90_000, undefined);
    expect(r, 'the run did not end').toBeDefined();
    expect(r?.code).toBe(1);
    expect(r?.stderr).toContain(`ipcns-bench: cannot write ${fifo}: no process has it open for reading (ENXIO); not written`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  }, 120_000);

  it('with a reader that stops reading: a SIGTERM after the run is complete still ends it, exit 143', async () => {
    const fifo = join(shared, 'stalled');
    asNobody('mkfifo', '-m', '666', fifo);
    // The reader takes one byte and no more: the document (several pipe buffers) cannot all go in.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    pending.push(() => closeSync(reader));
    const run = started(['run', '--workload', 'msg.pingpong,msg.stream,sem.pingpong', '--mode', 'isolated', '--time', '50', '--json', fifo, '--quiet']);
    const byte = Buffer.alloc(1);
    const readOne = (): boolean => {
      try {
        return readSync(reader, byte, 0, 1, null) === 1;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
        throw e;
      }
    };
    // The first byte arrives once the run is complete and writing its document.
    expect(await until(readOne, 120_000)).toBe(true);
    expect(byte.toString()).toBe('{');
    process.kill(run.pid, 'SIGTERM');
    const r = await within(run.done, 30_000, undefined);
    expect(r, 'SIGTERM did not end the run').toBeDefined();
    expect(r?.code).toBe(143);
    expect(r?.stderr).toContain('SIGTERM: the run is complete; stopping what is still being written');
    expect(r?.stderr).toContain(`cannot write ${fifo}: interrupted by a signal`);
  }, 180_000);
});

describe('an output that is one of the inputs is refused (exit 2, one line) and the input is kept', () => {
  const cases: Array<[string, () => { args: string[]; input: string }]> = [
    ['report r.json --out r.json', () => ({ args: ['report', docPath, '--out', docPath], input: docPath })],
    ['report --base b.json --out b.json', () => ({ args: ['report', docPath, '--base', basePath, '--out', basePath], input: basePath })],
    ['export r.json --output r.json', () => ({ args: ['export', docPath, '--to', 'bmf', '--output', docPath], input: docPath })],
    [
      'merge --out, a link to an input',
      () => {
        const link = join(dir, 'link-to-run.json');
        symlinkSync(docPath, link);
        return { args: ['merge', docPath, '--out', link], input: docPath };
      },
    ],
    [
      "merge --out, the input's name in a linked folder",
      () => {
        const folder = join(dir, 'linked-folder');
        symlinkSync(dir, folder);
        return { args: ['merge', docPath, '--out', join(folder, 'run.json')], input: docPath };
      },
    ],
    [
      'merge --out, a hard link of an input',
      () => {
        const hard = join(dir, 'hard-run.json');
        linkSync(docPath, hard);
        return { args: ['merge', docPath, '--out', hard], input: docPath };
      },
    ],
    [
      'run --suite s.json --json s.json',
      () => {
        const suite = join(dir, 'suite.json');
        writeFileSync(suite, readFileSync(join(PACKAGE_ROOT, 'bench', 'quick.json')));
        return { args: ['run', '--suite', suite, '--workload', 'msg.pingpong', '--mode', 'isolated', '--time', '50', '--json', suite], input: suite };
      },
    ],
  ];
  for (const [name, prepare] of cases) {
    it(name, () => {
      const { args, input } = prepare();
      const before = identity(input);
      const r = runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r)).toMatch(/: is .*, one of the inputs \(the same file\); write to a path of its own$/);
      expect(identity(input)).toEqual(before);
    });
  }

  it('run --json x --html x', () => {
    const both = join(dir, 'both');
    const r = runCli([...QUICK, '--json', both, '--html', both]);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r)).toBe(`ipcns-bench: --html ${both}: is where --json writes too; give each output a path of its own`);
    expect(existsSync(both)).toBe(false);
  });
});
