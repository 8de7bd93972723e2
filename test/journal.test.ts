/**
 * The journal of host-mode objects, and `clean`, on a machine shared with
 * other users and other runs: a live run is never taken for dead (whatever
 * pid namespace it runs in, whatever name it was started by), a run never
 * goes on without a journal in a folder only its user controls, and `clean`
 * removes what a dead run's journal lists, still the run's, and nothing else.
 *
 * Every run and every `clean` here uses a copy of the package and its own
 * XDG_RUNTIME_DIR and TMPDIR, so all three journal folders are this file's:
 * results/.journal of the checkout is shared with other test files, and a
 * dead journal planted there would be theirs to clean up. Only objects this
 * file made (by journal ids, or ids it made itself) are counted or removed.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { allObjects } from '../src/measure/sysvipc.js';
import { childPids } from './helpers/host-ipc.js';

const UID = process.getuid?.() ?? -1;
const NOBODY = 65534;
/** No process can have this pid (pids stay below pid_max): a dead run's, whoever looks. */
const NO_PID = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());

// The folder's name must not contain "cli.js" or "ipcns-bench": the old liveness check looked for those in a run's command line.
const base = mkdtempSync(join(tmpdir(), 'journal-test-'));

/**
 * A suite whose first window lasts 25 s: the same measured processes, and their 32 journaled queues, live that
 * long; a SIGTERM during it ends the run when it ends.
 */
const longWindow = join(base, 'long-window.json');
/** The same with 2 s windows, for runs that end by themselves soon. */
const shortWindow = join(base, 'short-window.json');
for (const [path, windowMs] of [
  [longWindow, 25_000],
  [shortWindow, 2_000],
] as const) {
  writeFileSync(
    path,
    JSON.stringify({
      name: basename(path, '.json'),
      budget: { capMs: 60_000, windowMs, warmupRounds: 0, minRounds: 2, maxRounds: 2 },
      matrix: [{ workload: ['ipc.lookup'], objects: [32], mode: ['host'], workers: [1], placement: ['same-cpu'] }],
    }),
  );
}

/** Waits for a condition that another process brings about, up to a deadline. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

// ---------- places: a package copy and the three journal folders it would use ----------

interface Place {
  root: string;
  cli: string;
  env: NodeJS.ProcessEnv;
  /** The journal folders in the tool's order: $XDG_RUNTIME_DIR/ipcns-bench, <package>/results/.journal, $TMPDIR/ipcns-bench-<uid>. */
  dirs: { xdg: string; results: string; tmp: string };
}

/**
 * A copy of the built package (PACKAGE_ROOT follows dist/src, so its
 * results/.journal is the copy's), with XDG_RUNTIME_DIR and TMPDIR of its own.
 * node_modules and the native build are shared through links.
 */
function place(name: string): Place {
  const root = join(base, name);
  const pkg = join(root, 'pkg');
  mkdirSync(join(pkg, 'native'), { recursive: true });
  for (const part of ['package.json', 'dist', 'bench', 'schema']) cpSync(join(PACKAGE_ROOT, part), join(pkg, part), { recursive: true });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(pkg, 'node_modules'));
  symlinkSync(join(PACKAGE_ROOT, 'native', 'build'), join(pkg, 'native', 'build'));
  mkdirSync(join(pkg, 'results'));
  const runtime = join(root, 'run');
  const tmp = join(root, 'tmp');
  for (const d of [runtime, tmp]) {
    mkdirSync(d);
    chmodSync(d, 0o700);
  }
  return {
    root,
    cli: join(pkg, 'dist', 'src', 'cli.js'),
    env: { ...process.env, XDG_RUNTIME_DIR: runtime, TMPDIR: tmp },
    dirs: { xdg: join(runtime, 'ipcns-bench'), results: join(pkg, 'results', '.journal'), tmp: join(tmp, `ipcns-bench-${UID}`) },
  };
}

// ---------- journals, read the way clean reads them ----------

interface Entry {
  kind: 'msg' | 'sem' | 'shm';
  id: number;
  key: number;
}

interface JournalText {
  /** The run's pid as its own pid namespace saw it. */
  pid: number;
  /** Every SysV object the run journaled as created. */
  made: Entry[];
  /** Those not journaled as removed since. */
  live: Entry[];
}

