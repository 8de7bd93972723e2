/**
 * doctor's clock and load items: verdicts from what /proc and /sys say,
 * checked on made-up texts, then the command as a user runs it.
 */
import { describe, expect, it } from 'vitest';
import { clockItem } from '../src/commands/doctor.js';
import { loadFigures, loadItems, parsePidStat, parseProcStat, type LoadFigures, type Sample } from '../src/measure/load.js';
import { runCli } from './helpers/cli.js';

describe('the clock item', () => {
  it('is ok on a fast clocksource', () => {
    expect(clockItem('tsc', ['tsc', 'hpet', 'acpi_pm'], 20)).toEqual({ item: 'clock', ok: true, value: 'clocksource tsc, one clock read 20.0 ns' });
  });

  it('is ok, with a note, on the only clocksource a VM has', () => {
    const item = clockItem('kvm-clock', ['kvm-clock'], 26);
    expect(item.ok).toBe(true);
    expect(item.fix).toBeUndefined();
    expect(item.note).toBe('the best clocksource this machine offers (available: kvm-clock)');
  });

  it('is not ok when a faster one is available, and says how to switch', () => {
    const item = clockItem('hpet', ['tsc', 'hpet', 'acpi_pm'], 550);
    expect(item.ok).toBe(false);
    expect(item.value).toContain('tsc is available');
    expect(item.fix).toBe('echo tsc > /sys/devices/system/clocksource/clocksource0/current_clocksource (as root; until reboot)');
  });

  it('notes a costly clock read when there is nothing to switch to', () => {
    expect(clockItem('xen', ['xen'], 450).note).toBe(
      'the best clocksource this machine offers (available: xen); latency sampling is thinned to keep its cost under 0.5 %',
    );
    expect(clockItem('xen', undefined, 40).note).toContain('available: unknown');
  });
});

describe('/proc texts', () => {
  it('/proc/stat: the machine total, idle with iowait, steal, and the CPU count', () => {
    const stat = 'cpu  100 10 50 800 20 5 5 10 0 0\ncpu0 50 5 25 400 10 2 3 5 0 0\ncpu1 50 5 25 400 10 3 2 5 0 0\nintr 1 2 3\n';
    expect(parseProcStat(stat)).toEqual({ total: 1000, idle: 820, steal: 10, cpus: 2 });
  });

  it('/proc/PID/stat: a name with spaces and parentheses ends at the last parenthesis', () => {
    const line = (name: string) => `4242 (${name}) R 1 4242 4242 0 -1 4194304 99 0 0 0 17 8 0 0 20 0 1 0 390034 3133440 387`;
    expect(parsePidStat(line('cc1'))).toEqual({ pid: 4242, name: 'cc1', ticks: 25 });
    expect(parsePidStat(line('a) R (b'))).toEqual({ pid: 4242, name: 'a) R (b', ticks: 25 });
    expect(parsePidStat('garbage')).toBeUndefined();
  });
});

/** Two samples 0.5 s apart on 2 CPUs (100 ticks/s: 100 ticks of machine time), with `busy` ticks used and `steal` stolen. */
function samples(busy: number, steal: number, processes: Array<[number, string, number]>): [Sample, Sample] {
  const before: Sample = { cpu: { total: 10_000, idle: 8_000, steal: 0, cpus: 2 }, processes: processes.map(([pid, name]) => ({ pid, name, ticks: 1000 })) };
  const after: Sample = {
    cpu: { total: 10_100, idle: 8_000 + 100 - busy - steal, steal, cpus: 2 },
    processes: processes.map(([pid, name, used]) => ({ pid, name, ticks: 1000 + used })),
  };
  return [before, after];
}

const SELF = 7;

/** A machine with nothing else running. */
const QUIET_FIGURES: LoadFigures = { loadAverage: [0.05, 0.1, 0.1], cpus: 2, sampleSeconds: 0.5, otherCpus: 0.02, top: [], steal: 0, stealSinceBoot: 0.001 };

