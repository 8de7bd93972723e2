/**
 * Calibrated figures: each round's figure over the control measured on the
 * same CPU just before its window, times one scale for the whole run (the
 * median of that control over every round of the run). A slow stretch that
 * slows the control as much as the workload (the clock frequency, steal time,
 * a busy SMT sibling, a host that makes kernel entry slow) then leaves the
 * calibrated figure where it was. docs/calibration.md says what a control
 * cannot cancel, and why the raw figures are kept beside these.
 */
import { medianOf } from './robust.js';
import { scenarioEstimate } from './modes.js';

/** The controls the core measures before every window: a bare system call, and a user-space loop of fixed work. */
export const CONTROLS = ['getppid', 'spin'] as const;
export type Control = (typeof CONTROLS)[number];

/**
 * The control the calibrated figures use. getppid() tracked the IPC figures
 * best in the study (docs/calibration.md): the disturbances seen on shared
 * VMs slow kernel entry and context switches, which a user-space loop does
 * not see.
 */
export const CALIBRATION_CONTROL: Control = 'getppid';

/** A round's control, or null where there was none. */
export type ControlValue = number | null;

const usable = (x: ControlValue | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** The median of the usable controls (finite and positive); NaN when there is none. */
export function medianControl(values: Iterable<ControlValue>): number {
  const ok = [...values].filter(usable);
  return ok.length > 0 ? medianOf(ok) : NaN;
}

/** Each round's figure over its control, times `scale`; null where the round has no control or no figure. */
export function calibratedRounds(rates: readonly ControlValue[], controls: readonly ControlValue[], scale: number): ControlValue[] {
  return rates.map((rate, i) => {
    const control = controls[i];
    return usable(rate) && usable(control) && usable(scale) ? (rate / control) * scale : null;
  });
}

export interface CalibratedFigure {
  estimate: number;
  ci: [number, number];
  ciLevel: number;
  rounds: ControlValue[];
}

/** The calibrated twin of a scenario's figure: its estimator over the calibrated rounds; undefined with fewer than two. */
export function calibratedFigure(rates: readonly ControlValue[], controls: readonly ControlValue[], scale: number): CalibratedFigure | undefined {
  const rounds = calibratedRounds(rates, controls, scale);
  const values = rounds.filter(usable);
  if (values.length < 2) return undefined;
  const est = scenarioEstimate(values);
  return { estimate: est.estimate, ci: est.ci, ciLevel: est.ciLevel, rounds };
}
