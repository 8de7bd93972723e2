/**
 * The report's charts, each a function of the document (and, for the base
 * chart, of compare's result): what it shows is in its title, its unit on its
 * axis. chartCounts says how many of each kind a document gets, so that the
 * browser test can hold the page to it.
 */
import type { CompareResult } from '../analyze/baseline.js';
import { MODES } from '../common/types.js';
import type { Comparison, ResultDocument, ScenarioResult } from '../document/result.js';
import { bucketBounds } from '../measure/histogram.js';
import { workloadInfo } from '../plan/workloads.js';
import { esc, type Frame, figure, legend, linear, log, MODE_COLOR, ratioScale, short, xAxis, yAxis } from './svg.js';

export const WIDTH = 760;
export const ROW = 18;

const done = (doc: ResultDocument): ScenarioResult[] => doc.scenarios.filter((s) => s.state === 'completed' && s.throughput);
export const paramText = (s: Pick<ScenarioResult, 'params'>): string =>
  Object.entries(s.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
/** What a group's scenarios share: everything but the mode. */
const groupLabel = (s: ScenarioResult): string =>
  [paramText(s), `w${s.workers}`, s.placement, ...Object.entries(s.sysctls).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(' ');
const workloadsOf = (doc: ResultDocument): string[] => [...new Set(done(doc).map((s) => s.workload))];
const opOf = (w: string): string => workloadInfo(w)?.op ?? w;

/** Scenarios grouped by `key`, in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

const modeLegend = (f: Frame, modes: readonly string[]): string =>
  legend(
    f,
    modes.map((m) => [m, MODE_COLOR[m] ?? 'currentColor'] as const),
  );

/** Per workload: each group's throughput per mode, a point with its interval as whiskers (log axis: groups differ by orders). */
function throughputChart(doc: ResultDocument, workload: string, machine: string): string {
  const scenarios = done(doc).filter((s) => s.workload === workload);
  const groups = [...groupBy(scenarios, groupLabel).entries()];
  const modes = MODES.filter((m) => scenarios.some((s) => s.mode === m));
  const left = Math.min(360, 16 + 6.2 * Math.max(10, ...groups.map(([label]) => label.length)));
  const GAP = 8;
  const f: Frame = { width: WIDTH, height: 30 + groups.length * (modes.length * ROW + GAP) + 50, left, right: 20, top: 30, bottom: 40 };
  const values = scenarios.flatMap((s) => [s.throughput?.ci[0] ?? 0, s.throughput?.ci[1] ?? 0]).filter((v) => v > 0);
  const lowest = Math.min(...values) / 1.2;
  const x = log(lowest, Math.max(...values) * 1.2, f.left, f.width - f.right);
  let y = f.top + GAP - ROW / 2;
  const rows = groups
    .map(([label, ss]) => {
      const block = modes
        .map((mode) => {
          const s = ss.find((z) => z.mode === mode);
          const t = s?.throughput;
          y += ROW;
          if (!t) return '';
          const c = MODE_COLOR[mode];
          const lo = Math.max(t.ci[0], lowest);
          return `<line x1="${x(lo).toFixed(1)}" x2="${x(t.ci[1]).toFixed(1)}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="2"/><circle cx="${x(t.estimate).toFixed(1)}" cy="${y}" r="4" fill="${c}"><title>${esc(`${s.id}: ${short(t.estimate)} ops/s [${short(t.ci[0])}, ${short(t.ci[1])}]`)}</title></circle>`;
        })
        .join('');
      const labelY = y - ((modes.length - 1) * ROW) / 2;
      y += GAP;
      return `<text class="tick" x="${f.left - 8}" y="${labelY}" dy="0.32em" text-anchor="end">${esc(label)}</text>${block}`;
    })
    .join('');
  const body = `${xAxis(f, x, 'ops/s (log scale): the estimate and its interval')}${modeLegend(f, modes)}${rows}`;
  return figure('throughput', `${workload}: throughput per mode`, `op: ${opOf(workload)}. ${machine}`, f, body);
}

const VERDICT_CLASS: Record<string, string> = { faster: 'good', improved: 'good', slower: 'bad', regressed: 'bad', equivalent: 'same', unchanged: 'same' };

export interface ForestRow {
  label: string;
  ratio: number;
  ci: readonly [number | null, number | null] | null;
  verdict: string;
}

/** Ratios with their intervals on a log axis, the band of "no practical difference" shaded, the verdict coloured and written. */
export function forest(kind: string, title: string, subtitle: string, rows: readonly ForestRow[], band: number, axis: string): string {
  const left = Math.min(460, 12 + 6.2 * Math.max(10, ...rows.map((r) => r.label.length)));
  const f: Frame = { width: WIDTH + 100, height: 70 + Math.max(1, rows.length) * ROW, left, right: 100, top: 24, bottom: 40 };
  const x = ratioScale(
    rows.map((r) => r.ratio),
    Math.log(1 + band),
    f.left,
    f.width - f.right,
  );
  const [x0, x1] = [f.left, f.width - f.right];
  const clip = (v: number): number => Math.min(x1, Math.max(x0, x(v)));
  const bandRect = `<rect class="band" x="${clip(1 / (1 + band)).toFixed(1)}" y="${f.top}" width="${(clip(1 + band) - clip(1 / (1 + band))).toFixed(1)}" height="${f.height - f.top - f.bottom}"/><line class="one" x1="${x(1)}" x2="${x(1)}" y1="${f.top}" y2="${f.height - f.bottom}"/>`;
  const body = rows
    .map((r, i) => {
      const y = f.top + ROW * (i + 0.8);
      const cls = VERDICT_CLASS[r.verdict] ?? 'unsure';
      const [lo, hi] = r.ci ?? [null, null];
      const whisker = lo && hi ? `<line class="${cls}" x1="${clip(lo).toFixed(1)}" x2="${clip(hi).toFixed(1)}" y1="${y}" y2="${y}" stroke-width="2"/>` : '';
      const ci = lo && hi ? ` [${lo.toFixed(3)}, ${hi.toFixed(3)}]` : '';
      return `<text class="tick" x="${f.left - 8}" y="${y}" dy="0.32em" text-anchor="end">${esc(r.label)}</text>${whisker}<circle class="${cls}" cx="${clip(r.ratio).toFixed(1)}" cy="${y}" r="4"><title>${esc(`${r.label}: ${r.ratio.toFixed(3)}${ci} ${r.verdict}`)}</title></circle><text class="tick ${cls}" x="${x1 + 8}" y="${y}" dy="0.32em">${esc(r.verdict)}</text>`;
    })
    .join('');
  const empty = rows.length === 0 ? `<text class="tick" x="${f.left}" y="${f.top + ROW}">nothing to compare</text>` : '';
  return figure(kind, title, subtitle, f, `${bandRect}${xAxis(f, x, axis, (v) => String(v))}${body}${empty}`);
}

function forestChart(doc: ResultDocument, machine: string): string {
  const cs = doc.comparisons.filter((c: Comparison) => (c.metric ?? 'throughput') === 'throughput');
  const label = (c: Comparison): string => {
    const s = doc.scenarios.find((x) => x.id === c.scenarioA);
    return `${s?.workload ?? ''} ${s ? groupLabel(s) : ''}  ${c.a} / ${c.b}`;
  };
  const rows = cs.map((c) => ({ label: label(c), ratio: c.ratio, ci: c.ci, verdict: c.verdict }));
  const margin = doc.analysis.margin;
  const sub = `Throughput ratio a / b of the modes of each group, with its interval; shaded: within ±${(margin * 100).toFixed(0)} % ("equivalent"). ${machine}`;
  return forest('forest', 'Mode comparisons: does isolation change throughput?', sub, rows, margin, 'ratio a / b (log scale)');
}

/** The latency distribution of each mode of a group, from the stored histogram (a step per bucket), p50 and p99 marked. */
function latencyChart(ss: readonly ScenarioResult[], machine: string): string {
  const first = ss[0] as ScenarioResult;
  const f: Frame = { width: WIDTH, height: 300, left: 60, right: 20, top: 30, bottom: 40 };
  const withH = ss.filter((s) => s.latency?.histogram);
  const lo = Math.max(1, Math.min(...withH.map((s) => bucketBounds(s.latency?.histogram?.buckets[0]?.[0] ?? 0, s.latency?.histogram)[0])));
  // Up to twice the largest p99.9: the rare stall far beyond it (a preempted party) would squeeze the rest into the left edge.
  const hi = Math.max(...withH.map((s) => 2 * (s.latency?.p999 ?? 1)), lo * 10);
  const x = log(lo, hi, f.left, f.width - f.right);
  const y = linear(0, 1, f.height - f.bottom, f.top);
  const lines = withH
    .map((s) => {
      const l = s.latency as NonNullable<ScenarioResult['latency']>;
      const h = l.histogram as NonNullable<typeof l.histogram>;
      let seen = 0;
      const pts: string[] = [`${x(lo).toFixed(1)},${y(0).toFixed(1)}`];
      for (const [i, n] of h.buckets) {
        // In the document's own scheme: it states the constants its buckets were written with.
        const [, upper] = bucketBounds(i, h);
        const at = x(Math.min(hi, Math.max(lo, upper))).toFixed(1);
        pts.push(`${at},${y(seen / l.count).toFixed(1)}`);
        seen += n;
        pts.push(`${at},${y(seen / l.count).toFixed(1)}`);
      }
      const c = MODE_COLOR[s.mode];
      const mark = (v: number, q: number, name: string): string =>
        `<circle cx="${x(Math.max(lo, v)).toFixed(1)}" cy="${y(q).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${s.mode} ${name} ${short(v)} ns`)}</title></circle>`;
      return `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.join(' ')}"/>${mark(l.p50, 0.5, 'p50')}${mark(l.p99, 0.99, 'p99')}`;
    })
    .join('');
  const pct = (v: number): string => `${Math.round(v * 100)} %`;
  const body = `${xAxis(f, x, 'latency of one sampled op, ns (log scale)')}${yAxis(f, y, 'share of sampled ops at or below', pct)}${modeLegend(
    f,
    withH.map((s) => s.mode),
  )}${lines}`;
  const title = `${first.workload} ${groupLabel(first)}: latency distribution per mode`;
  return figure(
    'latency',
    title,
    `Sampled: ${workloadInfo(first.workload)?.latency ?? 'one op'}; dots at p50 and p99; the axis ends at twice the largest p99.9. ${machine}`,
    f,
    body,
  );
}

