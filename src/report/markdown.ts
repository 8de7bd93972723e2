/**
 * GitHub-flavoured markdown for pull requests and job summaries
 * ($GITHUB_STEP_SUMMARY): prints the rows that rows.ts builds as markdown
 * tables, after the charts of mermaid.ts. Pure functions; no HTML: what
 * comes from a document passes through cell(), or chartText() in a chart.
 */
import type { CompareResult } from '../analyze/baseline.js';
import type { FleetComparison } from '../analyze/fleet.js';
import { fleetLists, fleetModeTable, fleetWarnings, fleetScenarioTable, fleetSummary, machinesTable, perMachineTable } from './fleet-rows.js';
import type { ResultDocument } from '../document/result.js';
import type { HistoryResult } from '../analyze/history.js';
import { changePointTable, historySpan, historySummary, historyTable } from './history-rows.js';
import { compareChart, historyChart, runChart } from './mermaid.js';
import {
  compareLists,
  compareSides,
  compareSummary,
  compareTable,
  comparisonTables,
  headerLines,
  scenarioTables,
  warnings,
  workloadSummaries,
  type Cell,
  type TableModel,
} from './rows.js';

const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text safe anywhere in the markdown, the one escaping every value passes
 * through: no HTML (GitHub passes tags and comments through, and a `<!--`
 * in a suite name would hide the rest of a job summary), pipes escaped for
 * table cells, line breaks flattened.
 */
export function cell(text: string): string {
  return text
    .replace(/[&<>]/g, (c) => ENTITY[c] ?? c)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

/** Inline code, safe in a table cell. */
function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'")}\``;
}

function mdCell(c: Cell): string {
  switch (c.tone) {
    case 'bad':
      return `🔴 **${cell(c.text)}**`;
    case 'good':
      return `🟢 ${cell(c.text)}`;
    case 'warn':
      return `⚪ ${cell(c.text)}`;
    case 'strong':
      return `**${cell(c.text)}**`;
    case 'code':
      return code(c.text);
    default:
      return cell(c.text);
  }
}

export function printTableMd(t: TableModel): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [
    `#### ${cell(t.title)}`,
    ...(t.note ? [cell(t.note)] : []),
    '',
    line(t.head.map(cell)),
    line(t.head.map(() => '---')),
    ...t.rows.map((r) => line(r.map(mdCell))),
  ].join('\n');
}

function quoteBlock(lines: readonly string[]): string {
  return lines.map((l) => `> ${cell(l)}`).join('\n>\n');
}

/** `ipcns-bench run --format markdown` (and --summary): the machine, warnings, the charts, one table per workload, the mode comparisons, the summary. */
export function renderRunMarkdown(doc: ResultDocument): string {
  const out: string[] = [`### ipcns-bench run: suite ${cell(doc.command.suite)}`, headerLines(doc).map(cell).join('  \n')];
  const w = warnings(doc);
  if (w.length > 0) out.push(quoteBlock(w.map((x) => `⚠️ ${x}`)));
  const chart = runChart(doc);
  if (chart) out.push(chart);
  out.push(...scenarioTables(doc).map(printTableMd), ...comparisonTables(doc).map(printTableMd));
  const summary = workloadSummaries(doc);
  if (summary.length > 0) out.push(summary.map((l) => `- ${cell(l)}`).join('\n'));
  return `${out.join('\n\n')}\n`;
}

/** `ipcns-bench compare` as markdown (and --summary): warnings first, the runs, the chart, the table, the lists, a summary. */
export function renderCompareMarkdown(r: CompareResult): string {
  const out: string[] = [`### ipcns-bench compare: ${r.metric}`];
  if (r.warnings.length > 0) out.push(quoteBlock(r.warnings.map((x) => `⚠️ Warning: ${x}`)));
  out.push(`**${r.regressed > 0 ? 'Regression' : 'Result'}:** ${cell(compareSummary(r))}`, compareSides(r).map(cell).join('  \n'));
  const chart = compareChart(r);
  if (chart) out.push(chart);
  if (r.rows.length > 0) out.push(printTableMd(compareTable(r)));
  const lists = compareLists(r);
  if (lists.length > 0) out.push(lists.map((l) => `- ${cell(l)}`).join('\n'));
  return `${out.join('\n\n')}\n`;
}

/** A fleet compared, as markdown (and --summary): the summary first, then the tables, then what was not compared. */
export function renderFleetMarkdown(f: FleetComparison): string {
  const out: string[] = [`### ipcns-bench fleet: ${f.machines.length} machines against ${cell(f.reference)}, ${f.metric}`];
  const w = fleetWarnings(f);
  if (w.length > 0) out.push(quoteBlock(w.map((x) => `⚠️ ${x}`)));
  out.push(
    fleetSummary(f)
      .map((l) => `- ${cell(l)}`)
      .join('\n'),
  );
  const tables = [machinesTable(f), perMachineTable(f), ...(f.modes.length > 0 ? [fleetModeTable(f)] : []), fleetScenarioTable(f)];
  out.push(...tables.map(printTableMd));
  const lists = fleetLists(f);
  if (lists.length > 0) out.push(lists.map((l) => `- ${cell(l)}`).join('\n'));
  return `${out.join('\n\n')}\n`;
}

/** `ipcns-bench history` as markdown (and --summary): the verdict first, warnings, the charts of what moved, the tables. */
export function renderHistoryMarkdown(r: HistoryResult, strict: boolean): string {
  const out: string[] = [`### ipcns-bench history: ${r.metric}${r.relative ? ' (relative)' : ''}`];
  out.push(`**${r.regressed > 0 ? 'Regression' : 'Result'}:** ${cell(historySummary(r, strict))}`, cell(historySpan(r)));
  if (r.warnings.length > 0) out.push(quoteBlock(r.warnings.map((x) => `⚠️ Warning: ${x}`)));
  const chart = historyChart(r);
  if (chart) out.push(chart);
  out.push(printTableMd(historyTable(r)));
  const changes = changePointTable(r);
  if (changes) out.push(printTableMd(changes));
  return `${out.join('\n\n')}\n`;
}
