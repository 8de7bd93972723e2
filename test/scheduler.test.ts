/**
 * The scheduler on the mock core: rounds of every mode in shuffled order,
 * figures consistent with the windows it ran, looks at the scheduled rounds
 * and a stop as soon as the comparisons are decided or the cap is used, and
 * windows that are retried, lengthened or failed for the right reasons.
 */
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { trimmedInterval, logs } from '../src/analyze/trimmed.js';
import { AlphaSpending, lookSchedule } from '../src/analyze/verdict.js';
import { robustWindowRate } from '../src/measure/window-rate.js';
import { failure } from '../src/common/errors.js';
import { InlineExecutor } from '../src/measure/executor.js';
import { createMockCore, FRESH_DEFAULTS } from '../src/measure/mock-core.js';
import type { ScenarioResult } from '../src/document/result.js';
import { comparisonsOf, groupByComparison } from '../src/measure/scheduler.js';
import { GroupRunner, type RunEvent } from '../src/document/group.js';
import { expand, type Suite } from '../src/plan/suite.js';
import type { Mode, Scenario, WindowResult } from '../src/common/types.js';
import { workloadInfo } from '../src/plan/workloads.js';
import { ALL_MODES, budget, harness, HOST, modeGroup, plan, scenario, type Harness, type WindowCall } from './helpers/fixtures.js';

const { errno } = constants;

function relClose(actual: number, expected: number, rel = 1e-9): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-300));
}

type WindowEvent = Extract<RunEvent, { type: 'window' }>;
const windowEvents = (events: readonly RunEvent[]): WindowEvent[] => events.filter((e): e is WindowEvent => e.type === 'window');
const looks = (events: readonly RunEvent[]) => events.filter((e): e is Extract<RunEvent, { type: 'look' }> => e.type === 'look');

/**
 * Pairs the spy's calls with the scheduler's window events. Only valid when no
 * call was run again (no lengthened or retried window, no failure): then every
 * call produced exactly one event, in the same order.
 */
function classify(h: Harness): { warmup: WindowCall[]; measured: WindowCall[] } {
  const ev = windowEvents(h.events);
  expect(ev.length).toBe(h.spy.calls.length);
  const warmup: WindowCall[] = [];
  const measured: WindowCall[] = [];
  h.spy.calls.forEach((c, i) => {
    const e = ev[i];
    expect(e?.scenario.mode).toBe(c.specs[0]?.mode);
    (e?.warmup ? warmup : measured).push(c);
  });
  return { warmup, measured };
}

const modeOf = (c: WindowCall): Mode => c.specs[0]?.mode as Mode;
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const byMode = (results: readonly ScenarioResult[], m: Mode): ScenarioResult => {
  const r = results.find((x) => x.mode === m);
  if (!r) throw new Error(`no result for ${m}`);
  return r;
};

/**
 * The sequence of modes is made of rounds, each holding every live mode once:
 * numbering each mode's windows 1, 2, 3..., the numbers never go down along
 * the sequence. So no mode runs ahead of another that still needs windows.
 */
function expectInterleaved(seq: readonly Mode[]): void {
  const seen = new Map<Mode, number>();
  const rounds = seq.map((m) => {
    const k = (seen.get(m) ?? 0) + 1;
    seen.set(m, k);
    return k;
  });
  for (let i = 1; i < rounds.length; i++) {
    expect(rounds[i]!, `window ${i} (${String(seq[i])}) ran a round ahead: ${seq.join(',')}`).toBeGreaterThanOrEqual(rounds[i - 1]!);
  }
}

describe('groupByComparison', () => {
  it('groups scenarios that differ only in mode, in first-seen order', () => {
    const a = modeGroup('msg.pingpong');
    const b = modeGroup('sem.pingpong');
    const c = modeGroup('msg.pingpong', { workers: 2 });
    const input = [a[0], b[0], a[1], c[0], b[1], a[2], c[1], b[2], c[2]].map((s) => s!);
    expect(groupByComparison(input).map((g) => g.map((s) => s.id))).toEqual([a.map((s) => s.id), b.map((s) => s.id), c.map((s) => s.id)]);
  });

  it('keeps apart scenarios that differ in size, workers, placement or sysctls', () => {
    const input = [
      scenario('msg.pingpong', 'host'),
      scenario('msg.pingpong', 'host', { params: { size: 1024 } }),
      scenario('msg.pingpong', 'host', { workers: 2 }),
      scenario('msg.pingpong', 'host', { placement: 'split' }),
      scenario('msg.pingpong', 'isolated', { sysctls: { 'kernel.msgmni': '64' } }),
      scenario('msg.pingpong', 'isolated'),
    ];
    const groups = groupByComparison(input);
    expect(groups).toHaveLength(5);
    expect(groups[0]?.map((s) => s.mode)).toEqual(['host', 'isolated']);
    expect(groups.flat()).toHaveLength(input.length);
  });

  it('groups the expansion of a suite into host/shared/isolated triples, three comparisons each', () => {
    const suite: Suite = {
      name: 't',
      description: '',
      budget: budget(),
      matrix: [
        {
          workload: ['msg.pingpong', 'sem.pingpong'],
          params: { size: [64, 1024] },
          mode: ['host', 'shared', 'isolated'],
          workers: [1, 2],
          placement: ['same-cpu'],
        },
      ],
    };
    const groups = groupByComparison(expand(suite));
    // msg.pingpong: 2 sizes x 2 worker counts; sem.pingpong: 2 worker counts (no size).
    expect(groups).toHaveLength(6);
    for (const g of groups) {
      expect(g.map((s) => s.mode)).toEqual(['host', 'shared', 'isolated']);
      expect(comparisonsOf(g)).toBe(3);
    }
    expect(comparisonsOf(modeGroup('msg.pingpong', {}, ['host', 'isolated']))).toBe(1);
    expect(comparisonsOf(modeGroup('msg.pingpong', {}, ['host']))).toBe(0);
  });
});

