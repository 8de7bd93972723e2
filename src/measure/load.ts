/**
 * How busy the machine is before a run, as pyperf's `system show` checks
 * it: the load average against the CPUs, the CPU time other processes take
 * (sampled from /proc over half a second), and the time the hypervisor
 * steals. Each comes with a verdict and what to do about it. Parsing and
 * verdicts are pure functions of the /proc texts; `sampleLoad` reads them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { printable } from '../common/text.js';

/** The machine's CPU time in clock ticks, summed over its CPUs (the "cpu" line of /proc/stat). */
export interface CpuTimes {
  total: number;
  /** idle and iowait */
  idle: number;
  steal: number;
  /** The cpuN lines: how many CPUs the sums run over. */
  cpus: number;
}

/** One process's CPU time (user + system) in clock ticks, from /proc/PID/stat. */
export interface ProcessTicks {
  pid: number;
  name: string;
  ticks: number;
}

export interface Sample {
  cpu: CpuTimes;
  processes: ProcessTicks[];
}

/** A process that used CPU time during the sample, in CPUs (1 = one CPU all the time). */
export interface Consumer {
  pid: number;
  name: string;
  cpus: number;
}

export interface LoadFigures {
  /** 1, 5 and 15 minute load averages. */
  loadAverage: [number, number, number];
  cpus: number;
  sampleSeconds: number;
  /** CPUs' worth of time that processes other than this one used during the sample. */
  otherCpus: number;
  /** The largest of them, at most five. */
  top: Consumer[];
  /** Share of CPU time stolen by the hypervisor during the sample, and since boot. */
  steal: number;
  stealSinceBoot: number;
}

export interface LoadItem {
  item: string;
  ok: boolean;
  value: string;
  fix?: string;
}

export function parseProcStat(text: string): CpuTimes {
  const lines = text.split('\n');
  const fields = (lines.find((l) => l.startsWith('cpu ')) ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map((n) => (Number.isFinite(n) ? n : 0));
  return {
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    idle: idle + iowait,
    steal,
    cpus: Math.max(1, lines.filter((l) => /^cpu\d+ /.test(l)).length),
  };
}

/** /proc/PID/stat: "pid (comm) state ..."; the name may hold spaces and parentheses, so it ends at the last ')'. */
export function parsePidStat(text: string): ProcessTicks | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After the name: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15).
  const rest = text.slice(close + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(pid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { pid, name: text.slice(open + 1, close), ticks: utime + stime };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readSample(): Sample {
  const processes: ProcessTicks[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // A process may exit between the listing and the read: it is left out.
    const p = parsePidStat(readText(`/proc/${entry}/stat`) ?? '');
    if (p) processes.push(p);
  }
  return { cpu: parseProcStat(readText('/proc/stat') ?? ''), processes };
}

/** The figures of two samples taken `seconds` apart; `self` (this process) is not "other" work. */
export function loadFigures(before: Sample, after: Sample, loadavg: string, self: number): LoadFigures {
  const elapsed = Math.max(1, after.cpu.total - before.cpu.total);
  const perCpu = elapsed / after.cpu.cpus;
  const earlier = new Map(before.processes.map((p) => [p.pid, p.ticks]));
  const used = after.processes
    .filter((p) => p.pid !== self)
    .map((p) => ({ pid: p.pid, name: printable(p.name), cpus: Math.max(0, p.ticks - (earlier.get(p.pid) ?? p.ticks)) / perCpu }))
    .filter((p) => p.cpus > 0)
    .sort((a, b) => b.cpus - a.cpus);
  const busy = elapsed - (after.cpu.idle - before.cpu.idle) - (after.cpu.steal - before.cpu.steal);
  const own = Math.max(0, (after.processes.find((p) => p.pid === self)?.ticks ?? 0) - (earlier.get(self) ?? 0));
  const [one = 0, five = 0, fifteen = 0] = loadavg.trim().split(/\s+/).slice(0, 3).map(Number);
  return {
    loadAverage: [one, five, fifteen],
    cpus: after.cpu.cpus,
    sampleSeconds: perCpu / TICKS_PER_SECOND,
    // From the machine's busy time (short-lived processes count too), less this process's.
    otherCpus: Math.max(0, busy - own) / perCpu,
    top: used.slice(0, 5),
    steal: (after.cpu.steal - before.cpu.steal) / elapsed,
    stealSinceBoot: after.cpu.total > 0 ? after.cpu.steal / after.cpu.total : 0,
  };
}

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture this runs on. */
const TICKS_PER_SECOND = 100;

/** Load above this many per CPU, other work above this share of the CPUs, or steal above this share: the machine is not quiet. */
export const QUIET = { loadPerCpu: 0.25, otherShare: 0.05, steal: 0.01 } as const;

const DEDICATED = 'or run on a dedicated runner';

/** The verdicts: the load average, other processes' CPU use, steal time. */
export function loadItems(f: LoadFigures): LoadItem[] {
  const fixed = (x: number, d = 2): string => x.toFixed(d);
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const loadOk = f.loadAverage[0] <= QUIET.loadPerCpu * f.cpus;
  const names = f.top.slice(0, 3).map((p) => `${p.name} (pid ${p.pid}, ${fixed(p.cpus)} CPU)`);
  const otherOk = f.otherCpus <= Math.max(0.1, QUIET.otherShare * f.cpus);
  const stealOk = f.steal <= QUIET.steal;
  return [
    {
      item: 'load average',
      ok: loadOk,
      value: `${f.loadAverage.map((x) => fixed(x)).join(' ')} (1, 5, 15 min) on ${f.cpus} CPUs`,
      ...(loadOk ? {} : { fix: `wait until the 1-minute load is below ${fixed(QUIET.loadPerCpu * f.cpus, 1)}, ${DEDICATED}` }),
    },
    {
      item: 'other work',
      ok: otherOk,
      value: `other processes used ${fixed(f.otherCpus)} of ${f.cpus} CPUs over ${fixed(f.sampleSeconds, 1)} s${names.length > 0 ? `; most: ${names.join(', ')}` : ''}`,
      ...(otherOk
        ? {}
        : {
            fix: `wait for ${names.length > 0 ? [...new Set(f.top.slice(0, 3).map((p) => p.name))].join(', ') : 'the other work'} to finish (it takes CPU time from the measured processes and scatters their rounds), ${DEDICATED}`,
          }),
    },
    {
      item: 'steal time',
      ok: stealOk,
      value: `${pct(f.steal)} of CPU time during the sample, ${pct(f.stealSinceBoot)} since boot`,
      ...(stealOk ? {} : { fix: `the hypervisor gives this VM's CPUs to other guests: use dedicated vCPUs or bare metal, ${DEDICATED}` }),
    },
  ];
}

/** Samples the machine over `ms` and returns its figures. */
export async function sampleLoad(ms = 500): Promise<LoadFigures> {
  const before = readSample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = readSample();
  return loadFigures(before, after, readText('/proc/loadavg') ?? '', process.pid);
}
