/**
 * A history of runs: per scenario, the series of its figure over the runs,
 * the change points in it (change-points.ts), and the status of the newest
 * run against its own segment. Pure, on documents already read; the command
 * (commands/history.ts) reads them and maps the verdicts to an exit code.
 *
 * Levels: the family-wise alpha is split over the scenarios tested
 * (Bonferroni: a runner's shift moves them together, and Bonferroni holds
 * under any dependence), and each scenario's share in two: the search
 * through its history, and its newest runs. A steady history of any number
 * of scenarios then finds a change point with at most alpha probability.
 */
import { eDivisive, differenceInterval, type FoundChange, newestChange, newestOff } from './change-points.js';
import { METRIC_INFO } from './baseline-shape.js';
import { mean, medianOf, sampleSd } from './robust.js';
import { studentTQuantile } from './student-t.js';
import { logs, trimmedInterval } from './trimmed.js';
import { logBand } from './verdict.js';
export * from './history-shape.js';
import {
  HISTORY_METRICS,
  type HistoryChangePoint,
  type HistoryMetric,
  type HistoryOptions,
  type HistoryOrder,
  type HistoryResult,
  type HistoryRow,
  type HistoryRun,
  type HistoryRunFigures,
  type HistoryScenario,
  type HistorySegment,
  type HistoryVerdict,
  MAX_PERMUTATIONS,
} from './history-shape.js';

export interface HistoryMetricInfo {
  label: string;
  unit: string;
  biggerIsBetter: boolean;
  field: string;
  value(s: HistoryScenario): number | undefined;
  rounds(s: HistoryScenario): readonly (number | null)[] | undefined;
  /**
   * What the run's figures are divided by before runs are compared. A
   * calibrated figure carries its run's median control rate as its scale,
   * and a run that is slow as a whole has a slow control too: dividing by
   * it is what cancels the run-wide shift.
   */
  runScale?(run: HistoryRunFigures): number | undefined;
}

/** CONTROL_UNIT control calls: calibrated figures between runs are ops per this many calls of the control. */
const CONTROL_UNIT = 1e6;

/** A scenario's figure as the history compares it between runs (undefined: not there, or its run has no scale). */
export function historyValue(info: HistoryMetricInfo, s: HistoryScenario, run: HistoryRunFigures): number | undefined {
  const v = info.value(s);
  if (v === undefined || !info.runScale) return v;
  const k = info.runScale(run);
  return k !== undefined && k > 0 ? v / k : undefined;
}

export const HISTORY_METRIC_INFO: Readonly<Record<HistoryMetric, HistoryMetricInfo>> = {
  throughput: METRIC_INFO.throughput,
  calibrated: {
    label: 'calibrated throughput',
    unit: `ops per ${CONTROL_UNIT / 1e6}M control calls`,
    biggerIsBetter: true,
    field: 'throughput.calibrated',
    value: (s) => s.throughput?.calibrated?.estimate,
    rounds: (s) => s.throughput?.calibrated?.rounds,
    runScale: (run) => {
      const k = run.analysis?.calibration?.medianRate;
      return k !== undefined && k > 0 ? k / CONTROL_UNIT : undefined;
    },
  },
  'cpu-per-op': METRIC_INFO['cpu-per-op'],
  'latency-p50': METRIC_INFO['latency-p50'],
  'latency-p99': METRIC_INFO['latency-p99'],
};

/** A run given to the history: where it came from, and its document. */
export interface HistoryInput {
  file: string;
  doc: HistoryRunFigures;
}

/**
 * The runs in history order: by start time, or by commit (the commits in
 * the order each first ran, the runs of one commit together, by start
 * time). Ties keep the files' order. Under commit order, the files that
 * recorded no commit are returned as `missing`.
 */
export function orderRuns(runs: readonly HistoryInput[], order: HistoryOrder): { ordered: HistoryInput[]; missing: string[] } {
  const byTime = runs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Date.parse(a.r.doc.startedAt) - Date.parse(b.r.doc.startedAt) || a.i - b.i)
    .map((x) => x.r);
  if (order === 'time') return { ordered: byTime, missing: [] };
  const missing = byTime.filter((r) => r.doc.env.commit === undefined).map((r) => r.file);
  const first = new Map<string, number>();
  for (const r of byTime) if (r.doc.env.commit !== undefined && !first.has(r.doc.env.commit)) first.set(r.doc.env.commit, first.size);
  const rank = (r: HistoryInput): number => first.get(r.doc.env.commit ?? '') ?? Infinity;
  return {
    ordered: byTime
      .map((r, i) => ({ r, i }))
      .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
      .map((x) => x.r),
    missing,
  };
}