describe('GroupRunner.runGroup: figures of completed scenarios', () => {
  it('summarizes each mode consistently with the windows it ran', async () => {
    const b = budget();
    const h = harness({ budget: b });
    const group = modeGroup('msg.pingpong', { workers: 2 });
    const { results, comparisons, summary } = await h.scheduler.runGroup(group);
    expect(results.map((r) => r.id)).toEqual(group.map((s) => s.id));
    const { measured } = classify(h);

    for (const r of results) {
      expect(r.state).toBe('completed');
      const t = r.throughput!;
      const mine = measured.filter((c) => modeOf(c) === r.mode);
      expect(r.rounds).toBe(mine.length);
      expect(t.samples).toBe(mine.length);
      // Each round's figure is the robust rate of that mode's window in the round, in order.
      const perRound = mine.map((c) => robustWindowRate(c.results, c.specs[0]!.startNs, c.specs[0]!.markNs!));
      expect(t.rounds).toHaveLength(perRound.length);
      perRound.forEach((v, i) => relClose(t.rounds[i]!, v));
      // The estimate is the trimmed geometric mean of the rounds, inside its interval.
      const iv = trimmedInterval(logs(perRound), 0.05);
      relClose(t.estimate, Math.exp(iv.estimate));
      relClose(t.ci[0], Math.exp(iv.lo));
      relClose(t.ci[1], Math.exp(iv.hi));
      expect(t.ciLevel).toBe(0.95);
      expect(t.ci[0]).toBeLessThanOrEqual(t.estimate);
      expect(t.ci[1]).toBeGreaterThanOrEqual(t.estimate);
      relClose(t.mean, sum(perRound) / perRound.length);

      const flat = mine.flatMap((c) => c.results);
      const ops = sum(flat.map((x) => x.ops));
      expect(r.ops).toBe(ops);
      relClose(r.bytesPerSecond!, t.estimate * 64);
      relClose(r.cpuNsPerOp!, sum(flat.map((x) => x.cpuNs)) / ops);
      relClose(r.ctxSwitchesPerOp!, sum(flat.map((x) => x.volCs + x.involCs)) / ops);
      expect(r.cpuNsPerOpRounds).toHaveLength(mine.length);
      const l = r.latency!;
      expect(l.count).toBe(sum(flat.map((x) => x.latency.count)));
      expect(l.p50).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.max);
      expect(l.p50Rounds).toHaveLength(mine.length);
      expect(r.windowMs).toBe(b.windowMs);
      expect(r.subWindowMs).toBe(b.windowMs / 10);
      expect(r.measuredMs).toBe(mine.length * b.windowMs);
      expect(r.namespaces).toHaveLength(2);
      expect(r.oversubscribed).toBe(false);
    }
    expect(byMode(results, 'host').namespaces).toEqual([HOST, HOST]);
    const shared = byMode(results, 'shared').namespaces!;
    expect(shared[0]).toBe(shared[1]);
    expect(shared[0]).not.toBe(HOST);
    expect(new Set(byMode(results, 'isolated').namespaces).size).toBe(2);

    // Three metrics, three pairs each, every one built from the rounds both modes ran.
    expect(comparisons.map((c) => `${c.metric} ${c.a}/${c.b}`)).toEqual(
      ['throughput', 'latency-p50', 'latency-p99'].flatMap((m) => ['isolated/shared', 'isolated/host', 'shared/host'].map((p) => `${m} ${p}`)),
    );
    for (const c of comparisons) expect(c.rounds).toBe(summary.rounds);
    expect(summary.scenarios).toEqual(group.map((s) => s.id));
    expect(summary.measuredMs).toBe(sum(results.map((r) => r.measuredMs!)));
    expect(h.events.filter((e) => e.type === 'scenario')).toHaveLength(3);
  });

  it('omits bytes/s for a workload that moves no bytes (sem.pingpong)', async () => {
    const h = harness();
    const { results } = await h.scheduler.runGroup(modeGroup('sem.pingpong'));
    for (const r of results) {
      expect(r.state).toBe('completed');
      expect(r.bytesPerSecond).toBeUndefined();
    }
  });

  it('leaves latency out when sampling is off', async () => {
    const h = harness({ budget: { sampleEvery: 0 } });
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const r of results) expect(r.latency).toBeUndefined();
    expect(comparisons.every((c) => c.metric === 'throughput')).toBe(true);
  });
});

