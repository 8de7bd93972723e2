/**
 * The noise study behind the tool's window length, round shape and estimator
 * (docs/noise-study.md). On this machine it measures how much one window's
 * throughput differs from the next, for the plain C reference and for the
 * tool, what pairing the modes of one round removes, what robust per-round
 * estimates give against the mean, and the tool's gap to the reference.
 * Prints markdown tables.
 *
 *   npm run noise-study -- [--lengths 10,30,100,300] [--seconds 12] [--raw FILE]
 *
 * Run it on a quiet machine, then with another tenant emulated:
 *   node ../shared/tools/noisy-neighbour.mjs --cpus 0,1 --duty 0.1 & npm run noise-study
 * Needs root (fresh namespaces) and 2 CPUs. The workload is msg.pingpong, 64 B,
 * both parties on CPU 0, one worker, the same as native/reference/pingpong.c.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { lag1, cv, medianOf, quantileOf, trimmedMean } from '../src/analyze/robust.js';
import { studentTQuantile } from '../src/analyze/student-t.js';
import { trimmedInterval } from '../src/analyze/trimmed.js';
import { AlphaSpending, ALPHA_RUN, lookSchedule } from '../src/analyze/verdict.js';
import { robustWindowRate, subWindowRates, windowRate } from '../src/measure/window-rate.js';
import { monotonicNs } from '../src/common/clock.js';
import { PoolExecutor } from '../src/measure/executor.js';
import { REFERENCE_PINGPONG } from '../src/common/paths.js';
import { replaceFile } from '../src/common/files.js';
import { seededRandom } from '../src/measure/mock-core.js';
import type { HeldNamespace, Mode, WindowSpec } from '../src/common/types.js';

const { values } = parseArgs({
  options: {
    lengths: { type: 'string', default: '10,30,100,300' },
    seconds: { type: 'string', default: '12' },
    raw: { type: 'string' },
  },
});
const lengths = values.lengths.split(',').map(Number);
const seconds = Number(values.seconds);
const MODES: Mode[] = ['host', 'shared', 'isolated'];
const CPU = 0;
const LEAD_MS = 10;

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '—');
const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '—');

/** Sub-window length for a window: a tenth of it, at least 1 ms. */
const subMs = (w: number): number => Math.max(1, w / 10);

// ---------------------------------------------------------------------------
// Collection
// ---------------------------------------------------------------------------

/** The C reference: back-to-back windows of one pair of processes. */
function referenceWindows(w: number): number[] {
  const out = execFileSync(REFERENCE_PINGPONG, ['64', String(seconds), String(CPU), String(CPU), '0', String(w)]).toString();
  return out
    .split('\n')
    .filter((l) => l.startsWith('w '))
    .map((l) => Number(l.split(' ')[3]));
}

/** One reference run of w ms (fresh processes, as each of the tool's windows has). */
function referenceRun(w: number): number {
  const out = execFileSync(REFERENCE_PINGPONG, ['64', String(w / 1000), String(CPU), String(CPU), '0']).toString();
  return Number(out.trim().split(/\s+/)[2]);
}

interface ToolWindow {
  mode: Mode;
  round: number;
  /** ops / elapsed of the window. */
  rate: number;
  /** Median of the window's sub-window rates. */
  robust: number;
  subs: number[];
}

