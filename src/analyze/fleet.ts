/**
 * A fleet compared: per scenario, each machine against a reference machine,
 * and each run's own mode verdicts side by side. Pure, on runs already read.
 *
 * Machines are not interleaved: each ran on its own, at its own time, so a
 * ratio machine / reference compares two separate runs, exactly as `compare`
 * does with one baseline (baseline.ts): Yuen's two-sample interval of the
 * trimmed means of the per-round log values. It holds the noise of the rounds
 * within each run, not a shift of a whole run (a busy neighbour, a CPU's
 * clock), which a fleet of one run per machine cannot measure; so a machine
 * is called faster or slower only when the interval excludes 1 and the ratio
 * lies beyond the threshold, which must cover such shifts. The family-wise
 * error rate is kept over the whole fleet: alpha is split over the machines,
 * and each machine's share over its scenarios (Bonferroni).
 */
import { compareRuns } from './baseline.js';
import { COMPARE_ALPHA, type CompareMetric, RUN_NOISE_DF, type CompareRow, METRIC_INFO, type RunFigures, type RunVerdict } from './baseline-shape.js';
import { METRICS, type Metric, type Verdict } from './verdict.js';

/** What the fleet comparison reads of a run, beyond what compare reads: its mode comparisons and a little more of its machine. */
export interface FleetRunFigures extends RunFigures {
  env: RunFigures['env'] & { uid: number; arch: string };
  comparisons: readonly {
    metric: string;
    a: string;
    b: string;
    scenarioA: string;
    ratio: number;
    ci: readonly [number | null, number | null];
    verdict: string;
  }[];
  noise: { roundNoise: number } | null;
}

export interface FleetMachine {
  label: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  route: string;
  uid: number;
  suite: string;
  version: string;
  startedAt: string;
  complete: boolean;
  /** The run's round-to-round noise (a fraction), when it had mode comparisons. */
  roundNoise: number | null;
}

export interface FleetCell {
  label: string;
  /** machine / reference; null where there is no ratio. */
  ratio: number | null;
  ci: [number, number] | null;
  verdict: Verdict;
  value: number;
  notes: string[];
}

/** One scenario across the fleet: the reference's figure and each other machine's against it. */
export interface FleetScenarioRow {
  id: string;
  reference: number;
  cells: FleetCell[];
}

/** One mode comparison (a group's a / b) as each machine's own run judged it. */
export interface FleetModeRow {
  key: string;
  workload: string;
  a: string;
  b: string;
  cells: { label: string; ratio: number; ci: readonly [number | null, number | null]; verdict: string }[];
  /** e.g. "isolated / shared: faster on 2 of 3 machines; equivalent on c (kernel 5.15)". */
  summary: string;
}

export interface FleetMachineSummary {
  label: string;
  ciLevel: number;
  counts: Record<Verdict, number>;
  /** Scenarios this machine holds and the reference does not, and the other way round. */
  notOnReference: string[];
  notHere: string[];
  notCompared: { id: string; reason: string }[];
  warnings: string[];
}

export interface FleetComparison {
  schemaVersion: 1;
  kind: 'ipcns-bench-fleet-compare';
  metric: CompareMetric;
  unit: string;
  biggerIsBetter: boolean;
  threshold: number;
  runNoise: number;
  /** The degrees of freedom runNoise was taken with; null without it. */
  runNoiseDf: number | null;
  alpha: number;
  reference: string;
  method: string;
  /** What a reader must know before trusting a verdict between machines. */
  warnings: string[];
  machines: FleetMachine[];
  perMachine: FleetMachineSummary[];
  scenarios: FleetScenarioRow[];
  /** The metric of the mode verdicts: the compared metric where runs judge it, else throughput. */
  modeMetric: Metric;
  modes: FleetModeRow[];
}

const FLEET_VERDICT: Record<RunVerdict, Verdict> = { improved: 'faster', regressed: 'slower', unchanged: 'equivalent', inconclusive: 'inconclusive' };

