/**
 * Charts for the markdown reports: mermaid `xychart-beta` blocks, which
 * GitHub draws in job summaries, pull requests and comments. Pure functions.
 *
 * Every label comes from a document, which is text from a file: it is made
 * printable (common/text.ts) and stripped of what mermaid's grammar or its
 * preprocessing would read as syntax. Numbers are written in plain decimal
 * notation, because the grammar reads no exponents.
 */
import { METRIC_INFO, type CompareResult, type CompareRow } from '../analyze/baseline.js';
import type { HistoryResult, HistoryRow } from '../analyze/history.js';
import { printable } from '../common/text.js';
import { MODES, type Mode } from '../common/types.js';
import type { ResultDocument, ScenarioResult } from '../document/result.js';
import { params, pct } from './format.js';

/** A step summary with a chart per workload of a big suite is a wall of charts: the tables below hold the rest. */
export const MAX_RUN_CHARTS = 12;
/** Categories on one x-axis beyond this overlap their labels; the table has every scenario. */
export const MAX_CATEGORIES = 24;
/** Bars in the compare chart: the largest changes, so a regression is not the one left out. */
export const MAX_COMPARE_BARS = 30;
/** A label longer than this crowds the axis out of the chart; ids may be 512 characters. */
const MAX_LABEL = 60;

/** What mermaid reads as syntax near a quoted label, mapped to look-alikes that it reads as text. */
const BRACKETS: Readonly<Record<string, string>> = { '[': '(', ']': ')', '<': '(', '>': ')' };

/**
 * `text` as the inside of a quoted mermaid label: printable (controls and
 * line breaks shown as escapes), no `"` (it ends the string), no backtick
 * (`"\`` opens a markdown string, and three of them end the markdown fence),
 * no square brackets (they delimit a list) or angle brackets (mermaid
 * rewrites what looks like an HTML tag before it parses), no `%%` (mermaid
 * reads `%%{...}%%` anywhere in a diagram as a directive that rewrites its
 * configuration; braces alone are text, and printable() writes `\u{202e}`),
 * no `&` and no `#name;` (entities, which mermaid decodes), never empty (the
 * grammar wants a token).
 */
export function chartText(text: string, max = MAX_LABEL): string {
  const safe = printable(text)
    // printable() leaves the Unicode line and paragraph separators, which some renderers break lines at.
    .replace(/[\u2028\u2029]/g, ' ')
    .replace(/["`]/g, "'")
    .replace(/[[\]<>]/g, (c) => BRACKETS[c] ?? '')
    // An entity (&lt;, or mermaid's own #lt;) would be decoded back into a bracket where the label is drawn.
    .replace(/&/g, '+')
    .replace(/(#\w+);/g, '$1 ;')
    .replace(/%{2,}/g, '%')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...safe];
  const short = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : safe;
  return short === '' ? '?' : short;
}

/** A chart's title: longer than a label, since it is alone on its line. */
const title = (text: string): string => `title "${chartText(text, 2 * MAX_LABEL)}"`;

/**
 * `x` with `digits` significant digits in plain decimal notation (the
 * grammar's numbers are `[+-]?\d+(\.\d+)?`: String(1e-7) would not parse);
 * null unless finite and below 1e21, where toFixed() itself turns to exponents.
 */
export function chartNumber(x: number, digits = 3): string | null {
  if (!Number.isFinite(x)) return null;
  const rounded = Number(x.toPrecision(digits));
  if (Math.abs(rounded) >= 1e21) return null;
  if (rounded === 0) return '0';
  // Past 20 decimals a value is 0 to any chart of these figures; toFixed() refuses more than 100.
  const decimals = Math.min(20, Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(rounded)))));
  const text = rounded.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') || '0' : text;
}

/** A ratio as the compare table shows it (three decimals: 1.004 against a ±5 % threshold is not 1.00); null where it cannot be charted. */
export function chartRatio(x: number): string | null {
  return Number.isFinite(x) && Math.abs(x) < 1e21 ? x.toFixed(3) : null;
}

