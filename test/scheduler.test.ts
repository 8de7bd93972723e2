import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { failure } from '../src/errors.js';
import { InlineExecutor } from '../src/executor.js';
import { createMockCore, FRESH_DEFAULTS } from '../src/mock-core.js';
import type { Comparison, ScenarioResult } from '../src/result.js';
import { adjustVerdicts, compareModes, groupByComparison, Scheduler, type ProgressEvent } from '../src/scheduler.js';
import { sampleSd } from '../src/stats.js';
import { expand, type Suite } from '../src/suite.js';
import type { Mode, WindowResult } from '../src/types.js';
import {
  ALL_MODES, budget, harness, HOST, modeGroup, scenario, type Harness, type WindowCall,
} from './helpers/fixtures.js';

const { errno } = constants;

function relClose(actual: number, expected: number, rel = 1e-9): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-300));
}

function windowEvents(events: readonly ProgressEvent[]): Array<Extract<ProgressEvent, { type: 'window' }>> {
  return events.filter((e): e is Extract<ProgressEvent, { type: 'window' }> => e.type === 'window');
}

/**
 * Pairs the spy's calls with the scheduler's window events. Only valid when no
 * call was discarded (no late window, no failure): then every call produced
 * exactly one event, in the same order.
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
 * the sequence (every k-th window of every mode runs before any (k+1)-th one).
 * So no mode runs ahead of another that still needs windows.
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

/** The same results, every one started `lateNs` after the requested start. */
function late(results: WindowResult[], lateNs = 50e6): WindowResult[] {
  return results.map((r) => ({ ...r, lateNs }));
}

