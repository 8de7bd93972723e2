/**
 * Run against baseline: pure logic behind `ipcns-bench compare`. Matches the
 * scenarios of two result documents by id and, for one metric, reports per
 * scenario the ratio current / base with a 95 % confidence interval, a
 * p-value and a verdict (improved, regressed, unchanged). No I/O.
 *
 * How a verdict is reached:
 * - Where both sides hold per-window values of the metric (throughput always
 *   does: `throughput.windows`), Welch's two-sided t-test on those values,
 *   with Holm's step-down correction over every tested scenario of the
 *   comparison at family-wise level ALPHA (0.01): a suite of 12 scenarios
 *   compared with itself then flags something in at most 1 % of runs, not in
 *   12 × ALPHA of them. The 95 % CI of the ratio is ratioOfMeans' (delta
 *   method on the log ratio).
 * - Where a side holds only the run's aggregate (one value per run), there is
 *   no test: the verdict comes from the threshold alone, and with a zero
 *   threshold nothing is judged (unchanged, said in the rule text and a warning).
 * - Either way a change counts only when it is larger than the threshold:
 *   for a bigger-is-better metric (throughput) a regression is
 *   ratio < 1 − threshold, an improvement ratio > 1 + threshold; for a
 *   smaller-is-better metric (latency, CPU time and context switches per op)
 *   a regression is ratio > 1 + threshold, an improvement ratio < 1 − threshold.
 * - Context switches per op below 0.01 on both sides are negligible: unchanged.
 *
 * The test sees the noise within each run; it cannot see a shift of a whole
 * run (another runner, a busy host). On a shared 2-vCPU VM back-to-back runs
 * of the ci suite differed by 5–10 % in every scenario at once: the threshold
 * is what keeps such a shift from being called a regression.
 */
import { oneOf } from './args.js';
import { UsageError } from './errors.js';
import type { ResultDocument, ScenarioResult } from './result.js';
import { duration, pValue as pText, si } from './report/format.js';
import { ALPHA, holmAdjust, mean, ratioOfMeans, welchTest } from './stats.js';

export { holmAdjust };

export const COMPARE_SCHEMA_VERSION = 1;
export const COMPARE_KIND = 'ipcns-bench-compare';

export const COMPARE_METRICS = ['throughput', 'latency-p99', 'cpu-per-op', 'cs-per-op'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];

export type RunVerdict = 'improved' | 'regressed' | 'unchanged';

/** What a metric is, where its aggregate and its per-window values live in a scenario. */
export interface MetricInfo {
  metric: CompareMetric;
  /** In words, for output: "throughput", "latency p99", ... */
  label: string;
  unit: string;
  biggerIsBetter: boolean;
  /** JSON path, relative to a scenario, of the per-window values this metric is tested on. */
  windowsField: string;
  /**
   * Values this small on both sides are too small to regress: a change between
   * them is reported unchanged (a relative change of 1e-4 switches per op is noise).
   */
  negligibleBelow?: number;
  value(s: ScenarioResult): number | undefined;
  /** The per-window series, undefined when absent (older or foreign documents); checked by the caller. */
  windows(s: ScenarioResult): unknown;
}

export const METRICS: Readonly<Record<CompareMetric, MetricInfo>> = {
  throughput: {
    metric: 'throughput',
    label: 'throughput',
    unit: 'ops/s',
    biggerIsBetter: true,
    windowsField: 'throughput.windows',
    value: (s) => s.throughput?.mean,
    windows: (s) => s.throughput?.windows,
  },
  'latency-p99': {
    metric: 'latency-p99',
    label: 'latency p99',
    unit: 'ns',
    biggerIsBetter: false,
    windowsField: 'latency.p99Windows',
    value: (s) => s.latency?.p99,
    windows: (s) => s.latency?.p99Windows,
  },
  'cpu-per-op': {
    metric: 'cpu-per-op',
    label: 'CPU time per op',
    unit: 'ns/op',
    biggerIsBetter: false,
    windowsField: 'cpuNsPerOpWindows',
    value: (s) => s.cpuNsPerOp,
    windows: (s) => s.cpuNsPerOpWindows,
  },
  'cs-per-op': {
    metric: 'cs-per-op',
    label: 'context switches per op',
    unit: 'switches/op',
    biggerIsBetter: false,
    windowsField: 'ctxSwitchesPerOpWindows',
    negligibleBelow: 0.01,
    value: (s) => s.ctxSwitchesPerOp,
    windows: (s) => s.ctxSwitchesPerOpWindows,
  },
};

