/** Runs the built CLI as a user would, and captures what it prints. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/common/paths.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI; `output()` returns what it printed so far, `done` resolves when it exits. */
export function startCli(args: string[], onStdout?: (text: string, pid: number) => void): { pid: number; done: Promise<CliResult>; output: () => CliResult } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout, child.pid ?? 0);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { pid: child.pid ?? 0, done, output: () => ({ code: null, signal: null, stdout, stderr }) };
}

/** What the namespace of a run held after it: /proc/sysvipc lines and POSIX queue names. */
export interface Leftovers {
  sysv: string[];
  queues: string[];
}

/**
 * Runs the CLI as root in an IPC namespace of its own (and a mount namespace
 * with that namespace's mqueue mounted), then lists what is left in it. For
 * the run, that namespace is "the host's": host mode works there exactly as
 * in the real one, but no other process on the machine can add objects to
 * it, so a leftover check sees only what the run made.
 */
export function runInOwnIpcNamespace(args: string[], env: NodeJS.ProcessEnv = {}): CliResult & { left: Leftovers } {
  return inOwnIpcNamespace([process.execPath, CLI, ...args], env);
}

/** Any command, the same way (see runInOwnIpcNamespace). */
export function inOwnIpcNamespace(command: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): CliResult & { left: Leftovers } {
  const script = [
    'set -e',
    'mq=$(mktemp -d)',
    'mount -t mqueue mqueue "$mq"',
    'set +e',
    '"$@" >"$mq.out" 2>"$mq.err"; code=$?',
    'cat "$mq.out"; cat "$mq.err" >&2',
    'echo "@@left" >&2',
    'for k in msg sem shm; do tail -n +2 /proc/sysvipc/$k | sed "s/^/$k /" >&2; done',
    'ls "$mq" | sed "s/^/mq /" >&2',
    'umount "$mq"; rmdir "$mq"; rm -f "$mq.out" "$mq.err"',
    'exit $code',
  ].join('\n');
  const r = spawnSync('unshare', ['--ipc', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...command], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  const [stderr = '', tail = ''] = r.stderr.split('@@left\n');
  const lines = tail.split('\n').filter((l) => l.trim() !== '');
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr,
    left: { sysv: lines.filter((l) => !l.startsWith('mq ')), queues: lines.filter((l) => l.startsWith('mq ')).map((l) => l.slice(3)) },
  };
}