describe('GroupRunner.runGroup: warm-up rounds and sizing', () => {
  it('runs warmupRounds of every mode first and does not count them', async () => {
    const h = harness({ budget: { warmupRounds: 2 } });
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const { warmup, measured } = classify(h);
    expect(warmup).toHaveLength(2 * 3);
    expect(h.spy.calls.slice(0, warmup.length)).toEqual(warmup);
    for (const m of ALL_MODES) expect(warmup.filter((c) => modeOf(c) === m)).toHaveLength(2);
    expect(measured).toHaveLength(sum(results.map((r) => r.rounds!)));
  });

  it('runs no warm-up when warmupRounds is 0', async () => {
    const h = harness({ budget: { warmupRounds: 0 } });
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(windowEvents(h.events).filter((e) => e.warmup)).toHaveLength(0);
    expect(h.spy.calls.length).toBe(sum(results.map((r) => r.rounds!)));
  });

  it('sizes an auto window from the warm-up: at least 10 ms, and long enough for 320 ops', async () => {
    const slow = harness({ budget: { windowMs: 0 }, mock: { nsPerOp: { 'msg.pingpong': 100_000 } } });
    await slow.scheduler.runGroup(modeGroup('msg.pingpong'));
    const warm = slow.spy.calls[0]!.specs[0]!;
    expect(warm.stopNs - warm.startNs).toBe(10e6);
    const after = slow.spy.calls.slice(3).map((c) => c.specs[0]!.stopNs - c.specs[0]!.startNs);
    // 320 ops at about 100 µs each: about 32 ms.
    for (const w of after) {
      expect(w).toBeGreaterThanOrEqual(30e6);
      expect(w).toBeLessThanOrEqual(36e6);
    }
    const fast = harness({ budget: { windowMs: 0 } });
    await fast.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const c of fast.spy.calls) expect(c.specs[0]!.stopNs - c.specs[0]!.startNs).toBe(10e6);
  });

  it('samples latency as often as costs under 0.5 % when asked for auto, never more often than the workload allows', async () => {
    const h = harness({ budget: { sampleEvery: -1 }, mock: { nsPerOp: { 'ipc.lookup': 100 } } });
    const { results } = await h.scheduler.runGroup(modeGroup('ipc.lookup', { params: { objects: 64 } }));
    const measured = h.spy.calls.slice(3).map((c) => c.specs[0]!.sampleEvery);
    const k = measured[0]!;
    // Two clock reads of 20 ns (the mock's timer) on one op of 100 ns in k: at most 0.5 %.
    expect((2 * 20) / (k * 100)).toBeLessThanOrEqual(0.005);
    expect(k).toBeGreaterThanOrEqual(workloadInfo('ipc.lookup')!.minSampleEvery!);
    for (const m of measured) expect(m).toBe(k);
    for (const r of results) expect(r.latency?.sampleEvery).toBe(k);
  });
});

describe('GroupRunner.runGroup: window specs', () => {
  it('gives every worker of a window the same start and stop, windowMs apart, in the future, with sub-windows of a tenth', async () => {
    const b = budget({ windowMs: 25 });
    const h = harness({ budget: b });
    await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    for (const c of h.spy.calls) {
      expect(c.specs).toHaveLength(2);
      const [s0, s1] = c.specs;
      expect(s1!.startNs).toBe(s0!.startNs);
      expect(s1!.stopNs).toBe(s0!.stopNs);
      expect(s0!.stopNs - s0!.startNs).toBe(25e6);
      expect(s0!.markNs).toBe(2.5e6);
      expect(s0!.startNs).toBeGreaterThan(c.nowBefore);
      expect(s0!.deadlineNs).toBeGreaterThan(s0!.stopNs);
      for (const s of c.specs) {
        expect(s.workload).toBe('msg.pingpong');
        expect(s.params).toEqual({ size: 64 });
        expect(s.sampleEvery).toBe(b.sampleEvery);
      }
    }
  });

  it('starts successive windows later and later', async () => {
    const h = harness();
    await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const starts = h.spy.calls.map((c) => c.specs[0]!.startNs);
    for (let i = 1; i < starts.length; i++) expect(starts[i]!).toBeGreaterThan(starts[i - 1]!);
  });

  it.each([
    ['same-cpu', (a: number, b: number) => expect(a).toBe(b)],
    ['split', (a: number, b: number) => expect(a).not.toBe(b)],
    ['any', (a: number, b: number) => expect([a, b]).toEqual([-1, -1])],
  ] as const)('pins the parties according to placement %s', async (placement, check) => {
    const h = harness();
    await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2, placement }));
    for (const c of h.spy.calls) for (const s of c.specs) check(s.cpuA, s.cpuB);
    if (placement === 'same-cpu') expect(new Set(h.spy.calls[0]!.specs.map((s) => s.cpuA)).size).toBe(2);
  });

  it('opens one namespace for the shared scenario, passes its fd to shared windows only, and closes it', async () => {
    const h = harness();
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    expect(h.spy.nsOpens).toBe(1);
    expect(h.spy.nsCloses).toBe(1);
    const sharedFds = new Set(h.spy.calls.filter((c) => modeOf(c) === 'shared').flatMap((c) => c.specs.map((s) => s.nsFd)));
    expect(sharedFds.size).toBe(1);
    expect([...sharedFds][0]).toBeGreaterThanOrEqual(0);
    for (const c of h.spy.calls.filter((x) => modeOf(x) !== 'shared')) for (const s of c.specs) expect(s.nsFd).toBe(-1);
    for (const r of results) expect(r.state).toBe('completed');
  });

  it('opens no namespace for a group without a shared scenario', async () => {
    const h = harness();
    await h.scheduler.runGroup(modeGroup('msg.pingpong', {}, ['host', 'isolated']));
    expect(h.spy.nsOpens).toBe(0);
  });

  it('marks the shared scenario errored when its namespace cannot be opened; the others complete and are compared', async () => {
    const h = harness();
    const f = failure(errno.EPERM, 'setns');
    h.spy.nsOpenResult = { ok: false, failure: f };
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'shared')).toMatchObject({ state: 'errored', failure: f });
    expect(byMode(results, 'host').state).toBe('completed');
    expect(byMode(results, 'isolated').state).toBe('completed');
    expect(h.spy.calls.some((c) => modeOf(c) === 'shared')).toBe(false);
    expect(h.spy.nsCloses).toBe(0);
    expect(new Set(comparisons.map((c) => `${c.a}/${c.b}`))).toEqual(new Set(['isolated/host']));
  });
});

