/** The limits of an IPC namespace under their sysctl names, as list and doctor show them. */
import type { NamespaceLimits } from './types.js';

/** Each shown sysctl and the field that holds it; kernel.sem holds four values. */
export const LIMIT_SYSCTLS: ReadonlyArray<readonly [string, keyof NamespaceLimits]> = [
  ['kernel.msgmax', 'msgmax'], ['kernel.msgmnb', 'msgmnb'], ['kernel.msgmni', 'msgmni'],
  ['kernel.shmmax', 'shmmax'], ['kernel.shmall', 'shmall'], ['kernel.shmmni', 'shmmni'],
  ['kernel.sem', 'semmsl'],
  ['fs.mqueue.msg_max', 'mqMsgMax'], ['fs.mqueue.msgsize_max', 'mqMsgsizeMax'], ['fs.mqueue.queues_max', 'mqQueuesMax'],
];

/** The value of one sysctl in `l`, as the kernel writes it ("unlimited" for the ULONG_MAX-like defaults). */
export function limitText(l: NamespaceLimits | undefined, name: string): string {
  if (!l) return 'unavailable';
  if (name === 'kernel.sem') return `${l.semmsl} ${l.semmns} ${l.semopm} ${l.semmni}`;
  const field = LIMIT_SYSCTLS.find(([n]) => n === name)?.[1];
  const v = field ? l[field] : undefined;
  return v === undefined ? '?' : v >= Number.MAX_SAFE_INTEGER ? 'unlimited' : String(v);
}