/** Parses --metric. */
export function parseMetric(text: string): CompareMetric {
  return oneOf('--metric', text, COMPARE_METRICS);
}

/**
 * Parses --threshold: a percentage, "5%" or "5" (both five percent), "2.5%",
 * "0". Returns a fraction (0.05). A plain number between 0 and 1 is refused
 * as ambiguous ("0.05" could mean 5 % or 0.05 %): write "5%" or "0.05%".
 */
export function parseThreshold(text: string): number {
  const t = text.trim();
  const m = /^(-?)(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/.exec(t);
  if (!m || m[2] === undefined) {
    throw new UsageError(`--threshold ${JSON.stringify(text)}: not a percentage; write e.g. --threshold 5% (a change of more than 5 % counts)`);
  }
  if (m[1] === '-') throw new UsageError(`--threshold ${text}: must not be negative; give a size of change such as 5%`);
  const pct = Number(m[2]);
  if (m[3] === '' && pct > 0 && pct < 1) {
    throw new UsageError(`--threshold ${text}: ambiguous; write ${pct * 100}% for ${pct * 100} percent, or ${pct}% for ${pct} percent`);
  }
  if (!(pct < 100)) throw new UsageError(`--threshold ${text}: must be below 100% (a change of 100 % or more of throughput cannot be lost)`);
  return pct / 100;
}

/** A threshold fraction as text: 0.05 -> "5%". */
export function thresholdText(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}

/** The run a side of the comparison came from. */
export interface DocumentSummary {
  path: string;
  startedAt: string;
  kernel: string;
  cpuModel: string;
  version: string;
  suite: string;
  complete: boolean;
}

export interface CompareRow {
  id: string;
  /** current / base of the metric; null where it is undefined (both sides zero is 1). */
  ratio: number | null;
  /** 95 % CI of the ratio; null without per-window values on both sides. */
  ci95: [number, number] | null;
  /** Two-sided p-value of Welch's t-test on per-window values; null without them. */
  pValue: number | null;
  /** pValue adjusted by Holm's step-down method over the tested scenarios; the verdict compares this with alpha. */
  pAdjusted: number | null;
  verdict: RunVerdict;
  /** 'welch': per-window values on both sides; 'none': one value per run, the threshold alone decides. */
  test: 'welch' | 'none';
  /** The metric on each side: the mean of its per-window values when tested, else the run's figure; in `unit`. */
  base: number;
  current: number;
  /** Windows behind each side's figure (1 when only the aggregate was used). */
  samples: { base: number; current: number };
  notes: string[];
}

/** A scenario in both documents that could not be compared (not completed, or no value for the metric). */
export interface NotCompared {
  id: string;
  reason: string;
}

export interface CompareResult {
  schemaVersion: typeof COMPARE_SCHEMA_VERSION;
  kind: typeof COMPARE_KIND;
  metric: CompareMetric;
  unit: string;
  biggerIsBetter: boolean;
  /** Smallest change that counts, as a fraction (0.05 = 5 %). */
  threshold: number;
  /** Family-wise significance level of the tests. */
  alpha: number;
  /** The verdict rule in words. */
  test: string;
  base: DocumentSummary;
  current: DocumentSummary;
  /** Printed before anything else: the runs differ in ways that can explain a difference. */
  warnings: string[];
  rows: CompareRow[];
  onlyInBase: string[];
  onlyInCurrent: string[];
  notCompared: NotCompared[];
  /** Completed in base, errored or skipped in current: a failure the gate must not pass. */
  broken: string[];
  regressed: number;
  improved: number;
  unchanged: number;
}

export interface CompareOptions {
  metric: CompareMetric;
  /** Fraction, e.g. 0.05. */
  threshold: number;
  alpha?: number;
  basePath: string;
  currentPath: string;
}

function summary(doc: ResultDocument, path: string): DocumentSummary {
  return {
    path,
    startedAt: doc.startedAt,
    kernel: doc.env.kernel,
    cpuModel: doc.env.cpuModel,
    version: doc.tool.version,
    suite: doc.command.suite,
    complete: doc.complete,
  };
}

/** Per-window values of the metric, checked: undefined when absent or too few to test. */
function windowValues(info: MetricInfo, s: ScenarioResult, path: string): number[] | undefined {
  const raw = info.windows(s);
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new UsageError(`${path}: scenario ${s.id}: ${info.windowsField} must be an array of finite numbers`);
  }
  return raw.length >= 2 ? (raw as number[]) : undefined;
}

