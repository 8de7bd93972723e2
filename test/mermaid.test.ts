/**
 * The mermaid charts of the markdown reports (src/report/mermaid.ts): one
 * chart per workload of a run, a bar per compared scenario of a compare, and
 * labels from a document made safe for mermaid's grammar. Documents come
 * from the scheduler on the mock core, or are built by hand where a figure
 * must be exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompareResult, CompareRow } from '../src/analyze/baseline.js';
import type { Mode, Params } from '../src/common/types.js';
import type { ResultDocument, ScenarioResult } from '../src/document/result.js';
import { renderCompareMarkdown, renderRunMarkdown } from '../src/report/markdown.js';
import { chartNumber, chartRatio, chartText, compareChart, MAX_CATEGORIES, MAX_COMPARE_BARS, MAX_RUN_CHARTS, runChart } from '../src/report/mermaid.js';
import { emptyDocument, modeGroup, runDocument, scenario } from './helpers/fixtures.js';

/** What a test reads back of one xychart-beta block. */
interface Chart {
  header: string;
  title: string;
  categories: string[];
  yAxis: string;
  lines: { name: string; values: string[] }[];
  bars: string[][];
  /** The block's text between the fences. */
  text: string;
}

const unquote = (s: string): string => s.replace(/^"(.*)"$/, '$1');
/** The items of `[a, "b c", d]`: labels hold no quotes or brackets, so a split at `", "` or `, ` suffices. */
const items = (list: string): string[] => (list.trim() === '' ? [] : list.split(/,\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((x) => unquote(x.trim())));

function charts(md: string): Chart[] {
  return [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => {
    const text = m[1] ?? '';
    const lines = text.split('\n').map((l) => l.trim());
    const after = (key: string): string => (lines.find((l) => l.startsWith(`${key} `)) ?? '').slice(key.length + 1);
    const xAxis = /^"[^"]*" \[(.*)\]$/.exec(after('x-axis'));
    return {
      header: lines[0] ?? '',
      title: unquote(after('title')),
      categories: items(xAxis?.[1] ?? ''),
      yAxis: after('y-axis'),
      lines: lines
        .filter((l) => l.startsWith('line '))
        .map((l) => {
          const named = /^line "([^"]*)" \[(.*)\]$/.exec(l) ?? /^line ()\[(.*)\]$/.exec(l);
          return { name: named?.[1] ?? '', values: items(named?.[2] ?? '') };
        }),
      bars: lines.filter((l) => l.startsWith('bar ')).map((l) => items(/\[(.*)\]$/.exec(l)?.[1] ?? '')),
      text,
    };
  });
}

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}

/** "0 --> 1320000" as numbers. */
function range(yAxis: string): [number, number] {
  const m = /(-?[\d.]+) --> (-?[\d.]+)$/.exec(yAxis);
  if (!m) throw new Error(`no range in y-axis ${yAxis}`);
  return [Number(m[1]), Number(m[2])];
}

/** A completed scenario with exactly this estimate. */
function completed(workload: string, mode: Mode, estimate: number, opts: { params?: Params; workers?: number } = {}): ScenarioResult {
  const s = scenario(workload, mode, opts);
  return {
    ...s,
    state: 'completed',
    oversubscribed: false,
    throughput: {
      unit: 'ops/s',
      estimate,
      ci: [estimate * 0.99, estimate * 1.01],
      ciLevel: 0.95,
      mean: estimate,
      median: estimate,
      sd: 1,
      rme: 1,
      ci95: [estimate * 0.99, estimate * 1.01],
      samples: 3,
      rounds: [estimate, estimate, estimate],
    },
  };
}

function errored(workload: string, mode: Mode, opts: { params?: Params; workers?: number } = {}): ScenarioResult {
  return {
    ...scenario(workload, mode, opts),
    state: 'errored',
    oversubscribed: false,
    failure: { errno: 28, code: 'ENOSPC', call: 'msgget', message: 'no space' },
  };
}

