/**
 * The HTML page of a history (ipcns-bench report --history): one
 * self-contained file like a run's report (html.ts), no script. Per
 * scenario a trend chart: each run's figure with its own interval, each
 * segment's mean and interval as a band, the change points marked with the
 * size of the change; then the tables of history-rows.ts.
 */
import type { HistoryResult, HistoryRow } from '../analyze/history.js';
import { changePointTable, changeText, commitRange, historySpan, historySummary, historyTable, historyValue } from './history-rows.js';
import { page, table } from './html.js';
import { WIDTH } from './charts.js';
import { esc, type Frame, figure, linear, short, xAxis, yAxis } from './svg.js';

const STYLE = `
.run { fill: var(--host); } .run-ci { stroke: var(--host); stroke-width: 1.2; opacity: 0.7; }
.level { stroke: var(--fg); stroke-width: 2; } .level-band { fill: var(--band); }
.change { stroke-width: 1.5; stroke-dasharray: 5 3; } line.change.bad { stroke: var(--bad); } line.change.good { stroke: var(--good); } line.change.same { stroke: var(--unsure); }
.verdict-regressed { color: var(--bad); } .verdict-improved { color: var(--good); } .verdict-suspected, .verdict-inconclusive { color: var(--shared); }
`;

const CHANGE_CLASS = { worse: 'bad', better: 'good', 'within threshold': 'same' } as const;

/** One scenario's series against run number. */
function trendChart(r: HistoryResult, row: HistoryRow): string {
  const n = r.runs.length;
  const f: Frame = { width: WIDTH, height: 280, left: 70, right: 20, top: 30, bottom: 40 };
  const values = [
    ...row.values.filter((v): v is number => v !== null),
    ...row.runCi.flatMap((c) => c ?? []),
    ...row.segments.flatMap((s) => [s.mean, ...(s.ci ?? [])]),
  ].filter((v) => Number.isFinite(v) && v > 0);
  if (values.length === 0) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.08 || hi * 0.02;
  const x = linear(0.5, n + 0.5, f.left, f.width - f.right);
  // About eight run numbers on the axis, whole numbers only.
  x.ticks = x.ticks.filter((t) => Number.isInteger(t) && t >= 1 && t <= n);
  const y = linear(lo - pad, hi + pad, f.height - f.bottom, f.top);
  const X = (i: number): string => x(i + 1).toFixed(1);
  const Y = (v: number): string => y(v).toFixed(1);
  const bands = row.segments
    .map((s) => {
      const x0 = x(s.start + 0.5);
      const x1 = x(s.end + 0.5);
      const band = s.ci
        ? `<rect class="level-band" x="${x0.toFixed(1)}" y="${Y(s.ci[1])}" width="${(x1 - x0).toFixed(1)}" height="${(y(s.ci[0]) - y(s.ci[1])).toFixed(1)}"/>`
        : '';
      const interval = s.ci ? ` [${short(s.ci[0])}, ${short(s.ci[1])}]` : '';
      return `${band}<line class="level" x1="${x0.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${Y(s.mean)}" y2="${Y(s.mean)}"><title>${esc(`runs ${s.start + 1}-${s.end}: mean ${historyValue(r, s.mean)}${interval}`)}</title></line>`;
    })
    .join('');
  const runs = row.values
    .map((v, i) => {
      if (v === null) return '';
      const c = row.runCi[i];
      const whisker = c ? `<line class="run-ci" x1="${X(i)}" x2="${X(i)}" y1="${Y(c[0])}" y2="${Y(c[1])}"/>` : '';
      const run = r.runs[i];
      const name = `run ${i + 1}: ${run?.file ?? ''}${run?.commit ? ` (${run.commit.slice(0, 12)})` : ''}`;
      return `${whisker}<circle class="run" cx="${X(i)}" cy="${Y(v)}" r="3.5"><title>${esc(`${name}: ${historyValue(r, v)}`)}</title></circle>`;
    })
    .join('');
  const changes = row.changePoints
    .map((c) => {
      const at = x(c.index + 0.5);
      const label = `${changeText(c.ratio)} at run ${c.index + 1}`;
      // Near the right edge the label goes left of its line, so that it is not cut off.
      const left = at > f.width - f.right - 7 * label.length;
      const text = `<text class="tick" x="${(left ? at - 4 : at + 4).toFixed(1)}" y="${f.top + 10}" text-anchor="${left ? 'end' : 'start'}">${esc(label)}</text>`;
      return `<line class="change ${CHANGE_CLASS[c.direction]}" x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${f.top}" y2="${f.height - f.bottom}"><title>${esc(`${label}, commits ${commitRange(c)}`)}</title></line>${text}`;
    })
    .join('');
  const unit = r.relative ? 'ratio to the other scenarios' : r.unit;
  const body = `${xAxis(f, x, 'run (oldest first)', (v) => String(v))}${yAxis(f, y, unit)}${bands}${runs}${changes}`;
  const moved = row.changePoints.length === 0 ? 'no change point' : row.changePoints.map((c) => `${changeText(c.ratio)} at run ${c.index + 1}`).join(', ');
  const sub = `newest run: ${row.verdict}; ${moved}. Points: each run's ${r.metric} with its own 95 % interval; lines and bands: each segment's mean and its 95 % interval; dashed: change points (red worse, green better, grey within the threshold).`;
  return figure('trend', `${row.id}: ${r.metric}`, sub, f, body);
}

/** How many trend charts the page of a history has (the browser check holds the page to it). */
export function historyChartCount(r: HistoryResult): number {
  return r.rows.filter((row) => row.values.some((v) => v !== null)).length;
}

/** The page: the verdict, the runs, a trend chart per scenario (those that moved first), then the tables. */
export function renderHistoryReport(r: HistoryResult, strict = false): string {
  const first = (row: HistoryRow): number => (row.verdict === 'regressed' ? 0 : row.changePoints.length > 0 || row.verdict !== 'in line' ? 1 : 2);
  const rows = r.rows.map((row, i) => ({ row, i })).sort((a, b) => first(a.row) - first(b.row) || a.i - b.i);
  const parts = [
    `<h1>ipcns-bench history: ${esc(r.metric)}${r.relative ? ' (relative)' : ''}, ${r.runs.length} runs</h1>`,
    `<p class="${r.regressed > 0 ? 'verdict-regressed' : ''}"><strong>${esc(historySummary(r, strict))}</strong></p>`,
    `<p class="machine">${esc(historySpan(r))}</p>`,
    ...r.warnings.map((w) => `<p class="warning">${esc(w)}</p>`),
    '<h2>Trends</h2>',
    ...rows.map(({ row }) => trendChart(r, row)),
    '<h2>Tables</h2>',
    table(historyTable(r)),
  ];
  const changes = changePointTable(r);
  if (changes) parts.push(table(changes));
  return page(`ipcns-bench history: ${r.metric}, ${r.runs.length} runs`, parts, STYLE);
}
