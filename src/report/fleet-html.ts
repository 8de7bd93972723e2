/**
 * The HTML report of a fleet: one self-contained page like a run's
 * (html.ts), whose charts put the machines side by side: each machine
 * against the reference, every machine's mode verdicts, and throughput per
 * machine per workload; then the tables of fleet-rows.ts.
 */
import type { FleetComparison } from '../analyze/fleet.js';
import type { FleetDocument } from '../document/fleet.js';
import type { ScenarioResult } from '../document/result.js';
import { workloadInfo } from '../plan/workloads.js';
import { forest, type ForestRow, groupBy, MAX_CHART_ROWS, MAX_CHARTS_PER_KIND, MAX_LABEL, paramText, WIDTH } from './charts.js';
import { fleetLists, fleetModeTable, fleetWarnings, fleetScenarioTable, fleetSummary, machinesTable, perMachineTable } from './fleet-rows.js';
import { chartBudget, page, table, textBudget } from './html.js';
import { clip, esc, type Frame, figure, legend, log, short, xAxis } from './svg.js';

/** Eight colours a reader can tell apart in light and dark mode; beyond eight machines they repeat, and the tooltips say which. */
const PALETTE = 8;
const STYLE = `
:root { --m0: #3b6fd4; --m1: #d9822b; --m2: #2e9e6a; --m3: #9b59b6; --m4: #c94343; --m5: #1f9bb0; --m6: #8c6d1f; --m7: #d35d9c; }
@media (prefers-color-scheme: dark) { :root { --m0: #6d9bf2; --m1: #f0a35a; --m2: #5cc793; --m3: #c08ee0; --m4: #ef7474; --m5: #4cc9de; --m6: #d1b25a; --m7: #f08cc2; } }
`;
const colour = (i: number): string => `var(--m${i % PALETTE})`;

/** Each machine's scenarios against the reference's. */
function machineChart(f: FleetComparison, label: string): string {
  const rows: ForestRow[] = f.scenarios.flatMap((s) => {
    const c = s.cells.find((x) => x.label === label);
    return c && c.ratio !== null ? [{ label: s.id, ratio: c.ratio, ci: c.ci, verdict: c.verdict }] : [];
  });
  const sub = `${f.metric}: ${label} / ${f.reference} per scenario, with its interval; shaded: within ±${(f.threshold * 100).toFixed(0)} % (the threshold). Two separate runs: ${
    f.runNoise > 0 ? `the interval includes a run-to-run shift of ±${(f.runNoise * 100).toFixed(1)} %` : 'the interval holds the noise within each run only'
  }.`;
  return forest('machine', `${label} against ${f.reference}`, sub, rows, f.threshold, `${label} / ${f.reference} (log scale)`);
}

/** Every machine's own mode verdicts, one row per comparison and machine. */
function modesChart(f: FleetComparison, margin: number): string {
  const rows: ForestRow[] = f.modes.flatMap((m) => m.cells.map((c) => ({ label: `${m.key}  on ${c.label}`, ratio: c.ratio, ci: c.ci, verdict: c.verdict })));
  const sub = `${f.modeMetric} ratio a / b of the modes, as each machine's run judged it (its rounds interleave the modes); shaded: within ±${(margin * 100).toFixed(0)} % ("equivalent").`;
  return forest('modes', 'Mode comparisons on every machine: does isolation change the answer?', sub, rows, margin, 'ratio a / b (log scale)');
}

