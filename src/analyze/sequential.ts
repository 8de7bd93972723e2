/**
 * The group's stopping rule: a sequential design over its mode comparisons.
 * The group looks at rounds 10, 15, 23, ... (a geometric schedule) and stops
 * at the first look where every comparison of the stopping metrics is
 * conclusive (and, when asked, every scenario's own interval is within the
 * precision target). Each look spends part of the run's error rate (alpha
 * spending over the looks the cap allows), so stopping early keeps the error
 * rates. docs/statistics.md has the derivation and the simulation behind it.
 */
import type { ModeRecord, StoppingRule } from '../measure/scheduler.js';
import { compareModes, decided, missingComparisons, scenarioEstimate, type ModeComparison, type ModeSeries, type Pairing } from './modes.js';
import { AlphaSpending, lookSchedule, METRICS, type Metric } from './verdict.js';

/** How many comparisons of each metric the whole run makes: the family its intervals' level is shared over. */
export interface RunPlan {
  alphaRun: number;
  comparisons: Record<Metric, number>;
}

/** The growth of the look schedule from one look to the next. */
const LOOK_RATIO = 1.5;

export interface SequentialOptions {
  plan: RunPlan;
  /** The first look, in rounds. */
  minRounds: number;
  /** Practical margin of the verdicts, a fraction. */
  margin: number;
  /** Also sample until each scenario's own interval is within ± this fraction (0 = no such target). */
  precision: number;
}

export class SequentialRule implements StoppingRule {
  private spending = new Map<Metric, AlphaSpending>();
  private last: ModeComparison[] = [];
  private missing: Pairing[] = [];

  constructor(private readonly o: SequentialOptions) {}

  begin(maxRounds: number): number[] {
    const looks = lookSchedule(Math.min(this.o.minRounds, maxRounds), LOOK_RATIO, maxRounds);
    this.spending = new Map(METRICS.map((metric) => [metric, new AlphaSpending(this.o.plan.alphaRun, this.o.plan.comparisons[metric], looks)]));
    this.last = [];
    this.missing = [];
    return looks;
  }

  look(live: readonly ModeRecord[], round: number): { done: boolean; undecided: number } {
    const series: ModeSeries[] = live.map((r) => ({
      mode: r.scenario.mode,
      scenario: r.scenario.id,
      values: {
        throughput: r.rounds.map((x) => x.rate),
        'latency-p50': r.rounds.map((x) => x.p50),
        'latency-p99': r.rounds.map((x) => x.p99),
      },
    }));
    this.last = METRICS.flatMap((metric) => compareModes(series, this.spending.get(metric)?.look(round) ?? 0, this.o.margin, [metric]));
    this.missing = missingComparisons(series, this.last);
    const precise = this.o.precision <= 0 || live.every((r) => scenarioEstimate(r.rounds.map((x) => x.rate)).halfWidth <= this.o.precision);
    const inconclusive = this.last.filter((c) => c.verdict === 'inconclusive').length;
    return { done: decided(this.last, this.missing) && precise, undecided: inconclusive + this.missing.length };
  }

  /** Comparisons of the stopping metrics the last look should have made and could not (a mode without figures). */
  uncompared(): Pairing[] {
    return [...this.missing];
  }

  /** The comparisons of the last look, between scenarios that did not fail. */
  comparisons(records: readonly ModeRecord[]): ModeComparison[] {
    const ok = new Set(records.filter((r) => !r.failure).map((r) => r.scenario.id));
    return this.last.filter((c) => ok.has(c.scenarioA) && ok.has(c.scenarioB));
  }
}