describe('groupByComparison', () => {
  it('groups scenarios that differ only in mode, in first-seen order', () => {
    const a = modeGroup('msg.pingpong');
    const b = modeGroup('sem.pingpong');
    const c = modeGroup('msg.pingpong', { workers: 2 });
    const input = [a[0], b[0], a[1], c[0], b[1], a[2], c[1], b[2], c[2]].map((s) => s!);
    const groups = groupByComparison(input);
    expect(groups.map((g) => g.map((s) => s.id))).toEqual([
      a.map((s) => s.id),
      b.map((s) => s.id),
      c.map((s) => s.id),
    ]);
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

  it('groups the expansion of a suite into host/shared/isolated triples', () => {
    const suite: Suite = {
      name: 't', description: '', budget: budget(),
      matrix: [{ workload: ['msg.pingpong', 'sem.pingpong'], size: [64, 1024], mode: ['host', 'shared', 'isolated'], workers: [1, 2], placement: ['same-cpu'] }],
    };
    const groups = groupByComparison(expand(suite));
    // msg.pingpong: 2 sizes x 2 worker counts; sem.pingpong: 2 worker counts (no size).
    expect(groups).toHaveLength(6);
    for (const g of groups) {
      expect(g.map((s) => s.mode)).toEqual(['host', 'shared', 'isolated']);
      expect(new Set(g.map((s) => JSON.stringify([s.workload, s.params, s.workers, s.placement]))).size).toBe(1);
    }
  });
});

describe('Scheduler.runGroup: figures of completed scenarios', () => {
  it('summarizes msg.pingpong size 64 in host, shared and isolated mode consistently with the windows it ran', async () => {
    const b = budget();
    const h = harness({ budget: b });
    const group = modeGroup('msg.pingpong', { workers: 2 });
    const { results, comparisons } = await h.scheduler.runGroup(group);
    expect(results.map((r) => r.id)).toEqual(group.map((s) => s.id));
    const { measured } = classify(h);

    for (const r of results) {
      expect(r.state).toBe('completed');
      expect(r.failure).toBeUndefined();
      const t = r.throughput!;
      expect(t.unit).toBe('ops/s');
      const windows = r.windows!;
      expect(windows).toBeGreaterThanOrEqual(b.minWindows);
      expect(windows).toBeLessThanOrEqual(b.maxWindows);
      expect(t.samples).toBe(windows);
      expect(t.windows).toHaveLength(windows);

      // The windows the spy saw for this mode, in order.
      const mine = measured.filter((c) => modeOf(c) === r.mode);
      expect(mine).toHaveLength(windows);
      const perWindow = mine.map((c) => {
        const ops = sum(c.results.map((x) => x.ops));
        const span = Math.max(...c.results.map((x) => x.endNs)) - Math.min(...c.results.map((x) => x.startNs));
        return ops / (span / 1e9);
      });
      perWindow.forEach((v, i) => relClose(t.windows[i]!, v));

      const mean = sum(t.windows) / t.windows.length;
      relClose(t.mean, mean);
      const sorted = [...t.windows].sort((x, y) => x - y);
      const mid = Math.floor(sorted.length / 2);
      const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      relClose(t.median, median);
      relClose(t.sd, sampleSd(t.windows), 1e-6);
      expect(t.mean).toBeGreaterThan(0);
      expect(t.ci95[0]).toBeLessThanOrEqual(t.mean);
      expect(t.ci95[1]).toBeGreaterThanOrEqual(t.mean);
      relClose((t.ci95[0] + t.ci95[1]) / 2, t.mean);
      expect(t.rme).toBeGreaterThanOrEqual(0);
      relClose(t.rme, ((t.ci95[1] - t.mean) / t.mean) * 100, 1e-6);

      const flat = mine.flatMap((c) => c.results);
      const ops = sum(flat.map((x) => x.ops));
      expect(r.ops).toBe(ops);
      expect(r.bytesPerSecond).toBeDefined();
      relClose(r.bytesPerSecond!, t.mean * 64);
      relClose(r.cpuNsPerOp!, sum(flat.map((x) => x.cpuNs)) / ops);
      relClose(r.ctxSwitchesPerOp!, sum(flat.map((x) => x.volCs + x.involCs)) / ops);

      const l = r.latency!;
      expect(l.unit).toBe('ns');
      expect(l.sampleEvery).toBe(b.sampleEvery);
      expect(l.count).toBe(sum(flat.map((x) => x.latency.count)));
      expect(l.p50).toBeGreaterThan(0);
      expect(l.p50).toBeLessThanOrEqual(l.p90);
      expect(l.p90).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.p999);
      expect(l.p999).toBeLessThanOrEqual(l.max);
      expect(l.max).toBe(Math.max(...flat.map((x) => x.latency.maxNs)));
      relClose(l.mean, sum(flat.map((x) => x.latency.sumNs)) / l.count);

      expect(r.namespaces).toHaveLength(2);
      expect(r.wallMs).toBeGreaterThan(0);
      expect(r.oversubscribed).toBe(false);
    }

    expect(byMode(results, 'host').namespaces).toEqual([HOST, HOST]);
    const shared = byMode(results, 'shared').namespaces!;
    expect(shared[0]).toBe(shared[1]);
    expect(shared[0]).not.toBe(HOST);
    const isolated = byMode(results, 'isolated').namespaces!;
    expect(new Set(isolated).size).toBe(2);
    expect(isolated).not.toContain(HOST);

    expect(comparisons.map((c) => `${c.a}/${c.b}`)).toEqual(['isolated/shared', 'isolated/host', 'shared/host']);
    expect(h.events.filter((e) => e.type === 'scenario')).toHaveLength(3);
  });

  it('omits bytes/s for a workload that moves no bytes (sem.pingpong)', async () => {
    const h = harness();
    const { results } = await h.scheduler.runGroup(modeGroup('sem.pingpong'));
    for (const r of results) {
      expect(r.state).toBe('completed');
      expect(r.bytesPerSecond).toBeUndefined();
      expect(r.throughput!.mean).toBeGreaterThan(0);
    }
  });

  it('stops at maxWindows when the time budget is not used up, and at minWindows at the earliest', async () => {
    const long = harness({ budget: { timeMs: 1_000_000, minWindows: 3, maxWindows: 7 } });
    for (const r of (await long.scheduler.runGroup(modeGroup('msg.pingpong'))).results) expect(r.windows).toBe(7);
    const short = harness({ budget: { timeMs: 1, minWindows: 3, maxWindows: 7 } });
    for (const r of (await short.scheduler.runGroup(modeGroup('msg.pingpong'))).results) expect(r.windows).toBe(3);
  });

  it('leaves latency out when sampling is off', async () => {
    const h = harness({ budget: { sampleEvery: 0 } });
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const r of results) {
      expect(r.state).toBe('completed');
      expect(r.latency).toBeUndefined();
      for (const c of h.spy.calls) expect(c.specs.every((s) => s.sampleEvery === 0)).toBe(true);
    }
  });
});

