/**
 * The degrees of freedom of the noise between runs in `compare`: a runner's
 * shift moves every scenario of a run together, so k baselines give k - 1
 * degrees of freedom however many scenarios they share; and a --run-noise
 * carries the degrees of freedom of the series that measured it, not an
 * unlimited number. Runs are built by hand (flat rounds: no within-run
 * noise), so each interval can be checked against its formula.
 */
import { describe, expect, it } from 'vitest';
import { betweenRunVariance, compareRuns, RUN_NOISE_DF, type RunFigures, type ScenarioFigures } from '../src/analyze/baseline.js';
import { compareFleet, type FleetRunFigures } from '../src/analyze/fleet.js';
import { studentTQuantile } from '../src/analyze/student-t.js';
import { parseRunNoise } from '../src/commands/compare.js';
import { UsageError } from '../src/common/errors.js';

const ENV = { kernel: 'k', cpuModel: 'c', cpuCount: 2, usableCpus: [0, 1], route: 'privileged', clocksource: 'tsc' };

function scenario(id: string, rate: number): ScenarioFigures {
  return {
    id,
    workload: 'msg.pingpong',
    params: {},
    mode: 'host',
    workers: 1,
    placement: 'same-cpu',
    sysctls: {},
    state: 'completed',
    oversubscribed: false,
    throughput: { estimate: rate, rounds: Array.from({ length: 10 }, () => rate) },
  };
}

/** A run whose scenarios all run at `shift` times their own level: a whole-run shift. */
function run(shift: number, scenarios = 12): RunFigures & FleetRunFigures {
  return {
    startedAt: '2024-01-01T00:00:00.000Z',
    complete: true,
    tool: { version: '0.1.0' },
    command: { suite: 'ci' },
    env: { ...ENV, uid: 0, arch: 'x64' },
    scenarios: Array.from({ length: scenarios }, (_, i) => scenario(`s${i}`, (1000 + 100 * i) * shift)),
    comparisons: [],
    noise: null,
  };
}

const halfWidth = (ci: [number, number] | null): number => {
  if (!ci) throw new Error('no interval');
  return Math.log(ci[1] / ci[0]) / 2;
};

describe('between-run variance from several baselines', () => {
  it('has one degree of freedom fewer than the baselines, however many scenarios share them', () => {
    const flat = (x: number): number[] => Array.from({ length: 10 }, () => x);
    const d = 0.04;
    const per = (scenarios: number) => Array.from({ length: scenarios }, (_, i) => [flat(i + d), flat(i), flat(i - d)]);
    expect(betweenRunVariance(per(1))?.df).toBe(2);
    expect(betweenRunVariance(per(12))?.df).toBe(2);
    expect(betweenRunVariance(per(12))?.tau2).toBeCloseTo(d * d, 12);
    // A scenario five baselines hold: the runs count.
    expect(
      betweenRunVariance([
        [flat(0), flat(1), flat(2), flat(3), flat(4)],
        [flat(0), flat(1)],
      ])?.df,
    ).toBe(4);
  });

  it('its interval uses those degrees of freedom: 3 shifted baselines of 12 scenarios, no noise within the runs', () => {
    const d = 0.04;
    const bases = [run(Math.exp(d)), run(1), run(Math.exp(-d))];
    const r = compareRuns(bases, run(1), { metric: 'throughput', threshold: 0.05, basePaths: ['a', 'b', 'c'], currentPath: 'cur' });
    expect(r.betweenRun?.df).toBe(2);
    expect(r.method).toContain('2 degrees of freedom');
    // Only the shifts vary: the current run's own and the mean of the 3 baselines'.
    const sd = Math.sqrt(d * d * (1 + 1 / 3));
    const q = studentTQuantile(1 - r.alpha / 12 / 2, 2);
    for (const row of r.rows) expect(halfWidth(row.ci)).toBeCloseTo(q * sd, 9);
    // Not a stub: with so few runs, a 10 % shift of the current run is not called a regression.
    expect(compareRuns(bases, run(0.9), { metric: 'throughput', threshold: 0.05, basePaths: ['a', 'b', 'c'], currentPath: 'cur' }).regressed).toBe(0);
  });
});

describe('--run-noise P%:DF', () => {
  it('reads the spread and its degrees of freedom, by default those of a 12-run series', () => {
    expect(parseRunNoise('3%:11')).toEqual({ noise: 0.03, df: 11 });
    expect(parseRunNoise('2.5:2')).toEqual({ noise: 0.025, df: 2 });
    expect(parseRunNoise('3%')).toEqual({ noise: 0.03, df: RUN_NOISE_DF });
    expect(RUN_NOISE_DF).toBe(11);
    expect(parseRunNoise('0')).toEqual({ noise: 0, df: RUN_NOISE_DF });
  });

  it.each([
    ['3%:0', /^--run-noise 0: must be at least 1 \(its degrees of freedom after the colon/],
    ['3%:x', /^--run-noise "x": not a whole number; give its degrees of freedom after the colon/],
    ['3%:2:1', /^--run-noise "3%:2:1": give P% or P%:DF, e\.g\. --run-noise 3%:11$/],
    ['80%:5', /^--run-noise/],
  ])('refuses %s', (text, message) => {
    expect(() => parseRunNoise(text)).toThrow(UsageError);
    expect(() => parseRunNoise(text)).toThrow(message);
  });

  it('is taken with its degrees of freedom: 2 give a wider interval than 1000, by the ratio of the t quantiles', () => {
    const runs = [
      { label: 'a', doc: run(1, 1) },
      { label: 'b', doc: run(1.02, 1) },
    ];
    const options = { reference: 'a', metric: 'throughput' as const, threshold: 0.05, runNoise: 0.05 };
    const few = compareFleet(runs, { ...options, runNoiseDf: 2 });
    const many = compareFleet(runs, { ...options, runNoiseDf: 1000 });
    expect(few.runNoiseDf).toBe(2);
    expect(few.method).toContain('with 2 degrees of freedom');
    const ci = (f: typeof few): [number, number] | null => f.scenarios[0]?.cells[0]?.ci as [number, number] | null;
    const level = 1 - few.alpha / 2;
    expect(halfWidth(ci(few)) / halfWidth(ci(many))).toBeCloseTo(studentTQuantile(level, 2) / studentTQuantile(level, 1000), 6);
    // Without a stated number: RUN_NOISE_DF.
    expect(compareFleet(runs, options).runNoiseDf).toBe(RUN_NOISE_DF);
    expect(compareFleet(runs, { ...options, runNoise: 0 }).runNoiseDf).toBeNull();
  });
});
