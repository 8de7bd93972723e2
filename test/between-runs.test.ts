/**
 * The between-run study's analysis (bench/between-runs.ts), on series made
 * from one mock-core document (test/helpers/history.ts) whose spread
 * between runs is known: the spreads it reports, the A/A alarm rates of
 * compare and history over the judgements it should make, the injected
 * slowdown history must flag, and `--analyse DIR` as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectedMarkdown, injectSlower, MIN_HISTORY, study, studyMarkdown } from '../bench/between-runs.js';
import type { HistoryInput } from '../src/analyze/history.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { runDocument } from './helpers/fixtures.js';
import { series, writeSeries } from './helpers/history.js';

const SCENARIOS = expand(loadSuite('ci'));
const SLOW = SCENARIOS[4]?.id as string;
let base: ResultDocument;
let dir: string;

beforeAll(async () => {
  base = await runDocument(SCENARIOS, { seed: 7, mock: { noise: 0.02 }, budget: { capMs: 4000, windowMs: 10, precision: 0.02 } });
  dir = mkdtempSync(join(tmpdir(), 'ipcns-between-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const inputs = (docs: readonly ResultDocument[]): HistoryInput[] => docs.map((doc, i) => ({ file: `run-${i}.json`, doc }));

describe('the between-run study', () => {
  it("reports each scenario's spread between runs, and how much of it the run's shared shift is", () => {
    // Runs of a version without controls: no calibrated column.
    const uncalibrated = (_r: number, doc: ResultDocument): void => {
      for (const s of doc.scenarios) if (s.throughput) delete s.throughput.calibrated;
      if (doc.analysis) delete doc.analysis.calibration;
    };
    const r = study(inputs(series(base, { runs: 10, seed: 3, shift: 0.04, noise: 0.004, edit: uncalibrated })));
    expect(r.runs).toBe(10);
    expect(r.calibrated).toBe(false);
    expect(r.spreads.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
    for (const s of r.spreads) {
      // The runs shift by 4 %, each scenario by 0.4 % of its own: the spread is the shift's, and cancels relative to the others.
      expect(s.raw, s.id).toBeGreaterThan(0.02);
      expect(s.raw, s.id).toBeLessThan(0.07);
      expect(s.relative, s.id).toBeLessThan(0.01);
      // CPU time per op moved with throughput (the series scales both).
      expect(s.cpu, s.id).toBeCloseTo(s.raw as number, 9);
      expect(s.calibrated).toBeNull();
    }
  });

  it('judges compare with 1, 3 and 5 baselines on every run that has them, and history on every prefix of at least 6 runs', () => {
    const r = study(inputs(series(base, { runs: 10, seed: 4, shift: 0.01, noise: 0.004 })));
    const count = (method: string, metric: string): number => r.alarms.find((a) => a.method === method && a.metric === metric)?.evaluations ?? -1;
    expect(count('compare, 1 baseline', 'throughput')).toBe(9);
    expect(count('compare, 3 baselines', 'throughput')).toBe(7);
    expect(count('compare, 5 baselines', 'cpu-per-op')).toBe(5);
    expect(count('history', 'throughput')).toBe(10 - MIN_HISTORY + 1);
    expect(count('history --relative --strict', 'cpu-per-op')).toBe(10 - MIN_HISTORY + 1);
    // A steady series: history raises no alarm.
    expect(r.alarms.filter((a) => a.method.startsWith('history') && !a.method.endsWith('--strict')).every((a) => a.alarms === 0)).toBe(true);
    const md = studyMarkdown(r);
    expect(md).toContain('### Between runs: 10 runs');
    expect(md).toContain('| scenario | raw throughput | calibrated | CPU time per op | relative |');
    expect(md).toMatch(/\| compare, 3 baselines \| throughput \| 7 \| \d+ \| \d+\.\d\d % \|/);
  });

  it('a scenario made 10 % slower in the newest 3 runs is flagged at the right run', () => {
    const runs = inputs(series(base, { runs: 12, seed: 5, shift: 0.01, noise: 0.004 }));
    const slower = injectSlower(runs, SLOW, 0.9, 3);
    expect(slower[8]?.doc).toBe(runs[8]?.doc);
    const s = slower[9]?.doc.scenarios.find((x) => x.id === SLOW);
    const was = runs[9]?.doc.scenarios.find((x) => x.id === SLOW);
    expect(s?.throughput?.rounds[0]).toBeCloseTo((was?.throughput?.rounds[0] ?? 0) * 0.9, 6);
    const md = injectedMarkdown(slower, SLOW, 3);
    expect(md).toMatch(/\| throughput \| absolute \| regressed \| run 10 of 12: -(9|10)\.\d % \| 0 \|/);
    expect(md).toMatch(/\| cpu-per-op \| relative \| regressed \| run 10 of 12: \+1[01]\.\d % \| 0 \|/);
    expect(() => injectSlower(runs, 'nope', 0.9, 3)).toThrow(/--inject nope: not a scenario/);
  });

  it('--analyse DIR prints the tables without running anything', () => {
    const folder = join(dir, 'series');
    writeSeries(folder, series(base, { runs: 7, seed: 6 }));
    const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'dist', 'bench', 'between-runs.js'), '--analyse', folder], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('### Between runs: 7 runs');
    expect(r.stdout).toContain('| history | throughput | 2 | 0 | 0.00 % |');
  });
});