function machineOf(label: string, d: FleetRunFigures): FleetMachine {
  return {
    label,
    kernel: d.env.kernel,
    arch: d.env.arch,
    cpuModel: d.env.cpuModel,
    cpus: d.env.usableCpus.length,
    route: d.env.route,
    uid: d.env.uid,
    suite: d.command.suite,
    version: d.tool.version,
    startedAt: d.startedAt,
    complete: d.complete,
    roundNoise: d.noise?.roundNoise ?? null,
  };
}

/** "isolated / shared: faster on 2 of 3 machines; equivalent on c (kernel 5.15)": the usual verdict, then the machines that differ from it. */
export function modeSummary(a: string, b: string, cells: readonly { label: string; verdict: string }[], all: readonly FleetMachine[]): string {
  const counts = new Map<string, string[]>();
  for (const c of cells) counts.set(c.verdict, [...(counts.get(c.verdict) ?? []), c.label]);
  const ranked = [...counts.entries()].sort((x, y) => y[1].length - x[1].length);
  const kernels = new Set(all.map((m) => m.kernel)).size > 1;
  const named = (l: string): string => {
    const m = all.find((x) => x.label === l);
    return kernels && m ? `${l} (kernel ${m.kernel})` : l;
  };
  const [first, ...rest] = ranked;
  const parts = first ? [`${first[0]} on ${first[1].length} of ${all.length} machine${all.length === 1 ? '' : 's'}`] : [];
  parts.push(...rest.map(([v, labels]) => `${v} on ${labels.map(named).join(', ')}`));
  const absent = all.filter((m) => !cells.some((c) => c.label === m.label)).map((m) => m.label);
  if (absent.length > 0) parts.push(`not measured on ${absent.join(', ')}`);
  return `${a} / ${b}: ${parts.join('; ')}`;
}

function modeRows(runs: readonly { label: string; doc: FleetRunFigures }[], metric: Metric, machines: readonly FleetMachine[]): FleetModeRow[] {
  const rows = new Map<string, FleetModeRow>();
  for (const { label, doc } of runs) {
    for (const c of doc.comparisons.filter((x) => (x.metric ?? 'throughput') === metric)) {
      const s = doc.scenarios.find((x) => x.id === c.scenarioA);
      if (!s) continue;
      const params = Object.entries(s.params)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
      const sysctls = Object.entries(s.sysctls).map(([k, v]) => ` ${k}=${v}`);
      const key = `${s.workload}${params ? `(${params})` : ''} w${s.workers} ${s.placement}${sysctls.join('')}: ${c.a} / ${c.b}`;
      const row = rows.get(key) ?? { key, workload: s.workload, a: c.a, b: c.b, cells: [], summary: '' };
      row.cells.push({ label, ratio: c.ratio, ci: c.ci, verdict: c.verdict });
      rows.set(key, row);
    }
  }
  return [...rows.values()].map((r) => ({ ...r, summary: modeSummary(r.a, r.b, r.cells, machines) }));
}

export interface FleetOptions {
  reference: string;
  metric: CompareMetric;
  threshold: number;
  /** The spread between two runs on one machine (a fraction), added to every interval; 0: within-run noise only. */
  runNoise: number;
  /** Its degrees of freedom: runs - 1 of the series it was measured on (default RUN_NOISE_DF). */
  runNoiseDf?: number;
}

