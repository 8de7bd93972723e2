/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script,
 * no request of any kind) that opens from disk, follows the reader's light
 * or dark setting, and prints. Charts first (charts.ts), then the same tables
 * the terminal and markdown print, from the same rows (rows.ts).
 *
 * Bounded whatever the document holds: charts.ts cuts the rows of a chart
 * and the charts of a kind, and the page holds charts up to MAX_CHART_BYTES
 * and tables and lists up to MAX_TEXT_BYTES (what is past them is left out,
 * and the page says how much), every line of text cut to a screenful. So a
 * page stays under MAX_REPORT_BYTES; the document keeps every figure.
 */
import type { CompareResult } from '../analyze/baseline.js';
import type { ResultDocument } from '../document/result.js';
import { baseChart, documentCharts, leftOutCharts } from './charts.js';
import { compareLists, compareSides, compareSummary, compareTable, comparisonTables, headerLines, scenarioTables, type TableModel, warnings } from './rows.js';
import { clip, esc } from './svg.js';

export { chartCounts } from './charts.js';

/** What a page's tables and lists may take together; the rows past it are left out, and the page says how many. */
export const MAX_TEXT_BYTES = 4 << 20;
/** And its charts (a default run's are about 0.5 MB). */
export const MAX_CHART_BYTES = 5 << 20;
/** A page never grows past this: both budgets, and the headings and lines around them, each cut to a line. */
export const MAX_REPORT_BYTES = 10 << 20;
/** A cell or a line of text is cut here: a failure message or a list of ids can be kilobytes long. */
const MAX_LINE = 2000;
const MAX_CELL = 400;

/** What a page has left of one of its budgets, and what it has left out for want of it. */
export class Budget {
  private left: number;
  private readonly mib: number;
  leftOut = 0;
  constructor(
    bytes: number,
    /** The line that says what was left out: `n` of what, in a page that holds at most `mib` MiB of them. */
    private readonly says: (n: number, mib: number) => string,
  ) {
    this.left = bytes;
    this.mib = bytes / (1 << 20);
  }
  /** Whether `html` still fits; if it does, it is counted. */
  take(html: string): boolean {
    const bytes = Buffer.byteLength(html);
    if (bytes > this.left) return false;
    this.left -= bytes;
    return true;
  }
  /** The parts that fit, in order (those that do not are counted). */
  fit(parts: readonly string[]): string[] {
    const kept = parts.filter((p) => this.take(p));
    this.leftOut += parts.length - kept.length;
    return kept;
  }
  /** A paragraph of `cls`, its text cut to a line, if it fits (a left-out one is counted). */
  paragraph(text: string, cls = ''): string[] {
    return this.fit([`<p${cls ? ` class="${cls}"` : ''}>${esc(clip(text, MAX_LINE))}</p>`]);
  }
  /** One line that says what was left out, or nothing. */
  note(): string[] {
    return this.leftOut > 0 ? [`<p class="warning">${esc(this.says(this.leftOut, this.mib))}</p>`] : [];
  }
}

/** The budget of a page's tables and lists. */
export const textBudget = (): Budget =>
  new Budget(
    MAX_TEXT_BYTES,
    (n, mib) =>
      `${n} row${n === 1 ? '' : 's'} of tables and lists are not shown: this page holds at most ${mib} MiB of them. The document holds every row (ipcns-bench compare and export read it).`,
  );

/** The budget of a page's charts. */
export const chartBudget = (): Budget =>
  new Budget(MAX_CHART_BYTES, (n, mib) => `${n} chart${n === 1 ? ' is' : 's are'} not drawn: this page holds at most ${mib} MiB of charts.`);