describe('Scheduler.runGroup: warm-up windows', () => {
  it('runs warmupWindows per mode first and does not count them', async () => {
    const b = budget({ warmupWindows: 2 });
    const h = harness({ budget: b });
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const { warmup, measured } = classify(h);
    expect(warmup).toHaveLength(b.warmupWindows * 3);
    // Warm-ups come before every measured window.
    expect(h.spy.calls.slice(0, warmup.length)).toEqual(warmup);
    for (const m of ALL_MODES) expect(warmup.filter((c) => modeOf(c) === m)).toHaveLength(b.warmupWindows);
    const counted = sum(results.map((r) => r.windows!));
    expect(h.spy.calls.length).toBe(counted + b.warmupWindows * 3);
    expect(measured).toHaveLength(counted);
    for (const r of results) {
      expect(r.ops).toBe(sum(measured.filter((c) => modeOf(c) === r.mode).flatMap((c) => c.results.map((x) => x.ops))));
    }
  });

  it('runs no warm-up when warmupWindows is 0', async () => {
    const h = harness({ budget: { warmupWindows: 0 } });
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(windowEvents(h.events).filter((e) => e.warmup)).toHaveLength(0);
    expect(h.spy.calls.length).toBe(sum(results.map((r) => r.windows!)));
  });
});

describe('Scheduler.runGroup: window specs', () => {
  it('gives every worker of a window the same start and stop, windowMs apart, in the future', async () => {
    const b = budget({ windowMs: 25 });
    const h = harness({ budget: b });
    await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    expect(h.spy.calls.length).toBeGreaterThan(0);
    for (const c of h.spy.calls) {
      expect(c.specs).toHaveLength(2);
      const [s0, s1] = c.specs;
      expect(s1!.startNs).toBe(s0!.startNs);
      expect(s1!.stopNs).toBe(s0!.stopNs);
      expect(s0!.stopNs - s0!.startNs).toBe(b.windowMs * 1e6);
      expect(s0!.startNs).toBeGreaterThan(c.nowBefore);
      expect(s0!.deadlineNs).toBeGreaterThan(s0!.stopNs);
      for (const s of c.specs) {
        expect(s.workload).toBe('msg.pingpong');
        expect(s.params).toEqual({ size: 64 });
        expect(s.route).toBe('privileged');
        expect(s.sampleEvery).toBe(b.sampleEvery);
      }
    }
  });

  it('starts successive windows later and later (a monotonic schedule)', async () => {
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
    for (const c of h.spy.calls) {
      for (const s of c.specs) {
        check(s.cpuA, s.cpuB);
        if (placement !== 'any') {
          expect([0, 1]).toContain(s.cpuA);
          expect([0, 1]).toContain(s.cpuB);
        }
      }
    }
    if (placement === 'same-cpu') {
      // Two workers on two CPUs: one pair per CPU.
      const specs = h.spy.calls[0]!.specs;
      expect(new Set(specs.map((s) => s.cpuA)).size).toBe(2);
    }
  });

  it('opens one namespace for the shared scenario, passes its fd to shared windows only, and closes it', async () => {
    const h = harness();
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    expect(h.spy.nsOpens).toBe(1);
    expect(h.spy.nsCloses).toBe(1);
    const sharedFds = new Set(h.spy.calls.filter((c) => modeOf(c) === 'shared').flatMap((c) => c.specs.map((s) => s.nsFd)));
    expect(sharedFds.size).toBe(1);
    expect([...sharedFds][0]).toBeGreaterThanOrEqual(0);
    for (const c of h.spy.calls.filter((x) => modeOf(x) !== 'shared')) {
      for (const s of c.specs) expect(s.nsFd).toBe(-1);
    }
    for (const r of results) expect(r.state).toBe('completed');
  });

  it('opens no namespace for a group without a shared scenario', async () => {
    const h = harness();
    await h.scheduler.runGroup(modeGroup('msg.pingpong', {}, ['host', 'isolated']));
    expect(h.spy.nsOpens).toBe(0);
    expect(h.spy.nsCloses).toBe(0);
  });

  it('marks the shared scenario errored when its namespace cannot be opened; the others complete', async () => {
    const h = harness();
    const f = failure(errno.EPERM, 'setns');
    h.spy.nsOpenResult = { ok: false, failure: f };
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'shared').state).toBe('errored');
    expect(byMode(results, 'shared').failure).toEqual(f);
    expect(byMode(results, 'host').state).toBe('completed');
    expect(byMode(results, 'isolated').state).toBe('completed');
    expect(h.spy.calls.some((c) => modeOf(c) === 'shared')).toBe(false);
    expect(h.spy.nsCloses).toBe(0);
    expect(comparisons.map((c) => `${c.a}/${c.b}`)).toEqual(['isolated/host']);
  });
});

