/**
 * The machine's noise as this run measured it: how much the per-round
 * ratios between modes scattered, and the smallest difference the run's
 * intervals could resolve. Shown in the header line and kept in the
 * document, with advice when it is high (as pyperf warns of an unstable
 * system).
 */
import { medianOf } from './robust.js';

export interface NoiseFigure {
  /** Median over throughput comparisons of the round-to-round spread (MAD-sd) of the log-ratios, as a fraction. */
  roundNoise: number;
  /** Median over throughput comparisons of the interval's half-width, as a fraction (0.02 = ±2 %). */
  resolution: number;
  comparisons: number;
  inconclusive: number;
  high: boolean;
  advice: string;
}

/** Round-to-round noise above this is high: on a quiet machine it is 2-6 % (docs/noise-study.md). */
export const HIGH_ROUND_NOISE = 0.1;

/** A comparison as the noise figure reads it, from memory or from a document (where NaN was written null). */
interface Judged {
  metric: string;
  ci: readonly [number | null, number | null];
  noise: number | null;
  verdict: string;
}

export function noiseFigure(comparisons: readonly Judged[], margin: number, capMs: number): NoiseFigure | null {
  const t = comparisons.filter((c) => c.metric === 'throughput' && Number.isFinite(c.noise ?? NaN));
  if (t.length === 0) return null;
  const roundNoise = Math.expm1(medianOf(t.map((c) => c.noise ?? NaN)));
  const halfWidths = t.flatMap((c) => {
    const [lo, hi] = c.ci;
    return lo !== null && hi !== null && lo > 0 && Number.isFinite(hi) ? [Math.log(hi / lo) / 2] : [];
  });
  const resolution = halfWidths.length > 0 ? Math.expm1(medianOf(halfWidths)) : NaN;
  const inconclusive = t.filter((c) => c.verdict === 'inconclusive').length;
  const noisy = roundNoise > HIGH_ROUND_NOISE;
  const high = noisy || !(resolution <= margin) || inconclusive > t.length / 4;
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const measured = `the modes' per-round ratios scatter by ${pct(roundNoise)}, and the run resolves differences of ±${pct(resolution)}`;
  const undecided = `${inconclusive} of ${t.length} throughput comparisons stayed inconclusive`;
  const advice = !high
    ? `${measured}`
    : noisy
      ? `this machine is noisy: ${measured}; ${undecided}. Stop other work on it (or move to a quieter one), let each group sample longer with --time T (now ${capMs} ms of measured windows per group), or accept a wider --margin`
      : `the groups stopped at their cap before they could decide: ${measured}; ${undecided}. Let each group sample longer with --time T (now ${capMs} ms of measured windows per group)`;
  return { roundNoise, resolution, comparisons: t.length, inconclusive, high, advice };
}