function ratioOf(current: number, base: number): number | null {
  if (current === base) return 1;
  const r = current / base;
  return Number.isFinite(r) ? r : null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);


/** Scenario key without placement: two ids that differ only in placement share it. */
function keyWithoutPlacement(s: ScenarioResult): string {
  return JSON.stringify([s.workload, s.params, s.mode, s.workers, s.sysctls]);
}

function environmentWarnings(base: ResultDocument, current: ResultDocument): string[] {
  const w: string[] = [];
  const b = base.env;
  const c = current.env;
  const differ = (what: string, x: string, y: string): void => {
    if (x !== y) w.push(`${what} differs: base ${x}, current ${y}`);
  };
  differ('kernel', b.kernel, c.kernel);
  differ('CPU model', b.cpuModel, c.cpuModel);
  differ('tool version', base.tool.version, current.tool.version);
  if (b.cpuCount !== c.cpuCount || b.usableCpus.join(',') !== c.usableCpus.join(',')) {
    w.push(`CPUs differ, so placement pins processes differently: base ${b.cpuCount} CPUs (usable ${b.usableCpus.join(',')}), current ${c.cpuCount} CPUs (usable ${c.usableCpus.join(',')})`);
  }
  differ('namespace route', b.route, c.route);
  differ('clocksource', b.clocksource, c.clocksource);
  if (!base.complete) w.push('the base run did not complete: it holds only what was measured before it stopped');
  if (!current.complete) w.push('the current run did not complete: it holds only what was measured before it stopped');
  return w;
}

/**
 * Compares `current` against `base` on one metric. Throws UsageError when no
 * scenario id is in both documents, or a per-window field is malformed.
 */
