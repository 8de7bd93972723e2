/**
 * Process limits that would make a run fail in ways that say nothing (a V8
 * fatal error, an abort, a hang, EMFILE deep in a stack): read from
 * /proc/self/limits before anything starts, and refused with the limit, what
 * the run needs and the fix.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';

/*
 * What a run needs, measured on Node 20 (x64) with a window of sem.pingpong
 * per worker, with some room: address space 1.9 GiB failed and 2.4 GiB
 * worked for 2 workers, 5.7 GiB for 8, 11.4 GiB for 16 (each worker thread
 * is an isolate with its own reservations); open files 28 failed and 32
 * worked for 2 workers, 64 for 8, 96 for 16; tasks (RLIMIT_NPROC counts
 * threads and processes alike) 16 failed and 20 worked for 2 workers, 32 for 8.
 */
export const ADDRESS_SPACE_BASE = 1.25 * 2 ** 30;
export const ADDRESS_SPACE_PER_WORKER = 0.6 * 2 ** 30;
export const FILES_BASE = 40;
export const FILES_PER_WORKER = 5;
export const TASKS_BASE = 16;
export const TASKS_PER_WORKER = 3;

interface Limit {
  soft: number;
  hard: number;
}

/** The soft and hard value of a limit by its /proc/self/limits name; Infinity for unlimited. */
export function readLimits(text: string = readFileSync('/proc/self/limits', 'utf8')): Map<string, Limit> {
  const out = new Map<string, Limit>();
  for (const line of text.split('\n').slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (!m?.[1]) continue;
    const v = (x: string | undefined): number => (x === 'unlimited' ? Infinity : Number(x));
    out.set(m[1].trim(), { soft: v(m[2]), hard: v(m[3]) });
  }
  return out;
}

/** Tasks (threads) of this user on the machine, outside this process, as RLIMIT_NPROC counts them. */
function otherTasks(uid: number): number {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (statSync(`/proc/${d}`).uid !== uid) continue;
      n += readdirSync(`/proc/${d}/task`).length;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

/** Tasks the tool needs before it runs anything: Node's own threads and libuv's pool, which the module loader starts. */
export const TASKS_TO_LOAD = 12;

function tasksProblem(need: number, what: string, limits: Map<string, Limit>, privileged: boolean): string | null {
  const tasks = limits.get('Max processes');
  if (!tasks || privileged || tasks.soft === Infinity) return null;
  const others = otherTasks(process.getuid?.() ?? -1);
  if (tasks.soft >= others + need) return null;
  const held = others > 0 ? ` and this user already runs ${others} other task${others === 1 ? '' : 's'}, which count against it` : '';
  return `the process limit (ulimit -u, RLIMIT_NPROC: threads and processes of this user) is ${tasks.soft}${held}; ${what} about ${need}: raise it (ulimit -u ${Math.max((others + need) * 2, 256)})`;
}

/** Why the tool cannot even load under this process's limits (checked by the entry point, before loading), or null. */
export function loadProblem(limits: Map<string, Limit> = readLimits(), privileged = process.getuid?.() === 0): string | null {
  return tasksProblem(TASKS_TO_LOAD, 'loading the tool needs', limits, privileged);
}

const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;

/**
 * Why a run of `workers` workers cannot run under this process's limits, or
 * null. `privileged`: root and CAP_SYS_RESOURCE are exempt from RLIMIT_NPROC.
 */
export function resourceProblem(workers: number, limits: Map<string, Limit> = readLimits(), privileged = process.getuid?.() === 0): string | null {
  const as = limits.get('Max address space');
  const needAs = ADDRESS_SPACE_BASE + ADDRESS_SPACE_PER_WORKER * workers;
  if (as && as.soft < needAs) {
    return `the address-space limit (ulimit -v) is ${gib(as.soft)}; ${workers === 1 ? '1 worker (a Node thread with its own heap reservations) needs' : `${workers} workers (each a Node thread with its own heap reservations) need`} about ${gib(needAs)}: raise it (ulimit -v unlimited), or run fewer --workers`;
  }
  const files = limits.get('Max open files');
  const needFiles = FILES_BASE + FILES_PER_WORKER * workers;
  if (files && files.soft < needFiles) {
    const target = Math.max(1024, needFiles);
    const fix =
      files.hard >= target ? `ulimit -n ${target}` : `ulimit -n ${target}; its hard limit is ${files.hard}, which only root can raise: ulimit -Hn ${target}`;
    return `the open-file limit (ulimit -n) is ${files.soft}; ${workers === 1 ? '1 worker needs' : `${workers} workers need`} about ${needFiles}: raise it (${fix}), or run fewer --workers`;
  }
  const tasks = tasksProblem(TASKS_BASE + TASKS_PER_WORKER * workers, workers === 1 ? '1 worker needs' : `${workers} workers need`, limits, privileged);
  if (tasks) return `${tasks}, or run fewer --workers`;
  return null;
}