function shuffle<T>(xs: readonly T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function spec(mode: Mode, w: number, held: HeldNamespace | undefined): WindowSpec {
  const start = monotonicNs() + LEAD_MS * 1e6;
  return {
    workload: 'msg.pingpong',
    params: { size: 64 },
    mode,
    route: 'privileged',
    nsFd: mode === 'shared' && held ? held.ipcFd : -1,
    userNsFd: -1,
    cpuA: CPU,
    cpuB: CPU,
    coreParam: 0,
    sampleEvery: 16,
    startNs: start,
    stopNs: start + w * 1e6,
    deadlineNs: start + w * 1e6 + 5e9,
    markNs: subMs(w) * 1e6,
    sysctls: {},
    keyBase: 0,
    journalFd: -1,
  };
}

/** Rounds of the tool: every mode once per round, in shuffled order, one window each. */
async function toolRounds(ex: PoolExecutor, w: number, rounds: number, random: () => number): Promise<ToolWindow[]> {
  const opened = await ex.nsOpen('privileged', {});
  if (!opened.ok) throw new Error(opened.failure.message);
  const held = opened.value;
  const out: ToolWindow[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const order = shuffle(MODES, random);
      for (const mode of order) {
        const s = spec(mode, w, held);
        const results = await ex.runWindow([s]);
        const bad = results.find((x) => !x.ok);
        if (bad) throw new Error(bad.failure?.message ?? 'window failed');
        out.push({
          mode,
          round: r,
          rate: windowRate(results),
          robust: robustWindowRate(results, s.startNs, s.markNs ?? 0),
          subs: subWindowRates(results, s.startNs, s.markNs ?? 0),
        });
      }
    }
  } finally {
    await ex.nsClose(held);
  }
  return out;
}

/** Tool window (host) and reference run alternating: log of each pair's ratio. */
async function gapPairs(ex: PoolExecutor, w: number, pairs: number): Promise<number[]> {
  const d: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const results = await ex.runWindow([spec('host', w, undefined)]);
    d.push(Math.log(windowRate(results) / referenceRun(w)));
  }
  return d;
}

// ---------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------

/** A bootstrap percentile interval of a statistic, 2000 resamples, seeded. */
function bootstrap(xs: readonly number[], stat: (s: number[]) => number, seed = 1): [number, number] {
  const rand = seededRandom(seed);
  const reps: number[] = [];
  for (let b = 0; b < 2000; b++) reps.push(stat(Array.from(xs, () => xs[Math.floor(rand() * xs.length)] as number)));
  return [quantileOf(reps, 0.025), quantileOf(reps, 0.975)];
}

/** sd of the bootstrap distribution of a statistic: its standard error. */
function bootSe(xs: readonly number[], stat: (s: number[]) => number, seed = 2): number {
  const rand = seededRandom(seed);
  const reps: number[] = [];
  for (let b = 0; b < 1000; b++) reps.push(stat(Array.from(xs, () => xs[Math.floor(rand() * xs.length)] as number)));
  const m = reps.reduce((a, x) => a + x, 0) / reps.length;
  return Math.sqrt(reps.reduce((a, x) => a + (x - m) ** 2, 0) / (reps.length - 1));
}