export function compareDocuments(base: ResultDocument, current: ResultDocument, o: CompareOptions): CompareResult {
  const info = METRICS[o.metric];
  const alpha = o.alpha ?? ALPHA;
  const baseById = new Map(base.scenarios.map((s) => [s.id, s]));
  const currentById = new Map(current.scenarios.map((s) => [s.id, s]));
  const matched = base.scenarios.filter((s) => currentById.has(s.id));
  if (matched.length === 0) {
    throw new UsageError(
      `no scenario id is in both documents; were they run with the same suite? ` +
        `(${o.basePath}: suite ${base.command.suite}, ${base.scenarios.length} scenarios; ` +
        `${o.currentPath}: suite ${current.command.suite}, ${current.scenarios.length} scenarios)`,
    );
  }
  const onlyInBase = base.scenarios.filter((s) => !currentById.has(s.id)).map((s) => s.id);
  const onlyInCurrent = current.scenarios.filter((s) => !baseById.has(s.id)).map((s) => s.id);

  const warnings = environmentWarnings(base, current);
  // Placement is part of the id: a scenario that moved to another placement shows up on both "only" lists.
  const unmatchedCurrent = current.scenarios.filter((s) => !baseById.has(s.id));
  for (const s of base.scenarios.filter((x) => !currentById.has(x.id))) {
    const moved = unmatchedCurrent.find((c) => keyWithoutPlacement(c) === keyWithoutPlacement(s) && c.placement !== s.placement);
    if (moved) warnings.push(`placement differs: ${s.id} ran with placement ${s.placement} in base, ${moved.placement} in current (${moved.id}); not compared`);
  }
  const uncontrolled = matched.filter((s) => s.placement === 'any').length;
  if (uncontrolled > 0) warnings.push(`${uncontrolled} compared scenario${uncontrolled === 1 ? ' has' : 's have'} placement any: uncontrolled, so a difference may be only where the scheduler put the processes`);

  const notCompared: NotCompared[] = [];
  const broken: string[] = [];
  interface Pending { row: CompareRow; significant: (pAdj: number) => boolean }
  const pending: Pending[] = [];
  for (const b of matched) {
    const c = currentById.get(b.id) as ScenarioResult;
    if (b.state !== 'completed' || c.state !== 'completed') {
      const side = (s: ScenarioResult, name: string): string | undefined =>
        s.state === 'completed' ? undefined : `${s.state} in ${name}${s.failure ? `: ${s.failure.message}` : ''}`;
      notCompared.push({ id: b.id, reason: [side(b, 'base'), side(c, 'current')].filter(Boolean).join('; ') });
      if (b.state === 'completed') broken.push(b.id);
      continue;
    }
    const bv = info.value(b);
    const cv = info.value(c);
    if (bv === undefined || cv === undefined) {
      const missing = [bv === undefined ? 'base' : '', cv === undefined ? 'current' : ''].filter(Boolean).join(' and ');
      notCompared.push({ id: b.id, reason: `no ${info.label} in ${missing}` });
      continue;
    }
    const bw = windowValues(info, b, o.basePath);
    const cw = windowValues(info, c, o.currentPath);
    const notes: string[] = [];
    if (b.oversubscribed || c.oversubscribed) notes.push('oversubscribed: more workers than CPUs');
    if (bw && cw) {
      const r = ratioOfMeans(cw, bw, 0.95);
      const { pValue } = welchTest(cw, bw);
      const ratio = ratioOf(mean(cw), mean(bw));
      const ci = r.ci.every(Number.isFinite) ? r.ci : null;
      pending.push({
        row: {
          id: b.id, ratio, ci95: ci, pValue: finiteOrNull(pValue), pAdjusted: null, verdict: 'unchanged', test: 'welch',
          base: mean(bw), current: mean(cw), samples: { base: bw.length, current: cw.length }, notes,
        },
        significant: (pAdj) => pAdj < alpha,
      });
    } else {
      pending.push({
        row: {
          id: b.id, ratio: ratioOf(cv, bv), ci95: null, pValue: null, pAdjusted: null, verdict: 'unchanged', test: 'none',
          base: bv, current: cv, samples: { base: 1, current: 1 }, notes,
        },
        significant: () => o.threshold > 0,
      });
    }
  }

  const adjusted = holmAdjust(pending.map((p) => p.row.pValue ?? NaN));
  const tested = pending.filter((p) => p.row.test === 'welch' && p.row.pValue !== null).length;
  pending.forEach((p, i) => {
    const row = p.row;
    const pAdj = adjusted[i] ?? NaN;
    row.pAdjusted = finiteOrNull(pAdj);
    if (row.test === 'welch' && row.pValue === null) row.notes.push('no test: the p-value could not be computed from the per-window values');
    const significant = row.test === 'welch' ? row.pAdjusted !== null && p.significant(pAdj) : p.significant(NaN);
    row.verdict = verdictFor(row.ratio, significant, o.threshold, info.biggerIsBetter);
    const floor = info.negligibleBelow;
    if (floor !== undefined && row.verdict !== 'unchanged' && row.base < floor && row.current < floor) {
      row.verdict = 'unchanged';
      row.notes.push(`negligible: below ${floor} ${info.unit} on both sides`);
    }
  });

  const rows = pending.map((p) => p.row);
  const untested = rows.filter((r) => r.test === 'none').length;
  if (untested > 0 && o.threshold === 0) {
    warnings.push(
      `${untested} scenario${untested === 1 ? '' : 's'} hold${untested === 1 ? 's' : ''} one ${info.label} value per run, not per-window values: ` +
        'there is no significance test, so they are judged by --threshold alone, and with --threshold 0% they are reported unchanged; give e.g. --threshold 5%',
    );
  }
  const count = (v: RunVerdict): number => rows.filter((r) => r.verdict === v).length;
  return {
    schemaVersion: COMPARE_SCHEMA_VERSION,
    kind: COMPARE_KIND,
    metric: o.metric,
    unit: info.unit,
    biggerIsBetter: info.biggerIsBetter,
    threshold: o.threshold,
    alpha,
    test: testText(info, alpha, o.threshold, tested, untested),
    base: summary(base, o.basePath),
    current: summary(current, o.currentPath),
    warnings,
    rows,
    onlyInBase,
    onlyInCurrent,
    notCompared,
    broken,
    regressed: count('regressed'),
    improved: count('improved'),
    unchanged: count('unchanged'),
  };
}