describe('GroupRunner.runGroup: rounds', () => {
  it('runs the modes round by round, each live mode once per round', async () => {
    const h = harness({ budget: { capMs: 12 * 3 * 20, minRounds: 12, maxRounds: 12 } });
    await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const { measured } = classify(h);
    expect(measured).toHaveLength(36);
    expectInterleaved(measured.map(modeOf));
  });

  it('shuffles the order within rounds', async () => {
    const h = harness({ budget: { capMs: 20 * 3 * 20, minRounds: 20, maxRounds: 20 } });
    await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const { measured } = classify(h);
    const orders = new Set<string>();
    for (let r = 0; r < measured.length; r += 3)
      orders.add(
        measured
          .slice(r, r + 3)
          .map(modeOf)
          .join(','),
      );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('keeps running the remaining modes in rounds after one of them fails', async () => {
    const h = harness({ budget: { capMs: 10 * 3 * 20, minRounds: 10, maxRounds: 10 } });
    let sharedWindows = 0;
    h.spy.inject = (_i, specs, results) => {
      if (specs[0]?.mode !== 'shared' || ++sharedWindows < 4) return results;
      return results.map((r) => ({ ...r, ok: false, failure: failure(errno.EIDRM, 'msgrcv') }));
    };
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'shared')).toMatchObject({ state: 'errored', failure: { call: 'msgrcv', code: 'EIDRM' } });
    expect(byMode(results, 'host').rounds).toBe(10);
    expect(byMode(results, 'isolated').rounds).toBe(10);
    expectInterleaved(
      h.spy.calls
        .slice(3)
        .map(modeOf)
        .filter((m) => m !== 'shared'),
    );
  });
});

