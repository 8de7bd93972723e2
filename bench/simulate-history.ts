/**
 * The history gate by simulation (ipcns-bench history): histories of runs
 * of a suite's scenarios, each run shifted as a whole (a runner's moment,
 * drawn from N(0, shift) in log space, the same for every scenario of the
 * run) plus each scenario's own noise (N(0, noise)), run through the real
 * analysis (src/analyze/history.ts).
 *
 * - A/A: nothing changes. The share of histories whose newest-run gate
 *   fails (exit 1), that --strict fails, and that hold any change point.
 * - Power: one scenario gets `step` worse from a run drawn at random (with
 *   at least 6 runs before it and `within` runs after it). It is flagged
 *   when the gate, run on the history up to each of the `within` runs from
 *   the step on, calls that scenario regressed; the change point must name
 *   the step's run.
 *
 *   npm run simulate-history -- [--histories 1000] [--runs 30] [--scenarios 12] [--shift 0.03,0.06] [--noise 0.01]
 *                               [--step 0.10] [--confirm 3] [--relative] [--seed 1]
 *
 * simulateHistories() is also what test/history-simulation.test.ts runs, smaller.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { analyseHistory, DEFAULT_CONFIRM, DEFAULT_MIN_SIZE, DEFAULT_SEED, HISTORY_ALPHA, type HistoryInput } from '../src/analyze/history.js';
import { DEFAULT_THRESHOLD } from '../src/analyze/baseline.js';
import { gaussian, seededRandom } from '../src/measure/mock-core.js';

export interface HistorySimulationOptions {
  histories: number;
  runs: number;
  scenarios: number;
  /** sd of the whole-run shift, log scale (0.03 ~ 3 %). */
  shift: number;
  /** sd of each scenario's own noise per run, log scale. */
  noise: number;
  /** The change in the power histories: the stepped scenario gets this much worse (0.10: 10 % fewer ops/s). */
  step: number;
  /** Runs from the step on within which it must be flagged. */
  within: number;
  confirm: number;
  relative: boolean;
  threshold: number;
  alpha: number;
  seed: number;
}

export interface HistorySimulationResult {
  histories: number;
  /** A/A: histories whose gate failed, that --strict failed, that held any change point. */
  alarms: number;
  strictAlarms: number;
  anyChangePoint: number;
  /** Power: histories whose stepped scenario was called regressed within `within` runs, at the step's run. */
  flagged: number;
  /** Of those, the runs from the step on (1 = the step's own run) it took, summed. */
  runsToFlag: number;
  /** Power histories whose gate failed on another scenario too. */
  otherAlarms: number;
}

export const SIMULATION_DEFAULTS: HistorySimulationOptions = {
  histories: 1000,
  runs: 30,
  scenarios: 12,
  shift: 0.03,
  noise: 0.01,
  step: 0.1,
  within: 3,
  confirm: DEFAULT_CONFIRM,
  relative: false,
  threshold: DEFAULT_THRESHOLD,
  alpha: HISTORY_ALPHA,
  seed: DEFAULT_SEED,
};

/** The fewest runs before the step: a history needs a level to move from. */
const BEFORE_STEP = 6;

/** A run as the analysis reads it: throughput estimates only. */
function runOf(i: number, values: readonly number[]): HistoryInput {
  return {
    file: `run-${i}.json`,
    doc: {
      startedAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      complete: true,
      tool: { version: '0' },
      command: { suite: 'ci' },
      env: { kernel: 'k', cpuModel: 'c', cpuCount: 2, usableCpus: [0, 1], route: 'privileged', clocksource: 'tsc' },
      scenarios: values.map((v, j) => ({
        id: `s${j}`,
        workload: 'w',
        params: {},
        mode: 'host',
        workers: 1,
        placement: 'same-cpu',
        sysctls: {},
        state: 'completed',
        oversubscribed: false,
        throughput: { estimate: v, rounds: [v] },
      })),
    },
  };
}

/** `runs` runs of `scenarios` scenarios; scenario `stepped` from run `at` on is `factor` times as fast. */
function history(o: HistorySimulationOptions, rand: () => number, stepped = -1, at = Infinity, factor = 1): HistoryInput[] {
  const levels = Array.from({ length: o.scenarios }, (_, j) => Math.log(1000 * (j + 1)));
  return Array.from({ length: o.runs }, (_, r) => {
    const shift = o.shift * gaussian(rand);
    return runOf(
      r,
      levels.map((l, j) => Math.exp(l + shift + o.noise * gaussian(rand)) * (j === stepped && r >= at ? factor : 1)),
    );
  });
}