function block(lines: readonly string[], orientation: 'vertical' | 'horizontal' = 'vertical'): string {
  return ['```mermaid', orientation === 'horizontal' ? 'xychart-beta horizontal' : 'xychart-beta', ...lines.map((l) => `  ${l}`), '```'].join('\n');
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------
// run
// ---------------------------------------------------------------------------

/** One x-axis category: the scenarios of a workload that differ only in mode, and the estimate of each mode that completed. */
interface Category {
  label: string;
  throughput: Map<Mode, number>;
}

interface WorkloadChart {
  workload: string;
  modes: Mode[];
  categories: Category[];
  /** Categories not complete in every mode of `modes`: not charted. */
  incomplete: number;
}

/** A completed scenario's throughput estimate, where it can be charted. */
function estimate(s: ScenarioResult): number | undefined {
  const v = s.throughput?.estimate;
  return s.state === 'completed' && v !== undefined && v > 0 && chartNumber(v) !== null ? v : undefined;
}

function categoryLabel(s: ScenarioResult): string {
  const p = params(s.params as Record<string, unknown>);
  const sysctls = Object.entries(s.sysctls)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [p === '—' ? '' : p, `w${s.workers}`, s.placement, sysctls ? `sysctl ${sysctls}` : ''].filter(Boolean).join(' ');
}

/** Labels made safe can collide (truncated, brackets mapped): a band axis merges equal categories, so number the repeats. */
function uniqueLabels(labels: readonly string[]): string[] {
  const used = new Set<string>();
  return labels.map((l) => {
    let label = chartText(l);
    // The number goes after the truncation, or truncating would make the repeats equal again.
    for (let n = 2; used.has(label); n++) label = `${chartText(l, MAX_LABEL - String(n).length - 2)} #${n}`;
    used.add(label);
    return label;
  });
}

/**
 * The workloads in the order they ran, each with the modes that completed in
 * it and its categories. A category missing a mode is left out rather than
 * drawn as 0 (which reads as a collapse in throughput) or skipped (mermaid
 * wants a number in every category of every series); the caption counts them.
 */
function workloadCharts(doc: ResultDocument): WorkloadChart[] {
  const byWorkload = new Map<string, Map<string, Category>>();
  for (const s of doc.scenarios) {
    const groups = byWorkload.get(s.workload) ?? new Map<string, Category>();
    byWorkload.set(s.workload, groups);
    const key = JSON.stringify([s.params, s.workers, s.placement, Object.entries(s.sysctls).sort()]);
    const group = groups.get(key) ?? { label: categoryLabel(s), throughput: new Map<Mode, number>() };
    groups.set(key, group);
    const v = estimate(s);
    if (v !== undefined && !group.throughput.has(s.mode)) group.throughput.set(s.mode, v);
  }
  const out: WorkloadChart[] = [];
  for (const [workload, groups] of byWorkload) {
    const all = [...groups.values()];
    const modes = MODES.filter((m) => all.some((g) => g.throughput.has(m)));
    const complete = all.filter((g) => modes.every((m) => g.throughput.has(m)));
    if (modes.length === 0 || complete.length === 0) continue;
    const labels = uniqueLabels(complete.map((g) => g.label));
    out.push({
      workload,
      modes,
      categories: complete.map((g, i) => ({ label: labels[i] ?? '?', throughput: g.throughput })),
      incomplete: all.length - complete.length,
    });
  }
  return out;
}

/** The top of a throughput axis: from 0, so that a 2 % difference looks like one, with room above the highest value. */
function axisTop(values: readonly number[]): string {
  return chartNumber(Math.max(...values) * 1.1) ?? '0';
}

function workloadChart(w: WorkloadChart): string {
  const shown = w.categories.slice(0, MAX_CATEGORIES);
  const notes: string[] = [];
  if (w.categories.length > shown.length) notes.push(`${plural(w.categories.length - shown.length, 'more scenario group')} in the table, not charted`);
  if (w.incomplete > 0) notes.push(`${plural(w.incomplete, 'scenario group')} left out: not completed in every mode`);
  const values = shown.flatMap((c) => [...c.throughput.values()]);
  const num = (v: number | undefined): string => (v === undefined ? '0' : (chartNumber(v) ?? '0'));
  const only = shown.length === 1 ? shown[0] : undefined;
  if (only) {
    // A line through one category is a single point, which mermaid does not draw: one bar per mode instead.
    const lines = [
      title(`${w.workload} ${only.label}: ops/s`),
      `x-axis "mode" [${w.modes.map((m) => `"${m}"`).join(', ')}]`,
      `y-axis "ops/s" 0 --> ${axisTop(values)}`,
      `bar [${w.modes.map((m) => num(only.throughput.get(m))).join(', ')}]`,
    ];
    return [`_${['Bars: ops/s per mode, from 0', ...notes].join('; ')}._`, block(lines)].join('\n\n');
  }
  const lines = [
    title(`${w.workload}: ops/s`),
    `x-axis "scenario" [${shown.map((c) => `"${c.label}"`).join(', ')}]`,
    `y-axis "ops/s" 0 --> ${axisTop(values)}`,
    ...w.modes.map((m) => `line "${m}" [${shown.map((c) => num(c.throughput.get(m))).join(', ')}]`),
  ];
  // xychart-beta draws no legend: the caption names the lines in the order mermaid colours them.
  return [`_${[`Lines, in order: ${w.modes.join(', ')} (ops/s, from 0)`, ...notes].join('; ')}._`, block(lines)].join('\n\n');
}

/**
 * `run --format markdown`: a chart of throughput per workload, the scenario
 * groups along the x-axis and a line per mode (bars per mode where a
 * workload has one group); at most MAX_RUN_CHARTS. Null with nothing to chart.
 */
export function runChart(doc: ResultDocument): string | null {
  const charts = workloadCharts(doc);
  if (charts.length === 0) return null;
  const out = charts.slice(0, MAX_RUN_CHARTS).map(workloadChart);
  if (charts.length > MAX_RUN_CHARTS) {
    out.push(`_${plural(charts.length - MAX_RUN_CHARTS, 'more workload')} not charted (at most ${MAX_RUN_CHARTS} charts a run): see the tables._`);
  }
  return out.join('\n\n');
}

// ---------------------------------------------------------------------------
// compare
// ---------------------------------------------------------------------------

/** The rows a chart can show, and which of them it shows: the largest changes, in the table's order. */
function comparedBars(r: CompareResult): { shown: CompareRow[]; charted: number; noRatio: number } {
  const chartable = r.rows.filter((row) => row.ratio !== null && row.ratio > 0 && chartRatio(row.ratio) !== null);
  const change = (row: CompareRow): number => Math.abs(Math.log(row.ratio ?? 1));
  const keep = new Set([...chartable].sort((a, b) => change(b) - change(a)).slice(0, MAX_COMPARE_BARS));
  return { shown: chartable.filter((row) => keep.has(row)), charted: chartable.length, noRatio: r.rows.length - chartable.length };
}

/**
 * `compare --format markdown`: a bar of current / base per compared
 * scenario, with lines at 1 ± the threshold; horizontal, because scenario
 * ids are long. At most MAX_COMPARE_BARS bars. Null with nothing to chart.
 */
export function compareChart(r: CompareResult): string | null {
  const { shown, charted, noRatio } = comparedBars(r);
  if (shown.length === 0) return null;
  const ratios = shown.map((row) => row.ratio ?? 1);
  const low = Math.max(0, 1 - r.threshold);
  const high = 1 + r.threshold;
  const lo = Math.min(low, ...ratios);
  const hi = Math.max(high, ...ratios);
  const pad = (hi - lo) * 0.1;
  // Floor and ceiling at the ratios' three decimals, so that the range holds every bar and both lines.
  const axisLo = Math.max(0, Math.floor((lo - pad) * 1000) / 1000);
  const axisHi = Math.ceil((hi + pad) * 1000) / 1000;
  const info = METRIC_INFO[r.metric];
  const threshold = pct(r.threshold);
  const labels = uniqueLabels(shown.map((row) => row.id));
  const band = (v: number): string => `line [${shown.map(() => chartRatio(v) ?? '1.000').join(', ')}]`;
  const lines = [
    title(`current / base: ${info.label} (${info.biggerIsBetter ? 'higher' : 'lower'} is better), threshold ±${threshold}`),
    `x-axis "scenario" [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `y-axis "current / base" ${chartRatio(axisLo) ?? '0'} --> ${chartRatio(axisHi) ?? '2'}`,
    `bar [${ratios.map((v) => chartRatio(v) ?? '1.000').join(', ')}]`,
    band(low),
    band(high),
  ];
  const notes = [`Bars: current / base per scenario; lines: 1 − ${threshold} and 1 + ${threshold}, the threshold`];
  if (charted > shown.length) notes.push(`the ${shown.length} largest changes of ${charted}: ${charted - shown.length} more in the table, not charted`);
  if (noRatio > 0) notes.push(`${plural(noRatio, 'scenario')} without a ratio not charted`);
  return [`_${notes.join('; ')}._`, block(lines, 'horizontal')].join('\n\n');
}

// ---------------------------------------------------------------------------
// history
// ---------------------------------------------------------------------------

/** A job summary of a long suite's history shows the scenarios that moved, at most this many; the tables have all. */
export const MAX_HISTORY_CHARTS = 12;

/** The rows worth a chart: a change point, or a newest run that is not in line. */
const moved = (row: HistoryRow): boolean => row.changePoints.length > 0 || (row.verdict !== 'in line' && row.verdict !== 'inconclusive');

function historyRowChart(r: HistoryResult, row: HistoryRow): string | null {
  // A run without a value is drawn at its segment's level (mermaid wants a number at every point).
  const level = (i: number): number | null => row.segments.find((s) => s.start <= i && i < s.end)?.mean ?? null;
  const values = row.values.map((v, i) => v ?? level(i));
  const means = row.values.map((_v, i) => level(i));
  const all = [...values, ...means].filter((v): v is number => v !== null && chartNumber(v) !== null);
  if (all.length === 0 || row.values.length < 2) return null;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.1 || hi * 0.05;
  const num = (v: number | null): string => (v === null ? (chartNumber(lo) ?? '0') : (chartNumber(v, 4) ?? '0'));
  const unit = r.relative ? 'ratio' : r.unit;
  const lines = [
    title(`${row.id}: ${r.metric}, ${row.verdict}`),
    `x-axis "run" 1 --> ${row.values.length}`,
    `y-axis "${chartText(unit)}" ${chartNumber(Math.max(0, lo - pad), 4) ?? '0'} --> ${chartNumber(hi + pad, 4) ?? '1'}`,
    `line [${values.map(num).join(', ')}]`,
    `line [${means.map(num).join(', ')}]`,
  ];
  const changes = row.changePoints.map((c) => `run ${c.index + 1} ${c.ratio >= 1 ? '+' : ''}${((c.ratio - 1) * 100).toFixed(1)} %`).join(', ');
  const missing = row.values.filter((v) => v === null).length;
  const notes = [
    `Lines, in order: each run's ${r.metric}, and the mean of its segment (steps at the change points${changes ? `: ${changes}` : ''}); the y-axis does not start at 0`,
  ];
  if (missing > 0) notes.push(`${plural(missing, 'run')} without a value drawn at its segment's level`);
  return [`_${notes.join('; ')}._`, block(lines)].join('\n\n');
}

/**
 * `history --format markdown`: per scenario that moved (a change point, or
 * a newest run not in line), a line chart of its series and its segments'
 * means, regressions first; at most MAX_HISTORY_CHARTS. Null when nothing moved.
 */
export function historyChart(r: HistoryResult): string | null {
  // What fails the gate first, then what may soon, then the rest in the table's order.
  const rank = (row: HistoryRow): number => ({ regressed: 0, suspected: 1, improved: 2 })[row.verdict as string] ?? 3;
  const rows = r.rows
    .filter(moved)
    .map((row, i) => ({ row, i }))
    .sort((a, b) => rank(a.row) - rank(b.row) || a.i - b.i)
    .map((x) => x.row);
  const charts = rows
    .slice(0, MAX_HISTORY_CHARTS)
    .map((row) => historyRowChart(r, row))
    .filter((c): c is string => c !== null);
  if (charts.length === 0) return null;
  if (rows.length > MAX_HISTORY_CHARTS) charts.push(`_${plural(rows.length - MAX_HISTORY_CHARTS, 'more scenario')} moved, not charted: see the tables._`);
  return charts.join('\n\n');
}