describe('Scheduler.runGroup: interleaving of modes', () => {
  it('runs the modes round by round, each live mode once per round', async () => {
    const h = harness({ budget: { minWindows: 6, maxWindows: 6, timeMs: 1_000_000 } });
    await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const { measured } = classify(h);
    const seq = measured.map(modeOf);
    expect(seq).toHaveLength(18);
    expectInterleaved(seq);
    for (let i = 0; i < seq.length; i += 3) {
      expect([...seq.slice(i, i + 3)].sort()).toEqual(['host', 'isolated', 'shared']);
    }
  });

  it('shuffles the order within rounds', async () => {
    const orders = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const h = harness({ seed, budget: { minWindows: 6, maxWindows: 6, timeMs: 1_000_000 } });
      await h.scheduler.runGroup(modeGroup('msg.pingpong'));
      const seq = classify(h).measured.map(modeOf);
      for (let i = 0; i < seq.length; i += 3) orders.add(seq.slice(i, i + 3).join(','));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('keeps interleaving the remaining modes after one of them fails', async () => {
    const h = harness({ budget: { minWindows: 6, maxWindows: 6, timeMs: 1_000_000, warmupWindows: 1 } });
    let isolatedCalls = 0;
    h.spy.inject = (_i, specs, results) => {
      if (specs[0]?.mode === 'isolated' && ++isolatedCalls === 3) {
        return results.map((r) => ({ ...r, ok: false, failure: failure(errno.ENOSPC, 'msgget') }));
      }
      return results;
    };
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const seq = h.spy.calls.slice(3).map(modeOf);
    expectInterleaved(seq);
    expect(byMode(results, 'isolated').state).toBe('errored');
    expect(h.spy.calls.filter((c) => modeOf(c) === 'isolated')).toHaveLength(3);
    expect(byMode(results, 'host').windows).toBe(6);
    expect(byMode(results, 'shared').windows).toBe(6);
  });
});

describe('Scheduler.runGroup: failed windows', () => {
  it('marks a scenario errored with the failure of its window while the other modes complete', async () => {
    const h = harness();
    const f = failure(errno.ENOSPC, 'msgget');
    let n = 0;
    h.spy.inject = (_i, specs, results) => {
      if (specs[0]?.mode === 'isolated' && ++n === 2) return results.map((r, k) => (k === 0 ? { ...r, ok: false, failure: f } : r));
      return results;
    };
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    const iso = byMode(results, 'isolated');
    expect(iso.state).toBe('errored');
    expect(iso.failure).toEqual(f);
    expect(iso.throughput).toBeUndefined();
    expect(byMode(results, 'host').state).toBe('completed');
    expect(byMode(results, 'shared').state).toBe('completed');
    expect(comparisons).toHaveLength(1);
    expect(comparisons[0]).toMatchObject({ a: 'shared', b: 'host', scenarioA: byMode(results, 'shared').id, scenarioB: byMode(results, 'host').id });
  });

  it('reports EIO on "window" for a failed window that carries no failure', async () => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === 'host' ? results.map((r) => ({ ...r, ok: false })) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(byMode(results, 'host').state).toBe('errored');
    expect(byMode(results, 'host').failure).toMatchObject({ errno: errno.EIO, code: 'EIO', call: 'window' });
  });

  it('carries the mock core failure (failWith) of a workload into every mode, and compares nothing', async () => {
    const h = harness({ mock: { failWith: { 'msg.pingpong': { errno: errno.ENOSPC, call: 'msgget' } } } });
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const r of results) {
      expect(r.state).toBe('errored');
      expect(r.failure).toMatchObject({ errno: errno.ENOSPC, code: 'ENOSPC', call: 'msgget' });
      expect(r.failure!.message).toContain('kernel.msgmni');
      expect(r.throughput).toBeUndefined();
    }
    expect(comparisons).toEqual([]);
    // Each mode fails on its first (warm-up) window and runs no other.
    expect(h.spy.calls).toHaveLength(3);
  });
});

