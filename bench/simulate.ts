/**
 * The simulation behind the verdict rule (docs/statistics.md): groups of
 * host, shared and isolated run through the real scheduler and analysis on
 * the mock core, under a noise model of a shared machine, many times over;
 * the rates of false "different" verdicts, interval coverage and power are
 * counted against the truth the mock was given.
 *
 *   npm run simulate -- [--groups 400] [--quiet-machine] [--persistence 0.7]
 *
 * simulate() is also what test/simulation.test.ts runs, with fewer groups.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { InlineExecutor } from '../src/measure/executor.js';
import { createMockCore, FRESH_DEFAULTS, gaussian, NOISY_MACHINE, seededRandom, type NoiseModel } from '../src/measure/mock-core.js';
import type { Comparison } from '../src/document/result.js';
import { groupByComparison } from '../src/measure/scheduler.js';
import { GroupRunner, type GroupOutcome } from '../src/document/group.js';
import { expand, loadSuite, type Budget } from '../src/plan/suite.js';
import type { Core, Mode } from '../src/common/types.js';

/**
 * A speed of each mode's own that persists from round to round: an AR(1)
 * process per mode with lag-1 correlation `phi` and stationary sd `sd` (log
 * scale), stepped at each window of that mode, on top of the machine's
 * noise. Per-round ratios of two such modes are then autocorrelated too,
 * which intervals that take rounds as independent do not allow for.
 */
export interface Persistence {
  phi: number;
  sd: number;
}

export interface SimulationOptions {
  groups: number;
  /** The true effect: isolated is this much faster than shared and host (0 = A/A). */
  effect: number;
  model: NoiseModel;
  budget: Budget;
  /** Comparisons per metric in the simulated run: the Bonferroni family, as in a default run. */
  comparisons: number;
  /** Each mode's own persistent speed (none when absent). */
  persistence?: Persistence;
  seed?: number;
}

export interface SimulationResult {
  groups: number;
  effect: number;
  /** Throughput comparisons made, and how they came out. */
  comparisons: number;
  /** Comparisons whose true ratio is 1 called faster or slower. */
  falseDifferent: number;
  nullComparisons: number;
  /** Comparisons whose true ratio is not 1 called different in the right direction. */
  found: number;
  effectComparisons: number;
  /** Comparisons whose true ratio is 1 called equivalent. */
  equivalent: number;
  /** Intervals that held the true ratio. */
  covered: number;
  /** Mean rounds and measured ms per group; groups that stopped decided. */
  rounds: number;
  measuredMs: number;
  decided: number;
}

/** The true ratio a / b the mock was given: isolated is `effect` faster, shared and host are the same. */
function truth(c: Comparison, effect: number): number {
  const speed = (m: Mode): number => (m === 'isolated' ? 1 + effect : 1);
  return speed(c.a) / speed(c.b);
}

export async function simulate(o: SimulationOptions): Promise<SimulationResult> {
  const out: SimulationResult = {
    groups: o.groups,
    effect: o.effect,
    comparisons: 0,
    falseDifferent: 0,
    nullComparisons: 0,
    found: 0,
    effectComparisons: 0,
    equivalent: 0,
    covered: 0,
    rounds: 0,
    measuredMs: 0,
    decided: 0,
  };
  const seed = o.seed ?? 1;
  for (let g = 0; g < o.groups; g++) {
    const modeFactor: Record<Mode, number> = { host: 1, shared: 1, isolated: 1 / (1 + o.effect) };
    const mock = createMockCore({ seed: seed * 100_003 + g, model: o.model, nsPerOp: { 'msg.pingpong': 10_000 }, modeFactor });
    const core = o.persistence ? persistent(mock, modeFactor, o.persistence, seededRandom(seed * 31 + g)) : mock;
    const { comparisons, summary } = await runMockGroup(core, o.budget, o.comparisons, seededRandom(seed * 7 + g));
    out.rounds += summary.rounds / o.groups;
    out.measuredMs += summary.measuredMs / o.groups;
    if (summary.stop === 'decided') out.decided++;
    for (const c of comparisons.filter((x) => x.metric === 'throughput')) {
      const t = truth(c, o.effect);
      out.comparisons++;
      if (c.ci[0] <= t && t <= c.ci[1]) out.covered++;
      if (t === 1) {
        out.nullComparisons++;
        if (c.verdict === 'faster' || c.verdict === 'slower') out.falseDifferent++;
        if (c.verdict === 'equivalent') out.equivalent++;
      } else {
        out.effectComparisons++;
        if (c.verdict === (t > 1 ? 'faster' : 'slower')) out.found++;
      }
    }
  }
  return out;
}

/**
 * The mock with each mode's persistent speed: before each window of a mode,
 * its AR(1) state takes one step and scales the cost per op the mock reads
 * for that mode (the mock reads `modeFactor` at every window), so rates and
 * latencies both carry it.
 */
function persistent(mock: Core, modeFactor: Record<Mode, number>, p: Persistence, random: () => number): Core {
  const truth = { ...modeFactor };
  const state: Record<Mode, number> = { host: 0, shared: 0, isolated: 0 };
  for (const m of Object.keys(state) as Mode[]) state[m] = p.sd * gaussian(random);
  const innovation = p.sd * Math.sqrt(1 - p.phi * p.phi);
  return {
    ...mock,
    run(spec) {
      state[spec.mode] = p.phi * state[spec.mode] + innovation * gaussian(random);
      modeFactor[spec.mode] = truth[spec.mode] * Math.exp(-state[spec.mode]);
      return mock.run(spec);
    },
  };
}