/** The files among `runs` without the metric in any scenario (only calibrated can be missing from a whole run). */
export function runsWithout(runs: readonly HistoryInput[], metric: HistoryMetric): string[] {
  const info = HISTORY_METRIC_INFO[metric];
  return runs.filter((r) => !r.doc.scenarios.some((s) => s.state === 'completed' && historyValue(info, s, r.doc) !== undefined)).map((r) => r.file);
}

/** String hash (FNV-1a) mixed into the seed: each scenario's permutations do not depend on which others are in the history. */
function seedFor(seed: number, id: string): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Per scenario id (first-seen order), the log figure of each run (NaN: not measured) and its within-run 95 % interval. */
function logSeries(runs: readonly HistoryInput[], info: HistoryMetricInfo): { id: string; x: number[]; ci: ([number, number] | null)[] }[] {
  const ids = [...new Set(runs.flatMap((r) => r.doc.scenarios.map((s) => s.id)))];
  return ids.map((id) => {
    const x: number[] = [];
    const ci: ([number, number] | null)[] = [];
    for (const r of runs) {
      const s = r.doc.scenarios.find((z) => z.id === id);
      const v = s && s.state === 'completed' ? historyValue(info, s, r.doc) : undefined;
      x.push(v !== undefined && v > 0 && Number.isFinite(v) ? Math.log(v) : NaN);
      const rounds = s && s.state === 'completed' && v !== undefined ? logs(info.rounds(s) ?? []) : [];
      // The rounds carry the same scale as the estimate: shift their interval with it.
      const shift = s && v !== undefined ? Math.log(v) - Math.log(info.value(s) ?? v) : 0;
      const iv = rounds.length >= 2 ? trimmedInterval(rounds, 0.05) : null;
      ci.push(iv && Number.isFinite(iv.lo) ? [iv.lo + shift, iv.hi + shift] : null);
    }
    return { id, x, ci };
  });
}

/** Each value less the median of the other scenarios of its run (log scale): the shift of the whole run cancels. */
function relativeTo(series: { x: number[]; ci: ([number, number] | null)[] }[], runs: number): void {
  const own = series.map((s) => [...s.x]);
  for (let r = 0; r < runs; r++) {
    for (const [i, s] of series.entries()) {
      const others = own
        .filter((_, j) => j !== i)
        .map((o) => o[r] as number)
        .filter(Number.isFinite);
      const m = others.length >= 2 ? medianOf(others) : NaN;
      s.x[r] = (own[i]?.[r] as number) - m;
      const c = s.ci[r];
      s.ci[r] = c && Number.isFinite(m) ? [c[0] - m, c[1] - m] : null;
    }
  }
}

const ratioOf = (d: number): number => Math.exp(d);

/** The series' segments (in run indices) and their geometric means with a 95 % interval. */
function segmentsOf(x: readonly number[], at: readonly number[], cps: readonly number[]): HistorySegment[] {
  const bounds = [0, ...cps, x.length];
  return bounds.slice(0, -1).map((a, i) => {
    const b = bounds[i + 1] as number;
    const part = x.slice(a, b);
    const m = mean(part);
    const half = part.length >= 2 ? studentTQuantile(0.975, part.length - 1) * (sampleSd(part) / Math.sqrt(part.length)) : NaN;
    const end = b < at.length ? (at[b] as number) : (at[at.length - 1] as number) + 1;
    return { start: at[a] as number, end, runs: part.length, mean: Math.exp(m), ci: Number.isFinite(half) ? [Math.exp(m - half), Math.exp(m + half)] : null };
  });
}