describe('Scheduler.runGroup: late windows', () => {
  it('discards and retries a window that started late, and does not count it', async () => {
    const b = budget({ warmupWindows: 1, minWindows: 5, maxWindows: 5, timeMs: 1_000_000 });
    const h = harness({ budget: b });
    const lateIndex = 4; // the second measured window
    h.spy.inject = (i, _specs, results) => (i === lateIndex ? late(results) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers: 2 }));
    const lateCall = h.spy.calls[lateIndex]!;
    const retry = h.spy.calls[lateIndex + 1]!;
    const m = modeOf(lateCall);
    // The retry is the same scenario, at a new start time with no less lead.
    expect(modeOf(retry)).toBe(m);
    expect(retry.specs[0]!.startNs - retry.nowBefore).toBeGreaterThanOrEqual(lateCall.specs[0]!.startNs - lateCall.nowBefore);
    for (const r of results) {
      expect(r.state).toBe('completed');
      expect(r.windows).toBe(5);
      expect(r.throughput!.samples).toBe(5);
    }
    expect(h.spy.calls).toHaveLength(3 + 15 + 1);
    const counted = h.spy.calls.slice(3).filter((_c, i) => i + 3 !== lateIndex && modeOf(_c) === m);
    expect(counted).toHaveLength(5);
    expect(byMode(results, m).ops).toBe(sum(counted.flatMap((c) => c.results.map((x) => x.ops))));
    // Exactly one event per counted or warm-up window: the late one has none.
    expect(windowEvents(h.events)).toHaveLength(3 + 15);
  });

  it('tolerates lateness under 5 % of the window', async () => {
    const b = budget({ windowMs: 100, minWindows: 3, maxWindows: 3 });
    const h = harness({ budget: b });
    h.spy.inject = (_i, _s, results) => late(results, 4e6);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    for (const r of results) expect(r.state).toBe('completed');
    expect(h.spy.calls).toHaveLength(3 + 9);
  });

  it('errors a scenario on "window start" after three late windows in a row; the others complete', async () => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === 'isolated' ? late(results) : results);
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const iso = byMode(results, 'isolated');
    expect(iso.state).toBe('errored');
    expect(iso.failure).toMatchObject({ errno: errno.ETIME, call: 'window start' });
    expect(iso.failure!.message).toContain('late');
    const isoCalls = h.spy.calls.map((c, i) => [modeOf(c), i] as const).filter(([m]) => m === 'isolated').map(([, i]) => i);
    expect(isoCalls).toHaveLength(3);
    // The three tries run back to back.
    expect(isoCalls[2]! - isoCalls[0]!).toBe(2);
    expect(byMode(results, 'host').state).toBe('completed');
    expect(byMode(results, 'shared').state).toBe('completed');
    expect(comparisons.map((c) => `${c.a}/${c.b}`)).toEqual(['shared/host']);
  });
});

describe('Scheduler.runGroup: isolation check', () => {
  const wrong = 4026539999;
  it.each([
    ['isolated workers in one namespace', 'isolated', 2, (r: WindowResult) => ({ ...r, nsInode: wrong, nsInodeB: wrong })],
    ['isolated workers in the host namespace', 'isolated', 1, (r: WindowResult) => ({ ...r, nsInode: HOST, nsInodeB: HOST })],
    ['an isolated pair split across namespaces', 'isolated', 1, (r: WindowResult) => ({ ...r, nsInodeB: r.nsInode + 1 })],
    ['host-mode processes outside the host namespace', 'host', 1, (r: WindowResult) => ({ ...r, nsInode: wrong, nsInodeB: wrong })],
    ['a host-mode party B outside the host namespace', 'host', 1, (r: WindowResult) => ({ ...r, nsInodeB: wrong })],
    ['shared-mode processes outside the scenario namespace', 'shared', 2, (r: WindowResult, k: number) => (k === 1 ? { ...r, nsInode: wrong, nsInodeB: wrong } : r)],
  ] as const)('errors the scenario on %s', async (_name, mode, workers, rewrite) => {
    const h = harness();
    h.spy.inject = (_i, specs, results) => (specs[0]?.mode === mode ? results.map((r, k) => rewrite(r, k)) : results);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong', { workers }));
    const bad = byMode(results, mode);
    expect(bad.state).toBe('errored');
    expect(bad.failure).toMatchObject({ errno: errno.EINVAL, call: 'isolation check' });
    expect(bad.failure!.message).toContain('isolation check');
    expect(h.spy.calls.filter((c) => modeOf(c) === mode)).toHaveLength(1);
    for (const m of ALL_MODES.filter((x) => x !== mode)) expect(byMode(results, m).state).toBe('completed');
  });
});