/** The verdict from the ratio's direction, the test and the threshold (see the module comment). */
export function verdictFor(ratio: number | null, significant: boolean, threshold: number, biggerIsBetter: boolean): RunVerdict {
  if (ratio === null || !significant) return 'unchanged';
  if (Math.abs(ratio - 1) <= threshold || ratio === 1) return 'unchanged';
  const worse = biggerIsBetter ? ratio < 1 : ratio > 1;
  return worse ? 'regressed' : 'improved';
}

function testText(info: MetricInfo, alpha: number, threshold: number, tested: number, untested: number): string {
  const dir = info.biggerIsBetter ? 'bigger is better' : 'smaller is better';
  const parts = [`${info.label} (${info.unit}, ${dir}); ratio = current / base`];
  if (tested > 0) {
    parts.push(
      `significance: Welch's t-test on per-window values (${info.windowsField}), two-sided, Holm-corrected over ${tested} scenario${tested === 1 ? '' : 's'} at family-wise alpha ${alpha}; 95% CI of the ratio by the delta method`,
    );
  }
  if (untested > 0) {
    parts.push(`no test: one value per run for ${untested} scenario${untested === 1 ? '' : 's'} (${info.windowsField} is not in both documents), judged by the threshold alone`);
  }
  parts.push(`a change counts only when it is larger than the threshold ${thresholdText(threshold)}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------
// Display helpers shared by the table and markdown reporters
// ---------------------------------------------------------------------------

/** A value of the metric with its unit. */
export function metricText(metric: CompareMetric, v: number): string {
  switch (metric) {
    case 'throughput': return `${si(v)} ops/s`;
    case 'latency-p99': return duration(v);
    case 'cpu-per-op': return `${duration(v)}/op`;
    case 'cs-per-op': return `${v.toPrecision(3)}/op`;
  }
}

/** "0.833 [0.812, 0.855]", or the bare ratio without a CI; "—" when undefined. */
export function ratioText(row: CompareRow): string {
  if (row.ratio === null) return '—';
  const r = row.ratio.toFixed(3);
  return row.ci95 ? `${r} [${row.ci95[0].toFixed(3)}, ${row.ci95[1].toFixed(3)}]` : r;
}

/** Signed change in percent: "-16.7%", "+2.0%". */
export function changeText(row: CompareRow): string {
  if (row.ratio === null) return '—';
  const text = ((row.ratio - 1) * 100).toFixed(1);
  if (Number(text) === 0) return '0.0%';
  return `${text.startsWith('-') ? '' : '+'}${text}%`;
}

/** p-value and Holm-adjusted p-value: "0.0012 (Holm 0.0180)", or "no test". */
export function pValueText(row: CompareRow): string {
  if (row.test === 'none') return 'no test';
  if (row.pValue === null) return '—';
  return `${pText(row.pValue)} (Holm ${row.pAdjusted === null ? '—' : pText(row.pAdjusted)})`;
}

/** One line: how many regressed, improved and were unchanged, and on which metric. */
export function verdictSummary(r: CompareResult): string {
  const n = r.rows.length;
  const head = (r.regressed > 0
    ? `${r.regressed} of ${n} compared scenario${n === 1 ? '' : 's'} regressed`
    : `no regression in ${n} compared scenario${n === 1 ? '' : 's'}`)
    + (r.broken.length > 0 ? `, and ${r.broken.length} that completed in base failed in current` : '');
  const extra = [
    r.improved > 0 ? `${r.improved} improved` : '',
    `${r.unchanged} unchanged`,
    r.onlyInBase.length > 0 ? `${r.onlyInBase.length} only in base` : '',
    r.onlyInCurrent.length > 0 ? `${r.onlyInCurrent.length} only in current` : '',
    r.notCompared.length > 0 ? `${r.notCompared.length} not compared` : '',
  ].filter(Boolean).join(', ');
  return `${head} (${extra}); verdicts used ${METRICS[r.metric].label} (--metric ${r.metric}), threshold ${thresholdText(r.threshold)}, alpha ${r.alpha}.`;
}
