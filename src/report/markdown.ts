/**
 * GitHub-flavoured markdown for pull requests and job summaries
 * ($GITHUB_STEP_SUMMARY): a run's results and a run-against-baseline
 * comparison. Pure functions of a result document or a compare result; plain
 * markdown tables, no HTML.
 */
import { changeText, metricText, pValueText, ratioText, verdictSummary, type CompareResult, type CompareRow } from '../compare.js';
import type { ResultDocument, ScenarioResult } from '../result.js';
import { workloadInfo } from '../workloads.js';
import { duration, megabytes, opsPerSec, params, pValue, ratio, scenarioNotes, verdictWords } from './format.js';

/** Text safe inside a table cell: pipes escaped, line breaks flattened. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code, safe in a table cell. */
function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'")}\``;
}

function tableMd(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function quoteBlock(lines: readonly string[]): string {
  return lines.map((l) => `> ${l}`).join('\n>\n');
}

function verdictMd(row: CompareRow): string {
  if (row.verdict === 'regressed') return '🔴 **regressed**';
  if (row.verdict === 'improved') return '🟢 improved';
  return 'unchanged';
}

/** `ipcns-bench compare` as markdown: warnings first, the verdict rule, a table, one-side-only scenarios, a summary. */
export function renderCompareMarkdown(r: CompareResult): string {
  const out: string[] = [`### ipcns-bench compare: ${r.metric}`];
  if (r.warnings.length > 0) out.push(quoteBlock(r.warnings.map((w) => `⚠️ **Warning:** ${cell(w)}`)));
  out.push(
    `**${r.regressed > 0 ? 'Regression' : 'Result'}:** ${verdictSummary(r)}`,
    `Base ${code(r.base.path)} (${r.base.startedAt}, ipcns-bench ${r.base.version}, ${r.base.kernel}) · ` +
      `current ${code(r.current.path)} (${r.current.startedAt}, ipcns-bench ${r.current.version}, ${r.current.kernel})`,
    `Verdicts by \`--metric ${r.metric}\`: ${r.test}.`,
  );
  if (r.rows.length > 0) {
    out.push(tableMd(
      ['scenario', 'base', 'current', 'ratio [95% CI]', 'change', 'p', 'verdict', 'notes'],
      r.rows.map((row) => [
        code(row.id),
        metricText(r.metric, row.base),
        metricText(r.metric, row.current),
        ratioText(row),
        changeText(row),
        pValueText(row),
        verdictMd(row),
        cell(row.notes.join('; ')),
      ]),
    ));
  }
  const lists: string[] = [];
  if (r.onlyInBase.length > 0) lists.push(`- **Only in base** (not compared): ${r.onlyInBase.map(code).join(', ')}`);
  if (r.onlyInCurrent.length > 0) lists.push(`- **Only in current** (not compared): ${r.onlyInCurrent.map(code).join(', ')}`);
  for (const n of r.notCompared) lists.push(`- **Not compared:** ${code(n.id)}: ${cell(n.reason)}`);
  if (lists.length > 0) out.push(lists.join('\n'));
  return `${out.join('\n\n')}\n`;
}

/** `ipcns-bench run --format markdown`: the machine, one table per workload, the mode comparisons. */
export function renderRunMarkdown(doc: ResultDocument): string {
  const e = doc.env;
  const out: string[] = [
    `### ipcns-bench run: suite ${doc.command.suite}`,
    `${cell(e.kernel)} ${e.arch}, ${cell(e.cpuModel)}, ${e.cpuCount} CPUs (usable ${e.usableCpus.join(',')}), ` +
      `clocksource ${e.clocksource}, timer ${e.timerNs.toFixed(1)} ns, node ${e.node}, route ${e.route}, ipcns-bench ${doc.tool.version}, started ${doc.startedAt}`,
  ];
  const warnings: string[] = [];
  if (!doc.complete) warnings.push('⚠️ **Warning:** this run did not complete: the document holds what was measured before it stopped.');
  if (doc.scenarios.some((s) => s.oversubscribed)) {
    warnings.push(`⚠️ **Warning:** scenarios with more workers than the ${e.usableCpus.length} CPUs this run could use are marked oversubscribed: their scaling is shown, not trusted.`);
  }
  if (warnings.length > 0) out.push(quoteBlock(warnings));

  const byWorkload = new Map<string, ScenarioResult[]>();
  for (const s of doc.scenarios) byWorkload.set(s.workload, [...(byWorkload.get(s.workload) ?? []), s]);
  for (const [workload, rows] of byWorkload) {
    const info = workloadInfo(workload);
    const hasBytes = info?.hasBytes ?? false;
    out.push(`#### ${code(workload)}${info ? ` (op: ${cell(info.op)})` : ''}`);
    out.push(tableMd(
      ['params', 'workers', 'placement', 'mode', 'ops/s', ...(hasBytes ? ['MB/s'] : []), 'p50', 'p99', 'CPU/op', 'cs/op', 'notes'],
      rows.map((s) => [
        cell(params(s.params as Record<string, unknown>)),
        String(s.workers),
        s.placement,
        s.mode,
        s.throughput ? opsPerSec(s.throughput.mean, s.throughput.rme) : '—',
        ...(hasBytes ? [megabytes(s.bytesPerSecond) || '—'] : []),
        duration(s.latency?.p50),
        duration(s.latency?.p99),
        duration(s.cpuNsPerOp),
        s.ctxSwitchesPerOp !== undefined ? s.ctxSwitchesPerOp.toFixed(2) : '—',
        cell(scenarioNotes(s, (t) => `**${t}**`)),
      ]),
    ));
  }

  if (doc.comparisons.length > 0) {
    const byId = new Map(doc.scenarios.map((s) => [s.id, s]));
    out.push(`#### Mode comparisons`, `Ratio of throughputs a / b; ${cell(doc.comparisons[0]?.test ?? '')}.`);
    out.push(tableMd(
      ['workload', 'params', 'workers', 'placement', 'a / b', 'ratio [95% CI]', 'p', 'verdict'],
      doc.comparisons.map((c) => {
        const s = byId.get(c.scenarioA);
        return [
          s ? code(s.workload) : '?',
          s ? cell(params(s.params as Record<string, unknown>)) : '',
          s ? String(s.workers) : '',
          s?.placement ?? '',
          `${c.a} / ${c.b}`,
          ratio(c.ratio, c.ci95),
          pValue(c.pValue),
          verdictWords(c, (t) => `**${t}**`),
        ];
      }),
    ));
  }
  return `${out.join('\n\n')}\n`;
}