/** One scenario's series: its change points, segments and the newest run's status. */
function analyseSeries(
  id: string,
  x: readonly number[],
  runCi: readonly ([number, number] | null)[],
  runs: readonly HistoryRun[],
  o: Required<HistoryOptions> & { alphaSeries: number; biggerIsBetter: boolean; tested: boolean },
): HistoryRow {
  const at = x.flatMap((v, i) => (Number.isFinite(v) ? [i] : []));
  const y = at.map((i) => x[i] as number);
  const n = y.length;
  const notes: string[] = [];
  const worse = (d: number): boolean => (o.biggerIsBetter ? d < 0 : d > 0);
  const band = logBand(o.threshold);
  let found: FoundChange[] = [];
  if (o.tested) {
    found = eDivisive(y, { minSize: o.minSize, alpha: o.alphaSeries / 2, permutations: o.permutations, seed: seedFor(o.seed, id) });
    const start = found.at(-1)?.index ?? 0;
    const newest = newestChange(y, start, o.confirm, o.minSize, o.alphaSeries / 2);
    if (newest) found.push(newest);
  } else {
    notes.push(`measured in ${n} runs: too few to look for a change (at least ${2 * o.minSize})`);
  }
  const cps = found.map((c) => c.index);
  const changePoints: HistoryChangePoint[] = found.map((c, i) => {
    const before = y.slice(cps[i - 1] ?? 0, c.index);
    const after = y.slice(c.index, cps[i + 1] ?? n);
    const iv = differenceInterval(before, after, o.alphaSeries);
    const run = runs[at[c.index] as number] as HistoryRun;
    const prev = runs[at[c.index - 1] as number] as HistoryRun;
    const commits = prev.commit !== undefined || run.commit !== undefined ? { from: prev.commit ?? null, to: run.commit ?? null } : null;
    return {
      index: run.index,
      run: { startedAt: run.startedAt, file: run.file, ...(run.label !== undefined ? { label: run.label } : {}) },
      commits,
      ratio: ratioOf(iv.diff),
      ci: Number.isFinite(iv.lo) ? [ratioOf(iv.lo), ratioOf(iv.hi)] : null,
      p: c.p,
      test: c.test,
      direction: Math.abs(iv.diff) <= band ? 'within threshold' : worse(iv.diff) ? 'worse' : 'better',
    };
  });
  const row: HistoryRow = {
    id,
    metric: o.metric,
    values: x.map((v) => (Number.isFinite(v) ? Math.exp(v) : null)),
    runCi: runCi.map((c) => (c ? [Math.exp(c[0]), Math.exp(c[1])] : null)),
    changePoints,
    segments: n > 0 ? segmentsOf(y, at, cps) : [],
    verdict: 'inconclusive',
    newest: { ratio: null, p: null },
    notes,
  };
  const newestRun = runs.length - 1;
  if (!o.tested) return row;
  if (at.at(-1) !== newestRun) {
    notes.push('not measured in the newest run');
    return row;
  }
  const last = found.at(-1);
  const after = last ? n - last.index : 0;
  const lastPoint = changePoints.at(-1);
  // A change the newest runs confirmed stays the verdict for `confirm` more runs, so that one missed or re-run job does not hide it.
  if (last && lastPoint && after >= o.confirm && after <= 2 * o.confirm) {
    row.newest = { ratio: lastPoint.ratio, p: lastPoint.p };
    row.verdict = lastPoint.direction === 'worse' ? 'regressed' : lastPoint.direction === 'better' ? 'improved' : 'in line';
    if (lastPoint.direction === 'within threshold') notes.push(`changed by ${pctText(lastPoint.ratio)} at run ${lastPoint.index + 1}: within the threshold`);
    return row;
  }
  const segment = y.slice(last?.index ?? 0, n - 1);
  const off = newestOff(segment, y[n - 1] as number);
  row.newest = { ratio: ratioOf(off.diff), p: Number.isFinite(off.p) ? off.p : null };
  if (!Number.isFinite(off.p)) {
    notes.push(`its segment holds ${segment.length} run${segment.length === 1 ? '' : 's'} before the newest: too few to judge it (at least 3)`);
    return row;
  }
  const beyond = Math.abs(off.diff) > band;
  row.verdict = off.p <= o.alphaSeries && beyond && worse(off.diff) ? 'suspected' : 'in line';
  if (row.verdict === 'suspected') notes.push(`the newest run alone is ${pctText(ratioOf(off.diff))} off its segment; the next runs confirm or clear it`);
  if (lastPoint && after > 2 * o.confirm && lastPoint.direction !== 'within threshold')
    notes.push(`level since run ${lastPoint.index + 1}: ${pctText(lastPoint.ratio)} (${lastPoint.direction})`);
  return row;
}

const pctText = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${Number(((ratio - 1) * 100).toPrecision(3))} %`;

/** Environment changes between consecutive runs: a change point there may be the machine's, not the code's. */
function environmentWarnings(runs: readonly HistoryInput[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1] as HistoryInput;
    const b = runs[i] as HistoryInput;
    const changed = (what: string, x: string, y: string): void => {
      if (x !== y) out.push(`${what} changed at run ${i + 1} (${b.file}): ${x} before, ${y} from there; a change point there may be the machine's`);
    };
    changed('kernel', a.doc.env.kernel, b.doc.env.kernel);
    changed('CPU model', a.doc.env.cpuModel, b.doc.env.cpuModel);
    changed('CPU count', String(a.doc.env.cpuCount), String(b.doc.env.cpuCount));
    changed('tool version', a.doc.tool.version, b.doc.tool.version);
  }
  for (const [i, r] of runs.entries())
    if (!r.doc.complete) out.push(`run ${i + 1} (${r.file}) did not complete: it holds only what was measured before it stopped`);
  return out;
}

