/**
 * Turns an errno and the failing call into a message that names the fix.
 * The core returns data; only this module knows what the numbers mean.
 */
import { constants } from 'node:os';
import { printable } from './text.js';
import type { Failure } from './types.js';

const codeByErrno = new Map<number, string>(Object.entries(constants.errno).map(([code, n]) => [n, code]));

export function errnoCode(errno: number): string {
  return codeByErrno.get(errno) ?? `errno ${errno}`;
}

/**
 * Error as data, built in one place so every failure reads alike. `host`:
 * the call ran in the host's namespace, where --sysctl does not act.
 */
export function failure(errno: number, call: string, message?: string, host = false): Failure {
  const code = errnoCode(errno);
  return { errno, code, call, message: message ?? describe(code, call, host) };
}

function describe(code: string, call: string, host: boolean): string {
  const head = `${call} failed: ${code}`;
  const hint = hintFor(code, call, host);
  return hint ? `${head}: ${hint}` : head;
}

/** How to raise a namespace's sysctl: --sysctl in a fresh namespace; the host's own sysctl (or a fresh namespace) in the host's. */
function raise(sysctl: string, host: boolean): string {
  return host
    ? `raise the host's ${sysctl} (sysctl -w ${sysctl}=..., as root; it applies to everything on the host), or use --mode shared or isolated with --sysctl ${sysctl}=...`
    : `raise it with --sysctl ${sysctl}=...`;
}

function hintFor(code: string, call: string, host: boolean): string | undefined {
  if (call.startsWith('clone(CLONE_NEWUSER') || call === 'uid_map' || call === 'gid_map') {
    if (code === 'EPERM' || code === 'EACCES' || code === 'ENOSPC' || code === 'EINVAL') {
      return 'user namespaces are refused here; run with sudo -E, or allow them (sysctl kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu, user.max_user_namespaces > 0), or use --mode host';
    }
  }
  if (call.startsWith('clone(CLONE_NEWIPC') || call.startsWith('setns') || call.startsWith('unshare')) {
    if (code === 'EPERM') return 'creating or joining an IPC namespace needs CAP_SYS_ADMIN; run with sudo -E, or use --mode host';
    if (code === 'ENOSPC') return 'user.max_ipc_namespaces is exhausted; raise it (sysctl -w user.max_ipc_namespaces=N) or wait for freed namespaces';
  }
  if (call === 'partner exit') return 'party B exited inside the window, so the window was abandoned and the group killed';
  if (call === 'deadline') return 'the measured processes outlived their deadline and were killed';
  if (code === 'ENOSPC' && call === 'msgget') return `kernel.msgmni (queues per namespace) is exhausted; ${raise('kernel.msgmni', host)}`;
  if (code === 'ENOSPC' && call === 'semget') return `kernel.sem (semmni or semmns) is exhausted; ${raise('kernel.sem', host)}`;
  if (code === 'EINVAL' && call === 'semget') return `a set of this size exceeds kernel.sem's semmsl; ${raise('kernel.sem', host)}`;
  if (code === 'ENOSPC' && call === 'shmget') return `kernel.shmmni or kernel.shmall is exhausted; ${raise('kernel.shmmni', host)}`;
  if (code === 'ENOSPC' && call === 'mq_open') return `fs.mqueue.queues_max is exhausted; ${raise('fs.mqueue.queues_max', host)}`;
  if (code === 'EMFILE' && call === 'mq_open')
    return 'RLIMIT_MSGQUEUE (bytes of POSIX queues per user) or the open-file limit is exhausted; raise it (ulimit -q, ulimit -n)';
  if (code === 'EINVAL' && call === 'mq_open')
    return `the message size or depth exceeds fs.mqueue.msgsize_max or msg_max of the namespace; ${raise('fs.mqueue.msgsize_max', host)}`;
  if (code === 'EIDRM') return 'the object was removed under the loop (its partner or another process removed it)';
  if (code === 'EINTR') return 'the loop was interrupted by a signal';
  if ((code === 'EACCES' || code === 'EPERM' || code === 'EROFS') && call.includes('.')) {
    return `writing sysctl ${call} was refused: it needs CAP_SYS_ADMIN over the namespace (root, or the owner of a user namespace on Linux 6.9+)`;
  }
  if (code === 'ENOENT' && call.includes('.')) return `sysctl ${call} does not exist on this kernel`;
  if ((code === 'EINVAL' || code === 'ERANGE') && call.includes('.'))
    return `the kernel refused the value given with --sysctl ${call}=...; give a value within the sysctl's range`;
  return undefined;
}

/**
 * Thrown for bad input: the CLI prints the message on one line and exits
 * with 2. The message is made printable here, where every one is built: it
 * quotes what it refuses (a path, a field of a document, a value), and that
 * is text from the user or from a file.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(printable(message));
  }
}