export function simulateHistories(o: HistorySimulationOptions): HistorySimulationResult {
  const out: HistorySimulationResult = { histories: o.histories, alarms: 0, strictAlarms: 0, anyChangePoint: 0, flagged: 0, runsToFlag: 0, otherAlarms: 0 };
  const options = {
    metric: 'throughput' as const,
    threshold: o.threshold,
    alpha: o.alpha,
    confirm: o.confirm,
    minSize: DEFAULT_MIN_SIZE,
    seed: o.seed,
    relative: o.relative,
    order: 'time' as const,
  };
  for (let h = 0; h < o.histories; h++) {
    const rand = seededRandom(o.seed * 1_000_003 + h);
    const aa = analyseHistory(history(o, rand), options);
    if (aa.regressed > 0) out.alarms++;
    if (aa.regressed + aa.suspected > 0) out.strictAlarms++;
    if (aa.rows.some((r) => r.changePoints.length > 0)) out.anyChangePoint++;

    const stepped = Math.floor(rand() * o.scenarios);
    const at = BEFORE_STEP + Math.floor(rand() * (o.runs - o.within - BEFORE_STEP + 1));
    const full = history(o, rand, stepped, at, 1 - o.step);
    for (let j = 1; j <= o.within; j++) {
      const r = analyseHistory(full.slice(0, at + j), options);
      const row = r.rows[stepped];
      if (row?.verdict === 'regressed' && row.changePoints.at(-1)?.index === at) {
        out.flagged++;
        out.runsToFlag += j;
        if (r.regressed > 1) out.otherAlarms++;
        break;
      }
    }
  }
  return out;
}

const pct = (x: number, of: number): string => `${((100 * x) / Math.max(1, of)).toFixed(2)} %`;

function main(): void {
  const { values: v } = parseArgs({
    options: {
      histories: { type: 'string', default: String(SIMULATION_DEFAULTS.histories) },
      runs: { type: 'string', default: String(SIMULATION_DEFAULTS.runs) },
      scenarios: { type: 'string', default: String(SIMULATION_DEFAULTS.scenarios) },
      shift: { type: 'string', default: '0.03,0.06' },
      noise: { type: 'string', default: String(SIMULATION_DEFAULTS.noise) },
      step: { type: 'string', default: String(SIMULATION_DEFAULTS.step) },
      within: { type: 'string', default: String(SIMULATION_DEFAULTS.within) },
      confirm: { type: 'string', default: String(SIMULATION_DEFAULTS.confirm) },
      relative: { type: 'boolean', default: false },
      both: { type: 'boolean', default: false },
      seed: { type: 'string', default: String(SIMULATION_DEFAULTS.seed) },
    },
  });
  const base: HistorySimulationOptions = {
    ...SIMULATION_DEFAULTS,
    histories: Number(v.histories),
    runs: Number(v.runs),
    scenarios: Number(v.scenarios),
    noise: Number(v.noise),
    step: Number(v.step),
    within: Number(v.within),
    confirm: Number(v.confirm),
    seed: Number(v.seed),
  };
  console.log(
    `${base.histories} histories of ${base.runs} runs of ${base.scenarios} scenarios per row; each scenario's own noise ${base.noise * 100} % (sd, log scale); ` +
      `power: one scenario ${base.step * 100} % worse from a random run (at least ${BEFORE_STEP} before it), flagged within ${base.within} runs from it, at its run; ` +
      `threshold ${base.threshold * 100} %, alpha ${base.alpha}, confirm ${base.confirm}, seed ${base.seed}`,
  );
  console.log(
    '| run-level shift (sd) | mode | A/A: gate fails | A/A: --strict fails | A/A: any change point | power: flagged | runs to flag (mean) | power: another scenario alarmed too |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  const modes = v.both ? [false, true] : [v.relative];
  for (const shift of String(v.shift).split(',').map(Number)) {
    for (const relative of modes) {
      const r = simulateHistories({ ...base, shift, relative });
      console.log(
        `| ${(shift * 100).toFixed(1)} % | ${relative ? 'relative' : 'absolute'} | ${pct(r.alarms, r.histories)} | ${pct(r.strictAlarms, r.histories)} | ${pct(r.anyChangePoint, r.histories)} | ${pct(r.flagged, r.histories)} | ${r.flagged ? (r.runsToFlag / r.flagged).toFixed(2) : '—'} | ${pct(r.otherAlarms, r.histories)} |`,
      );
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