/** Parses a journal: "# ipcns-bench journal pid=P uid=U started=S", then "msg ID KEY +|-" lines (native/src/track.c). */
function parseJournal(text: string): JournalText | undefined {
  const [first, ...lines] = text.split('\n');
  const m = /^# ipcns-bench journal pid=(\d+) /.exec(first ?? '');
  if (!m) return undefined;
  const made: Entry[] = [];
  const live = new Map<string, Entry>();
  for (const line of lines) {
    const e = /^(msg|sem|shm) (\d+) (\d+) ([+-])$/.exec(line);
    if (!e) continue;
    const entry: Entry = { kind: e[1] as Entry['kind'], id: Number(e[2]), key: Number(e[3]) };
    if (e[4] === '+') {
      made.push(entry);
      live.set(`${entry.kind}:${entry.id}`, entry);
    } else {
      live.delete(`${entry.kind}:${entry.id}`);
    }
  }
  return { pid: Number(m[1]), made, live: [...live.values()] };
}

/** Regular *.journal files under the place's journal folders (links are not followed), parsed. */
function journalsOf(p: Place): Array<JournalText & { path: string }> {
  const out: Array<JournalText & { path: string }> = [];
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const path = join(dir, n);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st?.isDirectory() && depth > 0) walk(path, depth - 1);
      if (!st?.isFile() || !n.endsWith('.journal')) continue;
      const j = parseJournal(readFileSync(path, 'utf8'));
      if (j) out.push({ ...j, path });
    }
  };
  for (const d of [join(p.root, 'run'), join(p.root, 'tmp'), join(p.root, 'pkg', 'results')]) walk(d, 2);
  return out;
}

/** Journals held open by this file: a run deletes its journal when it ends, and what it listed is still read here. */
const held = new Map<string, number>();
function hold(path: string): void {
  if (!held.has(path)) held.set(path, openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW));
}
function heldJournal(path: string): JournalText {
  const fd = held.get(path);
  if (fd === undefined) throw new Error(`${path} is not held`);
  const chunks: Buffer[] = [];
  for (let pos = 0; ; ) {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    pos += n;
  }
  const j = parseJournal(Buffer.concat(chunks).toString('utf8'));
  if (!j) throw new Error(`${path} is not a journal`);
  return j;
}

const same = (a: { kind: string; id: number }, b: { kind: string; id: number }): boolean => a.kind === b.kind && a.id === b.id;
/** The entries that still exist as the object journaled (same kind, id and key). */
const existing = (entries: readonly Entry[]): Entry[] => {
  const objects = allObjects();
  return entries.filter((e) => objects.some((o) => same(o, e) && o.key === e.key));
};

// ---------- processes ----------

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

interface Started {
  /** The process this file started: the tool, or `unshare` around it. */
  pid: number;
  done: Promise<Exit>;
  exited: () => boolean;
  output: () => string;
  place: Place;
}

const started: Started[] = [];

function start(p: Place, command: string, args: string[]): Started {
  const child = spawn(command, args, { env: p.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const done = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal, output });
    });
  });
  const s: Started = { pid: child.pid ?? 0, done, exited: () => exited, output: () => output, place: p };
  started.push(s);
  return s;
}

/** The tool started through `unshare --pid --fork --mount-proc`: pid 1 of a pid namespace of its own. */
function startInPidNamespace(p: Place, args: string[], cli = p.cli): Started {
  return start(p, 'unshare', ['--pid', '--fork', '--mount-proc', '--kill-child=SIGTERM', '--', process.execPath, cli, ...args]);
}

/** `clean --json` (with `extra` flags) of the place's package and folders. */
function clean(p: Place, extra: string[] = []): { code: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [p.cli, 'clean', '--json', ...extra], { encoding: 'utf8', env: p.env, timeout: 60_000 });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    // asserted through code and stderr
  }
  return { code: r.status, json, stderr: r.stderr };
}

/** Kind and id, in a fixed order: clean lists journals in the order their folder does. */
const ids = (list: readonly { kind: string; id: number }[]): string[] => list.map((l) => `${l.kind}:${l.id}`).sort();