describe('GroupRunner.runGroup: sampling until the answer is clear', () => {
  it('looks at the scheduled rounds and stops at the first look where every comparison is decided', async () => {
    const b = budget({ capMs: 400 * 3 * 20, minRounds: 6 });
    const h = harness({ budget: b, mock: { noise: 0.01 } });
    const { comparisons, summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(summary.stop).toBe('decided');
    const schedule = lookSchedule(6, 1.5, 400);
    expect(schedule).toContain(summary.rounds);
    expect(summary.looks).toBe(schedule.length);
    const at = looks(h.events).map((e) => e.rounds);
    expect(at).toEqual(schedule.slice(0, at.length));
    expect(at.at(-1)).toBe(summary.rounds);
    for (const c of comparisons.filter((x) => x.metric !== 'latency-p99')) expect(c.verdict).not.toBe('inconclusive');
    // One mode cannot differ from another in the mock: the steady comparisons are equivalent.
    for (const c of comparisons.filter((x) => x.metric === 'throughput')) expect(c.verdict).toBe('equivalent');
  });

  it("spends each comparison's alpha over the looks: the level of the stopping look is the one the intervals carry", async () => {
    const b = budget({ capMs: 400 * 3 * 20, minRounds: 6 });
    const p = plan(30);
    const h = harness({ budget: b, mock: { noise: 0.01 }, plan: p });
    const { comparisons, summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const spending = new AlphaSpending(0.05, 30, lookSchedule(6, 1.5, 400));
    let alpha = NaN;
    for (const n of looks(h.events).map((e) => e.rounds)) alpha = spending.look(n);
    expect(summary.rounds).toBeGreaterThan(0);
    for (const c of comparisons.filter((x) => x.metric === 'throughput')) relClose(c.ciLevel, 1 - alpha, 1e-12);
  });

  it('stops at its wall-clock limit when setting up its windows takes far longer than measuring them, and says so', async () => {
    // 1.8 s of measured windows at most; every round takes 20 s of wall-clock time (many workers, slow clones).
    const b = budget({ capMs: 30 * 3 * 20, minRounds: 6 });
    const h = harness({ budget: b, mock: { noise: 0.3 }, wallStepMs: 20_000 });
    const { summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(summary.stop).toBe('wall');
    // The limit is 30 s past the cap here (10 times the cap is less): after the second round.
    expect(summary.rounds).toBe(2);
    expect(summary.measuredMs).toBeLessThan(b.capMs);
  });

  it('stops at its cap of measured windows when the comparisons stay open, and says so', async () => {
    const b = budget({ capMs: 30 * 3 * 20, minRounds: 6 });
    const h = harness({ budget: b, mock: { noise: 0.3 } });
    const { comparisons, summary, results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(summary.stop).toBe('cap');
    expect(summary.rounds).toBe(30);
    expect(summary.measuredMs).toBe(b.capMs);
    for (const r of results) expect(r.measuredMs).toBe(30 * 20);
    expect(comparisons.some((c) => c.verdict === 'inconclusive')).toBe(true);
  });

  it('finds a real difference and stops early: isolated twice as fast', async () => {
    const h = harness({ budget: { capMs: 400 * 3 * 20, minRounds: 6 }, mock: { noise: 0.05, modeFactor: { isolated: 0.5 } } });
    const { comparisons, summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(summary.stop).toBe('decided');
    const t = (a: Mode, b: Mode) => comparisons.find((c) => c.metric === 'throughput' && c.a === a && c.b === b)!;
    expect(t('isolated', 'shared').verdict).toBe('faster');
    expect(t('isolated', 'host').verdict).toBe('faster');
    expect(t('shared', 'host').verdict).toBe('equivalent');
    expect(t('isolated', 'host').ci[0]).toBeGreaterThan(1.5);
    // Latency is smaller-is-better: isolated's lower p50 makes it faster too.
    expect(comparisons.find((c) => c.metric === 'latency-p50' && c.a === 'isolated' && c.b === 'host')?.verdict).toBe('faster');
  });

  it("with a precision target, samples until every scenario's own interval is within it", async () => {
    const loose = harness({ budget: { capMs: 400 * 3 * 20, minRounds: 6 }, mock: { noise: 0.04 } });
    const a = await loose.scheduler.runGroup(modeGroup('msg.pingpong'));
    const tight = harness({ budget: { capMs: 400 * 3 * 20, minRounds: 6, precision: 0.005 }, mock: { noise: 0.04 } });
    const b = await tight.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(b.summary.stop).toBe('decided');
    expect(b.summary.rounds).toBeGreaterThan(a.summary.rounds);
    for (const r of b.results) expect(Math.log(r.throughput!.ci[1] / r.throughput!.ci[0]) / 2).toBeLessThanOrEqual(0.005);
  });

  it('a group of one mode has nothing to decide and stops at its first look', async () => {
    const h = harness({ budget: { minRounds: 5 } });
    const { summary, comparisons } = await h.scheduler.runGroup([scenario('msg.pingpong', 'isolated')]);
    expect(comparisons).toEqual([]);
    expect(summary).toMatchObject({ stop: 'decided', rounds: 5 });
  });
});

describe('GroupRunner.runGroup: windows that did not run as planned', () => {
  it('marks a scenario errored with the failure of its window while the other modes complete', async () => {
    const h = harness();
    const f = failure(errno.EIDRM, 'msgrcv');
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === 'isolated' ? results.map((r) => ({ ...r, ok: false, failure: f })) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'isolated')).toMatchObject({ state: 'errored', failure: f });
    expect(byMode(results, 'host').state).toBe('completed');
  });

  it('reports EIO on "window" for a failed window that carries no failure', async () => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === 'host' ? results.map((r) => ({ ...r, ok: false })) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'host').failure).toMatchObject({ errno: errno.EIO, call: 'window' });
  });

  it('carries the mock core failure (failWith) of a workload into every mode, and compares nothing', async () => {
    const h = harness({ mock: { failWith: { 'msg.pingpong': { errno: errno.ENOSPC, call: 'msgget' } } } });
    const { results, comparisons, summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const r of results) expect(r).toMatchObject({ state: 'errored', failure: { code: 'ENOSPC', call: 'msgget' } });
    expect(comparisons).toEqual([]);
    expect(summary.stop).toBe('failed');
  });

  it('runs a window in which a worker completed no op again, twice as long, and the group keeps the longer window', async () => {
    const h = harness();
    let idle = 0;
    h.spy.inject = (i, _specs, results) => (i === 4 && ++idle === 1 ? results.map((r) => ({ ...r, ops: 0 })) : results);
    const { results, summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const len = (c: WindowCall): number => c.specs[0]!.stopNs - c.specs[0]!.startNs;
    expect(len(h.spy.calls[4]!)).toBe(20e6);
    expect(len(h.spy.calls[5]!)).toBe(40e6);
    expect(h.spy.calls[5]!.specs[0]!.mode).toBe(h.spy.calls[4]!.specs[0]!.mode);
    for (const c of h.spy.calls.slice(5)) expect(len(c)).toBe(40e6);
    expect(summary.windowMs).toBe(40);
    for (const r of results) expect(r.state).toBe('completed');
  });

  it('fails a scenario whose workers complete no op even in the longest window', async () => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === 'host' ? results.map((r) => ({ ...r, ops: 0 })) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'host').failure?.message).toContain('completed no op in 1000 ms');
    expect(byMode(results, 'isolated').state).toBe('completed');
  });

  it('runs a window whose workers barely overlapped again, at most three times, and then takes it', async () => {
    const h = harness();
    // Worker 1 of every window starts half a window late.
    h.spy.inject = (_i, specs, results) =>
      results.map((r, k) => (k === 1 ? { ...r, startNs: r.startNs + 10e6, lateNs: 10e6, setupLateNs: 9e6 } : { ...r, setupLateNs: -1e6 }));
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    for (const r of results) {
      expect(r.state).toBe('completed');
      // Every window (the warm-up's too) was tried four times: once, and three times again.
      expect(r.retriedWindows).toBe(3 * (r.rounds! + 1));
    }
    expect(h.spy.calls).toHaveLength(4 * sum(results.map((r) => r.rounds! + 1)));
    // The lead grew after the late windows: later windows are scheduled further ahead.
    const ahead = h.spy.calls.map((c) => c.specs[0]!.startNs - c.nowBefore);
    expect(Math.max(...ahead)).toBeGreaterThan(ahead[0]!);
  });

  it('measures a late worker over the time it ran: a late start is not an error', async () => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => results.map((r) => ({ ...r, startNs: r.startNs + 3e6, lateNs: 3e6, ops: Math.round(r.ops * 0.85) }));
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const r of results) {
      expect(r.state).toBe('completed');
      expect(r.retriedWindows).toBeUndefined();
    }
  });
});

