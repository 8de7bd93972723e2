/**
 * The report's charts, each a function of the document (and, for the base
 * chart, of compare's result): what it shows is in its title, its unit on its
 * axis. chartCounts says how many of each kind a document gets, so that the
 * browser test can hold the page to it.
 *
 * A document may hold thousands of scenarios: each chart draws at most
 * MAX_CHART_ROWS rows and each kind at most MAX_CHARTS_PER_KIND charts, and
 * what is not drawn is said (in the chart's caption, or by leftOutCharts);
 * labels are cut to a line. So a page's charts stay small whatever the
 * document, and the tables hold every figure.
 */
import type { CompareResult } from '../analyze/baseline.js';
import { MODES } from '../common/types.js';
import type { Comparison, ResultDocument, ScenarioResult } from '../document/result.js';
import { bucketBounds } from '../measure/histogram.js';
import { workloadInfo } from '../plan/workloads.js';
import { clip, esc, type Frame, figure, legend, linear, log, MODE_COLOR, ratioScale, short, xAxis, yAxis } from './svg.js';

export const WIDTH = 760;
export const ROW = 18;
/** Rows of one chart beyond this make it taller than a screen: the most telling are drawn, and the caption says how many are not. */
export const MAX_CHART_ROWS = 60;
/** Charts of one kind (per workload, per group) beyond this are a wall no one reads (a default run has 26 latency charts): the first are drawn, and the page says how many are not. */
export const MAX_CHARTS_PER_KIND = 32;
/** A label is cut here: the chart's left margin shows about 56 characters. */
export const MAX_LABEL = 80;
/** And a tooltip here. */
const MAX_TOOLTIP = 240;

const tip = (text: string): string => `<title>${esc(clip(text, MAX_TOOLTIP))}</title>`;
const label = (text: string): string => esc(clip(text, MAX_LABEL));
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
/** The smallest and largest of many values (spreading a long array into Math.min overflows the stack). */
const extent = (values: readonly number[]): [number, number] =>
  values.reduce<[number, number]>(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);