/**
 * One group of msg.pingpong in host, shared and isolated, through the real
 * scheduler and analysis on a mock core, in a run whose family is
 * `comparisons` per metric.
 */
export async function runMockGroup(core: Core, budget: Budget, comparisons: number, random: () => number): Promise<GroupOutcome> {
  let wall = 0;
  const runner = new GroupRunner(
    {
      executor: new InlineExecutor(core),
      cpus: [0, 1],
      route: 'privileged',
      limits: () => Promise.resolve({ host: { ...FRESH_DEFAULTS, nsInode: 4026531839 }, fresh: FRESH_DEFAULTS }),
      nowNs: () => core.nowNs(),
      wallMs: () => (wall += 1),
      random,
      plan: { alphaRun: 0.05, comparisons: { throughput: comparisons, 'latency-p50': comparisons, 'latency-p99': comparisons } },
    },
    budget,
  );
  const scenarios = expand({
    name: 'sim',
    description: '',
    budget,
    matrix: [{ workload: ['msg.pingpong'], mode: ['host', 'shared', 'isolated'], workers: [1], placement: ['same-cpu'] }],
  });
  const [group] = groupByComparison(scenarios);
  if (!group) throw new Error('no group');
  return runner.runGroup(group);
}

/** The default suite's budget, and its comparisons per metric. */
export function defaultPlan(): { budget: Budget; comparisons: number } {
  const suite = loadSuite('default');
  const groups = groupByComparison(expand(suite));
  const comparisons = groups.reduce((a, g) => a + (new Set(g.map((s) => s.mode)).size * (new Set(g.map((s) => s.mode)).size - 1)) / 2, 0);
  return { budget: suite.budget, comparisons };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      groups: { type: 'string', default: '400' },
      'quiet-machine': { type: 'boolean', default: false },
      persistence: { type: 'string', default: '0' },
      'persistence-sd': { type: 'string', default: '0.05' },
      effects: { type: 'string', default: '0,0.05,0.1,0.2' },
      seed: { type: 'string', default: '1' },
      family: { type: 'string' },
    },
  });
  const groups = Number(values.groups);
  const phi = Number(values.persistence);
  const sd = Number(values['persistence-sd']);
  const seed = Number(values.seed);
  const effects = values.effects.split(',').map(Number);
  for (const [name, x, ok] of [
    ['--groups', groups, Number.isInteger(groups) && groups >= 1],
    ['--persistence', phi, phi >= 0 && phi < 1],
    ['--persistence-sd', sd, sd >= 0 && sd <= 1],
    ['--seed', seed, Number.isInteger(seed) && seed >= 0],
    ['--effects', values.effects, effects.length > 0 && effects.every((e) => e >= 0 && e <= 10)],
  ] as const) {
    if (!ok) {
      console.error(
        `simulate: ${name} ${String(x)} is out of range: --groups a whole number >= 1, --persistence 0 <= phi < 1, --persistence-sd 0..1, --seed a whole number >= 0, --effects fractions 0..10, comma-separated`,
      );
      process.exit(2);
    }
  }
  const plan = defaultPlan();
  const { budget } = plan;
  const comparisons = values.family === undefined ? plan.comparisons : Number(values.family);
  if (!(Number.isInteger(comparisons) && comparisons >= 1)) {
    console.error(
      `simulate: --family ${values.family} is out of range: give a whole number of comparisons per metric >= 1 (default: the default suite's ${plan.comparisons})`,
    );
    process.exit(2);
  }
  const model: NoiseModel = values['quiet-machine'] ? { window: 0.02, drift: { sd: 0.01, ms: 300 }, sub: 0.01 } : NOISY_MACHINE;
  const persistence = phi > 0 ? { phi, sd } : undefined;
  const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
  console.log(
    `${groups} groups (host, shared, isolated) per effect; the default suite's budget (cap ${budget.capMs} ms of measured windows, margin ${budget.margin * 100} %) and family (${comparisons} comparisons per metric); noise ${JSON.stringify(model)}${persistence ? `; each mode's own AR(1) speed ${JSON.stringify(persistence)}` : ''}; seed ${seed}`,
  );
  console.log(
    '| true effect | comparisons | false "different" | equivalent (of ratio-1 pairs) | power (found, right direction) | coverage | rounds per group | measured ms per group | groups decided |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const effect of effects) {
    const r = await simulate({ groups, effect, model, budget, comparisons, seed, ...(persistence ? { persistence } : {}) });
    console.log(
      `| ${effect === 0 ? 'none (A/A)' : `isolated ${effect * 100} % faster`} | ${r.comparisons} | ${r.falseDifferent} = ${pct(r.falseDifferent / Math.max(1, r.nullComparisons))} | ${pct(r.equivalent / Math.max(1, r.nullComparisons))} | ${r.effectComparisons ? pct(r.found / r.effectComparisons) : '—'} | ${pct(r.covered / r.comparisons)} | ${r.rounds.toFixed(1)} | ${r.measuredMs.toFixed(0)} | ${pct(r.decided / r.groups)} |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
