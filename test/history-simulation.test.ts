/**
 * The history gate's error rates, by simulation (bench/simulate-history.ts,
 * smaller): histories of 30 runs of the 12 scenarios of a ci run, every run
 * shifted as a whole by the runner's moment and each scenario by 1 % of its
 * own noise. Fixed seeds: the rates are the same on every machine.
 *
 * - A/A: at most 1 % of histories fail the gate, absolute or relative.
 * - Power: a 10 % step in one scenario is flagged at its run within 3 runs
 *   in at least 90 % of histories where the runs' shift is small (1.5 %),
 *   and with --relative on a runner whose runs shift by 6 %, where the
 *   absolute series cannot tell (which the test shows too, so that the
 *   comparison means something).
 */
import { describe, expect, it } from 'vitest';
import { type HistorySimulationOptions, SIMULATION_DEFAULTS, simulateHistories } from '../bench/simulate-history.js';

const HISTORIES = 150;
const options = (o: Partial<HistorySimulationOptions>): HistorySimulationOptions => ({ ...SIMULATION_DEFAULTS, histories: HISTORIES, seed: 21, ...o });

describe('the history gate on simulated runners', () => {
  it('absolute, runs shifting by 1.5 %: A/A at most 1 %, a 10 % step flagged within 3 runs in at least 90 %', () => {
    const r = simulateHistories(options({ shift: 0.015 }));
    expect(r.alarms / r.histories).toBeLessThanOrEqual(0.01);
    expect(r.anyChangePoint / r.histories).toBeLessThanOrEqual(0.02);
    expect(r.flagged / r.histories).toBeGreaterThanOrEqual(0.9);
    // Confirmed by the third run from the step, not before: 3 runs confirm.
    expect(r.runsToFlag).toBe(3 * r.flagged);
  });

  it('relative, runs shifting by 6 %: the shift cancels; A/A at most 1 %, the step flagged in at least 90 %', () => {
    const r = simulateHistories(options({ shift: 0.06, relative: true }));
    expect(r.alarms / r.histories).toBeLessThanOrEqual(0.01);
    expect(r.strictAlarms / r.histories).toBeLessThanOrEqual(0.02);
    expect(r.anyChangePoint / r.histories).toBeLessThanOrEqual(0.02);
    expect(r.flagged / r.histories).toBeGreaterThanOrEqual(0.9);
    expect(r.otherAlarms).toBe(0);
  });

  it('absolute, runs shifting by 6 %: no false alarms, and the step mostly missed: the shift hides it', () => {
    const r = simulateHistories(options({ shift: 0.06 }));
    expect(r.alarms / r.histories).toBeLessThanOrEqual(0.01);
    expect(r.flagged / r.histories).toBeLessThan(0.3);
  });
});
