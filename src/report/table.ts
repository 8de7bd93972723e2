/**
 * Terminal tables (the only module that uses cli-table3): one table per
 * workload, rows are scenarios, then the mode comparisons with verdicts.
 * A pure function of the result document.
 */
import Table from 'cli-table3';
import { changeText, metricText, pValueText, ratioText, verdictSummary, type CompareResult, type CompareRow } from '../compare.js';
import type { Comparison, ResultDocument, ScenarioResult } from '../result.js';
import { workloadInfo } from '../workloads.js';
import { duration, megabytes, opsPerSec, params, pValue, ratio, scenarioNotes, verdictWords } from './format.js';

export interface TableOptions {
  color: boolean;
}

const ansi = (code: number, color: boolean) => (s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s);

function table(head: string[], color: boolean): Table.Table {
  return new Table({ head, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
}

export function renderScenarios(doc: ResultDocument, o: TableOptions): string {
  const byWorkload = new Map<string, ScenarioResult[]>();
  for (const s of doc.scenarios) byWorkload.set(s.workload, [...(byWorkload.get(s.workload) ?? []), s]);
  const parts: string[] = [];
  const bold = ansi(1, o.color);
  for (const [workload, rows] of byWorkload) {
    const info = workloadInfo(workload);
    const hasBytes = info?.hasBytes ?? false;
    const t = table(['params', 'workers', 'placement', 'mode', 'ops/s', ...(hasBytes ? ['MB/s'] : []), 'p50', 'p99', 'CPU/op', 'cs/op', 'notes'], o.color);
    for (const s of rows) {
      const done = s.throughput !== undefined;
      t.push([
        params(s.params as Record<string, unknown>),
        String(s.workers),
        s.placement,
        s.mode,
        done && s.throughput ? opsPerSec(s.throughput.mean, s.throughput.rme) : '—',
        ...(hasBytes ? [megabytes(s.bytesPerSecond)] : []),
        duration(s.latency?.p50),
        duration(s.latency?.p99),
        duration(s.cpuNsPerOp),
        s.ctxSwitchesPerOp !== undefined ? s.ctxSwitchesPerOp.toFixed(2) : '—',
        scenarioNotes(s),
      ]);
    }
    parts.push(`${bold(workload)}${info ? ` (op: ${info.op})` : ''}\n${t.toString()}`);
  }
  return parts.join('\n\n');
}

export function renderComparisons(doc: ResultDocument, o: TableOptions): string {
  if (doc.comparisons.length === 0) return '';
  const byId = new Map(doc.scenarios.map((s) => [s.id, s]));
  const t = table(['workload', 'params', 'workers', 'placement', 'a / b', 'ratio [95% CI]', 'p (Holm)', 'verdict'], o.color);
  for (const c of doc.comparisons) {
    const s = byId.get(c.scenarioA);
    t.push([
      s?.workload ?? '?',
      s ? params(s.params as Record<string, unknown>) : '',
      s ? String(s.workers) : '',
      s?.placement ?? '',
      `${c.a} / ${c.b}`,
      ratio(c.ratio, c.ci95),
      pValue(c.pAdjusted ?? c.pValue),
      verdictWords(c, (t, slower) => ansi(slower ? 31 : 32, o.color)(t)),
    ]);
  }
  const test = doc.comparisons[0]?.test ?? '';
  return `${ansi(1, o.color)('Mode comparisons')} (ratio of throughputs a/b; ${test})\n${t.toString()}\n${plainSummary(doc)}`;
}

/** One line per workload: which comparisons found a difference, or that none did. */
export function plainSummary(doc: ResultDocument): string {
  const byId = new Map(doc.scenarios.map((s) => [s.id, s]));
  const byWorkload = new Map<string, Comparison[]>();
  for (const c of doc.comparisons) {
    const w = byId.get(c.scenarioA)?.workload ?? '?';
    byWorkload.set(w, [...(byWorkload.get(w) ?? []), c]);
  }
  const lines: string[] = [];
  for (const [w, cs] of byWorkload) {
    const differing = cs.filter((c) => c.verdict !== 'no significant difference');
    lines.push(differing.length === 0
      ? `${w}: the modes do not differ significantly (${cs.length} comparisons).`
      : `${w}: ${differing.length} of ${cs.length} comparisons differ: ${differing.map((c) => {
        const s = byId.get(c.scenarioA);
        const p = s ? params(s.params as Record<string, unknown>) : '';
        return `${c.a} ${c.verdict} than ${c.b} (${c.ratio.toFixed(3)}x, ${p !== '—' ? `${p}, ` : ''}${s?.workers ?? '?'} workers)`;
      }).join('; ')}.`);
  }
  return lines.join('\n');
}

export function renderEnv(doc: ResultDocument): string {
  const e = doc.env;
  return `${e.kernel} ${e.arch}, ${e.cpuModel}, ${e.cpuCount} CPUs (usable ${e.usableCpus.join(',')}), clocksource ${e.clocksource}, timer ${e.timerNs.toFixed(1)} ns, node ${e.node}, route ${e.route}`;
}

export function renderDocument(doc: ResultDocument, o: TableOptions): string {
  const warnings: string[] = [];
  if (doc.scenarios.some((s) => s.oversubscribed)) {
    warnings.push(`Scenarios with more workers than the ${doc.env.usableCpus.length} CPUs this run could use are marked oversubscribed: their scaling is shown, not trusted.`);
  }
  if (!doc.complete) warnings.push('This run did not complete: the document holds what was measured before it stopped.');
  return [renderEnv(doc), renderScenarios(doc, o), renderComparisons(doc, o), ...warnings].filter(Boolean).join('\n\n');
}

function runVerdictText(row: CompareRow, color: boolean): string {
  if (row.verdict === 'regressed') return ansi(31, color)('regressed');
  if (row.verdict === 'improved') return ansi(32, color)('improved');
  return 'unchanged';
}

/**
 * `ipcns-bench compare` as terminal text: warnings first, then the metric and
 * the verdict rule, one row per compared scenario, the scenarios present on
 * one side only or not comparable, and a one-line summary.
 */
export function renderCompare(r: CompareResult, o: TableOptions): string {
  const parts: string[] = [];
  const warn = ansi(33, o.color);
  if (r.warnings.length > 0) parts.push(r.warnings.map((w) => warn(`warning: ${w}`)).join('\n'));
  parts.push([
    `base:    ${r.base.path} (${r.base.startedAt}, ipcns-bench ${r.base.version}, suite ${r.base.suite})`,
    `current: ${r.current.path} (${r.current.startedAt}, ipcns-bench ${r.current.version}, suite ${r.current.suite})`,
    `${ansi(1, o.color)(`Verdicts by --metric ${r.metric}`)}: ${r.test}.`,
  ].join('\n'));
  if (r.rows.length > 0) {
    const t = table(['scenario', 'base', 'current', 'ratio [95% CI]', 'change', 'p', 'verdict', 'notes'], o.color);
    for (const row of r.rows) {
      t.push([
        row.id,
        metricText(r.metric, row.base),
        metricText(r.metric, row.current),
        ratioText(row),
        changeText(row),
        pValueText(row),
        runVerdictText(row, o.color),
        row.notes.join('; '),
      ]);
    }
    parts.push(t.toString());
  }
  const lists: string[] = [];
  if (r.onlyInBase.length > 0) lists.push(`Only in base (not compared): ${r.onlyInBase.join(', ')}`);
  if (r.onlyInCurrent.length > 0) lists.push(`Only in current (not compared): ${r.onlyInCurrent.join(', ')}`);
  for (const n of r.notCompared) lists.push(`Not compared: ${n.id}: ${n.reason}`);
  if (lists.length > 0) parts.push(lists.join('\n'));
  parts.push(verdictSummary(r));
  return parts.join('\n\n');
}