/** ops/s against workers, one line per mode, for groups measured at several worker counts. */
function scalingChart(ss: readonly ScenarioResult[], cpus: number, machine: string): string {
  const first = ss[0] as ScenarioResult;
  const f: Frame = { width: WIDTH, height: 300, left: 70, right: 20, top: 30, bottom: 40 };
  const workers = [...new Set(ss.map((s) => s.workers))].sort((a, b) => a - b);
  const x = linear(Math.min(...workers), Math.max(...workers), f.left, f.width - f.right);
  x.ticks = workers;
  // The estimates set the axis: an interval from a few noisy rounds would flatten every line.
  const y = linear(0, Math.max(...ss.map((s) => s.throughput?.estimate ?? 0)) * 1.15, f.height - f.bottom, f.top);
  const modes = MODES.filter((m) => ss.some((s) => s.mode === m));
  const lines = modes
    .map((m) => {
      const pts = ss.filter((s) => s.mode === m).sort((a, b) => a.workers - b.workers);
      const c = MODE_COLOR[m];
      const path = pts.map((s) => `${x(s.workers).toFixed(1)},${y(s.throughput?.estimate ?? 0).toFixed(1)}`).join(' ');
      // More workers than CPUs: shown, not trusted (hollow).
      const dots = pts
        .map(
          (s) =>
            `<circle cx="${x(s.workers).toFixed(1)}" cy="${y(s.throughput?.estimate ?? 0).toFixed(1)}" r="4" fill="${s.oversubscribed ? 'none' : c}" stroke="${c}"/>`,
        )
        .join('');
      return `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${path}"/>${dots}`;
    })
    .join('');
  const body = `${xAxis(f, x, 'workers', String)}${yAxis(f, y, 'ops/s, all workers together')}${modeLegend(f, modes)}${lines}`;
  const label = [paramText(first), first.placement].filter(Boolean).join(' ');
  const note = workers.some((w) => w > cpus) ? ` Hollow: more workers than the ${cpus} CPUs, shown, not trusted.` : '';
  return figure('scaling', `${first.workload} ${label}: throughput against workers`, `op: ${opOf(first.workload)}.${note} ${machine}`, f, body);
}

