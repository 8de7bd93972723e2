/**
 * The verdict rule's error rates, by simulation: groups of host, shared and
 * isolated run through the real scheduler and analysis on the mock core,
 * under a noise model of a shared machine (about 10 % window-to-window CV,
 * heavy tails, drift and bursts: NOISY_MACHINE), with the default suite's
 * budget and family size. bench/simulate.ts runs the same with more groups
 * (docs/statistics.md has its table).
 */
import { describe, expect, it } from 'vitest';
import { defaultPlan, runMockGroup, simulate } from '../bench/simulate.js';
import type { Core, WindowResult } from '../src/common/types.js';
import { createMockCore, NOISY_MACHINE, seededRandom } from '../src/measure/mock-core.js';

const { budget, comparisons } = defaultPlan();
const GROUPS = 80;

describe('verdicts under a noisy machine, default budget', () => {
  it('A/A: at most 1 % of comparisons called different, intervals cover the true ratio', async () => {
    const r = await simulate({ groups: GROUPS, effect: 0, model: NOISY_MACHINE, budget, comparisons, seed: 11 });
    expect(r.nullComparisons).toBe(3 * GROUPS);
    expect(r.falseDifferent / r.nullComparisons).toBeLessThanOrEqual(0.01);
    expect(r.covered / r.comparisons).toBeGreaterThanOrEqual(0.94);
    // Not a stub: most steady comparisons are shown to be the same within the margin.
    expect(r.equivalent / r.nullComparisons).toBeGreaterThan(0.3);
  }, 60_000);

  it('a real 10 % difference is found, in the right direction, in at least 90 % of comparisons within the cap', async () => {
    const r = await simulate({ groups: GROUPS, effect: 0.1, model: NOISY_MACHINE, budget, comparisons, seed: 12 });
    expect(r.effectComparisons).toBe(2 * GROUPS);
    expect(r.found / r.effectComparisons).toBeGreaterThanOrEqual(0.9);
    expect(r.covered / r.comparisons).toBeGreaterThanOrEqual(0.94);
    // shared / host stays a null pair, and is not called different.
    expect(r.falseDifferent / r.nullComparisons).toBeLessThanOrEqual(0.01);
    expect(r.measuredMs).toBeLessThanOrEqual(budget.capMs + 3 * 40);
  }, 60_000);

  it('a quiet machine finishes sooner', async () => {
    const quiet = await simulate({ groups: 30, effect: 0, model: { window: 0.02, drift: { sd: 0.01, ms: 300 }, sub: 0.01 }, budget, comparisons, seed: 13 });
    const noisy = await simulate({ groups: 30, effect: 0, model: NOISY_MACHINE, budget, comparisons, seed: 13 });
    expect(quiet.decided).toBe(quiet.groups);
    expect(quiet.rounds).toBeLessThan(noisy.rounds / 2);
  }, 60_000);
});

describe('a group with a mode that gives no figure', () => {
  const quiet = { window: 0.02, drift: { sd: 0.01, ms: 300 }, sub: 0.01 };
  /** The mock, with isolated's windows changed by `fault`. */
  const faulty = (fault: (r: WindowResult) => WindowResult): Core => {
    const mock = createMockCore({ seed: 3, model: quiet, nsPerOp: { 'msg.pingpong': 10_000 } });
    return { ...mock, run: (spec) => (spec.mode === 'isolated' ? fault(mock.run(spec)) : mock.run(spec)) };
  };

  it('is decided on a quiet machine when every mode has figures', async () => {
    const { summary, comparisons: made } = await runMockGroup(
      faulty((r) => r),
      budget,
      comparisons,
      seededRandom(5),
    );
    expect(summary.stop).toBe('decided');
    expect(summary.uncompared).toBeUndefined();
    expect(made.filter((c) => c.metric !== 'latency-p99')).toHaveLength(6);
  });

  it('is never decided without one of its comparisons: it samples to its cap and the document names what is missing', async () => {
    // isolated's rounds all have rate 0 (no op at any sub-window boundary but the last), or no latency sample.
    const stalled = faulty((r) => ({ ...r, marks: r.marks.map(([ops, t], i): [number, number] => [i === r.marks.length - 1 ? ops : 0, t]) }));
    const unsampled = faulty((r) => ({ ...r, latency: { count: 0, sumNs: 0, minNs: 0, maxNs: 0, buckets: [] } }));
    for (const [core, metric] of [
      [stalled, 'throughput'],
      [unsampled, 'latency-p50'],
    ] as const) {
      const { summary, comparisons: made } = await runMockGroup(core, budget, comparisons, seededRandom(5));
      expect(summary.stop).toBe('cap');
      expect(summary.measuredMs).toBeGreaterThanOrEqual(budget.capMs);
      expect(summary.uncompared).toEqual([
        { metric, a: 'isolated', b: 'shared' },
        { metric, a: 'isolated', b: 'host' },
      ]);
      expect(made.filter((c) => c.metric === metric).map((c) => `${c.a}/${c.b}`)).toEqual(['shared/host']);
    }
  });
});
