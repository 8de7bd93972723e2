/**
 * The verdict rule's error rates, by simulation: groups of host, shared and
 * isolated run through the real scheduler and analysis on the mock core,
 * under a noise model of a shared machine (about 10 % window-to-window CV,
 * heavy tails, drift and bursts: NOISY_MACHINE), with the default suite's
 * budget and family size. bench/simulate.ts runs the same with more groups
 * (docs/statistics.md has its table).
 */
import { describe, expect, it } from 'vitest';
import { defaultPlan, simulate } from '../bench/simulate.js';
import { NOISY_MACHINE } from '../src/measure/mock-core.js';

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
