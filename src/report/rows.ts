/**
 * The rows of every report, built once from a result document or a compare
 * result; the terminal (table.ts) and markdown (markdown.ts) printers only
 * print them. A cell carries its text and a tone the printer may show
 * (colour on a terminal, bold in markdown).
 */
import type { CompareResult, CompareRow } from '../analyze/baseline.js';
import { METRIC_INFO } from '../analyze/baseline.js';
import { levelText, relativeHalfWidth } from '../analyze/modes.js';
import type { Comparison, Metric, ResultDocument, ScenarioResult } from '../document/result.js';
import { workloadInfo } from '../plan/workloads.js';
import { bound, duration, megabytes, params, pct, ratioWithCi, si } from './format.js';

export type Tone = 'good' | 'bad' | 'warn' | 'strong' | 'code';
export interface Cell {
  text: string;
  tone?: Tone;
}
export interface TableModel {
  title: string;
  /** A line under the title: what the table's figures are. */
  note?: string;
  head: string[];
  rows: Cell[][];
}

const plain = (text: string): Cell => ({ text });

/** The machine line and the noise line. */
export function headerLines(doc: ResultDocument): string[] {
  const e = doc.env;
  const lines = [
    `${e.label ? `${e.label}: ` : ''}${e.kernel} ${e.arch}, ${e.cpuModel}, ${e.cpuCount} CPUs (usable ${e.usableCpus.join(',')}), clocksource ${e.clocksource}, timer ${e.timerNs.toFixed(1)} ns, node ${e.node}, route ${e.route}`,
  ];
  const n = doc.noise;
  lines.push(
    n
      ? `noise: round-to-round ${pct(n.roundNoise)}, resolves ±${pct(n.resolution)} (median over ${n.comparisons} throughput comparisons); verdicts within ±${pct(doc.analysis.margin)}, ${pct(1 - doc.analysis.alphaRun, 0)} family-wise per metric over the run`
      : `verdicts within ±${pct(doc.analysis.margin)}, ${pct(1 - doc.analysis.alphaRun, 0)} family-wise per metric over the run`,
  );
  return lines;
}

/** Warnings a reader must see before trusting the figures. */
export function warnings(doc: ResultDocument): string[] {
  const out: string[] = [];
  if (doc.noise?.high) out.push(`Noise: ${doc.noise.advice}.`);
  if (doc.scenarios.some((s) => s.oversubscribed)) {
    out.push(
      `Scenarios with more workers than the ${doc.env.usableCpus.length} CPUs this run could use are marked oversubscribed: their scaling is shown, not trusted.`,
    );
  }
  const walled = doc.groups.filter((g) => g.stop === 'wall').length;
  if (walled > 0) {
    out.push(
      `${walled} group${walled === 1 ? '' : 's'} stopped at the wall-clock limit (10 times the cap, at least the cap + 30 s): setting up their processes took longer than measuring; their verdicts are from the rounds they had.`,
    );
  }
  if (!doc.complete) out.push('This run did not complete: the document holds what was measured before it stopped.');
  return out;
}

/** What a reader must know about a scenario's row. */
export function scenarioNotes(s: ScenarioResult): string {
  const out: string[] = [];
  if (s.state !== 'completed') out.push(`${s.state}${s.failure ? `: ${s.failure.message}` : ''}`);
  else if (s.failure) out.push(s.failure.message);
  if (s.oversubscribed) out.push('oversubscribed: more workers than CPUs, shown not trusted');
  if (s.placement === 'any') out.push('placement uncontrolled');
  return out.join('; ');
}

/** One table per workload, a row per scenario. */
export function scenarioTables(doc: ResultDocument): TableModel[] {
  const byWorkload = new Map<string, ScenarioResult[]>();
  for (const s of doc.scenarios) {
    const list = byWorkload.get(s.workload);
    if (list) list.push(s);
    else byWorkload.set(s.workload, [s]);
  }
  return [...byWorkload].map(([workload, list]) => {
    const info = workloadInfo(workload);
    const hasBytes = info?.hasBytes ?? false;
    return {
      title: workload,
      note: info ? `op: ${info.op}` : '',
      head: ['params', 'workers', 'placement', 'mode', 'ops/s', ...(hasBytes ? ['MB/s'] : []), 'p50', 'p99', 'CPU/op', 'cs/op', 'rounds', 'notes'],
      rows: list.map((s) => [
        plain(params(s.params as Record<string, unknown>)),
        plain(String(s.workers)),
        plain(s.placement),
        plain(s.mode),
        plain(s.throughput ? `${si(s.throughput.estimate)} ±${pct(relativeHalfWidth(s.throughput.ci))}` : '—'),
        ...(hasBytes ? [plain(megabytes(s.bytesPerSecond))] : []),
        plain(duration(s.latency?.p50)),
        plain(duration(s.latency?.p99)),
        plain(duration(s.cpuNsPerOp)),
        plain(s.ctxSwitchesPerOp !== undefined ? s.ctxSwitchesPerOp.toFixed(2) : '—'),
        plain(s.rounds !== undefined ? String(s.rounds) : '—'),
        { text: scenarioNotes(s), ...(s.state !== 'completed' ? { tone: 'bad' as const } : {}) },
      ]),
    };
  });
}