describe('load figures', () => {
  it('count what other processes used, in CPUs, most first, leaving this process out', () => {
    const [before, after] = samples(60, 0, [
      [SELF, 'node', 10],
      [100, 'make', 20],
      [200, 'cc1', 30],
      [300, 'idle-daemon', 0],
    ]);
    const f = loadFigures(before, after, '1.50 1.20 0.90 2/300 4000\n', SELF);
    expect(f.loadAverage).toEqual([1.5, 1.2, 0.9]);
    expect(f.cpus).toBe(2);
    expect(f.sampleSeconds).toBeCloseTo(0.5);
    // 60 busy ticks less this process's 10, over 50 ticks per CPU.
    expect(f.otherCpus).toBeCloseTo(1);
    expect(f.top).toEqual([
      { pid: 200, name: 'cc1', cpus: 0.6 },
      { pid: 100, name: 'make', cpus: 0.4 },
    ]);
  });

  it('show a process name with control characters escaped', () => {
    const [before, after] = samples(20, 0, [[100, 'evil\u001b]0;x\u0007', 20]]);
    const name = loadFigures(before, after, '0 0 0', SELF).top[0]?.name ?? '';
    expect(name).toBe('evil\\x1b]0;x\\x07');
    const [item] = loadItems({ ...QUIET_FIGURES, otherCpus: 1, top: [{ pid: 100, name, cpus: 1 }] }).filter((i) => i.item === 'other work');
    expect(item?.value).not.toMatch(/\u001b|\u0007/);
  });

  it('take steal time from the sample and since boot', () => {
    const [before, after] = samples(10, 5, []);
    const f = loadFigures(before, after, '0 0 0', SELF);
    expect(f.steal).toBeCloseTo(0.05);
    expect(f.stealSinceBoot).toBeCloseTo(5 / 10_100);
  });
});

describe('load verdicts', () => {
  it('a quiet machine: every item ok, without a fix', () => {
    const items = loadItems(QUIET_FIGURES);
    expect(items.map((i) => [i.item, i.ok])).toEqual([
      ['load average', true],
      ['other work', true],
      ['steal time', true],
    ]);
    for (const i of items) expect(i.fix).toBeUndefined();
  });

  it('a busy machine: the load and the other work are not ok, and the fix names what to wait for', () => {
    const busy: LoadFigures = {
      ...QUIET_FIGURES,
      loadAverage: [3.2, 2.5, 1.1],
      otherCpus: 1.4,
      top: [
        { pid: 200, name: 'cc1', cpus: 0.9 },
        { pid: 201, name: 'cc1', cpus: 0.3 },
        { pid: 100, name: 'make', cpus: 0.2 },
      ],
    };
    const [load, other] = loadItems(busy);
    expect(load).toMatchObject({ ok: false, value: '3.20 2.50 1.10 (1, 5, 15 min) on 2 CPUs' });
    expect(load?.fix).toBe('wait until the 1-minute load is below 0.5, or run on a dedicated runner');
    expect(other?.ok).toBe(false);
    expect(other?.value).toBe(
      'other processes used 1.40 of 2 CPUs over 0.5 s; most: cc1 (pid 200, 0.90 CPU), cc1 (pid 201, 0.30 CPU), make (pid 100, 0.20 CPU)',
    );
    expect(other?.fix).toMatch(/^wait for cc1, make to finish .*, or run on a dedicated runner$/);
  });

  it('steal above 1 %: not ok, and the fix is a dedicated machine', () => {
    const steal = loadItems({ ...QUIET_FIGURES, steal: 0.04, stealSinceBoot: 0.02 }).find((i) => i.item === 'steal time');
    expect(steal).toMatchObject({ ok: false, value: '4.0 % of CPU time during the sample, 2.0 % since boot' });
    expect(steal?.fix).toContain('dedicated');
  });
});

describe('ipcns-bench doctor', () => {
  it('--json holds the load items and the figures they come from', () => {
    const r = runCli(['doctor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { items: Array<{ item: string; ok: boolean }>; load: LoadFigures };
    expect(out.items.map((i) => i.item)).toEqual(expect.arrayContaining(['clock', 'load average', 'other work', 'steal time']));
    expect(out.load.loadAverage).toHaveLength(3);
    expect(out.load.cpus).toBeGreaterThan(0);
    expect(out.load.sampleSeconds).toBeGreaterThan(0);
  });

  it('prints each item with its verdict, and a note or a fix under it', () => {
    const r = runCli(['doctor']);
    expect(r.code, r.stderr).toBe(0);
    for (const item of ['clock', 'load average', 'other work', 'steal time']) expect(r.stdout).toMatch(new RegExp(`^(ok |no ) ${item} `, 'm'));
    expect(r.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
  });
});
