/**
 * Descriptive statistics of a scenario's per-round rates, from tinybench:
 * each round is one sample whose overriddenDuration is the time of one op at
 * that rate.
 */
import { Bench } from 'tinybench';

export interface RateStats {
  unit: 'ops/s';
  mean: number;
  median: number;
  sd: number;
  rme: number;
  ci95: [number, number];
  samples: number;
}

export async function describeRates(name: string, rates: readonly number[]): Promise<RateStats> {
  const bench = new Bench({ iterations: rates.length, time: 0, warmup: false, retainSamples: true, throws: true });
  let next = 0;
  // Declared async: tinybench then skips the extra call it makes to detect a sync
  // function returning a promise, which would consume one round unmeasured.
  bench.add(name, async () => {
    const rate = rates[next++];
    if (rate === undefined) throw new Error('tinybench asked for more rounds than were measured');
    return Promise.resolve({ overriddenDuration: 1000 / rate });
  });
  const [task] = await bench.run();
  const r = task?.result;
  if (!r || (r.state !== 'completed' && r.state !== 'aborted-with-statistics') || r.throughput.samplesCount !== rates.length) {
    throw new Error(`tinybench did not take every round of ${name}`);
  }
  const t = r.throughput;
  // A rate is never negative: a t-interval from a few rounds that reaches below 0 is cut at 0.
  return { unit: 'ops/s', mean: t.mean, median: t.p50, sd: t.sd, rme: t.rme, ci95: [Math.max(0, t.mean - t.moe), t.mean + t.moe], samples: t.samplesCount };
}
