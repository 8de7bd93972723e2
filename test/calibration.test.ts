/**
 * Calibrated figures: each round's figure over the control measured next to
 * its window, times the run's median control. Checked against the document's
 * own numbers, on the mock core, whose controls follow the machine's speed
 * (its drift) and not a window's own luck.
 */
import { describe, expect, it } from 'vitest';
import { CALIBRATION_CONTROL, calibratedFigure, calibratedRounds, medianControl } from '../src/analyze/calibration.js';
import { medianOf, sampleSd } from '../src/analyze/robust.js';
import { scenarioEstimate } from '../src/analyze/modes.js';
import { calibrate } from '../src/document/calibration.js';
import { documentText } from '../src/document/writer.js';
import { validateResultDocument } from '../src/document/validate.js';
import type { ResultDocument } from '../src/document/result.js';
import { modeGroup, runDocument, scenario } from './helpers/fixtures.js';

function relClose(actual: number, expected: number, rel = 1e-12): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

const finite = (xs: ReadonlyArray<number | null>): number[] => xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
const logSd = (xs: readonly number[]): number => sampleSd(xs.map(Math.log));

describe('calibrated rounds (analyze/calibration.ts)', () => {
  it('divides each figure by its round control and multiplies by the scale; a round without a control has none', () => {
    expect(calibratedRounds([100, 200, 300], [2, null, 4], 3)).toEqual([150, null, 225]);
    expect(calibratedRounds([100, 200], [0, Number.NaN], 3)).toEqual([null, null]);
    expect(calibratedRounds([100], [2], Number.NaN)).toEqual([null]);
  });

  it('takes the median of the usable controls only', () => {
    expect(medianControl([3, null, 1, Number.NaN, 0, 2, -1])).toBe(2);
    expect(medianControl([null, 0])).toBeNaN();
  });

  it('estimates over the rounds that have a control, and gives nothing with fewer than two', () => {
    const f = calibratedFigure([100, 200, 300, 400], [1, 1, null, 2], 2);
    expect(f?.rounds).toEqual([200, 400, null, 400]);
    expect(f?.estimate).toBe(scenarioEstimate([200, 400, 400]).estimate);
    expect(calibratedFigure([100, 200], [1, null], 2)).toBeUndefined();
  });
});

describe('calibrated figures in a run document', () => {
  /** Two groups on a machine whose speed drifts a lot between windows, with little noise of each window's own. */
  async function drifting(): Promise<ResultDocument> {
    return runDocument([...modeGroup('msg.pingpong'), ...modeGroup('sem.pingpong')], {
      mock: { model: { window: 0.005, drift: { sd: 0.2, ms: 5 } }, controlNoise: 0.002 },
      budget: { capMs: 30 * 3 * 20, minRounds: 30 },
    });
  }

  it("gives every completed scenario a calibrated twin: round / round's control x the run's median control, positive and finite", async () => {
    const doc = await drifting();
    const controls = doc.scenarios.flatMap((s) => finite(s.controlRounds?.getppid ?? []));
    expect(controls.length).toBeGreaterThan(0);
    expect(doc.analysis.calibration?.control).toBe('getppid');
    expect(CALIBRATION_CONTROL).toBe('getppid');
    const scale = doc.analysis.calibration?.medianRate as number;
    relClose(scale, medianOf(controls));
    relClose(doc.analysis.calibration?.medians.spin as number, medianOf(doc.scenarios.flatMap((s) => finite(s.controlRounds?.spin ?? []))));
    const completed = doc.scenarios.filter((s) => s.state === 'completed');
    expect(completed).toHaveLength(6);
    for (const s of completed) {
      const t = s.throughput!;
      const c = t.calibrated!;
      expect(c.rounds).toHaveLength(t.rounds.length);
      expect(s.controlRounds?.getppid).toHaveLength(t.rounds.length);
      expect(s.controlRounds?.spin).toHaveLength(t.rounds.length);
      t.rounds.forEach((rate, i) => {
        const v = c.rounds[i] as number;
        expect(v).toBeGreaterThan(0);
        relClose(v, (rate / (s.controlRounds?.getppid[i] as number)) * scale);
      });
      relClose(c.estimate, scenarioEstimate(finite(c.rounds)).estimate);
      expect(c.ci[0]).toBeLessThanOrEqual(c.estimate);
      expect(c.ci[1]).toBeGreaterThanOrEqual(c.estimate);
    }
  });

  it('cancels a speed change that slows the control as much as the workload', async () => {
    const doc = await drifting();
    for (const s of doc.scenarios.filter((x) => x.state === 'completed')) {
      const raw = logSd(s.throughput!.rounds);
      const calibrated = logSd(finite(s.throughput!.calibrated!.rounds));
      // The drift moves the raw rounds by about 20 %; what is left is the windows' and the controls' own noise.
      expect(raw).toBeGreaterThan(0.1);
      expect(calibrated).toBeLessThan(raw / 5);
    }
  });

  it('is written as the schema says and made again the same from the written document', async () => {
    const doc = await drifting();
    const text = documentText(doc);
    const read = JSON.parse(text) as ResultDocument;
    expect(validateResultDocument(read)).toEqual([]);
    const again = structuredClone(read);
    calibrate(again);
    expect(again.analysis.calibration).toEqual(read.analysis.calibration);
    expect(again.scenarios.map((s) => s.throughput?.calibrated)).toEqual(read.scenarios.map((s) => s.throughput?.calibrated));
  });

  it('sets no scale from oversubscribed scenarios, and calibrates them with the others', async () => {
    const doc = await runDocument([scenario('msg.pingpong', 'host'), scenario('msg.pingpong', 'host', { workers: 3 })], {
      budget: { capMs: 10 * 20, minRounds: 4 },
    });
    const over = doc.scenarios.find((s) => s.oversubscribed);
    const fits = doc.scenarios.find((s) => !s.oversubscribed);
    expect(over?.throughput?.calibrated).toBeDefined();
    relClose(doc.analysis.calibration?.medianRate as number, medianOf(finite(fits?.controlRounds?.getppid ?? [])));
  });

  it('leaves a document without controls (an earlier version of the tool) without calibrated figures', async () => {
    const doc = await drifting();
    for (const s of doc.scenarios) delete s.controlRounds;
    calibrate(doc);
    expect(doc.analysis.calibration).toBeUndefined();
    for (const s of doc.scenarios) expect(s.throughput?.calibrated).toBeUndefined();
    expect(validateResultDocument(JSON.parse(documentText(doc)))).toEqual([]);
  });
});