/** Per workload: each scenario's throughput on every machine (the first PALETTE of them), a point with its interval (log axis). */
function throughputChart(fleet: FleetDocument, workload: string): string {
  const runs = fleet.runs.slice(0, PALETTE);
  const per = runs.map((r) => r.document.scenarios.filter((s) => s.workload === workload && s.state === 'completed' && s.throughput));
  const labelOf = (s: ScenarioResult): string => [paramText(s), `w${s.workers}`, s.placement, s.mode].filter(Boolean).join(' ');
  const all = [...groupBy(per.flat(), labelOf).keys()];
  const keys = all.slice(0, MAX_CHART_ROWS);
  const n = runs.length;
  const GAP = 6;
  const left = Math.min(360, 16 + 6.2 * Math.max(10, ...keys.map((k) => Math.min(MAX_LABEL, k.length))));
  const f: Frame = { width: WIDTH, height: 30 + keys.length * (n * 6 + GAP + 6) + 50, left, right: 20, top: 30, bottom: 40 };
  const drawn = new Set(keys);
  const values = per
    .flat()
    .filter((s) => drawn.has(labelOf(s)))
    .flatMap((s) => [s.throughput?.ci[0] ?? 0, s.throughput?.ci[1] ?? 0])
    .filter((v) => v > 0);
  const [min, max] = values.reduce<[number, number]>(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
  const lowest = min / 1.2;
  const x = log(lowest, max * 1.2, f.left, f.width - f.right);
  let y = f.top;
  const rows = keys
    .map((k) => {
      const top = y + GAP;
      const dots = runs
        .map((r, i) => {
          const s = per[i]?.find((z) => labelOf(z) === k);
          const t = s?.throughput;
          const at = top + 3 + i * 6;
          if (!t) return '';
          const c = colour(i);
          return `<line x1="${x(Math.max(t.ci[0], lowest)).toFixed(1)}" x2="${x(t.ci[1]).toFixed(1)}" y1="${at}" y2="${at}" stroke="${c}" stroke-width="1.5"/><circle cx="${x(t.estimate).toFixed(1)}" cy="${at}" r="3" fill="${c}"><title>${esc(clip(`${r.label}: ${s?.id ?? ''}: ${short(t.estimate)} ops/s [${short(t.ci[0])}, ${short(t.ci[1])}]`, 240))}</title></circle>`;
        })
        .join('');
      y = top + n * 6 + 6;
      return `<text class="tick" x="${f.left - 8}" y="${(top + y) / 2}" dy="0.32em" text-anchor="end">${esc(clip(k, MAX_LABEL))}</text>${dots}`;
    })
    .join('');
  const keysLegend = legend(
    f,
    runs.map((r, i) => [r.label, colour(i)] as const),
  );
  const body = `${xAxis(f, x, 'ops/s (log scale): the estimate and its interval')}${keysLegend}${rows}`;
  const notes = [
    fleet.runs.length > n ? ` The first ${n} of ${fleet.runs.length} machines; the others are not drawn.` : '',
    all.length > keys.length ? ` The first ${keys.length} of ${all.length} scenarios; ${all.length - keys.length} are not drawn.` : '',
  ].join('');
  return figure(
    'fleet-throughput',
    `${workload}: throughput on ${fleet.runs.length > n ? `${n} machines` : 'every machine'}`,
    `op: ${workloadInfo(workload)?.op ?? workload}; one colour per machine.${notes} The tables list every machine and scenario.`,
    f,
    body,
  );
}

const workloadsOf = (fleet: FleetDocument): string[] => [
  ...new Set(fleet.runs.flatMap((r) => r.document.scenarios.filter((s) => s.state === 'completed' && s.throughput).map((s) => s.workload))),
];

/** How many charts of each kind the report of a fleet has (the browser test holds the page to it). */
export function fleetChartCounts(fleet: FleetDocument, f: FleetComparison): Record<string, number> {
  return {
    machine: Math.min(MAX_CHARTS_PER_KIND, f.perMachine.length),
    modes: f.modes.length > 0 ? 1 : 0,
    'fleet-throughput': Math.min(MAX_CHARTS_PER_KIND, workloadsOf(fleet).length),
  };
}

/** The fleet's report: the machines, the charts, then the tables. */
export function renderFleetReport(fleet: FleetDocument, f: FleetComparison): string {
  const margin = fleet.runs.find((r) => r.label === f.reference)?.document.analysis.margin ?? f.threshold;
  const budget = textBudget();
  const charts = chartBudget();
  const machines = f.perMachine.slice(0, MAX_CHARTS_PER_KIND);
  const workloads = workloadsOf(fleet);
  const leftOut = [
    f.perMachine.length > machines.length
      ? `${f.perMachine.length - machines.length} of ${f.perMachine.length} machines' charts against the reference are not drawn (the first ${machines.length} are); the tables hold every machine.`
      : '',
    workloads.length > MAX_CHARTS_PER_KIND
      ? `${workloads.length - MAX_CHARTS_PER_KIND} of ${workloads.length} workloads' throughput charts are not drawn (the first ${MAX_CHARTS_PER_KIND} are).`
      : '',
  ].filter(Boolean);
  const head: string[] = [
    `<h1>ipcns-bench fleet: ${fleet.runs.length} machines, reference ${esc(f.reference)}</h1>`,
    `<p class="machine">merged ${esc(fleet.createdAt)}; ${fleet.scenarios.count} scenarios, ${fleet.scenarios.everywhere} on every machine</p>`,
    ...fleetWarnings(f).flatMap((w) => budget.paragraph(w, 'warning')),
    ...fleetSummary(f).flatMap((l) => budget.paragraph(l)),
  ];
  const parts: string[] = [
    table(machinesTable(f), budget),
    '<h2>Each machine against the reference</h2>',
    ...leftOut.map((l) => `<p class="warning">${esc(l)}</p>`),
    ...charts.fit(machines.map((m) => machineChart(f, m.label))),
  ];
  if (f.modes.length > 0) parts.push('<h2>Mode verdicts per machine</h2>', ...charts.fit([modesChart(f, margin)]));
  parts.push('<h2>Throughput per machine</h2>', ...charts.fit(workloads.slice(0, MAX_CHARTS_PER_KIND).map((w) => throughputChart(fleet, w))));
  parts.push(
    '<h2>Tables</h2>',
    table(perMachineTable(f), budget),
    ...(f.modes.length > 0 ? [table(fleetModeTable(f), budget)] : []),
    table(fleetScenarioTable(f), budget),
  );
  parts.push(...fleetLists(f).flatMap((l) => budget.paragraph(l, 'note')));
  return page(`ipcns-bench fleet: ${clip(fleet.runs.map((r) => r.label).join(', '), 300)}`, [...head, ...charts.note(), ...budget.note(), ...parts], STYLE);
}