/** current / base per scenario, with compare's threshold band and verdicts. */
export function baseChart(r: CompareResult, machine: string): string {
  const rows = r.rows.filter((x) => x.ratio !== null).map((x) => ({ label: x.id, ratio: x.ratio as number, ci: x.ci, verdict: x.verdict }));
  const sub = `${r.metric}: current / base per scenario, with its interval; shaded: within ±${(r.threshold * 100).toFixed(0)} % (the threshold). ${machine}`;
  return forest('base', 'This run against its baseline', sub, rows, r.threshold, 'current / base (log scale)');
}

/** The groups a latency chart or a scaling chart is drawn for. */
function latencyGroups(doc: ResultDocument): ScenarioResult[][] {
  return [...groupBy(done(doc), (s) => `${s.workload} ${groupLabel(s)}`).values()].filter((g) => g.some((s) => s.latency?.histogram));
}
function scalingGroups(doc: ResultDocument): ScenarioResult[][] {
  const g = groupBy(done(doc), (s) => JSON.stringify([s.workload, s.params, s.placement, s.sysctls]));
  return [...g.values()].filter((ss) => new Set(ss.map((s) => s.workers)).size > 1);
}

/** How many charts of each kind the report of `doc` has. */
export function chartCounts(doc: ResultDocument, hasBase: boolean): Record<string, number> {
  return {
    throughput: workloadsOf(doc).length,
    forest: doc.comparisons.some((c) => (c.metric ?? 'throughput') === 'throughput') ? 1 : 0,
    latency: latencyGroups(doc).length,
    scaling: scalingGroups(doc).length,
    base: hasBase ? 1 : 0,
  };
}

/** Every chart of the document, in the order of the page. */
export function documentCharts(doc: ResultDocument, machine: string): string[] {
  const forestPart = chartCounts(doc, false).forest ? [forestChart(doc, machine)] : [];
  return [
    ...forestPart,
    ...workloadsOf(doc).map((w) => throughputChart(doc, w, machine)),
    ...scalingGroups(doc).map((g) => scalingChart(g, doc.env.usableCpus.length, machine)),
    ...latencyGroups(doc).map((g) => latencyChart(g, machine)),
  ];
}