function documentOf(scenarios: ScenarioResult[]): ResultDocument {
  return { ...emptyDocument(), scenarios };
}

const MODES3: readonly Mode[] = ['host', 'shared', 'isolated'];

describe('runChart', () => {
  let doc: ResultDocument;
  beforeAll(async () => {
    doc = await runDocument([...modeGroup('msg.pingpong'), ...modeGroup('msg.pingpong', { workers: 2 }), ...modeGroup('sem.pingpong')], { seed: 3 });
  });

  const estimateOf = (d: ResultDocument, id: string): number => {
    const v = d.scenarios.find((s) => s.id === id)?.throughput?.estimate;
    if (v === undefined) throw new Error(`no estimate for ${id}`);
    return v;
  };

  it('draws a chart per workload: its scenario groups along the x-axis, a line per mode in MODES order, the estimates as values', () => {
    const md = runChart(doc) ?? '';
    const [msg, sem] = charts(md);
    expect(charts(md)).toHaveLength(2);
    expect(msg?.header).toBe('xychart-beta');
    expect(msg?.title).toBe('msg.pingpong: ops/s');
    expect(msg?.categories).toEqual(['size=64 w1 same-cpu', 'size=64 w2 same-cpu']);
    expect(msg?.lines.map((l) => l.name)).toEqual(MODES3);
    for (const line of msg?.lines ?? []) {
      const mode = line.name as Mode;
      expect(line.values).toEqual([1, 2].map((workers) => chartNumber(estimateOf(doc, scenario('msg.pingpong', mode, { workers }).id))));
    }
    // The legend mermaid does not draw: the caption names the lines in order.
    expect(md).toContain('_Lines, in order: host, shared, isolated (ops/s, from 0)._\n\n```mermaid\nxychart-beta\n  title "msg.pingpong: ops/s"');
    // The axis starts at 0 and holds every value.
    const [lo, hi] = range(msg?.yAxis ?? '');
    expect(lo).toBe(0);
    for (const line of msg?.lines ?? []) for (const v of line.values) expect(Number(v)).toBeLessThan(hi);
    // A workload with one group: a bar per mode (a line through one point draws nothing).
    expect(sem?.title).toBe('sem.pingpong w1 same-cpu: ops/s');
    expect(sem?.categories).toEqual(MODES3);
    expect(sem?.lines).toEqual([]);
    expect(only(sem?.bars ?? [])).toEqual(MODES3.map((m) => chartNumber(estimateOf(doc, scenario('sem.pingpong', m).id))));
    expect(range(sem?.yAxis ?? '')[0]).toBe(0);
  });

  it('rounds values to 3 significant digits in plain decimal notation, which is all the grammar reads', () => {
    expect(chartNumber(1234567)).toBe('1230000');
    expect(chartNumber(999.9)).toBe('1000');
    expect(chartNumber(12.345)).toBe('12.3');
    expect(chartNumber(0.000123456)).toBe('0.000123');
    expect(chartNumber(1e-7)).toBe('0.0000001');
    expect(chartNumber(1e-30)).toBe('0');
    expect(chartNumber(0)).toBe('0');
    expect(chartNumber(Number.NaN)).toBeNull();
    expect(chartNumber(Number.POSITIVE_INFINITY)).toBeNull();
    expect(chartNumber(1e22)).toBeNull();
    expect(chartRatio(1.0043)).toBe('1.004');
    expect(chartRatio(Number.NaN)).toBeNull();
    const d = documentOf([
      completed('msg.pingpong', 'host', 1234567, { workers: 1 }),
      completed('msg.pingpong', 'host', 98765.4, { workers: 2 }),
      completed('msg.pingpong', 'host', 1e-7, { workers: 3 }),
    ]);
    const c = only(charts(runChart(d) ?? ''));
    expect(only(c.lines)).toEqual({ name: 'host', values: ['1230000', '98800', '0.0000001'] });
    expect(c.text).not.toMatch(/\de[+-]?\d/);
  });

  it('leaves out the groups not completed in every mode, and says how many', () => {
    const d = documentOf([
      ...MODES3.map((m) => completed('msg.pingpong', m, 1000 + MODES3.indexOf(m), { workers: 1 })),
      completed('msg.pingpong', 'host', 2000, { workers: 2 }),
      completed('msg.pingpong', 'shared', 2000, { workers: 2 }),
      errored('msg.pingpong', 'isolated', { workers: 2 }),
      ...MODES3.map((m) => completed('msg.pingpong', m, 3000, { workers: 3 })),
    ]);
    const md = runChart(d) ?? '';
    const c = only(charts(md));
    expect(c.categories).toEqual(['size=64 w1 same-cpu', 'size=64 w3 same-cpu']);
    expect(c.lines.map((l) => l.values)).toEqual([
      ['1000', '3000'],
      ['1000', '3000'],
      ['1000', '3000'],
    ]);
    expect(md).toContain('; 1 scenario group left out: not completed in every mode._');
    // Modes a workload never completed in are no series at all, rather than a line of zeros.
    const hostOnly = documentOf([
      completed('shm.copy', 'host', 500, { workers: 1 }),
      completed('shm.copy', 'host', 600, { workers: 2 }),
      errored('shm.copy', 'shared'),
    ]);
    expect(only(charts(runChart(hostOnly) ?? '')).lines).toEqual([{ name: 'host', values: ['500', '600'] }]);
  });

  it('is null with nothing to chart: no scenarios, or none completed', () => {
    expect(runChart(emptyDocument())).toBeNull();
    expect(runChart(documentOf(MODES3.map((m) => errored('msg.pingpong', m))))).toBeNull();
    const skipped = documentOf([{ ...completed('msg.pingpong', 'host', 10), state: 'skipped' }]);
    expect(runChart(skipped)).toBeNull();
  });

  it('makes a hostile label safe: no quote, bracket, backtick, line break, control character or directive gets through', () => {
    const hostile = 'a"b[c]<e>\nf\u001b[2J`g``%%{x}%%\u2028h\u202ei';
    const d = documentOf([
      ...MODES3.map((m) => completed('ipc.churn', m, 100, { params: { kind: hostile } })),
      ...MODES3.map((m) => completed('ipc.churn', m, 200, { params: { kind: 'msg' } })),
    ]);
    const md = runChart(d) ?? '';
    const c = only(charts(md));
    const label = chartText(`kind=${hostile} w1 same-cpu`);
    expect(c.categories).toEqual([label, 'kind=msg w1 same-cpu']);
    expect(label).toBe("kind=a'b(c)(e)\\x0af\\x1b(2J'g''%{x}% h\\u{202e}i w1 same-cpu");
    // Each line of the block: quotes in pairs, one list, no controls; no fence or directive inside it.
    for (const line of c.text.split('\n')) {
      expect((line.match(/"/g) ?? []).length % 2, line).toBe(0);
      expect((line.match(/\[/g) ?? []).length, line).toBeLessThanOrEqual(1);
      expect(line, line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
    }
    expect(c.text).not.toContain('`');
    expect(c.text).not.toContain('%%');
    expect(chartText('')).toBe('?');
    expect(chartText('x'.repeat(100))).toBe(`${'x'.repeat(59)}…`);
  });

  it('keeps categories apart whose safe labels are the same', () => {
    const d = documentOf([
      ...MODES3.map((m) => completed('ipc.churn', m, 100, { params: { kind: 'a[b]' } })),
      ...MODES3.map((m) => completed('ipc.churn', m, 200, { params: { kind: 'a(b)' } })),
    ]);
    expect(only(charts(runChart(d) ?? '')).categories).toEqual(['kind=a(b) w1 same-cpu', 'kind=a(b) w1 same-cpu #2']);
    // Labels cut at the same length: the number survives the cut.
    const long = 'k'.repeat(80);
    const cut = documentOf([
      completed('ipc.churn', 'host', 100, { params: { kind: `${long}1` } }),
      completed('ipc.churn', 'host', 200, { params: { kind: `${long}2` } }),
      completed('ipc.churn', 'host', 300, { params: { kind: `${long}3` } }),
    ]);
    const labels = only(charts(runChart(cut) ?? '')).categories;
    expect(new Set(labels).size).toBe(3);
    expect(labels.slice(1).map((l) => l.slice(-4))).toEqual(['… #2', '… #3']);
    for (const l of labels) expect([...l].length).toBeLessThanOrEqual(60);
  });

  it(`charts at most ${MAX_RUN_CHARTS} workloads and ${MAX_CATEGORIES} groups a workload, and says what it left out`, () => {
    const workloads = Array.from({ length: MAX_RUN_CHARTS + 2 }, (_, i) => `w${i}`);
    const many = documentOf(workloads.flatMap((w) => [1, 2].map((workers) => completed(w, 'host', 100 * workers, { workers }))));
    const md = runChart(many) ?? '';
    expect(charts(md).map((c) => c.title)).toEqual(workloads.slice(0, MAX_RUN_CHARTS).map((w) => `${w}: ops/s`));
    expect(md.endsWith(`_2 more workloads not charted (at most ${MAX_RUN_CHARTS} charts a run): see the tables._`)).toBe(true);

    const groups = documentOf(Array.from({ length: MAX_CATEGORIES + 6 }, (_, i) => completed('msg.pingpong', 'host', 1000 + i, { workers: i + 1 })));
    const wide = runChart(groups) ?? '';
    const c = only(charts(wide));
    expect(c.categories).toHaveLength(MAX_CATEGORIES);
    expect(only(c.lines).values).toHaveLength(MAX_CATEGORIES);
    expect(c.categories.at(-1)).toBe(`size=64 w${MAX_CATEGORIES} same-cpu`);
    expect(wide).toContain('; 6 more scenario groups in the table, not charted._');
  });

  it('renderRunMarkdown: the charts after the header and warnings, before the tables', () => {
    const md = renderRunMarkdown(doc);
    const chart = runChart(doc) ?? '';
    expect(chart).not.toBe('');
    const at = md.indexOf(chart);
    expect(at).toBeGreaterThan(md.indexOf('noise: ') > 0 ? md.indexOf('noise: ') : md.indexOf('verdicts within'));
    expect(at).toBeLessThan(md.indexOf('\n| params |'));
    expect(md).toContain(`\n\n${chart}\n\n#### msg.pingpong\n`);
    expect(renderRunMarkdown(emptyDocument())).not.toContain('```mermaid');
  });
});

describe('compareChart', () => {
  function row(id: string, ratio: number | null): CompareRow {
    return {
      id,
      ratio,
      ci: ratio === null ? null : [ratio * 0.98, ratio * 1.02],
      verdict: ratio === null ? 'inconclusive' : ratio < 0.95 ? 'regressed' : ratio > 1.05 ? 'improved' : 'unchanged',
      base: 1000,
      current: 1000 * (ratio ?? 1),
      rounds: { base: 10, current: 10 },
      baselines: 1,
      notes: [],
    };
  }
  function result(rows: CompareRow[], over: Partial<CompareResult> = {}): CompareResult {
    const side = { path: 'x.json', startedAt: '2024-01-01T00:00:00.000Z', kernel: '6.8', cpuModel: 'cpu', version: '0.1.0', suite: 'test', complete: true };
    return {
      schemaVersion: 2,
      kind: 'ipcns-bench-compare',
      metric: 'throughput',
      unit: 'ops/s',
      biggerIsBetter: true,
      threshold: 0.05,
      alpha: 0.05,
      ciLevel: 0.95,
      method: 'test',
      bases: [side],
      current: side,
      betweenRun: null,
      warnings: [],
      rows,
      onlyInBase: [],
      onlyInCurrent: [],
      notCompared: [],
      broken: [],
      regressed: rows.filter((r) => r.verdict === 'regressed').length,
      improved: rows.filter((r) => r.verdict === 'improved').length,
      unchanged: rows.filter((r) => r.verdict === 'unchanged').length,
      inconclusive: rows.filter((r) => r.verdict === 'inconclusive').length,
      ...over,
    };
  }
  const ROWS = [row('msg.pingpong(size=64)/host/w1/same-cpu', 0.8123), row('msg.pingpong(size=64)/shared/w1/same-cpu', 1.0043), row('odd"id[1]', 1.2)];

  it('draws a bar of current / base per compared scenario, horizontal, with the threshold as lines and a range holding 1 and every ratio', () => {
    const md = compareChart(result(ROWS)) ?? '';
    const c = only(charts(md));
    expect(c.header).toBe('xychart-beta horizontal');
    expect(c.title).toBe('current / base: throughput (higher is better), threshold ±5.0 %');
    expect(c.categories).toEqual(ROWS.map((r) => chartText(r.id)));
    expect(c.categories[2]).toBe("odd'id(1)");
    expect(only(c.bars)).toEqual(ROWS.map((r) => (r.ratio ?? 0).toFixed(3)));
    expect(c.lines.map((l) => l.values)).toEqual([ROWS.map(() => '0.950'), ROWS.map(() => '1.050')]);
    const [lo, hi] = range(c.yAxis);
    for (const v of [1, 0.95, 1.05, ...ROWS.map((r) => r.ratio ?? 1)]) {
      expect(v).toBeGreaterThanOrEqual(lo);
      expect(v).toBeLessThanOrEqual(hi);
    }
    expect(md.startsWith('_Bars: current / base per scenario; lines: 1 − 5.0 % and 1 + 5.0 %, the threshold._\n\n```mermaid\n')).toBe(true);
  });

  it('names a metric where lower is better', () => {
    const c = only(charts(compareChart(result(ROWS, { metric: 'latency-p99', biggerIsBetter: false, threshold: 0.1 })) ?? ''));
    expect(c.title).toBe('current / base: latency p99 (lower is better), threshold ±10.0 %');
    expect(c.lines.map((l) => l.values[0])).toEqual(['0.900', '1.100']);
  });

  it('leaves out rows without a ratio, and is null with none to chart', () => {
    const md = compareChart(result([...ROWS, row('no-ratio', null)])) ?? '';
    expect(only(charts(md)).categories).toHaveLength(ROWS.length);
    expect(md).toContain('; 1 scenario without a ratio not charted._');
    expect(compareChart(result([]))).toBeNull();
    expect(compareChart(result([row('a', null)]))).toBeNull();
  });

  it(`charts at most ${MAX_COMPARE_BARS} bars: the largest changes, in the table's order`, () => {
    const rows = Array.from({ length: MAX_COMPARE_BARS + 10 }, (_, i) => row(`s${i}`, i % 4 === 0 ? 1 + (i + 1) / 100 : 1 - i / 1000));
    const md = compareChart(result(rows)) ?? '';
    const c = only(charts(md));
    expect(c.categories).toHaveLength(MAX_COMPARE_BARS);
    const change = (r: CompareRow): number => Math.abs(Math.log(r.ratio ?? 1));
    const smallestShown = Math.min(...rows.filter((r) => c.categories.includes(r.id)).map(change));
    for (const r of rows.filter((x) => !c.categories.includes(x.id))) expect(change(r)).toBeLessThanOrEqual(smallestShown);
    expect(c.categories).toEqual(rows.map((r) => r.id).filter((id) => c.categories.includes(id)));
    expect(only(c.bars)).toEqual(c.categories.map((id) => rows.find((r) => r.id === id)?.ratio?.toFixed(3)));
    expect(md).toContain(`; the ${MAX_COMPARE_BARS} largest changes of ${rows.length}: 10 more in the table, not charted._`);
  });

  it('renderCompareMarkdown: the chart before the table', () => {
    const r = result(ROWS);
    const md = renderCompareMarkdown(r);
    const chart = compareChart(r) ?? '';
    expect(md).toContain(`\n\n${chart}\n\n#### Compared by --metric throughput\n`);
    expect(renderCompareMarkdown(result([]))).not.toContain('```mermaid');
  });
});