function sd(xs: readonly number[]): number {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Per-mode estimates of each "round of k": k consecutive rounds pooled, by an estimator. */
type Estimator = (ws: ToolWindow[]) => number;
const ESTIMATORS: Array<[string, Estimator]> = [
  ['mean of window rates', (ws) => ws.reduce((a, x) => a + x.rate, 0) / ws.length],
  ['median of window rates', (ws) => medianOf(ws.map((x) => x.rate))],
  ['median of sub-window rates', (ws) => medianOf(ws.flatMap((x) => x.subs))],
  [
    '20 % trimmed mean of sub-window rates',
    (ws) =>
      trimmedMean(
        ws.flatMap((x) => x.subs),
        0.2,
      ),
  ],
];

/** Per-round log-ratios a/b over rounds of k windows per mode, with the estimator. */
function logRatios(data: ToolWindow[], a: Mode, b: Mode, k: number, est: Estimator): number[] {
  const rounds = Math.max(...data.map((x) => x.round)) + 1;
  const out: number[] = [];
  for (let r0 = 0; r0 + k <= rounds; r0 += k) {
    const inRound = data.filter((x) => x.round >= r0 && x.round < r0 + k);
    const ea = est(inRound.filter((x) => x.mode === a));
    const eb = est(inRound.filter((x) => x.mode === b));
    if (ea > 0 && eb > 0) out.push(Math.log(ea / eb));
  }
  return out;
}

const PAIRS: Array<[Mode, Mode]> = [
  ['isolated', 'shared'],
  ['isolated', 'host'],
  ['shared', 'host'],
];

// ---------------------------------------------------------------------------
// Interval methods compared on the machine's own rounds
// ---------------------------------------------------------------------------

const METHOD_REPS = 600;
const METHOD_CAP = 120;
const METHOD_FAMILY = 66;

type IntervalMethod = (d: readonly number[], alpha: number) => [number, number];

/** The median's distribution-free interval: order statistics k and n+1-k of a sign test. */
function signInterval(d: readonly number[], alpha: number): [number, number] {
  const n = d.length;
  const s = [...d].sort((x, y) => x - y);
  let k = 0;
  let cum = 0;
  let logP = n * Math.log(0.5);
  for (let i = 0; i < n; i++) {
    cum += Math.exp(logP);
    if (cum > alpha / 2) break;
    k = i + 1;
    logP += Math.log((n - i) / (i + 1));
  }
  return k < 1 ? [-Infinity, Infinity] : [s[k - 1] as number, s[n - k] as number];
}

/** Hodges-Lehmann: Walsh averages with the signed-rank interval (normal approximation). */
function hlInterval(d: readonly number[], alpha: number): [number, number] {
  const n = d.length;
  const w: number[] = [];
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) w.push(((d[i] as number) + (d[j] as number)) / 2);
  w.sort((x, y) => x - y);
  const z = studentTQuantile(1 - alpha / 2, Infinity);
  const c = Math.floor((n * (n + 1)) / 4 - z * Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24));
  return c < 1 ? [-Infinity, Infinity] : [w[c - 1] as number, w[w.length - c] as number];
}

function tInterval(d: readonly number[], alpha: number): [number, number] {
  const n = d.length;
  const m = d.reduce((a, x) => a + x, 0) / n;
  const half = (studentTQuantile(1 - alpha / 2, n - 1) * sd(d)) / Math.sqrt(n);
  return [m - half, m + half];
}

const yuen =
  (trim: number): IntervalMethod =>
  (d, alpha) => {
    const iv = trimmedInterval(d, alpha, trim);
    return [iv.lo, iv.hi];
  };

const INTERVALS: Array<[string, IntervalMethod]> = [
  ['mean, paired t', tInterval],
  ['20 % trimmed mean, Yuen', yuen(0.2)],
  ['25 % trimmed mean, Yuen', yuen(0.25)],
  ['median, sign test', signInterval],
  ['Hodges-Lehmann, signed rank', hlInterval],
];

/**
 * The tool's sequential rule with one interval method, on rounds drawn from
 * `pool` (centred on its median and given random signs: modes that do not
 * differ) plus a true log effect.
 */
function sequential(pool: readonly number[], method: IntervalMethod, effect: number): { different: number; equivalent: number; rounds: number } {
  const centre = medianOf(pool);
  const rand = seededRandom(99);
  const schedule = lookSchedule(10, 1.5, METHOD_CAP);
  const band = Math.log(1.05);
  let different = 0;
  let equivalent = 0;
  let rounds = 0;
  for (let r = 0; r < METHOD_REPS; r++) {
    const spending = new AlphaSpending(ALPHA_RUN, METHOD_FAMILY, schedule);
    const d: number[] = [];
    for (const n of schedule) {
      while (d.length < n) {
        const e = (pool[Math.floor(rand() * pool.length)] as number) - centre;
        d.push(effect + (rand() < 0.5 ? e : -e));
      }
      const [lo, hi] = method(d, spending.look(n));
      if (lo >= -band && hi <= band) {
        equivalent++;
        break;
      }
      if (lo > 0 || hi < 0) {
        different++;
        break;
      }
    }
    rounds += d.length;
  }
  return { different: different / METHOD_REPS, equivalent: equivalent / METHOD_REPS, rounds: rounds / METHOD_REPS };
}