describe('GroupRunner.runGroup: isolation check', () => {
  const wrong = 4026539999;
  it.each([
    ['isolated workers in one namespace', 'isolated', 2, (r: WindowResult) => ({ ...r, nsInode: wrong, nsInodeB: wrong })],
    ['isolated workers in the host namespace', 'isolated', 1, (r: WindowResult) => ({ ...r, nsInode: HOST, nsInodeB: HOST })],
    ['an isolated pair split across namespaces', 'isolated', 1, (r: WindowResult) => ({ ...r, nsInodeB: r.nsInode + 1 })],
    ['host-mode processes outside the host namespace', 'host', 1, (r: WindowResult) => ({ ...r, nsInode: wrong, nsInodeB: wrong })],
    ['a host-mode party B outside the host namespace', 'host', 1, (r: WindowResult) => ({ ...r, nsInodeB: wrong })],
    [
      'shared-mode processes outside the scenario namespace',
      'shared',
      2,
      (r: WindowResult, k: number) => (k === 1 ? { ...r, nsInode: wrong, nsInodeB: wrong } : r),
    ],
  ] as const)('errors the scenario on %s', async (_name, mode, workers, rewrite) => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === mode ? results.map((r, k) => rewrite(r, k)) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers }));
    const bad = byMode(results, mode);
    expect(bad.state).toBe('errored');
    expect(bad.failure).toMatchObject({ errno: errno.EINVAL, call: 'isolation check' });
    expect(h.spy.calls.filter((c) => modeOf(c) === mode)).toHaveLength(1);
    for (const m of ALL_MODES.filter((x) => x !== mode)) expect(byMode(results, m).state).toBe('completed');
  });

  it('takes one namespace inode for two isolated workers that did not run at the same time (the kernel reuses freed inodes)', async () => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => {
      if (specs[0]?.mode !== 'isolated') return results;
      const [a, b] = results as [WindowResult, WindowResult];
      const later = { ...b, nsInode: a.nsInode, nsInodeB: a.nsInode, startNs: a.endNs + 1, endNs: a.endNs + 1 + (b.endNs - b.startNs) };
      return [a, later];
    };
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    expect(byMode(results, 'isolated').state).toBe('completed');
  });
});

describe('GroupRunner.runGroup: abort', () => {
  function aborting(after: number): Harness {
    const ac = new AbortController();
    const h = harness({ budget: { capMs: 100 * 3 * 20 }, signal: ac.signal });
    h.spy.afterCall = (i) => {
      if (i === after - 1) ac.abort();
    };
    return h;
  }

  it('runs no window again once stopped: a window that would be retried (its workers barely overlapped) is the last', async () => {
    const h = aborting(1);
    h.spy.inject = (_i, specs, results) => results.map((r, k) => (k === 1 ? { ...r, startNs: r.startNs + 10e6, lateNs: 10e6 } : r));
    await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    expect(h.spy.calls).toHaveLength(1);
  });

  it('stops after the round in flight and keeps the figures of every mode, as interrupted', async () => {
    const h = aborting(3 + 9);
    const { results, summary } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(12);
    expect(summary.stop).toBe('interrupted');
    for (const r of results) {
      expect(r.state).toBe('errored');
      expect(r.failure).toMatchObject({ errno: errno.EINTR, call: 'interrupted' });
      expect(r.rounds).toBe(3);
      expect(r.throughput!.samples).toBe(3);
    }
  });

  it('skips the modes with fewer than two rounds', async () => {
    const h = aborting(3 + 4);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(7);
    const byState = results.reduce<Record<string, number>>((a, r) => ({ ...a, [r.state]: (a[r.state] ?? 0) + 1 }), {});
    expect(byState).toEqual({ errored: 1, skipped: 2 });
    for (const r of results) expect(r.failure?.call).toBe('interrupted');
  });

  it('skips every mode when aborted during warm-up, and runs nothing when aborted before', async () => {
    const h = aborting(1);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(1);
    for (const r of results) expect(r.state).toBe('skipped');
    const ac = new AbortController();
    ac.abort();
    const h2 = harness({ signal: ac.signal });
    const r2 = await h2.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h2.spy.calls).toHaveLength(0);
    expect(r2.results.map((r) => r.state)).toEqual(['skipped', 'skipped', 'skipped']);
  });
});