describe('Scheduler.runGroup: abort', () => {
  const b = { warmupWindows: 1, minWindows: 6, maxWindows: 6, timeMs: 1_000_000 };

  function aborting(after: number): { h: Harness; ac: AbortController } {
    const ac = new AbortController();
    const h = harness({ budget: b, signal: ac.signal });
    h.spy.afterCall = (i) => {
      if (i === after - 1) ac.abort();
    };
    return { h, ac };
  }

  it('stops the group and keeps the figures of every mode with at least two windows, as interrupted', async () => {
    const { h } = aborting(3 + 9);
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(12);
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.state).toBe('errored');
      expect(r.failure).toMatchObject({ errno: errno.EINTR, call: 'interrupted' });
      expect(r.windows).toBe(3);
      expect(r.throughput!.samples).toBe(3);
      expect(r.ops).toBeGreaterThan(0);
    }
    expect(comparisons).toEqual([]);
  });

  it('skips the modes with fewer than two windows', async () => {
    const { h } = aborting(3 + 4);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(7);
    expect(results).toHaveLength(3);
    const measuredByMode = new Map<Mode, number>();
    for (const c of h.spy.calls.slice(3)) measuredByMode.set(modeOf(c), (measuredByMode.get(modeOf(c)) ?? 0) + 1);
    let interrupted = 0;
    let skipped = 0;
    for (const r of results) {
      const n = measuredByMode.get(r.mode) ?? 0;
      expect(r.failure?.call).toBe('interrupted');
      if (n >= 2) {
        interrupted++;
        expect(r.state).toBe('errored');
        expect(r.windows).toBe(n);
        expect(r.throughput!.samples).toBe(n);
      } else {
        skipped++;
        expect(r.state).toBe('skipped');
        expect(r.throughput).toBeUndefined();
      }
    }
    expect(interrupted).toBe(1);
    expect(skipped).toBe(2);
  });

  it('skips every mode when aborted during warm-up', async () => {
    const { h } = aborting(1);
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(1);
    for (const r of results) expect(r.state).toBe('skipped');
  });

  it('runs nothing when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const h = harness({ signal: ac.signal });
    const { results } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    expect(h.spy.calls).toHaveLength(0);
    expect(results.map((r) => r.state)).toEqual(['skipped', 'skipped', 'skipped']);
  });
});

describe('compareModes', () => {
  it('finds isolated slower than host and shared under a 20 % mode factor, and no difference between shared and host', async () => {
    const h = harness({ mock: { noise: 0.01, modeFactor: { isolated: 1.2 } }, budget: { minWindows: 6, maxWindows: 6, timeMs: 1_000_000 } });
    const { results, comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
    const get = (a: Mode, b: Mode) => comparisons.find((c) => c.a === a && c.b === b)!;
    expect(comparisons).toHaveLength(3);
    for (const [a, b] of [['isolated', 'host'], ['isolated', 'shared']] as const) {
      const c = get(a, b);
      expect(c.verdict).toBe('slower');
      expect(c.ratio).toBeGreaterThan(0.78);
      expect(c.ratio).toBeLessThan(0.88);
      expect(c.ci95[0]).toBeLessThanOrEqual(c.ratio);
      expect(c.ci95[1]).toBeGreaterThanOrEqual(c.ratio);
      expect(c.ci95[1]).toBeLessThan(1);
      expect(c.pValue).toBeLessThan(0.01);
      expect(c.scenarioA).toBe(byMode(results, a).id);
      expect(c.scenarioB).toBe(byMode(results, b).id);
    }
    const sh = get('shared', 'host');
    expect(sh.verdict).toBe('no significant difference');
    expect(sh.ci95[0]).toBeLessThanOrEqual(1);
    expect(sh.ci95[1]).toBeGreaterThanOrEqual(1);
    for (const c of comparisons) expect(c.test).toMatch(/Welch/);
  });

  it('says "no significant difference" for >= 95 % of A/A comparisons over 100 seeds', async () => {
    let same = 0;
    let total = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const h = harness({ seed, mock: { noise: 0.02 }, budget: { warmupWindows: 0, minWindows: 6, maxWindows: 6, timeMs: 1_000_000, sampleEvery: 0 } });
      const { comparisons } = await h.scheduler.runGroup(modeGroup('msg.pingpong'));
      expect(comparisons).toHaveLength(3);
      for (const c of comparisons) {
        total++;
        expect(c.pValue).toBeGreaterThanOrEqual(0);
        expect(c.pValue).toBeLessThanOrEqual(1);
        if (c.verdict === 'no significant difference') same++;
      }
    }
    expect(total).toBe(300);
    expect(same / total).toBeGreaterThanOrEqual(0.95);
  });

  it('compares only completed scenarios, in the order isolated/shared, isolated/host, shared/host', () => {
    const base = (mode: Mode, state: ScenarioResult['state'], windows: number[]): ScenarioResult => ({
      id: `x/${mode}`, workload: 'msg.pingpong', params: { size: 64 }, mode, workers: 1, placement: 'same-cpu', sysctls: {}, state, oversubscribed: false,
      throughput: { unit: 'ops/s', mean: 0, median: 0, sd: 0, rme: 0, ci95: [0, 0], samples: windows.length, windows },
    });
    const a = [100, 101, 99, 100];
    const all = compareModes([base('host', 'completed', a), base('shared', 'completed', a), base('isolated', 'completed', a)]);
    expect(all.map((c) => `${c.a}/${c.b}`)).toEqual(['isolated/shared', 'isolated/host', 'shared/host']);
    const some = compareModes([base('host', 'completed', a), base('shared', 'errored', a), base('isolated', 'completed', a)]);
    expect(some.map((c) => `${c.a}/${c.b}`)).toEqual(['isolated/host']);
    expect(compareModes([base('host', 'completed', a)])).toEqual([]);
  });
});

