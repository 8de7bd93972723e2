/**
 * POSIX queue names in the host namespace. Another user who creates the
 * names a run would use, before it does, must not stop its mq workloads;
 * where every name a run tries is taken, the failure names the owner; and
 * `clean` still finds the names in a killed run's journal.
 *
 * Each run happens in IPC, pid and mount namespaces of its own: for the run
 * that IPC namespace is "the host's", as in runInOwnIpcNamespace, so the
 * other user's queues never reach the machine's namespace (where the leftover
 * checks of other test files would find them) and die with it, however the
 * test ends. The fresh pid namespace is where names made of a pid were
 * easiest to take: its pids start at 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/parse.js';
import { readJournal } from '../src/measure/journal.js';
import { CLI } from './helpers/cli.js';

const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), 'ipcns-mq-names-'));
const PREDICTABLE = join(dir, 'predictable-random.so');

interface QueueRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The queues left in the run's namespace afterwards, with their owners. */
  queues: Map<string, number>;
}

/**
 * Makes `taken` (names without the slash) as uid 65534 in a fresh IPC
 * namespace, then runs the CLI there as root (with `preload` in LD_PRELOAD),
 * then lists the queues. Queues of one 128-byte message each: the other
 * user's RLIMIT_MSGQUEUE holds hundreds of them.
 */
function runAmongQueues(taken: string[], args: string[], preload = ''): QueueRun {
  const script = [
    'set -e',
    'mq=$(mktemp -d)',
    'mount -t mqueue mqueue "$mq"',
    'echo 1 > /proc/sys/fs/mqueue/msg_default',
    'echo 128 > /proc/sys/fs/mqueue/msgsize_default',
    `(cd "$mq" && setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups touch -- $TAKEN)`,
    'set +e',
    'LD_PRELOAD="$PRELOAD" "$NODE" "$@" > "$mq.out" 2> "$mq.err"; code=$?',
    'cat "$mq.out"; cat "$mq.err" >&2',
    'echo "@@queues" >&2',
    'stat -c "%n %u" "$mq"/* 2>/dev/null | sed "s|^$mq/||" >&2',
    'umount "$mq"; rmdir "$mq"; rm -f "$mq.out" "$mq.err"',
    'exit $code',
  ].join('\n');
  const r = spawnSync(
    'unshare',
    ['--ipc', '--pid', '--fork', '--kill-child', '--mount', '--propagation', 'private', '--mount-proc', '--', 'sh', '-c', script, 'sh', CLI, ...args],
    { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NODE: process.execPath, TAKEN: taken.join(' '), PRELOAD: preload }, timeout: 120_000 },
  );
  const [stderr = '', tail = ''] = r.stderr.split('@@queues\n');
  const queues = new Map<string, number>();
  for (const line of tail.split('\n')) {
    const [name, uid] = line.split(' ');
    if (name && uid) queues.set(name, Number(uid));
  }
  return { code: r.status, stdout: r.stdout, stderr, queues };
}

const readDoc = (path: string): ResultDocument => JSON.parse(readFileSync(path, 'utf8')) as ResultDocument;

/** Why a run failed, for assertion messages: its stderr and its scenarios' failures. */
function why(r: QueueRun, json: string): string {
  let failures = '';
  try {
    failures = readDoc(json)
      .scenarios.map((s) => `${s.id}: ${s.failure?.message ?? s.state}`)
      .join('\n');
  } catch {
    failures = '(no document)';
  }
  return `${r.stderr}\n${failures}`;
}

/** The run's arguments: both mq workloads, host mode only, short. */
const mqRun = (json: string): string[] => [
  'run',
  '--suite',
  'quick',
  '--workload',
  'mq.pingpong,mq.stream',
  '--mode',
  'host',
  '--time',
  '100',
  '--json',
  json,
  '--quiet',
];