/** Compares every machine of the fleet with the reference; `runs` in the fleet's order, the reference among them. */
export function compareFleet(runs: readonly { label: string; doc: FleetRunFigures }[], o: FleetOptions): FleetComparison {
  const info = METRIC_INFO[o.metric];
  const ref = runs.find((r) => r.label === o.reference);
  if (!ref) throw new RangeError(`no run is labelled ${o.reference}`);
  const others = runs.filter((r) => r !== ref);
  const alphaEach = COMPARE_ALPHA / Math.max(1, others.length);
  const machines = runs.map((r) => machineOf(r.label, r.doc));
  const byId = new Map<string, FleetScenarioRow>();
  const perMachine: FleetMachineSummary[] = others.map(({ label, doc }) => {
    const r = compareRuns([ref.doc], doc, {
      metric: o.metric,
      threshold: o.threshold,
      alpha: alphaEach,
      runNoise: o.runNoise,
      ...(o.runNoiseDf !== undefined ? { runNoiseDf: o.runNoiseDf } : {}),
      basePaths: [o.reference],
      currentPath: label,
    });
    const counts: Record<Verdict, number> = { faster: 0, slower: 0, equivalent: 0, inconclusive: 0 };
    for (const row of r.rows) {
      const cell = cellOf(label, row);
      counts[cell.verdict]++;
      const line = byId.get(row.id) ?? { id: row.id, reference: row.base, cells: [] };
      line.cells.push(cell);
      byId.set(row.id, line);
    }
    // Across machines the kernel, the CPU and the route are what is compared; the warnings left are about the runs themselves.
    const warnings = r.warnings.filter((w) => /did not complete|placement/.test(w));
    return { label, ciLevel: r.ciLevel, counts, notOnReference: r.onlyInCurrent, notHere: r.onlyInBase, notCompared: r.notCompared, warnings };
  });
  const modeMetric = (METRICS as readonly string[]).includes(o.metric) ? (o.metric as Metric) : 'throughput';
  return {
    schemaVersion: 1,
    kind: 'ipcns-bench-fleet-compare',
    metric: o.metric,
    unit: info.unit,
    biggerIsBetter: info.biggerIsBetter,
    threshold: o.threshold,
    runNoise: o.runNoise,
    runNoiseDf: o.runNoise > 0 ? (o.runNoiseDf ?? RUN_NOISE_DF) : null,
    alpha: COMPARE_ALPHA,
    reference: o.reference,
    method: fleetMethod(o, others.length),
    warnings:
      o.runNoise > 0
        ? []
        : [
            `no --run-noise: the intervals hold the noise within each run only, and two runs of one machine minutes apart can differ by more than the threshold (on a shared VM, whole groups shift by 10-25 %); so "faster" or "slower" may be only a slower moment of one run. Measure the spread: three runs on one machine, ipcns-bench compare A.json B.json C.json (its betweenRun), and pass it as --run-noise`,
          ],
    machines,
    perMachine,
    scenarios: [...byId.values()],
    modeMetric,
    modes: modeRows(runs, modeMetric, machines),
  };
}

function cellOf(label: string, row: CompareRow): FleetCell {
  return { label, ratio: row.ratio, ci: row.ci, verdict: FLEET_VERDICT[row.verdict], value: row.current, notes: row.notes };
}

function fleetMethod(o: FleetOptions, machines: number): string {
  const info = METRIC_INFO[o.metric];
  const t = Number((o.threshold * 100).toPrecision(6));
  return (
    `${info.label} (${info.unit}, ${info.biggerIsBetter ? 'bigger' : 'smaller'} is better); ratio = machine / ${o.reference} of the 25 % trimmed geometric means of per-round values. ` +
    `Machines are not interleaved: each ratio compares two separate runs, so its interval (on the per-round log values) holds the noise within each run${
      o.runNoise > 0
        ? ` and a shift of each whole run of ±${Number((o.runNoise * 100).toPrecision(4))} % (--run-noise, one sd, with ${o.runNoiseDf ?? RUN_NOISE_DF} degrees of freedom)`
        : ', not a shift of a whole run (give --run-noise, the spread between two runs on one machine, to include it)'
    }; ` +
    `the family-wise ${(100 * (1 - COMPARE_ALPHA)).toFixed(0)} % is split over ${machines} machine${machines === 1 ? '' : 's'} and each machine's share over its scenarios (Bonferroni). ` +
    `equivalent: the interval lies within ±${t} % (--threshold); faster or slower (better or worse on the metric): it excludes 1 and the ratio lies beyond ±${t} %, which must cover the shifts between two runs on one machine; otherwise inconclusive`
  );
}
