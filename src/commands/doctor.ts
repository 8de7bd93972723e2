/** `ipcns-bench doctor`: what this machine allows, each item with a fix where one exists. */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from '../plan/flags.js';
import { hanging } from '../common/fit.js';
import { releaseScan, scanLeftovers } from '../measure/clean.js';
import { machine } from '../measure/env.js';
import { errnoCode } from '../common/errors.js';
import { LIMIT_SYSCTLS, limitText } from '../plan/limits.js';
import { loadNativeCore } from '../measure/native.js';
import { allObjects } from '../measure/sysvipc.js';
import type { NamespaceLimits, Route } from '../common/types.js';
import { loadItems, sampleLoad, type LoadFigures } from '../measure/load.js';

export interface DoctorItem {
  item: string;
  ok: boolean;
  value: string;
  fix?: string;
  /** What a reader should know about an item that is ok. */
  note?: string;
}

/** Clocksources read in a few ns from user space (the vDSO); others can cost a system call per read. */
const FAST_CLOCKS = ['tsc', 'arch_sys_counter'];

/**
 * The clock item: ok on a fast clocksource, or on the best this machine
 * offers (a VM with only kvm-clock has nothing to switch to); not ok, with
 * the switch, when a faster one is available.
 */
export function clockItem(current: string, available: readonly string[] | undefined, timerNs: number): DoctorItem {
  const value = `clocksource ${current}, one clock read ${timerNs.toFixed(1)} ns`;
  const cost = timerNs > 100 ? '; latency sampling is thinned to keep its cost under 0.5 %' : '';
  if (FAST_CLOCKS.includes(current)) return { item: 'clock', ok: true, value, ...(cost ? { note: cost.slice(2) } : {}) };
  const better = available?.find((c) => FAST_CLOCKS.includes(c));
  if (better) {
    return {
      item: 'clock',
      ok: false,
      value: `${value}; ${better} is available`,
      fix: `echo ${better} > /sys/devices/system/clocksource/clocksource0/current_clocksource (as root; until reboot)`,
    };
  }
  return {
    item: 'clock',
    ok: true,
    value,
    note: `the best clocksource this machine offers (available: ${available?.join(', ') || 'unknown'})${cost}`,
  };
}

function sysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function limitsLine(l: NamespaceLimits): string {
  return LIMIT_SYSCTLS.map(([name]) => `${name}=${limitText(l, name)}`).join(' ');
}

