/**
 * The simulation behind the verdict rule (docs/statistics.md): groups of
 * host, shared and isolated run through the real scheduler and analysis on
 * the mock core, under a noise model of a shared machine, many times over;
 * the rates of false "different" verdicts, interval coverage and power are
 * counted against the truth the mock was given.
 *
 *   npm run simulate -- [--groups 400] [--effect 0.10] [--quiet-machine]
 *
 * simulate() is also what test/simulation.test.ts runs, with fewer groups.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { InlineExecutor } from '../src/measure/executor.js';
import { createMockCore, FRESH_DEFAULTS, NOISY_MACHINE, seededRandom, type NoiseModel } from '../src/measure/mock-core.js';
import type { Comparison } from '../src/document/result.js';
import { groupByComparison } from '../src/measure/scheduler.js';
import { GroupRunner } from '../src/document/group.js';
import { expand, loadSuite, type Budget } from '../src/plan/suite.js';
import type { Mode } from '../src/common/types.js';

export interface SimulationOptions {
  groups: number;
  /** The true effect: isolated is this much faster than shared and host (0 = A/A). */
  effect: number;
  model: NoiseModel;
  budget: Budget;
  /** Comparisons per metric in the simulated run: the Bonferroni family, as in a default run. */
  comparisons: number;
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
    const core = createMockCore({
      seed: seed * 100_003 + g,
      model: o.model,
      nsPerOp: { 'msg.pingpong': 10_000 },
      modeFactor: { isolated: 1 / (1 + o.effect) },
    });
    const executor = new InlineExecutor(core);
    let wall = 0;
    const scheduler = new GroupRunner(
      {
        executor,
        cpus: [0, 1],
        route: 'privileged',
        limits: () => Promise.resolve({ host: { ...FRESH_DEFAULTS, nsInode: 4026531839 }, fresh: FRESH_DEFAULTS }),
        nowNs: () => core.nowNs(),
        wallMs: () => (wall += 1),
        random: seededRandom(seed * 7 + g),
        plan: { alphaRun: 0.05, comparisons: { throughput: o.comparisons, 'latency-p50': o.comparisons, 'latency-p99': o.comparisons } },
      },
      o.budget,
    );
    const scenarios = expand({
      name: 'sim',
      description: '',
      budget: o.budget,
      matrix: [{ workload: ['msg.pingpong'], mode: ['host', 'shared', 'isolated'], workers: [1], placement: ['same-cpu'] }],
    });
    const [group] = groupByComparison(scenarios);
    if (!group) throw new Error('no group');
    const { comparisons, summary } = await scheduler.runGroup(group);
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

/** The default suite's budget, and its comparisons per metric. */
export function defaultPlan(): { budget: Budget; comparisons: number } {
  const suite = loadSuite('default');
  const groups = groupByComparison(expand(suite));
  const comparisons = groups.reduce((a, g) => a + (new Set(g.map((s) => s.mode)).size * (new Set(g.map((s) => s.mode)).size - 1)) / 2, 0);
  return { budget: suite.budget, comparisons };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { groups: { type: 'string', default: '400' }, 'quiet-machine': { type: 'boolean', default: false } } });
  const groups = Number(values.groups);
  const { budget, comparisons } = defaultPlan();
  const model: NoiseModel = values['quiet-machine'] ? { window: 0.02, drift: { sd: 0.01, ms: 300 }, sub: 0.01 } : NOISY_MACHINE;
  const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
  console.log(
    `${groups} groups (host, shared, isolated) per effect; the default suite's budget (cap ${budget.capMs} ms of measured windows, margin ${budget.margin * 100} %) and family (${comparisons} comparisons per metric); noise ${JSON.stringify(model)}`,
  );
  console.log(
    '| true effect | comparisons | false "different" | equivalent (of ratio-1 pairs) | power (found, right direction) | coverage | rounds per group | measured ms per group | groups decided |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const effect of [0, 0.05, 0.1, 0.2]) {
    const r = await simulate({ groups, effect, model, budget, comparisons });
    console.log(
      `| ${effect === 0 ? 'none (A/A)' : `isolated ${effect * 100} % faster`} | ${r.comparisons} | ${pct(r.falseDifferent / Math.max(1, r.nullComparisons))} | ${pct(r.equivalent / Math.max(1, r.nullComparisons))} | ${r.effectComparisons ? pct(r.found / r.effectComparisons) : '—'} | ${pct(r.covered / r.comparisons)} | ${r.rounds.toFixed(1)} | ${r.measuredMs.toFixed(0)} | ${pct(r.decided / r.groups)} |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
