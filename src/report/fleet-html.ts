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
import { forest, type ForestRow, groupBy, paramText, WIDTH } from './charts.js';
import { fleetLists, fleetModeTable, fleetWarnings, fleetScenarioTable, fleetSummary, machinesTable, perMachineTable } from './fleet-rows.js';
import { page, table } from './html.js';
import { esc, type Frame, figure, legend, log, short, xAxis } from './svg.js';

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

/** Per workload: each scenario's throughput on every machine, a point with its interval (log axis). */
function throughputChart(fleet: FleetDocument, workload: string): string {
  const per = fleet.runs.map((r) => r.document.scenarios.filter((s) => s.workload === workload && s.state === 'completed' && s.throughput));
  const labelOf = (s: ScenarioResult): string => [paramText(s), `w${s.workers}`, s.placement, s.mode].filter(Boolean).join(' ');
  const keys = [...groupBy(per.flat(), labelOf).keys()];
  const n = fleet.runs.length;
  const GAP = 6;
  const left = Math.min(360, 16 + 6.2 * Math.max(10, ...keys.map((k) => k.length)));
  const f: Frame = { width: WIDTH, height: 30 + keys.length * (n * 6 + GAP + 6) + 50, left, right: 20, top: 30, bottom: 40 };
  const values = per
    .flat()
    .flatMap((s) => [s.throughput?.ci[0] ?? 0, s.throughput?.ci[1] ?? 0])
    .filter((v) => v > 0);
  const lowest = Math.min(...values) / 1.2;
  const x = log(lowest, Math.max(...values) * 1.2, f.left, f.width - f.right);
  let y = f.top;
  const rows = keys
    .map((k) => {
      const top = y + GAP;
      const dots = fleet.runs
        .map((r, i) => {
          const s = per[i]?.find((z) => labelOf(z) === k);
          const t = s?.throughput;
          const at = top + 3 + i * 6;
          if (!t) return '';
          const c = colour(i);
          return `<line x1="${x(Math.max(t.ci[0], lowest)).toFixed(1)}" x2="${x(t.ci[1]).toFixed(1)}" y1="${at}" y2="${at}" stroke="${c}" stroke-width="1.5"/><circle cx="${x(t.estimate).toFixed(1)}" cy="${at}" r="3" fill="${c}"><title>${esc(`${r.label}: ${s?.id ?? ''}: ${short(t.estimate)} ops/s [${short(t.ci[0])}, ${short(t.ci[1])}]`)}</title></circle>`;
        })
        .join('');
      y = top + n * 6 + 6;
      return `<text class="tick" x="${f.left - 8}" y="${(top + y) / 2}" dy="0.32em" text-anchor="end">${esc(k)}</text>${dots}`;
    })
    .join('');
  const keysLegend = legend(
    f,
    fleet.runs.map((r, i) => [r.label, colour(i)] as const),
  );
  const body = `${xAxis(f, x, 'ops/s (log scale): the estimate and its interval')}${keysLegend}${rows}`;
  return figure(
    'fleet-throughput',
    `${workload}: throughput on every machine`,
    `op: ${workloadInfo(workload)?.op ?? workload}; one colour per machine.`,
    f,
    body,
  );
}

const workloadsOf = (fleet: FleetDocument): string[] => [
  ...new Set(fleet.runs.flatMap((r) => r.document.scenarios.filter((s) => s.state === 'completed' && s.throughput).map((s) => s.workload))),
];

/** How many charts of each kind the report of a fleet has (the browser test holds the page to it). */
export function fleetChartCounts(fleet: FleetDocument, f: FleetComparison): Record<string, number> {
  return { machine: f.perMachine.length, modes: f.modes.length > 0 ? 1 : 0, 'fleet-throughput': workloadsOf(fleet).length };
}

/** The fleet's report: the machines, the charts, then the tables. */
export function renderFleetReport(fleet: FleetDocument, f: FleetComparison): string {
  const margin = fleet.runs.find((r) => r.label === f.reference)?.document.analysis.margin ?? f.threshold;
  const parts: string[] = [
    `<h1>ipcns-bench fleet: ${fleet.runs.length} machines, reference ${esc(f.reference)}</h1>`,
    `<p class="machine">merged ${esc(fleet.createdAt)}; ${fleet.scenarios.count} scenarios, ${fleet.scenarios.everywhere} on every machine</p>`,
    ...fleetWarnings(f).map((w) => `<p class="warning">${esc(w)}</p>`),
    ...fleetSummary(f).map((l) => `<p>${esc(l)}</p>`),
    table(machinesTable(f)),
    '<h2>Each machine against the reference</h2>',
    ...f.perMachine.map((m) => machineChart(f, m.label)),
  ];
  if (f.modes.length > 0) parts.push('<h2>Mode verdicts per machine</h2>', modesChart(f, margin));
  parts.push('<h2>Throughput per machine</h2>', ...workloadsOf(fleet).map((w) => throughputChart(fleet, w)));
  parts.push('<h2>Tables</h2>', table(perMachineTable(f)), ...(f.modes.length > 0 ? [table(fleetModeTable(f))] : []), table(fleetScenarioTable(f)));
  parts.push(...fleetLists(f).map((l) => `<p class="note">${esc(l)}</p>`));
  return page(`ipcns-bench fleet: ${fleet.runs.map((r) => r.label).join(', ')}`, parts, STYLE);
}