export async function doctorItems(): Promise<{ items: DoctorItem[]; load: LoadFigures }> {
  // First, while this process has started nothing else that would count as other work.
  const load = await sampleLoad();
  // doctor runs no worker threads, so it may load the core in this thread.
  const core = loadNativeCore();
  const m = machine();
  const items: DoctorItem[] = [];
  items.push({ item: 'kernel', ok: true, value: `${m.kernel} ${m.arch}` });
  items.push({
    item: 'CAP_SYS_ADMIN',
    ok: m.capSysAdmin,
    value: m.capSysAdmin ? `yes (uid ${m.uid})` : `no (uid ${m.uid})`,
    ...(m.capSysAdmin ? {} : { fix: 'fresh namespaces come from a user namespace instead; for the privileged route run with sudo -E' }),
  });
  const routes: Route[] = ['privileged', 'userns'];
  let fresh: NamespaceLimits | undefined;
  for (const route of routes) {
    const r = core.limits(true, route, {});
    if (r.ok) fresh ??= r.value;
    const fix =
      route === 'privileged'
        ? 'run as root or with sudo -E'
        : `allow unprivileged user namespaces: sysctl -w user.max_user_namespaces=N (now ${sysctl('/proc/sys/user/max_user_namespaces') ?? '?'})${sysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1' ? ', sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' : ''}; or run with sudo -E`;
    items.push({
      item: `route ${route}`,
      ok: r.ok,
      value: r.ok ? `works (fresh namespace ${r.value.nsInode})` : r.failure.message,
      ...(r.ok ? {} : { fix }),
    });
  }
  const host = core.limits(false, 'privileged', {});
  items.push({ item: 'limits, host namespace', ok: host.ok, value: host.ok ? limitsLine(host.value) : host.failure.message });
  items.push({
    item: 'limits, fresh namespace',
    ok: fresh !== undefined,
    value: fresh ? limitsLine(fresh) : 'no route to a fresh namespace',
    fix: 'raise any of them inside fresh namespaces with --sysctl NAME=VALUE',
  });
  // A key no object of this namespace holds: a queue found there afterwards can only be the probe's.
  const taken = new Set(allObjects().map((o) => o.key));
  let key = 0;
  do key = (0x4a000000 | randomInt(1, 0x1000000)) >>> 0;
  while (taken.has(key));
  const probe = core.isolationProbe(m.capSysAdmin ? 'privileged' : 'userns', key);
  items.push({
    item: 'isolation',
    ok: probe.ok && probe.value.hostGetErrno === 2,
    value: probe.ok
      ? probe.value.hostGetErrno === 2
        ? 'a queue made in a fresh namespace is invisible from this one'
        : `msgget from this namespace gave ${errnoCode(probe.value.hostGetErrno)}`
      : probe.failure.message,
  });
  const timer = core.timerCost();
  items.push(clockItem(m.clocksource, sysctl('/sys/devices/system/clocksource/clocksource0/available_clocksource')?.split(/\s+/), timer));
  const hw = core.perfProbe(true);
  const sw = core.perfProbe(false);
  items.push({
    item: 'perf counters',
    ok: hw === 0,
    value: `hardware: ${hw === 0 ? 'available' : errnoCode(hw)}, software: ${sw === 0 ? 'available' : errnoCode(sw)} (kernel.perf_event_paranoid=${sysctl('/proc/sys/kernel/perf_event_paranoid') ?? '?'})`,
    ...(hw === 0
      ? {}
      : { fix: 'CPU time and context switches per op come from rusage and work anyway; hardware counters need a host that exposes a PMU (many VMs do not)' }),
  });
  items.push({
    item: 'CPUs',
    ok: m.usableCpus.length >= 2,
    value: `${m.cpuCount} (${m.cpuModel}); this process may use ${m.usableCpus.join(',')}`,
    ...(m.usableCpus.length >= 2 ? {} : { fix: 'placement split needs 2 CPUs' }),
  });
  const cpuItem = items.at(-1);
  if (cpuItem && m.usableCpus.length <= 2) cpuItem.value += '; scaling beyond this many workers is shown, not trusted';
  const scan = scanLeftovers((fd, op) => core.flock(fd, op));
  releaseScan(scan);
  items.push({
    item: 'leftovers',
    ok: scan.leftovers.length === 0,
    value: scan.leftovers.length === 0 ? 'none' : `${scan.leftovers.length} objects from killed runs`,
    ...(scan.leftovers.length === 0 ? {} : { fix: 'ipcns-bench clean' }),
  });
  items.push(...loadItems(load));
  return { items, load };
}

export const DOCTOR_HELP = `ipcns-bench doctor [--json]
  What this machine allows and how quiet it is: privileges and the routes to fresh namespaces,
  the IPC limits, isolation, the clock, perf counters, CPUs, the load of other work, steal time
  and leftovers of killed runs; each item ok or not, with its fix.
  --json                 print the items as JSON`;

export async function doctorCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parse('doctor', argv, { json: { type: 'boolean' } });
  const { items, load } = await doctorItems();
  if (values.json) {
    out.write(`${JSON.stringify({ items, load }, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...items.map((i) => i.item.length));
  // Each item's text goes on under its own column, fitted to the terminal.
  const column = width + 6;
  const fitLine = (line: string): string => hanging(line, column, Math.max(column + 30, (out as NodeJS.WriteStream).columns ?? 80)).join('\n');
  const under = (label: string, text: string | undefined): string => (text ? `\n${fitLine(`${' '.repeat(column)}${label}: ${text}`)}` : '');
  const lines = items.map((i) => `${fitLine(`${i.ok ? 'ok ' : 'no '} ${i.item.padEnd(width)}  ${i.value}`)}${under('note', i.note)}${under('fix', i.fix)}`);
  out.write(`${lines.join('\n')}\n`);
  return 0;
}