describe('oversubscribed', () => {
  it.each([
    [1, [0, 1], false],
    [2, [0, 1], false],
    [3, [0, 1], true],
    [2, [0], true],
  ] as const)('workers %i on CPUs %j -> %s', async (workers, cpus, expected) => {
    const h = harness({ cpus, budget: { sampleEvery: 0 } });
    const { results } = await h.scheduler.runGroup([scenario('msg.pingpong', 'host', { workers })]);
    expect(results[0]!.state).toBe('completed');
    expect(results[0]!.oversubscribed).toBe(expected);
  });
});

describe('GroupRunner with a bare InlineExecutor', () => {
  it('runs a group over the mock core without a spy', async () => {
    let now = 0;
    const scheduler = new GroupRunner(
      {
        executor: new InlineExecutor(createMockCore({ seed: 7 })),
        cpus: [0, 1],
        route: 'privileged',
        limits: () => Promise.resolve({ host: { ...FRESH_DEFAULTS, nsInode: HOST }, fresh: FRESH_DEFAULTS }),
        nowNs: () => (now += 1000),
        wallMs: () => now / 1e6,
        random: () => 0.5,
        plan: plan(),
      },
      budget(),
    );
    const { results, comparisons } = await scheduler.runGroup(modeGroup('mq.stream'));
    expect(results.map((r) => r.state)).toEqual(['completed', 'completed', 'completed']);
    expect(comparisons.filter((c) => c.metric === 'throughput')).toHaveLength(3);
  });
});

