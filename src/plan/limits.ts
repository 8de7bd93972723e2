/**
 * The limits of an IPC namespace: under their sysctl names, as list and doctor
 * show them; the counted ones a workload's objects use up; and the advice
 * that raises one where a scenario runs.
 */
import { type LimitField, NAMESPACE_LIMITS, type NamespaceLimits } from '../common/types.js';

/** Each shown sysctl and the (first) field that holds it; kernel.sem holds four values. */
export const LIMIT_SYSCTLS: ReadonlyArray<readonly [string, LimitField]> = NAMESPACE_LIMITS.filter(
  (l, i) => NAMESPACE_LIMITS.findIndex((x) => x.sysctl === l.sysctl) === i,
).map((l) => [l.sysctl, l.field] as const);

/** The value of one sysctl in `l`, as the kernel writes it ("unlimited" for the ULONG_MAX-like defaults). */
export function limitText(l: NamespaceLimits | undefined, name: string): string {
  if (!l) return 'unavailable';
  if (name === 'kernel.sem') return `${l.semmsl} ${l.semmns} ${l.semopm} ${l.semmni}`;
  const field = LIMIT_SYSCTLS.find(([n]) => n === name)?.[1];
  const v = field ? l[field] : undefined;
  return v === undefined ? '?' : v >= Number.MAX_SAFE_INTEGER ? 'unlimited' : String(v);
}

/** The namespace a scenario's objects live in, for messages and their fixes. */
export interface Target {
  /** E.g. "the host IPC namespace", "a fresh IPC namespace (compile-time defaults, not the host values)". */
  where: string;
  /** The host's namespace: --sysctl does not act there, the host's own sysctl does. */
  host: boolean;
}

/**
 * One counted limit of a namespace that a worker's objects use: `count` of
 * it per worker (summed over the workers that share the namespace) and, for
 * limits per object (kernel.sem's semmsl), `perObject`.
 */
export interface Need {
  /** The limit: a sysctl, or a field of kernel.sem. */
  limit: SysctlField;
  /** What is counted, plural: "queues", "semaphores". */
  what: string;
  count: number;
  /** The limit applies to each object, not to their sum (semmsl: semaphores per set). */
  perObject?: boolean;
}

/** kernel.sem is four numbers in one sysctl: SEMMSL SEMMNS SEMOPM SEMMNI. */
export const SEM_FIELDS = ['semmsl', 'semmns', 'semopm', 'semmni'] as const;
export type SysctlField = 'kernel.msgmni' | 'kernel.shmmni' | 'kernel.shmall' | `kernel.sem ${(typeof SEM_FIELDS)[number]}`;
export const SYSCTL_FIELDS: readonly SysctlField[] = ['kernel.msgmni', 'kernel.shmmni', 'kernel.shmall', ...SEM_FIELDS.map((f) => `kernel.sem ${f}` as const)];

/**
 * A scenario skipped because its workers' objects do not fit a limit of
 * their namespace (preflight names the limit as the failure's call): what
 * the limit does, shown as a finding rather than as an error.
 */
export const isLimitFinding = (s: { state: string; failure?: { call: string } }): boolean =>
  s.state === 'skipped' && (SYSCTL_FIELDS as readonly string[]).includes(s.failure?.call ?? '');

/** The value of a counted limit in `l`; negative when it could not be read. */
export function limitValue(l: NamespaceLimits, f: SysctlField): number {
  switch (f) {
    case 'kernel.msgmni':
      return l.msgmni;
    case 'kernel.shmmni':
      return l.shmmni;
    case 'kernel.shmall':
      return l.shmall;
    case 'kernel.sem semmsl':
      return l.semmsl;
    case 'kernel.sem semmns':
      return l.semmns;
    case 'kernel.sem semopm':
      return l.semopm;
    case 'kernel.sem semmni':
      return l.semmni;
  }
}

/**
 * How to raise a limit to `value` where the scenario runs: --sysctl in a
 * fresh namespace; in the host's, the host's own sysctl (as root, for
 * everything on the host) or a fresh namespace instead.
 */
export function raiseAdvice(
  f: SysctlField,
  value: number,
  l: NamespaceLimits,
  target: Target,
  semMinimums: Partial<Record<(typeof SEM_FIELDS)[number], number>> = {},
): string {
  let setting: string;
  if (f.startsWith('kernel.sem ')) {
    // One sysctl for four limits: every field at least what the scenario needs of it, the others as they are.
    const field = f.slice('kernel.sem '.length);
    const quad = SEM_FIELDS.map((k) => Math.max(0, l[k], semMinimums[k] ?? 0, k === field ? value : 0)).join(' ');
    setting = `kernel.sem="${quad}"`;
  } else {
    setting = `${f}=${value}`;
  }
  return raise(f.split(' ')[0] ?? f, setting, target, 'raise it with');
}

/**
 * The fix for a limit where the scenario runs: the host's own sysctl (as
 * root, for everything on the host) or a fresh namespace instead; in a fresh
 * namespace, `freshWords` and --sysctl.
 */
function raise(name: string, setting: string, target: Target, freshWords: string): string {
  return target.host
    ? `raise the host's ${name} (sysctl -w ${setting}, as root; it applies to everything on the host), or use --mode shared or isolated with --sysctl ${setting}`
    : `${freshWords} --sysctl ${setting}`;
}

/** A parameter over a sysctl's limit: the limit, a value that fits, and how to raise it where the scenario runs. */
export function over(flag: string, value: number, sysctl: string, limit: number, target: Target): string {
  const fix = raise(sysctl, `${sysctl}=${value}`, target, 'raise it inside the namespace with');
  return `${flag} ${value} exceeds ${sysctl} = ${limit} of ${target.where}; use ${flag} ${limit} or less, or ${fix}`;
}
