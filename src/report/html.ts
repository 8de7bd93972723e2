/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script,
 * no request of any kind) that opens from disk, follows the reader's light
 * or dark setting, and prints. Charts first (charts.ts), then the same tables
 * the terminal and markdown print, from the same rows (rows.ts).
 */
import type { CompareResult } from '../analyze/baseline.js';
import type { ResultDocument } from '../document/result.js';
import { baseChart, documentCharts } from './charts.js';
import { compareLists, compareSides, compareSummary, compareTable, comparisonTables, headerLines, scenarioTables, type TableModel, warnings } from './rows.js';
import { esc } from './svg.js';

export { chartCounts } from './charts.js';

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

export function table(t: TableModel): string {
  const head = t.head.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td${c.tone ? ` class="${c.tone}"` : ''}>${esc(c.text)}</td>`).join('')}</tr>`).join('');
  return `<h3>${esc(t.title)}</h3>${t.note ? `<p class="note">${esc(t.note)}</p>` : ''}<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** The report of one run, and of its comparison with baselines when `compare` is given. */
export function renderReport(doc: ResultDocument, compare?: CompareResult): string {
  const header = headerLines(doc);
  const machine = header[0] ?? '';
  const parts: string[] = [
    `<h1>ipcns-bench: suite ${esc(doc.command.suite)}, ${esc(doc.startedAt)}${doc.complete ? '' : ' (incomplete)'}</h1>`,
    ...header.map((l) => `<p class="machine">${esc(l)}</p>`),
    ...warnings(doc).map((w) => `<p class="warning">${esc(w)}</p>`),
  ];
  if (compare) {
    parts.push('<h2>Against the baseline</h2>', baseChart(compare, machine));
    parts.push(`<p>${esc(compareSummary(compare))}</p>`, ...compareSides(compare).map((l) => `<p class="note">${esc(l)}</p>`), table(compareTable(compare)));
    parts.push(...compareLists(compare).map((l) => `<p class="note">${esc(l)}</p>`));
  }
  parts.push('<h2>Charts</h2>', ...documentCharts(doc, machine));
  parts.push('<h2>Tables</h2>', ...scenarioTables(doc).map(table), ...comparisonTables(doc).map(table));
  return page(`ipcns-bench report: ${doc.command.suite} ${doc.startedAt}`, parts);
}

/** The page around the parts: one file, its style inline, nothing to fetch. */
export function page(title: string, parts: readonly string[], style = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${STYLE}${style}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
