/**
 * Terminal output (the only module that uses cli-table3): prints the rows
 * that rows.ts builds, with colour where the terminal allows.
 */
import Table from 'cli-table3';
import type { CompareResult } from '../analyze/baseline.js';
import type { FleetComparison } from '../analyze/fleet.js';
import type { HistoryResult } from '../analyze/history.js';
import { changePointTable, historySpan, historySummary, historyTable } from './history-rows.js';
import { fleetLists, fleetModeTable, fleetWarnings, fleetScenarioTable, fleetSummary, machinesTable, perMachineTable } from './fleet-rows.js';
import type { ResultDocument } from '../document/result.js';
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
  type Tone,
} from './rows.js';

export interface TableOptions {
  color: boolean;
}

const ANSI: Record<Tone, number> = { good: 32, bad: 31, warn: 33, strong: 1, code: 0 };

function paint(text: string, code: number, color: boolean): string {
  return color && code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function cell(c: Cell, color: boolean): string {
  return c.tone ? paint(c.text, ANSI[c.tone], color) : c.text;
}

export function printTable(t: TableModel, o: TableOptions): string {
  const table = new Table({ head: t.head, style: { head: o.color ? ['cyan'] : [], border: o.color ? ['grey'] : [] } });
  for (const row of t.rows) table.push(row.map((c) => cell(c, o.color)));
  return `${paint(t.title, 1, o.color)}${t.note ? ` (${t.note})` : ''}\n${table.toString()}`;
}

export function renderDocument(doc: ResultDocument, o: TableOptions): string {
  const parts = [headerLines(doc).join('\n'), ...scenarioTables(doc).map((t) => printTable(t, o)), ...comparisonTables(doc).map((t) => printTable(t, o))];
  const summary = workloadSummaries(doc);
  if (summary.length > 0) parts.push(summary.join('\n'));
  const w = warnings(doc);
  if (w.length > 0) parts.push(w.map((x) => paint(x, ANSI.warn, o.color)).join('\n'));
  return parts.join('\n\n');
}

/** `ipcns-bench compare` as terminal text: warnings first, the runs, the table, the lists, a summary. */
export function renderCompare(r: CompareResult, o: TableOptions): string {
  const parts: string[] = [];
  if (r.warnings.length > 0) parts.push(r.warnings.map((w) => paint(`warning: ${w}`, ANSI.warn, o.color)).join('\n'));
  parts.push(compareSides(r).join('\n'));
  if (r.rows.length > 0) parts.push(printTable(compareTable(r), o));
  const lists = compareLists(r);
  if (lists.length > 0) parts.push(lists.join('\n'));
  parts.push(compareSummary(r));
  return parts.join('\n\n');
}

/** A fleet compared (compare FLEET.json): the machines, each against the reference, per scenario, the mode verdicts side by side. */
export function renderFleet(f: FleetComparison, o: TableOptions): string {
  const tables = [machinesTable(f), perMachineTable(f), fleetScenarioTable(f), ...(f.modes.length > 0 ? [fleetModeTable(f)] : [])];
  const parts = tables.map((t) => printTable(t, o));
  const lists = fleetLists(f);
  const warned = fleetWarnings(f).map((w) => paint(w, ANSI.warn, o.color));
  if (lists.length > 0) parts.push(lists.join('\n'));
  parts.push(fleetSummary(f).join('\n'));
  // First and last: above the tables, and where the summary is read.
  return [...warned, ...parts, ...warned].join('\n\n');
}

/** `ipcns-bench history` as terminal text: the runs, warnings, the table, the change points, the verdict last. */
export function renderHistory(r: HistoryResult, o: TableOptions & { strict: boolean }): string {
  const parts: string[] = [historySpan(r)];
  if (r.warnings.length > 0) parts.push(r.warnings.map((w) => paint(`warning: ${w}`, ANSI.warn, o.color)).join('\n'));
  parts.push(printTable(historyTable(r), o));
  const changes = changePointTable(r);
  if (changes) parts.push(printTable(changes, o));
  parts.push(paint(historySummary(r, o.strict), r.regressed > 0 ? ANSI.bad : ANSI.strong, o.color));
  return parts.join('\n\n');
}