describe('GroupRunner.runGroups: groups one after another, or interleaved', () => {
  type Outcome = Awaited<ReturnType<GroupRunner['runGroup']>>;
  /** Runs the groups; returns each group's outcome (by index) and the order in which they stopped. */
  async function runAll(h: Harness, groups: Scenario[][]): Promise<{ outcomes: Array<Outcome | undefined>; stopped: number[] }> {
    const outcomes: Array<Outcome | undefined> = [];
    const stopped: number[] = [];
    await h.scheduler.runGroups(groups, (i, o) => {
      outcomes[i] = o;
      stopped.push(i);
    });
    return { outcomes, stopped };
  }
  /** The group (by workload) of each measured window, in the order they ran. */
  const measuredWorkloads = (h: Harness): string[] =>
    windowEvents(h.events)
      .filter((e) => !e.warmup)
      .map((e) => e.scenario.workload);
  const turns = (h: Harness): number[] => h.events.flatMap((e) => (e.type === 'group' ? [e.index] : []));

  // One group of one mode, which stops at its first look (round 4), and one of three noisy modes, which runs to its cap (30 rounds).
  const quick = (): Scenario[] => [scenario('sem.pingpong', 'isolated')];
  const open = (): Scenario[] => modeGroup('msg.pingpong');
  const capped = { capMs: 30 * 3 * 20, minRounds: 4 };

  it('one after another by default: each group takes all its rounds before the next begins', async () => {
    const h = harness({ budget: capped, mock: { noise: 0.3 } });
    const { outcomes, stopped } = await runAll(h, [open(), quick()]);
    expect(stopped).toEqual([0, 1]);
    expect(turns(h)).toEqual([1, 2]);
    const seq = measuredWorkloads(h);
    expect(seq.lastIndexOf('msg.pingpong')).toBeLessThan(seq.indexOf('sem.pingpong'));
    expect(outcomes[0]?.summary).toMatchObject({ stop: 'cap', rounds: 30 });
    expect(outcomes[1]?.summary).toMatchObject({ stop: 'decided', rounds: 4 });
  });

  it('interleaved: a round of each live group in turn, and each group still stops on its own', async () => {
    const h = harness({ budget: { ...capped, interleaveGroups: true }, mock: { noise: 0.3 } });
    const { outcomes, stopped } = await runAll(h, [open(), quick(), [scenario('msg.pingpong', 'host', { params: { size: 1024 } })]]);
    // The one-mode groups stop at their first look, round 4; the open group goes on alone to its cap.
    expect(outcomes[0]?.summary).toMatchObject({ stop: 'cap', rounds: 30 });
    expect(outcomes[1]?.summary).toMatchObject({ stop: 'decided', rounds: 4 });
    expect(outcomes[2]?.summary).toMatchObject({ stop: 'decided', rounds: 4 });
    expect(stopped).toEqual([1, 2, 0]);
    // Turns go round the groups still sampling (a group's first turn is its warm-up and its first round): 1, 2, 3 for the
    // four rounds of the short groups, then 1 alone.
    expect(turns(h)).toEqual([...Array.from({ length: 4 }, () => [1, 2, 3]).flat(), ...Array.from({ length: 30 - 4 }, () => 1)]);
    // Measured windows: the open group's first four rounds (3 windows each) alternate with one window of each short group.
    const seq = measuredWorkloads(h);
    const firstRounds = seq.slice(0, 4 * 5);
    for (let k = 0; k < 4; k++) {
      expect(firstRounds.slice(5 * k, 5 * k + 3)).toEqual(['msg.pingpong', 'msg.pingpong', 'msg.pingpong']);
      expect(firstRounds.slice(5 * k + 3, 5 * k + 5)).toEqual(['sem.pingpong', 'msg.pingpong']);
    }
    expect(seq.slice(20)).toEqual(Array.from({ length: 26 * 3 }, () => 'msg.pingpong'));
    // Within each group the modes still run round by round.
    const modesOfOpen = windowEvents(h.events)
      .filter((e) => !e.warmup && e.scenario.workload === 'msg.pingpong' && e.scenario.params.size === 64)
      .map((e) => e.scenario.mode);
    expectInterleaved(modesOfOpen);
    for (const o of outcomes) for (const r of o?.results ?? []) expect(r.state).toBe('completed');
  });

  it('interleaved: the lead each number of workers needs is learnt apart, so a slow set-up of one group does not delay the other', async () => {
    const h = harness({ budget: { ...capped, interleaveGroups: true } });
    // Setting up the two-worker group's windows takes 30 ms more than the lead; the one-worker group's are early.
    h.spy.inject = (_i, specs, results) => results.map((r) => ({ ...r, setupLateNs: specs.length === 2 ? 30e6 : -1e6 }));
    await runAll(h, [[scenario('msg.pingpong', 'host', { workers: 2 })], [scenario('sem.pingpong', 'host')]]);
    const ahead = (workers: number): number[] => h.spy.calls.filter((c) => c.specs.length === workers).map((c) => c.specs[0]!.startNs - c.nowBefore);
    const [first, ...later] = ahead(2);
    expect(later.length).toBeGreaterThan(0);
    for (const a of later) expect(a).toBeGreaterThan(first!);
    expect(new Set(ahead(1))).toEqual(new Set([first]));
  });

  it('interleaved: each group holds its own namespace while it samples, and every one is closed', async () => {
    const h = harness({ budget: { ...capped, interleaveGroups: true } });
    await runAll(h, [modeGroup('msg.pingpong'), modeGroup('sem.pingpong')]);
    expect(h.spy.nsOpens).toBe(2);
    expect(h.spy.nsCloses).toBe(2);
    // Both groups' shared windows ran on their own namespace's fd, at the same time in the run.
    const fds = new Map<string, Set<number>>();
    for (const c of h.spy.calls) {
      const s = c.specs[0];
      if (s?.mode === 'shared') fds.set(s.workload, new Set([...(fds.get(s.workload) ?? []), s.nsFd]));
    }
    expect(fds.get('msg.pingpong')?.size).toBe(1);
    expect(fds.get('sem.pingpong')?.size).toBe(1);
    expect([...(fds.get('msg.pingpong') ?? [])][0]).not.toBe([...(fds.get('sem.pingpong') ?? [])][0]);
  });

  it('interleaved and stopped: groups that began keep what they measured, as interrupted; groups that had not begun are reported as such', async () => {
    const ac = new AbortController();
    const h = harness({ budget: { ...capped, interleaveGroups: true }, signal: ac.signal });
    // The first group's warm-up and three rounds (3 windows each), with the second group's warm-up and two rounds (1 window
    // each) between them, then stop.
    h.spy.afterCall = (i) => {
      if (i === 4 * 3 + 3 * 1 - 1) ac.abort();
    };
    const { outcomes, stopped } = await runAll(h, [open(), quick()]);
    expect(stopped.sort()).toEqual([0, 1]);
    expect(outcomes[0]?.summary).toMatchObject({ stop: 'interrupted', rounds: 3 });
    expect(outcomes[1]?.summary).toMatchObject({ stop: 'interrupted', rounds: 2 });
    for (const r of [...(outcomes[0]?.results ?? []), ...(outcomes[1]?.results ?? [])]) {
      expect(r.state).toBe('errored');
      expect(r.failure?.call).toBe('interrupted');
    }

    const ac2 = new AbortController();
    const h2 = harness({ budget: { ...capped, interleaveGroups: true }, signal: ac2.signal });
    // Stopped during the first group's warm-up: the second group never begins.
    h2.spy.afterCall = (i) => {
      if (i === 0) ac2.abort();
    };
    const r2 = await runAll(h2, [open(), quick()]);
    expect(r2.outcomes[1]).toBeUndefined();
    expect(r2.stopped).toEqual([0, 1]);
    expect(h2.spy.calls.every((c) => c.specs[0]?.workload === 'msg.pingpong')).toBe(true);
  });
});