/** The objects a clean report lists in `field` (leftovers, removed, foreign) that are among `mine`, as ids(). */
function listedOf(json: Record<string, unknown>, field: string, mine: readonly { kind: string; id: number }[]): string[] {
  const list = (json[field] ?? []) as Array<{ kind: string; id: number }>;
  return ids(list.filter((l) => mine.some((m) => same(l, m))));
}

afterAll(async () => {
  // Runs that are still going (a test failed): stopped the way a user would, so their measured processes remove what they made.
  const running = started.filter((s) => !s.exited());
  for (const s of running) {
    for (const pid of [s.pid, ...childPids(s.pid)]) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
  }
  for (const s of running) {
    if (!(await until(s.exited, 45_000))) {
      for (const pid of [...childPids(s.pid), s.pid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await s.done;
      clean(s.place);
    }
  }
  for (const fd of held.values()) closeSync(fd);
  rmSync(base, { recursive: true, force: true });
}, 120_000);

// ---------- D3: liveness is the journal's lock ----------

describe('a live run that clean used to take for dead', () => {
  /** Two runs in two pid namespaces of their own, both pid 1 there, journaling into the same folders. */
  const nsPlace = place('pid-namespaces');
  /** A run started through a link with another name: its command line names neither cli.js nor ipcns-bench. */
  const linkPlace = place('renamed');
  const link = join(linkPlace.root, 'bin', 'benchtool');
  let inNamespaces: Started[] = [];
  let viaLink: Started | undefined;
  let nsJournals: string[] = [];
  let linkJournal = '';

  beforeAll(async () => {
    mkdirSync(join(linkPlace.root, 'bin'));
    symlinkSync(linkPlace.cli, link);
    inNamespaces = [1, 2].map((n) => startInPidNamespace(nsPlace, ['run', '--suite', longWindow, '--json', join(nsPlace.root, `run-${n}.json`), '--quiet']));
    viaLink = start(linkPlace, process.execPath, [link, 'run', '--suite', longWindow, '--json', join(linkPlace.root, 'run.json'), '--quiet']);
    const linkPid = viaLink.pid;
    const runs = [...inNamespaces, viaLink];
    // Until all three runs have made their 32 queues (64 journaled by pid 1 of some namespace, 32 by the renamed
    // run), or one of them has ended: each test then checks what it needs, and says what the runs printed.
    await until(() => {
      const ns = journalsOf(nsPlace).filter((j) => j.pid === 1);
      const renamed = journalsOf(linkPlace).filter((j) => j.pid === linkPid);
      return (ns.reduce((a, j) => a + j.live.length, 0) >= 64 && renamed.some((j) => j.live.length >= 32)) || runs.some((r) => r.exited());
    }, 90_000);
    nsJournals = journalsOf(nsPlace)
      .filter((j) => j.pid === 1)
      .map((j) => j.path);
    linkJournal = journalsOf(linkPlace).find((j) => j.pid === linkPid)?.path ?? '';
    for (const path of [...nsJournals, linkJournal]) if (path !== '') hold(path);
  }, 120_000);

  /** What the runs printed, for a failed expectation about them. */
  const printed = (): string => [...inNamespaces, ...(viaLink ? [viaLink] : [])].map((r) => `${r.exited() ? 'ended' : 'running'}: ${r.output()}`).join('\n');

  it('gives two runs in two pid namespaces two journals (both are pid 1 there)', () => {
    expect(nsJournals, printed()).toHaveLength(2);
    expect(
      inNamespaces.filter((r) => r.exited()),
      printed(),
    ).toEqual([]);
    const [a, b] = nsJournals.map(heldJournal);
    expect(a?.live).toHaveLength(32);
    expect(b?.live).toHaveLength(32);
    expect(a?.live.filter((e) => b?.live.some((f) => same(e, f)))).toEqual([]);
  });

  it('clean and clean --dry-run leave a live run in another pid namespace alone', () => {
    expect(nsJournals.length, printed()).toBeGreaterThan(0);
    const listed = nsJournals.flatMap((p) => heldJournal(p).live);
    expect(listed.length).toBeGreaterThanOrEqual(32);

    const dry = clean(nsPlace, ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(listedOf(dry.json, 'leftovers', listed)).toEqual([]);
    const r = clean(nsPlace);
    expect(r.code, r.stderr).toBe(0);
    expect(listedOf(r.json, 'removed', listed)).toEqual([]);
    // Left alone because its run holds the journal's lock.
    expect(r.json['live']).toEqual(expect.arrayContaining(nsJournals));
    for (const p of nsJournals) expect(existsSync(p)).toBe(true);
    // Every queue is still there, unless its own run has removed it since (a window ended): its journal then says so.
    const stillListed = nsJournals.flatMap((p) => heldJournal(p).live);
    expect(listed.filter((e) => stillListed.some((f) => same(e, f)))).toEqual(existing(listed.filter((e) => stillListed.some((f) => same(e, f)))));
  });

  it('clean and clean --dry-run leave a live run started under another name alone', () => {
    expect(linkJournal, printed()).not.toBe('');
    const listed = heldJournal(linkJournal).live;
    expect(listed).toHaveLength(32);

    const dry = clean(linkPlace, ['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(listedOf(dry.json, 'leftovers', listed)).toEqual([]);
    const r = clean(linkPlace);
    expect(r.code, r.stderr).toBe(0);
    expect(listedOf(r.json, 'removed', listed)).toEqual([]);
    expect(r.json['live']).toEqual([linkJournal]);
    expect(existsSync(linkJournal)).toBe(true);
    const stillListed = heldJournal(linkJournal).live;
    expect(listed.filter((e) => stillListed.some((f) => same(e, f)))).toEqual(existing(listed.filter((e) => stillListed.some((f) => same(e, f)))));
  });

  it('and each of those runs then stops normally on SIGTERM (143) after its window, leaving no object and no journal', async () => {
    const runs = [...inNamespaces, ...(viaLink ? [viaLink] : [])];
    expect(runs).toHaveLength(3);
    // The tool itself: for a run in a pid namespace, unshare's only child (the run's pid 1).
    const tools = [...inNamespaces.map((s) => childPids(s.pid)), ...(viaLink ? [[viaLink.pid]] : [])];
    for (const t of tools) expect(t).toHaveLength(1);
    for (const [pid] of tools) if (pid) process.kill(pid, 'SIGTERM');
    for (const s of runs) {
      const r = await s.done;
      expect(r.code, r.output).toBe(143);
      expect(r.output).toContain('SIGTERM: stopping after the window in flight');
    }
    expect(nsJournals).toHaveLength(2);
    expect(linkJournal).not.toBe('');
    for (const p of [...nsJournals, linkJournal]) {
      expect(existsSync(p)).toBe(false);
      expect(existing(heldJournal(p).made)).toEqual([]);
    }
    expect(journalsOf(nsPlace)).toEqual([]);
    expect(journalsOf(linkPlace)).toEqual([]);
  }, 90_000);
});

// ---------- D7: the journal's folder ----------

/** How a journal folder candidate is prepared: fine, or made unsafe by another user (uid 65534). */
type Prepared = 'safe' | 'absent' | 'of another user' | 'world-writable' | 'a link of another user';

/** The file another user wants written: a link to it is planted where the old, predictable journal name (pid 1) would be. */
function victim(p: Place): string {
  const path = join(p.root, 'victim');
  writeFileSync(path, 'not a journal\n');
  chownSync(path, NOBODY, NOBODY);
  return path;
}

function plantLink(dir: string, to: string): void {
  symlinkSync(to, join(dir, '1.journal'));
  lchownSync(join(dir, '1.journal'), NOBODY, NOBODY);
}

function prepare(dir: string, how: Prepared, target: string): void {
  switch (how) {
    case 'absent':
      return;
    case 'safe':
      mkdirSync(dir);
      chmodSync(dir, 0o700);
      plantLink(dir, target);
      return;
    case 'of another user':
      mkdirSync(dir);
      chmodSync(dir, 0o700);
      chownSync(dir, NOBODY, NOBODY);
      return;
    case 'world-writable':
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      plantLink(dir, target);
      return;
    case 'a link of another user': {
      const elsewhere = `${dir}.elsewhere`;
      mkdirSync(elsewhere);
      chownSync(elsewhere, NOBODY, NOBODY);
      symlinkSync(elsewhere, dir);
      lchownSync(dir, NOBODY, NOBODY);
      return;
    }
  }
}

/** What is in a folder (through a link, for a candidate that is one), to see that the run wrote nothing there. */
function contents(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

describe('the journal folder', () => {
  it('with every candidate unsafe, a host-mode run exits 2 with one line naming each problem, and leaves nothing', () => {
    const p = place('nowhere');
    const target = victim(p);
    prepare(p.dirs.xdg, 'of another user', target);
    prepare(p.dirs.results, 'a link of another user', target);
    prepare(p.dirs.tmp, 'world-writable', target);
    const before = Object.values(p.dirs).map(contents);
    // In IPC and pid namespaces of its own (its "host" namespace then holds only what it makes), so that
    // what is left after it is what it left: the objects in the namespace, the processes in it.
    const mq = join(p.root, 'mqueue');
    mkdirSync(mq);
    const script = [
      'mq="$1"; shift',
      'mount -t mqueue mqueue "$mq" || exit 99',
      '"$@"; code=$?',
      'echo @@left >&2',
      // The shell expands the glob itself: no process of its own shows up.
      'for p in /proc/[0-9]*; do echo "pid ${p#/proc/}" >&2; done',
      'for k in msg sem shm; do tail -n +2 /proc/sysvipc/$k | sed "s/^/$k /" >&2; done',
      'for q in "$mq"/*; do [ -e "$q" ] && echo "mq ${q##*/}" >&2; done',
      'umount "$mq"',
      'exit $code',
    ].join('\n');
    const r = spawnSync(
      'unshare',
      [
        '--ipc',
        '--pid',
        '--fork',
        '--mount',
        '--propagation',
        'private',
        '--mount-proc',
        '--',
        'sh',
        '-c',
        script,
        'sh',
        mq,
        process.execPath,
        p.cli,
        'run',
        '--suite',
        shortWindow,
        '--json',
        join(p.root, 'run.json'),
        '--quiet',
      ],
      { encoding: 'utf8', env: p.env, timeout: 120_000 },
    );
    const [stderr = '', tail = ''] = r.stderr.split('@@left\n');
    const left = tail.split('\n').filter((l) => l.trim() !== '');

    expect(r.status, stderr).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).toContain('no safe folder for the journal');
    expect(line).toContain(`${p.dirs.xdg} is owned by uid ${NOBODY}`);
    expect(line).toContain(`${p.dirs.results} is a symbolic link (of uid ${NOBODY})`);
    expect(line).toContain(`${p.dirs.tmp} can be written by others (mode 777)`);
    expect(line).toContain('set XDG_RUNTIME_DIR');
    expect(r.stdout).toBe('');
    // Only the shell is left in the namespace; no object, no queue; nothing written into the candidates.
    expect(left).toEqual(['pid 1']);
    expect(Object.values(p.dirs).map(contents)).toEqual(before);
    expect(readFileSync(target, 'utf8')).toBe('not a journal\n');
  });

  const layouts: Array<[keyof Place['dirs'], Record<keyof Place['dirs'], Prepared>]> = [
    ['xdg', { xdg: 'absent', results: 'world-writable', tmp: 'of another user' }],
    ['results', { xdg: 'a link of another user', results: 'safe', tmp: 'world-writable' }],
    ['tmp', { xdg: 'world-writable', results: 'of another user', tmp: 'safe' }],
  ];

  it.each(layouts)(
    'with only the %s folder safe, the run journals there, in a file of its own, gone after a normal end',
    async (safe, layout) => {
      const p = place(`only-${safe}`);
      const target = victim(p);
      for (const k of ['xdg', 'results', 'tmp'] as const) prepare(p.dirs[k], layout[k], target);
      const dir = p.dirs[safe];
      const planted = contents(dir);
      const unsafe = (['xdg', 'results', 'tmp'] as const).filter((k) => k !== safe).map((k) => p.dirs[k]);
      const unsafeBefore = unsafe.map(contents);
      // Pid 1 in its namespace: the old name of its journal, 1.journal, is known in advance (and a link waits there).
      const run = startInPidNamespace(p, ['run', '--suite', shortWindow, '--json', join(p.root, 'run.json'), '--quiet']);
      let journal = '';
      expect(
        await until(() => {
          journal =
            contents(dir)
              .map((n) => join(dir, n))
              .find((f) => {
                const st = lstatSync(f, { throwIfNoEntry: false });
                return f.endsWith('.journal') && st?.isFile() === true && (parseJournal(readFileSync(f, 'utf8'))?.live.length ?? 0) >= 32;
              }) ?? '';
          return journal !== '' || run.exited();
        }, 90_000),
        run.output(),
      ).toBe(true);
      expect(journal, `no journal in ${dir}: ${contents(dir).join(' ')}\n${run.output()}`).not.toBe('');
      hold(journal);

      // A regular file of root's, 0600, with a name nobody could have guessed, in a 0700 folder of root's.
      const st = lstatSync(journal);
      expect(st.isFile()).toBe(true);
      expect(st.mode & 0o7777).toBe(0o600);
      expect(st.uid).toBe(UID);
      expect(basename(journal)).toMatch(/^[A-Za-z0-9_-]{16}\.journal$/);
      const folder = lstatSync(dir);
      expect(folder.isDirectory()).toBe(true);
      expect(folder.mode & 0o7777).toBe(0o700);
      expect(folder.uid).toBe(UID);

      const r = await run.done;
      expect(r.code, r.output).toBe(0);
      expect(existsSync(journal)).toBe(false);
      expect(contents(dir)).toEqual(planted);
      expect(existing(heldJournal(journal).made)).toEqual([]);
      // Nothing went through the links, and nothing into the unsafe folders.
      expect(readFileSync(target, 'utf8')).toBe('not a journal\n');
      if (planted.includes('1.journal')) expect(readlinkSync(join(dir, '1.journal'))).toBe(target);
      expect(unsafe.map(contents)).toEqual(unsafeBefore);
    },
    120_000,
  );
});

// ---------- D15: POSIX queues go by journal only ----------

interface QueueSpec {
  name: string;
  uid: number;
  mode: string;
}

/**
 * Makes the queues in an IPC namespace of its own, with its mqueue mounted at
 * /dev/mqueue where clean looks (over a copy-on-write /dev if the host has no
 * /dev/mqueue: nothing changes outside the namespace), runs `clean --dry-run
 * --json` and `clean --json` there, and lists the queues left. The queues die
 * with the namespace.
 */
function cleanAmongQueues(
  p: Place,
  queues: QueueSpec[],
): { dry: Record<string, unknown>; clean: Record<string, unknown>; codes: number[]; left: string[]; output: string } {
  const out = join(p.root, 'out');
  mkdirSync(out);
  for (const d of ['dev-upper', 'dev-work']) mkdirSync(join(p.root, d));
  const script = [
    'set -e',
    'root="$1"; cli="$2"',
    '[ -d /dev/mqueue ] || mount -t overlay overlay -o "lowerdir=/dev,upperdir=$root/dev-upper,workdir=$root/dev-work" /dev',
    'mkdir -p /dev/mqueue',
    'mount -t mqueue mqueue /dev/mqueue',
    // A queue is made by creating its file in the mqueue mount, as its owner, then given its mode.
    'mkq() { setpriv --reuid="$2" --regid="$2" --clear-groups sh -c \'umask 077; : > "/dev/mqueue/$1"; chmod "$2" "/dev/mqueue/$1"\' sh "$1" "$3"; }',
    ...queues.map((q) => `mkq '${q.name}' ${q.uid} ${q.mode}`),
    'set +e',
    '"$NODE" "$cli" clean --dry-run --json > "$root/out/dry.json"; echo $? > "$root/out/codes"',
    '"$NODE" "$cli" clean --json > "$root/out/clean.json"; echo $? >> "$root/out/codes"',
    'ls /dev/mqueue > "$root/out/left"',
  ].join('\n');
  const r = spawnSync('unshare', ['--ipc', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', p.root, p.cli], {
    encoding: 'utf8',
    env: { ...p.env, NODE: process.execPath },
    timeout: 60_000,
  });
  const read = (f: string): string => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8') : '');
  const json = (f: string): Record<string, unknown> => {
    try {
      return JSON.parse(read(f)) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  return {
    dry: json('dry.json'),
    clean: json('clean.json'),
    codes: read('codes').trim().split('\n').map(Number),
    left: read('left')
      .split('\n')
      .filter((l) => l !== ''),
    output: `${r.status ?? r.signal}: ${r.stderr}`,
  };
}

/** Queue names (without the slash) that a clean report lists in `field`. */
const queueNames = (json: Record<string, unknown>, field: string): string[] =>
  ((json[field] ?? []) as Array<{ kind: string; name?: string }>)
    .filter((l) => l.kind === 'mq')
    .map((l) => (l.name ?? '').replace(/^\//, ''))
    .sort();

/** A dead run's journal, written by hand in the format a run writes: `lines` after the header; times in seconds. */
function writeJournal(dir: string, pid: number, started: number, lastWrite: number, lines: string[]): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${pid}-by-hand.journal`);
  writeFileSync(path, `# ipcns-bench journal pid=${pid} uid=${UID} started=${started}\n${lines.map((l) => `${l}\n`).join('')}`, { mode: 0o600 });
  utimesSync(path, lastWrite, lastWrite);
  return path;
}

describe('clean and POSIX queues', () => {
  it("leaves queues alone that only carry the tool's name pattern, whoever made them", () => {
    const p = place('queues-by-name');
    const queues: QueueSpec[] = [
      // Root's own, 0600, named for a pid no process has: the old clean took it for a killed run's.
      { name: `ipcnsb-${NO_PID}-1`, uid: UID, mode: '600' },
      { name: 'ipcnsb-99999-1', uid: UID, mode: '600' },
      // Named for a live pid.
      { name: `ipcnsb-${process.pid}-1`, uid: UID, mode: '600' },
      // Another user's.
      { name: `ipcnsb-${NO_PID}-2`, uid: NOBODY, mode: '600' },
    ];
    const r = cleanAmongQueues(p, queues);
    expect(r.codes, r.output).toEqual([0, 0]);
    expect(queueNames(r.dry, 'leftovers')).toEqual([]);
    expect(queueNames(r.clean, 'removed')).toEqual([]);
    expect(r.left).toEqual(expect.arrayContaining(queues.map((q) => q.name)));
  });

  it("removes exactly the queues a dead run's journal lists and that are still the run's", () => {
    const p = place('queues-by-journal');
    const now = Math.floor(Date.now() / 1000);
    const [d, e, f] = [NO_PID, NO_PID + 1, NO_PID + 2];
    // A run that started a minute ago and whose last write is still to come (the queues are made after this is written).
    const j1 = writeJournal(p.dirs.xdg, d, now - 60, now + 3600, [
      `mq /ipcnsb-${d}-1 +`, // there, root's, 0600: the run's
      `mq /ipcnsb-${d}-2 +`,
      `mq /ipcnsb-${d}-2 -`, // unlinked by the run: whatever has the name now is not its
      `mq /ipcnsb-${d}-3 +`, // gone already
      `mq /ipcnsb-${d}-4 +`, // now another user's
      `mq /ipcnsb-${d}-5 +`, // not 0600: not made by the run
    ]);
    // A run that started after the queue was made.
    const j2 = writeJournal(p.dirs.xdg, e, now + 3600, now + 3600, [`mq /ipcnsb-${e}-1 +`]);
    // A run whose last write was before the queue was made.
    const j3 = writeJournal(p.dirs.xdg, f, now - 7200, now - 3600, [`mq /ipcnsb-${f}-1 +`]);
    const r = cleanAmongQueues(p, [
      { name: `ipcnsb-${d}-1`, uid: UID, mode: '600' },
      { name: `ipcnsb-${d}-2`, uid: UID, mode: '600' },
      { name: `ipcnsb-${d}-4`, uid: NOBODY, mode: '600' },
      { name: `ipcnsb-${d}-5`, uid: UID, mode: '644' },
      // Named like the dead run's, but not in its journal.
      { name: `ipcnsb-${d}-9`, uid: UID, mode: '600' },
      { name: `ipcnsb-${e}-1`, uid: UID, mode: '600' },
      { name: `ipcnsb-${f}-1`, uid: UID, mode: '600' },
    ]);
    expect(r.codes, r.output).toEqual([0, 0]);
    expect(queueNames(r.dry, 'leftovers')).toEqual([`ipcnsb-${d}-1`]);
    expect(queueNames(r.clean, 'removed')).toEqual([`ipcnsb-${d}-1`]);
    expect(r.left.sort()).toEqual([`ipcnsb-${d}-2`, `ipcnsb-${d}-4`, `ipcnsb-${d}-5`, `ipcnsb-${d}-9`, `ipcnsb-${e}-1`, `ipcnsb-${f}-1`].sort());
    // The dead runs' journals are done with.
    expect(((r.clean['journals'] ?? []) as string[]).sort()).toEqual([j1, j2, j3].sort());
    for (const j of [j1, j2, j3]) expect(existsSync(j)).toBe(false);
  });
});

// ---------- SysV identity: an id a dead journal lists may be someone else's object now ----------

describe('clean and SysV objects a dead journal lists', () => {
  it("removes only those that are still the run's: same key, mode 0600, its uid as creator, made while it ran", () => {
    const p = place('sysv-identity');
    const made: Array<{ kind: Entry['kind']; id: number }> = [];
    const flag = { msg: '-Q', sem: '-S', shm: '-M' } as const;
    /** Makes an object with ipcmk (as `uid`) in the host namespace; its id. */
    const mk = (kind: Entry['kind'], mode: string, uid = UID): Entry => {
      const args = [flag[kind], ...(kind === 'sem' ? ['1'] : kind === 'shm' ? ['4096'] : []), '-p', mode];
      const r = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'ipcmk', ...args], { encoding: 'utf8' });
      const id = Number(/(\d+)\s*$/.exec(r.stdout)?.[1]);
      expect(Number.isInteger(id), r.stderr).toBe(true);
      made.push({ kind, id });
      const o = allObjects().find((x) => same(x, { kind, id }));
      return { kind, id, key: o?.key ?? -1 };
    };
    const line = (e: Entry, op = '+'): string => `${e.kind} ${e.id} ${op === '+' ? e.key : 0} ${op}`;
    try {
      const ours = [mk('msg', '0600'), mk('sem', '0600'), mk('shm', '0600')];
      const otherKey = mk('msg', '0600');
      const notPrivate = mk('msg', '0644');
      const othersUser = mk('msg', '0600', NOBODY);
      const removedByRun = mk('msg', '0600');
      const tooOld = mk('sem', '0600');
      const tooNew = mk('shm', '0600');
      const absentId =
        Math.max(
          0,
          ...allObjects()
            .filter((o) => o.kind === 'msg')
            .map((o) => o.id),
        ) + 1;
      const now = Math.floor(Date.now() / 1000);
      const [d, e, f] = [NO_PID, NO_PID + 1, NO_PID + 2];
      // In the copy's results/.journal: a folder of this test only, and where the old and the new clean both look.
      const j1 = writeJournal(p.dirs.results, d, now - 60, now + 3600, [
        ...ours.map((o) => line(o)),
        line({ ...otherKey, key: (otherKey.key + 1) >>> 0 }), // the id is another object now: its key differs
        line(notPrivate),
        line(othersUser),
        line(removedByRun),
        line(removedByRun, '-'),
        `msg ${absentId} 1 +`,
      ]);
      const j2 = writeJournal(p.dirs.results, e, now + 3600, now + 3600, [line(tooOld)]); // made before the run started
      const j3 = writeJournal(p.dirs.results, f, now - 7200, now - 3600, [line(tooNew)]); // made after its last write
      const kept = [otherKey, notPrivate, othersUser, removedByRun, tooOld, tooNew];

      const dry = clean(p, ['--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(listedOf(dry.json, 'leftovers', made)).toEqual(ids(ours));
      const r = clean(p);
      expect(r.code, r.stderr).toBe(0);
      expect(listedOf(r.json, 'removed', made)).toEqual(ids(ours));
      // The listed ids that now belong to other objects are reported as such (the one the run removed is not its any more at all).
      expect(listedOf(r.json, 'foreign', made)).toEqual(ids([otherKey, notPrivate, othersUser, tooOld, tooNew]));
      expect(existing(ours)).toEqual([]);
      expect(existing(kept)).toEqual(kept);
      expect(((r.json['journals'] ?? []) as string[]).sort()).toEqual([j1, j2, j3].sort());
      expect(listedOf(clean(p).json, 'removed', made)).toEqual([]);
    } finally {
      const option = { msg: '-q', sem: '-s', shm: '-m' } as const;
      for (const o of made) {
        if (allObjects().some((x) => same(x, o))) spawnSync('ipcrm', [option[o.kind], String(o.id)]);
      }
    }
  });
});