/** A mode comparison's verdict as a cell: "isolated faster", "equivalent", "inconclusive". */
export function verdictCell(c: Pick<Comparison, 'verdict' | 'a' | 'margin'>): Cell {
  switch (c.verdict) {
    case 'faster':
      return { text: `${c.a} faster`, tone: 'good' };
    case 'slower':
      return { text: `${c.a} slower`, tone: 'bad' };
    case 'equivalent':
      return { text: `equivalent (±${pct(c.margin, 0)})` };
    case 'inconclusive':
      return { text: 'inconclusive', tone: 'warn' };
  }
}

/** Mode comparisons: one table for throughput, one for latency (p50 and p99 side by side). */
export function comparisonTables(doc: ResultDocument): TableModel[] {
  const byId = new Map(doc.scenarios.map((s) => [s.id, s]));
  const where = (c: Comparison): Cell[] => {
    const s = byId.get(c.scenarioA);
    return [
      plain(s?.workload ?? '?'),
      plain(s ? params(s.params as Record<string, unknown>) : ''),
      plain(s ? String(s.workers) : ''),
      plain(s?.placement ?? ''),
    ];
  };
  const out: TableModel[] = [];
  const t = doc.comparisons.filter((c) => c.metric === 'throughput');
  const levels = t.map((c) => c.ciLevel);
  // Not Math.min(...levels): a long array spread into arguments overflows the stack.
  const lo = levels.reduce((a, v) => Math.min(a, v), Infinity);
  const hi = levels.reduce((a, v) => Math.max(a, v), -Infinity);
  const level = t.length === 0 ? '' : lo === hi ? ` at ${levelText(lo)}` : ` at ${levelText(lo)} to ${levelText(hi)}`;
  if (t.length > 0) {
    out.push({
      title: 'Mode comparisons: throughput',
      note: `ratio a / b of ops/s with its interval${level} (${doc.analysis.method})`,
      head: ['workload', 'params', 'workers', 'placement', 'a / b', 'ratio [interval]', 'verdict', 'rounds'],
      rows: t.map((c) => [...where(c), plain(`${c.a} / ${c.b}`), plain(ratioWithCi(c.ratio, c.ci)), verdictCell(c), plain(String(c.rounds))]),
    });
  }
  const p50 = doc.comparisons.filter((c) => c.metric === 'latency-p50');
  if (p50.length > 0) {
    const p99 = doc.comparisons.filter((c) => c.metric === 'latency-p99');
    out.push({
      title: 'Mode comparisons: latency',
      note: 'ratio a / b of the per-round p50 and p99 of the sampled op latency (smaller is better: "faster" is lower latency); p99 is reported, but does not keep a group sampling',
      head: ['workload', 'params', 'workers', 'placement', 'a / b', 'p50 ratio [interval]', 'p50', 'p99 ratio [interval]', 'p99'],
      rows: p50.map((c) => {
        const q = p99.find((x) => x.scenarioA === c.scenarioA && x.scenarioB === c.scenarioB);
        return [
          ...where(c),
          plain(`${c.a} / ${c.b}`),
          plain(ratioWithCi(c.ratio, c.ci)),
          verdictCell(c),
          plain(q ? ratioWithCi(q.ratio, q.ci) : '—'),
          q ? verdictCell(q) : plain('—'),
        ];
      }),
    });
  }
  return out;
}

function context(s: ScenarioResult | undefined): string {
  if (!s) return '';
  const p = params(s.params as Record<string, unknown>);
  return `at ${s.workers} worker${s.workers === 1 ? '' : 's'}${p !== '—' ? ` (${p})` : ''}${s.placement !== 'same-cpu' ? `, ${s.placement}` : ''}`;
}

/**
 * One line per workload, on throughput: "msg.pingpong: equivalent in every
 * mode within ±5 %", or the differences found, then what stayed inconclusive.
 */
export function workloadSummaries(doc: ResultDocument, metric: Metric = 'throughput'): string[] {
  const byId = new Map(doc.scenarios.map((s) => [s.id, s]));
  const byWorkload = new Map<string, Comparison[]>();
  for (const c of doc.comparisons.filter((x) => x.metric === metric)) {
    const w = byId.get(c.scenarioA)?.workload ?? '?';
    byWorkload.set(w, [...(byWorkload.get(w) ?? []), c]);
  }
  const margin = `±${pct(doc.analysis.margin, 0)}`;
  const lines: string[] = [];
  for (const [w, cs] of byWorkload) {
    const eq = cs.filter((c) => c.verdict === 'equivalent');
    if (eq.length === cs.length) {
      lines.push(`${w}: equivalent in every mode within ${margin} (${cs.length} comparison${cs.length === 1 ? '' : 's'}).`);
      continue;
    }
    const parts: string[] = [];
    for (const c of cs.filter((x) => x.verdict === 'faster' || x.verdict === 'slower')) {
      parts.push(`${c.a} ${c.verdict} than ${c.b} ${context(byId.get(c.scenarioA))}, ${c.ratio.toFixed(2)}× [${bound(c.ci[0], 2)}, ${bound(c.ci[1], 2)}]`);
    }
    const open = cs.filter((x) => x.verdict === 'inconclusive');
    if (open.length > 0) {
      parts.push(
        `inconclusive in ${open.length} (${open.map((c) => `${c.a} / ${c.b} ${context(byId.get(c.scenarioA))} ${ratioWithCi(c.ratio, c.ci)}`).join(', ')}): the run could not tell them within ${margin}`,
      );
    }
    if (eq.length > 0) parts.push(`${eq.length} equivalent within ${margin}`);
    lines.push(`${w}: ${parts.join('; ')}.`);
  }
  return lines;
}