/** Permutations enough for the level of a test: p can reach alpha / 2. */
export function permutationsFor(alphaTest: number): number {
  return Math.min(MAX_PERMUTATIONS, Math.max(999, Math.ceil(2 / alphaTest) - 1));
}

/** The history of `runs` (already in order: orderRuns) on one metric. */
export function analyseHistory(runs: readonly HistoryInput[], o: HistoryOptions): HistoryResult {
  if (!(HISTORY_METRICS as readonly string[]).includes(o.metric)) throw new RangeError(`unknown metric ${o.metric}`);
  const info = HISTORY_METRIC_INFO[o.metric];
  const series = logSeries(runs, info);
  if (o.relative) relativeTo(series, runs.length);
  const counts = series.map((s) => s.x.filter(Number.isFinite).length);
  const enough = (c: number): boolean => c >= 2 * o.minSize;
  const tested = Math.max(1, counts.filter(enough).length);
  const alphaSeries = o.alpha / tested;
  const permutations = o.permutations ?? permutationsFor(alphaSeries / 2);
  const history: HistoryRun[] = runs.map((r, index) => ({
    index,
    file: r.file,
    startedAt: r.doc.startedAt,
    ...(r.doc.env.label !== undefined ? { label: r.doc.env.label } : {}),
    ...(r.doc.env.commit !== undefined ? { commit: r.doc.env.commit } : {}),
    ...(r.doc.env.ref !== undefined ? { ref: r.doc.env.ref } : {}),
    complete: r.doc.complete,
  }));
  const options = { ...o, permutations, alphaSeries, biggerIsBetter: info.biggerIsBetter };
  const rows = series.map((s, i) => analyseSeries(s.id, s.x, s.ci, history, { ...options, tested: enough(counts[i] as number) }));
  const count = (v: HistoryVerdict): number => rows.filter((r) => r.verdict === v).length;
  return {
    schemaVersion: 1,
    kind: 'ipcns-bench-history',
    metric: o.metric,
    unit: o.relative ? "ratio to the median of the run's other scenarios" : info.unit,
    biggerIsBetter: info.biggerIsBetter,
    relative: o.relative,
    order: o.order,
    threshold: o.threshold,
    alpha: o.alpha,
    alphaSeries,
    confirm: o.confirm,
    minSize: o.minSize,
    permutations,
    seed: o.seed,
    method: methodText(info, o, tested, alphaSeries, permutations),
    runs: history,
    warnings: environmentWarnings(runs),
    rows,
    regressed: count('regressed'),
    improved: count('improved'),
    suspected: count('suspected'),
    inLine: count('in line'),
    inconclusive: count('inconclusive'),
  };
}

function methodText(info: HistoryMetricInfo, o: HistoryOptions, tested: number, alphaSeries: number, permutations: number): string {
  const level = (a: number): string => `${Number((a * 100).toPrecision(3))} %`;
  return (
    `${info.label}${o.relative ? " as a ratio to the median of the run's other scenarios (a shift of the whole run cancels; a change of every scenario alike is invisible)" : ''}, ` +
    `${info.biggerIsBetter ? 'bigger' : 'smaller'} is better, on log values, runs in ${o.order === 'commit' ? 'commit' : 'start-time'} order; ` +
    `family-wise level ${level(o.alpha)} split over ${tested} scenario${tested === 1 ? '' : 's'} (${level(alphaSeries)} each, half for the history, half for the newest runs); ` +
    `change points in the history: E-divisive with a permutation test (at most ${permutations} permutations, seed ${o.seed}, segments of at least ${o.minSize} runs); ` +
    `the newest ${o.confirm} runs against the rest of their segment: Student's t (pooled), each of them on the side of the change; ` +
    `ratio = after / before (geometric means of the segments either side), its interval at ${level(1 - alphaSeries)}; ` +
    `regressed or improved: a change beyond ±${Number((o.threshold * 100).toPrecision(6))} % (--threshold) with ${o.confirm} to ${2 * o.confirm} runs after it; ` +
    `suspected: the newest run alone beyond the threshold and off its segment at ${level(alphaSeries)}`
  );
}