const done = (doc: ResultDocument): ScenarioResult[] => doc.scenarios.filter((s) => s.state === 'completed' && s.throughput);
export const paramText = (s: Pick<ScenarioResult, 'params'>): string =>
  Object.entries(s.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
/** What a group's scenarios share: everything but the mode. */
const groupLabel = (s: ScenarioResult): string =>
  [paramText(s), `w${s.workers}`, s.placement, ...Object.entries(s.sysctls).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(' ');
const opOf = (w: string): string => workloadInfo(w)?.op ?? w;

/** Scenarios grouped by `key`, in first-seen order. */
export function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

const modeLegend = (f: Frame, modes: readonly string[]): string =>
  legend(
    f,
    modes.map((m) => [m, MODE_COLOR[m] ?? 'currentColor'] as const),
  );

/** Per workload: each group's throughput per mode, a point with its interval as whiskers (log axis: groups differ by orders). */
function throughputChart(scenarios: readonly ScenarioResult[], workload: string, machine: string): string {
  const all = [...groupBy(scenarios, groupLabel).entries()];
  const modes = MODES.filter((m) => scenarios.some((s) => s.mode === m));
  const groups = all.slice(0, Math.max(1, Math.floor(MAX_CHART_ROWS / Math.max(1, modes.length))));
  const left = Math.min(360, 16 + 6.2 * Math.max(10, ...groups.map(([label]) => Math.min(MAX_LABEL, label.length))));
  const GAP = 8;
  const f: Frame = { width: WIDTH, height: 30 + groups.length * (modes.length * ROW + GAP) + 50, left, right: 20, top: 30, bottom: 40 };
  const values = groups.flatMap(([, ss]) => ss.flatMap((s) => [s.throughput?.ci[0] ?? 0, s.throughput?.ci[1] ?? 0])).filter((v) => v > 0);
  const [min, max] = values.length > 0 ? extent(values) : [1, 10];
  const lowest = min / 1.2;
  const x = log(lowest, max * 1.2, f.left, f.width - f.right);
  let y = f.top + GAP - ROW / 2;
  const rows = groups
    .map(([name, ss]) => {
      const block = modes
        .map((mode) => {
          const s = ss.find((z) => z.mode === mode);
          const t = s?.throughput;
          y += ROW;
          if (!t) return '';
          const c = MODE_COLOR[mode];
          const lo = Math.max(t.ci[0], lowest);
          return `<line x1="${x(lo).toFixed(1)}" x2="${x(t.ci[1]).toFixed(1)}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="2"/><circle cx="${x(t.estimate).toFixed(1)}" cy="${y}" r="4" fill="${c}">${tip(`${s.id}: ${short(t.estimate)} ops/s [${short(t.ci[0])}, ${short(t.ci[1])}]`)}</circle>`;
        })
        .join('');
      const labelY = y - ((modes.length - 1) * ROW) / 2;
      y += GAP;
      return `<text class="tick" x="${f.left - 8}" y="${labelY}" dy="0.32em" text-anchor="end">${label(name)}</text>${block}`;
    })
    .join('');
  const body = `${xAxis(f, x, 'ops/s (log scale): the estimate and its interval')}${modeLegend(f, modes)}${rows}`;
  const more = all.length - groups.length;
  const note = more > 0 ? ` The first ${groups.length} of ${all.length} groups; ${plural(more, 'group')} not drawn (the tables list every scenario).` : '';
  return figure('throughput', `${workload}: throughput per mode`, `op: ${opOf(workload)}.${note} ${machine}`, f, body);
}

const VERDICT_CLASS: Record<string, string> = { faster: 'good', improved: 'good', slower: 'bad', regressed: 'bad', equivalent: 'same', unchanged: 'same' };

export interface ForestRow {
  label: string;
  ratio: number;
  ci: readonly [number | null, number | null] | null;
  verdict: string;
}

/** Which rows tell most: a change (better or worse) before an open question before no difference, then the larger ratio. */
const TELLING: Readonly<Record<string, number>> = { good: 0, bad: 0, unsure: 1, same: 2 };

/**
 * At most MAX_CHART_ROWS of `rows`, in their order: the most telling ones
 * (TELLING) when there are more; and what the caption says of the rest.
 */
function drawnRows(rows: readonly ForestRow[]): { drawn: readonly ForestRow[]; note: string } {
  if (rows.length <= MAX_CHART_ROWS) return { drawn: rows, note: '' };
  const rank = (r: ForestRow): number => TELLING[VERDICT_CLASS[r.verdict] ?? 'unsure'] ?? 1;
  const size = (r: ForestRow): number => (r.ratio > 0 && Number.isFinite(r.ratio) ? Math.abs(Math.log(r.ratio)) : 0);
  const kept = new Set(
    rows
      .map((r, i) => ({ r, i }))
      .sort((a, b) => rank(a.r) - rank(b.r) || size(b.r) - size(a.r) || a.i - b.i)
      .slice(0, MAX_CHART_ROWS)
      .map(({ i }) => i),
  );
  const more = rows.length - MAX_CHART_ROWS;
  return {
    drawn: rows.filter((_, i) => kept.has(i)),
    note: ` ${MAX_CHART_ROWS} of ${rows.length} rows drawn (changes first, then open questions, then the largest ratios); ${plural(more, 'row')} not drawn (the tables list every one).`,
  };
}

/** Ratios with their intervals on a log axis, the band of "no practical difference" shaded, the verdict coloured and written. */
export function forest(kind: string, title: string, subtitle: string, all: readonly ForestRow[], band: number, axis: string): string {
  const { drawn: rows, note } = drawnRows(all);
  const left = Math.min(460, 12 + 6.2 * Math.max(10, ...rows.map((r) => Math.min(MAX_LABEL, r.label.length))));
  const f: Frame = { width: WIDTH + 100, height: 70 + Math.max(1, rows.length) * ROW, left, right: 100, top: 24, bottom: 40 };
  const x = ratioScale(
    rows.map((r) => r.ratio),
    Math.log(1 + band),
    f.left,
    f.width - f.right,
  );
  const [x0, x1] = [f.left, f.width - f.right];
  const within = (v: number): number => Math.min(x1, Math.max(x0, x(v)));
  const bandRect = `<rect class="band" x="${within(1 / (1 + band)).toFixed(1)}" y="${f.top}" width="${(within(1 + band) - within(1 / (1 + band))).toFixed(1)}" height="${f.height - f.top - f.bottom}"/><line class="one" x1="${x(1)}" x2="${x(1)}" y1="${f.top}" y2="${f.height - f.bottom}"/>`;
  const body = rows
    .map((r, i) => {
      const y = f.top + ROW * (i + 0.8);
      const cls = VERDICT_CLASS[r.verdict] ?? 'unsure';
      const [lo, hi] = r.ci ?? [null, null];
      const whisker = lo && hi ? `<line class="${cls}" x1="${within(lo).toFixed(1)}" x2="${within(hi).toFixed(1)}" y1="${y}" y2="${y}" stroke-width="2"/>` : '';
      const ci = lo && hi ? ` [${lo.toFixed(3)}, ${hi.toFixed(3)}]` : '';
      return `<text class="tick" x="${f.left - 8}" y="${y}" dy="0.32em" text-anchor="end">${label(r.label)}</text>${whisker}<circle class="${cls}" cx="${within(r.ratio).toFixed(1)}" cy="${y}" r="4">${tip(`${r.label}: ${r.ratio.toFixed(3)}${ci} ${r.verdict}`)}</circle><text class="tick ${cls}" x="${x1 + 8}" y="${y}" dy="0.32em">${esc(r.verdict)}</text>`;
    })
    .join('');
  const empty = rows.length === 0 ? `<text class="tick" x="${f.left}" y="${f.top + ROW}">nothing to compare</text>` : '';
  return figure(kind, title, `${subtitle}${note}`, f, `${bandRect}${xAxis(f, x, axis, (v) => String(v))}${body}${empty}`);
}

function forestChart(doc: ResultDocument, machine: string): string {
  const cs = doc.comparisons.filter((c: Comparison) => (c.metric ?? 'throughput') === 'throughput');
  const byId = new Map(doc.scenarios.map((s) => [s.id, s]));
  const name = (c: Comparison): string => {
    const s = byId.get(c.scenarioA);
    return `${s?.workload ?? ''} ${s ? groupLabel(s) : ''}  ${c.a} / ${c.b}`;
  };
  const rows = cs.map((c) => ({ label: name(c), ratio: c.ratio, ci: c.ci, verdict: c.verdict }));
  const margin = doc.analysis.margin;
  const sub = `Throughput ratio a / b of the modes of each group, with its interval; shaded: within ±${(margin * 100).toFixed(0)} % ("equivalent"). ${machine}`;
  return forest('forest', 'Mode comparisons: does isolation change throughput?', sub, rows, margin, 'ratio a / b (log scale)');
}

/** The latency distribution of each mode of a group, from the stored histogram (a step per bucket), p50 and p99 marked. */
function latencyChart(ss: readonly ScenarioResult[], machine: string): string {
  const first = ss[0] as ScenarioResult;
  const f: Frame = { width: WIDTH, height: 300, left: 60, right: 20, top: 30, bottom: 40 };
  // One line per mode (a group holds one scenario of each).
  const withH = MODES.flatMap((m) => ss.find((s) => s.mode === m && s.latency?.histogram) ?? []);
  // Each histogram's buckets in its own scheme: the document states the constants it was written with.
  const lowest = Math.min(...withH.map((s) => (s.latency?.histogram ? bucketBounds(s.latency.histogram.buckets[0]?.[0] ?? 0, s.latency.histogram)[0] : 1)));
  const lo = Number.isFinite(lowest) ? Math.max(1, lowest) : 1;
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
      let last = '';
      for (const [i, n] of h.buckets) {
        const [, upper] = bucketBounds(i, h);
        // To the half pixel: buckets that fall on one column are one vertical step, so a line has at most a few thousand points.
        const at = (Math.round(2 * x(Math.min(hi, Math.max(lo, upper)))) / 2).toFixed(1);
        if (at === last) pts.pop();
        else pts.push(`${at},${y(seen / l.count).toFixed(1)}`);
        seen += n;
        pts.push(`${at},${y(seen / l.count).toFixed(1)}`);
        last = at;
      }
      const c = MODE_COLOR[s.mode];
      const mark = (v: number, q: number, name: string): string =>
        `<circle cx="${x(Math.min(hi, Math.max(lo, v))).toFixed(1)}" cy="${y(q).toFixed(1)}" r="3.5" fill="${c}">${tip(`${s.mode} ${name} ${short(v)} ns`)}</circle>`;
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
  const counts = [...new Set(ss.map((s) => s.workers))].sort((a, b) => a - b);
  const workers = counts.slice(0, MAX_CHART_ROWS);
  const drawn = ss.filter((s) => s.workers <= (workers.at(-1) ?? 0));
  const [wLo, wHi] = extent(workers);
  const x = linear(wLo, wHi, f.left, f.width - f.right);
  // A tick per worker count, thinned to about a dozen.
  x.ticks = workers.filter((_, i) => i % Math.ceil(workers.length / 12) === 0);
  // The estimates set the axis: an interval from a few noisy rounds would flatten every line.
  const y = linear(0, extent(drawn.map((s) => s.throughput?.estimate ?? 0))[1] * 1.15, f.height - f.bottom, f.top);
  const modes = MODES.filter((m) => drawn.some((s) => s.mode === m));
  const lines = modes
    .map((m) => {
      const pts = drawn.filter((s) => s.mode === m).sort((a, b) => a.workers - b.workers);
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
  const name = [paramText(first), first.placement].filter(Boolean).join(' ');
  const hollow = workers.some((w) => w > cpus) ? ` Hollow: more workers than the ${cpus} CPUs, shown, not trusted.` : '';
  const more = counts.length > workers.length ? ` Up to ${workers.at(-1)} workers; ${plural(counts.length - workers.length, 'larger count')} not drawn.` : '';
  return figure('scaling', `${first.workload} ${name}: throughput against workers`, `op: ${opOf(first.workload)}.${hollow}${more} ${machine}`, f, body);
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

/** The charts of a document, each kind cut to MAX_CHARTS_PER_KIND, and how many of each there would be. */
function plan(doc: ResultDocument): {
  throughput: ScenarioResult[][];
  forest: boolean;
  scaling: ScenarioResult[][];
  latency: ScenarioResult[][];
  all: { throughput: number; scaling: number; latency: number };
} {
  const throughput = [...groupBy(done(doc), (s) => s.workload).values()];
  const scaling = scalingGroups(doc);
  const latency = latencyGroups(doc);
  return {
    throughput: throughput.slice(0, MAX_CHARTS_PER_KIND),
    forest: doc.comparisons.some((c) => (c.metric ?? 'throughput') === 'throughput'),
    scaling: scaling.slice(0, MAX_CHARTS_PER_KIND),
    latency: latency.slice(0, MAX_CHARTS_PER_KIND),
    all: { throughput: throughput.length, scaling: scaling.length, latency: latency.length },
  };
}

/** How many charts of each kind the report of `doc` has. */
export function chartCounts(doc: ResultDocument, hasBase: boolean): Record<string, number> {
  const p = plan(doc);
  return { throughput: p.throughput.length, forest: p.forest ? 1 : 0, latency: p.latency.length, scaling: p.scaling.length, base: hasBase ? 1 : 0 };
}

/** What the page leaves out of its charts, one line per kind (empty: every chart is drawn). */
export function leftOutCharts(doc: ResultDocument): string[] {
  const p = plan(doc);
  const line = (drawn: number, all: number, what: string, where: string): string[] =>
    all > drawn ? [`${all - drawn} of ${all} ${what} are not drawn (the first ${drawn} are); ${where}`] : [];
  return [
    ...line(p.throughput.length, p.all.throughput, "workloads' throughput charts", 'the tables hold the throughput of every scenario.'),
    ...line(p.scaling.length, p.all.scaling, 'scaling charts', 'the tables hold the throughput at every worker count.'),
    ...line(p.latency.length, p.all.latency, 'latency distributions', 'the tables hold the p50 and p99 of every scenario.'),
  ];
}

/** Every chart of the document, in the order of the page. */
export function documentCharts(doc: ResultDocument, machine: string): string[] {
  const p = plan(doc);
  return [
    ...(p.forest ? [forestChart(doc, machine)] : []),
    ...p.throughput.map((ss) => throughputChart(ss, (ss[0] as ScenarioResult).workload, machine)),
    ...p.scaling.map((g) => scalingChart(g, doc.env.usableCpus.length, machine)),
    ...p.latency.map((g) => latencyChart(g, machine)),
  ];
}