// ---------------------------------------------------------------------------
// compare
// ---------------------------------------------------------------------------

/** A value of a compare metric with its unit. */
export function metricText(r: Pick<CompareResult, 'metric'>, v: number): string {
  switch (r.metric) {
    case 'throughput':
      return `${si(v)} ops/s`;
    case 'latency-p50':
    case 'latency-p99':
      return duration(v);
    case 'cpu-per-op':
      return `${duration(v)}/op`;
    case 'cs-per-op':
      return `${v.toPrecision(3)}/op`;
  }
}

/** Signed change in percent: "-16.7%", "+2.0%". */
export function changeText(row: CompareRow): string {
  if (row.ratio === null) return '—';
  const text = ((row.ratio - 1) * 100).toFixed(1);
  if (Number(text) === 0) return '0.0%';
  return `${text.startsWith('-') ? '' : '+'}${text}%`;
}

export function runVerdictCell(row: CompareRow): Cell {
  switch (row.verdict) {
    case 'regressed':
      return { text: 'regressed', tone: 'bad' };
    case 'improved':
      return { text: 'improved', tone: 'good' };
    case 'unchanged':
      return { text: 'unchanged' };
    case 'inconclusive':
      return { text: 'inconclusive', tone: 'warn' };
  }
}

export function compareTable(r: CompareResult): TableModel {
  return {
    title: `Compared by --metric ${r.metric}`,
    note: `${r.method}.`,
    head: ['scenario', 'base', 'current', 'ratio [interval]', 'change', 'verdict', 'rounds', 'notes'],
    rows: r.rows.map((row) => [
      { text: row.id, tone: 'code' },
      plain(metricText(r, row.base)),
      plain(metricText(r, row.current)),
      plain(row.ratio === null ? '—' : row.ci ? ratioWithCi(row.ratio, row.ci) : row.ratio.toFixed(3)),
      plain(changeText(row)),
      runVerdictCell(row),
      plain(`${row.rounds.base} / ${row.rounds.current}`),
      plain(row.notes.join('; ')),
    ]),
  };
}

/** The runs compared, one line each. */
export function compareSides(r: CompareResult): string[] {
  const side = (name: string, s: CompareResult['current']): string =>
    `${name}: ${s.path} (${s.startedAt}, ipcns-bench ${s.version}, suite ${s.suite}${s.label ? `, label ${s.label}` : ''})`;
  return [...r.bases.map((b, i) => side(r.bases.length > 1 ? `base ${i + 1}` : 'base', b)), side('current', r.current)];
}

/** Scenarios on one side only, or not comparable: none is dropped silently. */
export function compareLists(r: CompareResult): string[] {
  const out: string[] = [];
  if (r.onlyInBase.length > 0) out.push(`Only in base (not compared): ${r.onlyInBase.join(', ')}`);
  if (r.onlyInCurrent.length > 0) out.push(`Only in current (not compared): ${r.onlyInCurrent.join(', ')}`);
  for (const n of r.notCompared) out.push(`Not compared: ${n.id}: ${n.reason}`);
  return out;
}

/** One line: how many regressed, improved, were unchanged or inconclusive, on which metric. */
export function compareSummary(r: CompareResult): string {
  const n = r.rows.length;
  const head =
    (r.regressed > 0
      ? `${r.regressed} of ${n} compared scenario${n === 1 ? '' : 's'} regressed`
      : `no regression in ${n} compared scenario${n === 1 ? '' : 's'}`) +
    (r.broken.length > 0 ? `, and ${r.broken.length} that completed in base failed in current` : '');
  const extra = [
    r.improved > 0 ? `${r.improved} improved` : '',
    `${r.unchanged} unchanged`,
    r.inconclusive > 0 ? `${r.inconclusive} inconclusive` : '',
    r.onlyInBase.length > 0 ? `${r.onlyInBase.length} only in base` : '',
    r.onlyInCurrent.length > 0 ? `${r.onlyInCurrent.length} only in current` : '',
    r.notCompared.length > 0 ? `${r.notCompared.length} not compared` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const tail =
    r.inconclusive > 0 ? ' Inconclusive scenarios could not be told within the threshold: sample more (a longer --time) or pass more baselines.' : '';
  return `${head} (${extra}); verdicts used ${METRIC_INFO[r.metric].label} (--metric ${r.metric}), threshold ±${pct(r.threshold)}.${tail}`;
}
