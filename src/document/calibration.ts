/**
 * The calibrated twins of a run's figures (analyze/calibration.ts), made from
 * the document's own numbers: each scenario's per-round figures and controls,
 * and one scale for the run. Made again whenever a group's results are added,
 * so that every version of the document written is consistent in itself.
 *
 * The scale is the run's, not the group's: over one group's rounds it would
 * give back the group's raw figure whatever its control said, while over the
 * run it puts a group measured in a slow minute on the footing of the others.
 */
import { CALIBRATION_CONTROL, calibratedFigure, CONTROLS, type ControlValue, medianControl } from '../analyze/calibration.js';
import type { ResultDocument } from './result.js';

export function calibrate(doc: ResultDocument): void {
  // Oversubscribed scenarios' controls ran on fewer CPUs than their workers: they set no scale.
  const trusted = doc.scenarios.filter((s) => s.controlRounds && !s.oversubscribed);
  const medians = Object.fromEntries(CONTROLS.map((c) => [c, medianControl(trusted.flatMap((s) => s.controlRounds?.[c] ?? []))])) as Record<
    (typeof CONTROLS)[number],
    number
  >;
  const scale = medians[CALIBRATION_CONTROL];
  for (const s of doc.scenarios) {
    if (!s.throughput) continue;
    const figure =
      Number.isFinite(scale) && s.controlRounds
        ? calibratedFigure(s.throughput.rounds, s.controlRounds[CALIBRATION_CONTROL] as ControlValue[], scale)
        : undefined;
    if (figure) s.throughput.calibrated = figure;
    else delete s.throughput.calibrated;
  }
  if (Number.isFinite(scale)) {
    doc.analysis.calibration = {
      control: CALIBRATION_CONTROL,
      medianRate: scale,
      medians: Object.fromEntries(CONTROLS.map((c) => [c, Number.isFinite(medians[c]) ? medians[c] : null])) as Record<
        (typeof CONTROLS)[number],
        number | null
      >,
    };
  } else delete doc.analysis.calibration;
}