/** The name the core makes from the random value n (native/src/mq_common.c), as the fixture hands out 1, 2, 3, ... */
const predicted = (n: number): string => `ipcnsb-${n.toString(16).padStart(13, '0')}`;

beforeAll(() => {
  const cc = spawnSync('gcc', ['-O2', '-shared', '-fPIC', '-o', PREDICTABLE, join(PACKAGE_ROOT, 'native', 'test', 'predictable-random.c')], {
    encoding: 'utf8',
  });
  if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`);
});

describe('POSIX queue names that another user takes first', () => {
  it("names made of the pid, taken in advance for every pid a fresh pid namespace gives out first, stop nothing; the other user's queues stay", () => {
    const taken = Array.from({ length: 200 }, (_, i) => `ipcnsb-${i + 1}-0`);
    const json = join(dir, 'pid-names.json');
    const r = runAmongQueues(taken, mqRun(json));
    expect(r.code, why(r, json)).toBe(0);
    const doc = readDoc(json);
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.scenarios.map((s) => s.workload).sort()).toEqual(['mq.pingpong', 'mq.stream']);
    for (const s of doc.scenarios) expect(s.state, `${s.id}: ${s.failure?.message ?? ''}`).toBe('completed');
    // Exactly the other user's queues are left: the run neither touched them nor left one of its own.
    expect([...r.queues.entries()].sort()).toEqual(taken.map((n) => [n, NOBODY]).sort());
  });

  it('a name that is taken is tried again under another: the run goes on', () => {
    const taken = [1, 2, 3].map(predicted);
    const json = join(dir, 'retried.json');
    const r = runAmongQueues(taken, mqRun(json), PREDICTABLE);
    expect(r.code, why(r, json)).toBe(0);
    for (const s of readDoc(json).scenarios) expect(s.state, `${s.id}: ${s.failure?.message ?? ''}`).toBe('completed');
    expect([...r.queues.entries()].sort()).toEqual(taken.map((n) => [n, NOBODY]).sort());
  });

  it('when every name tried is taken, the failure names the last one and its owner', () => {
    // More than any number of tries the core makes; within fs.mqueue.queues_max (256), which binds root here too.
    const taken = Array.from({ length: 64 }, (_, i) => predicted(i + 1));
    const json = join(dir, 'all-taken.json');
    const r = runAmongQueues(taken, mqRun(json), PREDICTABLE);
    // No scenario completed.
    expect(r.code, why(r, json)).toBe(1);
    const doc = readDoc(json);
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.scenarios).toHaveLength(2);
    for (const s of doc.scenarios) {
      expect(s.state).toBe('errored');
      expect(s.failure?.errno).toBe(constants.errno.EEXIST);
      expect(s.failure?.call).toBe('mq_open');
      const m = /^mq_open failed: EEXIST: queue \/(ipcnsb-[0-9a-f]{13}) is held by uid (\d+) \(not this run's\)/.exec(s.failure?.message ?? '');
      expect(m, s.failure?.message).not.toBeNull();
      expect(taken).toContain(m?.[1]);
      expect(Number(m?.[2])).toBe(NOBODY);
      expect(s.failure?.message).toContain('--mode shared or isolated');
    }
    expect([...r.queues.entries()].sort()).toEqual(taken.map((n) => [n, NOBODY]).sort());
  });
});

describe("a killed run's journal", () => {
  it('lists the queue names this version makes, and those of journals written before', () => {
    const path = join(dir, 'by-hand.journal');
    const uid = process.getuid?.() ?? -1;
    const names = [`/${predicted(0xabcdef0123)}`, '/ipcnsb-4242-0'];
    writeFileSync(
      path,
      `# ipcns-bench journal pid=4242 uid=${uid} started=1\n${names.map((n) => `mq ${n} +\n`).join('')}mq /ipcnsb-4242-1 +\nmq /ipcnsb-4242-1 -\n`,
      {
        mode: 0o600,
      },
    );
    expect(readJournal(path)?.queues.sort()).toEqual(names.sort());
  });
});