const STYLE = `
:root { color-scheme: light dark; --fg: #1d1f23; --bg: #ffffff; --muted: #5c6370; --grid: #e3e5e8; --band: rgba(80, 160, 90, 0.14);
  --host: #3b6fd4; --shared: #d9822b; --isolated: #2e9e6a; --good: #2e9e6a; --bad: #c94343; --unsure: #8a8f98; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e7ea; --bg: #16181c; --muted: #9aa1ad; --grid: #30343b; --band: rgba(90, 190, 110, 0.16);
  --host: #6d9bf2; --shared: #f0a35a; --isolated: #5cc793; --good: #5cc793; --bad: #ef7474; --unsure: #9aa1ad; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; } .machine, figcaption span, .note { color: var(--muted); }
figure.chart { margin: 1.5rem 0; break-inside: avoid; } svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg text { fill: var(--fg); } .tick { fill: var(--muted); } .grid { stroke: var(--grid); } .axis-line { stroke: var(--muted); }
.band { fill: var(--band); } .one { stroke: var(--muted); stroke-dasharray: 3 3; }
circle.good, line.good { fill: var(--good); stroke: var(--good); } circle.bad, line.bad { fill: var(--bad); stroke: var(--bad); }
circle.same, line.same { fill: var(--good); stroke: var(--good); } circle.unsure, line.unsure { fill: var(--unsure); stroke: var(--unsure); }
text.good, text.same { fill: var(--good); } text.bad { fill: var(--bad); } text.unsure { fill: var(--unsure); }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 12px; } th, td { border-bottom: 1px solid var(--grid); padding: 3px 8px; text-align: left; }
td.good { color: var(--good); } td.bad { color: var(--bad); } td.warn { color: var(--shared); } td.strong { font-weight: 600; } td.code { font-family: ui-monospace, monospace; }
.warning { border-left: 3px solid var(--shared); padding-left: 0.6rem; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
`;

/** A table, with as many of its rows as `budget` takes (the others are counted there); nothing once it takes none. */
export function table(t: TableModel, budget: Budget = new Budget(Infinity, () => '')): string {
  const head = t.head.map((h) => `<th>${esc(h)}</th>`).join('');
  const top = `<h3>${esc(clip(t.title, MAX_CELL))}</h3>${t.note ? `<p class="note">${esc(clip(t.note, MAX_LINE))}</p>` : ''}<table><thead><tr>${head}</tr></thead><tbody>`;
  if (!budget.take(top)) {
    budget.leftOut += t.rows.length;
    return '';
  }
  const rows: string[] = [];
  for (const [i, r] of t.rows.entries()) {
    const row = `<tr>${r.map((c) => `<td${c.tone ? ` class="${c.tone}"` : ''}>${esc(clip(c.text, MAX_CELL))}</td>`).join('')}</tr>`;
    if (!budget.take(row)) {
      budget.leftOut += t.rows.length - i;
      break;
    }
    rows.push(row);
  }
  return `${top}${rows.join('')}</tbody></table>`;
}

/** The report of one run, and of its comparison with baselines when `compare` is given. */
export function renderReport(doc: ResultDocument, compare?: CompareResult): string {
  const header = headerLines(doc).map((l) => clip(l, MAX_LINE));
  const machine = clip(header[0] ?? '', 300);
  const budget = textBudget();
  const charts = chartBudget();
  const parts: string[] = [
    `<h1>ipcns-bench: suite ${esc(clip(doc.command.suite, MAX_CELL))}, ${esc(doc.startedAt)}${doc.complete ? '' : ' (incomplete)'}</h1>`,
    ...header.map((l) => `<p class="machine">${esc(l)}</p>`),
    ...warnings(doc).map((w) => `<p class="warning">${esc(clip(w, MAX_LINE))}</p>`),
  ];
  const tail: string[] = [];
  if (compare) {
    tail.push('<h2>Against the baseline</h2>', ...charts.fit([baseChart(compare, machine)]));
    tail.push(
      `<p>${esc(compareSummary(compare))}</p>`,
      ...compareSides(compare).flatMap((l) => budget.paragraph(l, 'note')),
      table(compareTable(compare), budget),
    );
    tail.push(...compareLists(compare).flatMap((l) => budget.paragraph(l, 'note')));
  }
  tail.push('<h2>Charts</h2>', ...leftOutCharts(doc).map((l) => `<p class="warning">${esc(l)}</p>`), ...charts.fit(documentCharts(doc, machine)));
  tail.push('<h2>Tables</h2>', ...scenarioTables(doc).map((t) => table(t, budget)), ...comparisonTables(doc).map((t) => table(t, budget)));
  // What was left out is said at the top, where a reader starts.
  return page(`ipcns-bench report: ${clip(doc.command.suite, MAX_CELL)} ${doc.startedAt}`, [...parts, ...charts.note(), ...budget.note(), ...tail]);
}

/** The page around the parts: one file, its style inline, nothing to fetch. */
export function page(title: string, parts: readonly string[], style = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}${style}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