async function main(): Promise<void> {
  const random = seededRandom(7);
  const raw: Record<string, unknown> = {};
  const ex = new PoolExecutor(1);
  await ex.nowNs();
  const lines: string[] = [];
  const now = new Date().toISOString();
  lines.push(`Measured ${now}; msg.pingpong 64 B, both parties on CPU ${CPU}; sub-windows of a tenth of the window (at least 1 ms).`, '');

  // 1. The C reference, back-to-back windows.
  lines.push('**C reference** (`native/build/reference-pingpong 64 S 0 0 0 W`: one pair of processes, windows back to back)', '');
  lines.push(
    '| window | windows | CV | p5 / median | min / median | lag-1 autocorrelation | sd of adjacent-pair log-ratio | the same if independent (√2·CV) |',
  );
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const w of lengths) {
    const xs = referenceWindows(w);
    raw[`reference-${w}`] = xs;
    const med = medianOf(xs);
    const pairs: number[] = [];
    for (let i = 0; i + 1 < xs.length; i += 2) pairs.push(Math.log((xs[i + 1] as number) / (xs[i] as number)));
    lines.push(
      `| ${w} ms | ${xs.length} | ${pct(cv(xs))} | ${f3(quantileOf(xs, 0.05) / med)} | ${f3(Math.min(...xs) / med)} | ${f3(lag1(xs))} | ${pct(sd(pairs))} | ${pct(Math.SQRT2 * cv(xs))} |`,
    );
  }
  lines.push('');

  // 2. The tool, rounds of host/shared/isolated.
  const tool = new Map<number, ToolWindow[]>();
  for (const w of lengths) {
    const rounds = Math.max(12, Math.min(150, Math.round((seconds * 1000) / (3 * (w + 15)))));
    tool.set(w, await toolRounds(ex, w, rounds, random));
  }
  raw['tool'] = Object.fromEntries(tool);
  lines.push('**The tool** (rounds of host, shared and isolated in shuffled order, one window of each per round, a fresh pair of processes per window)', '');
  lines.push(
    '| window | rounds | CV of window rates (median over modes) | p5 / median | lag-1 autocorrelation | sd of per-round log-ratio, paired | the same unpaired (√(CVa²+CVb²)) |',
  );
  lines.push('|---|---|---|---|---|---|---|');
  for (const w of lengths) {
    const data = tool.get(w) ?? [];
    const per = MODES.map((m) => data.filter((x) => x.mode === m).map((x) => x.rate));
    const cvs = per.map(cv);
    const paired = PAIRS.map(([a, b]) => sd(logRatios(data, a, b, 1, ESTIMATORS[0]![1])));
    const unpaired = PAIRS.map(([a, b]) => Math.hypot(cvs[MODES.indexOf(a)] ?? NaN, cvs[MODES.indexOf(b)] ?? NaN));
    lines.push(
      `| ${w} ms | ${data.length / 3} | ${pct(medianOf(cvs))} | ${f3(medianOf(per.map((xs) => quantileOf(xs, 0.05) / medianOf(xs))))} | ${f3(medianOf(per.map(lag1)))} | ${pct(medianOf(paired))} | ${pct(medianOf(unpaired))} |`,
    );
  }
  lines.push('');

  // 3. Estimators: sd of the per-round log-ratio, median over the three mode pairs, rounds of k windows per mode.
  lines.push('**Per-round estimators** (sd of the per-round log-ratio, median over the three mode pairs; a round of k holds k windows of each mode)', '');
  lines.push(`| window | k | ${ESTIMATORS.map(([n]) => n).join(' | ')} |`);
  lines.push(`|---|---|${ESTIMATORS.map(() => '---').join('|')}|`);
  for (const w of lengths) {
    const data = tool.get(w) ?? [];
    for (const k of [1, 3]) {
      const cells = ESTIMATORS.map(([, est]) => pct(medianOf(PAIRS.map(([a, b]) => sd(logRatios(data, a, b, k, est))))));
      lines.push(`| ${w} ms | ${k} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');

  // 4. Across rounds: the spread of the location estimate of the log-ratios.
  lines.push(
    '**Across rounds** (standard error of the location of the per-round log-ratios, by bootstrap, median over mode pairs; per-window estimate: median of sub-window rates)',
    '',
  );
  lines.push('| window | rounds | mean | 20 % trimmed mean | median | heavy tails: share of rounds beyond 3 MAD-sd |');
  lines.push('|---|---|---|---|---|---|');
  for (const w of lengths) {
    const data = tool.get(w) ?? [];
    const per = PAIRS.map(([a, b]) => logRatios(data, a, b, 1, ESTIMATORS[2]![1]));
    const se = (stat: (s: number[]) => number): string => pct(medianOf(per.map((d) => bootSe(d, stat))));
    const tails = medianOf(
      per.map((d) => {
        const m = medianOf(d);
        const s = 1.4826 * medianOf(d.map((x) => Math.abs(x - m)));
        return d.filter((x) => Math.abs(x - m) > 3 * s).length / d.length;
      }),
    );
    lines.push(
      `| ${w} ms | ${per[0]?.length ?? 0} | ${se((d) => d.reduce((a, x) => a + x, 0) / d.length)} | ${se((d) => trimmedMean(d, 0.2))} | ${se(medianOf)} | ${pct(tails)} |`,
    );
  }
  lines.push('');

  // 5. Interval methods, by resampling this machine's own per-round log-ratios (of the shortest windows: the most rounds).
  const METHOD_WINDOW = Math.min(...lengths);
  lines.push(
    `**Interval methods on these rounds** (a sequential A/A and a 10 % effect, resampled ${METHOD_REPS} times from the ${METHOD_WINDOW} ms rounds above, symmetrized; looks at ${lookSchedule(10, 1.5, METHOD_CAP).join(', ')} rounds, alpha ${ALPHA_RUN} over ${METHOD_FAMILY} comparisons and the looks, margin ±5 %)`,
    '',
  );
  lines.push('| method | A/A: called different | A/A: equivalent | A/A: mean rounds | 10 %: found | 10 %: mean rounds |');
  lines.push('|---|---|---|---|---|---|');
  const pool = PAIRS.flatMap(([a, b]) => logRatios(tool.get(METHOD_WINDOW) ?? [], a, b, 1, ESTIMATORS[2]![1]));
  for (const [name, method] of INTERVALS) {
    const aa = sequential(pool, method, 0);
    const eff = sequential(pool, method, Math.log(1.1));
    lines.push(`| ${name} | ${pct(aa.different)} | ${pct(aa.equivalent)} | ${aa.rounds.toFixed(1)} | ${pct(eff.different)} | ${eff.rounds.toFixed(1)} |`);
  }
  lines.push('');

  // 6. Gap to the C reference.
  lines.push(
    '**Gap to the C reference** (one tool window in host mode, then one reference run of the same length, alternating; median of the pair ratios with a 95 % bootstrap interval)',
    '',
  );
  lines.push('| window | pairs | tool / reference |');
  lines.push('|---|---|---|');
  for (const w of lengths.filter((x) => x <= 100)) {
    const pairs = Math.max(20, Math.min(120, Math.round((seconds * 1000) / (2 * (w + 15)))));
    const d = await gapPairs(ex, w, pairs);
    raw[`gap-${w}`] = d;
    const [lo, hi] = bootstrap(d, medianOf);
    lines.push(`| ${w} ms | ${pairs} | ${f3(Math.exp(medianOf(d)))} [${f3(Math.exp(lo))}, ${f3(Math.exp(hi))}] |`);
  }
  await ex.close();
  if (values.raw) replaceFile(values.raw, `${JSON.stringify(raw)}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