describe('oversubscribed', () => {
  it.each([
    [1, [0, 1], false],
    [2, [0, 1], false],
    [3, [0, 1], true],
    [4, [0, 1], true],
    [2, [0], true],
  ] as const)('workers %i on CPUs %j -> %s', async (workers, cpus, expected) => {
    const h = harness({ cpus, budget: { minWindows: 2, maxWindows: 2, sampleEvery: 0 } });
    const { results } = await h.scheduler.runGroup([scenario('msg.pingpong', 'host', { workers })]);
    expect(results[0]!.state).toBe('completed');
    expect(results[0]!.oversubscribed).toBe(expected);
  });
});

describe('Scheduler with a bare InlineExecutor', () => {
  it('runs a group over the mock core without a spy', async () => {
    let now = 0;
    const scheduler = new Scheduler({
      executor: new InlineExecutor(createMockCore({ seed: 7 })),
      cpus: [0, 1],
      route: 'privileged',
      limits: () => Promise.resolve({ host: { ...FRESH_DEFAULTS, nsInode: HOST }, fresh: FRESH_DEFAULTS }),
      nowNs: () => (now += 1000),
      wallMs: () => now / 1e6,
      random: () => 0.5,
    }, budget());
    const { results, comparisons } = await scheduler.runGroup(modeGroup('mq.stream'));
    expect(results.map((r) => r.state)).toEqual(['completed', 'completed', 'completed']);
    expect(comparisons).toHaveLength(3);
  });
});

describe('adjustVerdicts', () => {
  const make = (pValue: number, ratio: number): Comparison => ({
    a: 'isolated', b: 'shared', scenarioA: 'x', scenarioB: 'y', ratio, ci95: [ratio * 0.99, ratio * 1.01], pValue, pAdjusted: pValue,
    verdict: pValue < 0.01 ? (ratio > 1 ? 'faster' : 'slower') : 'no significant difference', test: '',
  });

  it('keeps a run of many comparisons from calling chance findings differences', () => {
    const run = [...Array.from({ length: 50 }, () => make(0.005, 1.01)), make(1e-9, 2.6), make(1e-9, 0.5)];
    const out = adjustVerdicts(run);
    expect(out.slice(0, 50).every((c) => c.verdict === 'no significant difference')).toBe(true);
    expect(out[50]?.verdict).toBe('faster');
    expect(out[51]?.verdict).toBe('slower');
    for (const c of out) expect(c.pAdjusted).toBeGreaterThanOrEqual(c.pValue);
  });

  it('leaves a lone comparison as its own test judged it', () => {
    expect(adjustVerdicts([make(0.005, 1.01)])[0]?.verdict).toBe('faster');
  });
});
