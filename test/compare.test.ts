/**
 * `ipcns-bench compare`: run against baseline on the mock core. A/A runs must
 * not be flagged, real regressions must be, the threshold must hold back
 * small ones, and bad input must give a clear UsageError (exit code 2).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareCommand, type CommandIo } from '../src/commands/compare.js';
import { compareDocuments, verdictSummary as verdictSummaryText, holmAdjust, parseMetric, parseThreshold, verdictFor, type CompareResult } from '../src/compare.js';
import { UsageError } from '../src/errors.js';
import type { MockOptions } from '../src/mock-core.js';
import { renderCompareMarkdown, renderRunMarkdown } from '../src/report/markdown.js';
import { renderCompare } from '../src/report/table.js';
import type { ResultDocument, ScenarioResult } from '../src/result.js';
import { ALPHA } from '../src/stats.js';
import { expand, loadSuite } from '../src/suite.js';
import { runDocument } from './helpers/fixtures.js';
import { memoryIo } from './helpers/io.js';

const SUITE = loadSuite('ci');
const SCENARIOS = expand(SUITE);
/** The ci suite's windows per scenario; the mock's clocks are fake, so the time budget only needs to be large. */
const BUDGET = { minWindows: SUITE.budget.minWindows, maxWindows: SUITE.budget.maxWindows, warmupWindows: 1, timeMs: 1e9, windowMs: SUITE.budget.windowMs };

function ciDocument(seed: number, mock: MockOptions = {}): Promise<ResultDocument> {
  return runDocument(SCENARIOS, { seed, mock: { noise: 0.02, ...mock }, budget: BUDGET });
}

function compare(base: ResultDocument, current: ResultDocument, o: Partial<Parameters<typeof compareDocuments>[2]> = {}): CompareResult {
  return compareDocuments(base, current, { metric: 'throughput', threshold: 0, basePath: 'base.json', currentPath: 'current.json', ...o });
}

const byId = (r: CompareResult, id: string) => r.rows.find((x) => x.id === id);
const ids = (prefix: string): string[] => SCENARIOS.filter((s) => s.id.startsWith(prefix)).map((s) => s.id);


/** What cli.ts does with a command: its exit code, or 2 for a UsageError. */
/** A copy of `doc` in which scenario `index` errored with ENOSPC. */
function withFailure(doc: ResultDocument, index: number): { doc: ResultDocument; scenario: ScenarioResult } {
  const copy = structuredClone(doc);
  const scenario = copy.scenarios[index] as ScenarioResult;
  scenario.state = 'errored';
  scenario.failure = { errno: 28, code: 'ENOSPC', call: 'msgget', message: 'msgget failed: ENOSPC' };
  return { doc: copy, scenario };
}

async function exitCode(argv: string[], io: CommandIo = memoryIo()): Promise<number> {
  try {
    return await compareCommand(argv, io);
  } catch (e) {
    if (e instanceof UsageError) return 2;
    throw e;
  }
}

let dir: string;
const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

let base: ResultDocument;
let again: ResultDocument;
let slower20: ResultDocument;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-compare-'));
  base = await ciDocument(1);
  again = await ciDocument(2);
  slower20 = await ciDocument(3, { nsPerOp: { 'msg.pingpong': 2400 } });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the ci suite', () => {
  it('has enough windows per scenario for a per-window test, and every mode', () => {
    expect(SUITE.budget.minWindows).toBeGreaterThanOrEqual(8);
    expect(new Set(SCENARIOS.map((s) => s.mode))).toEqual(new Set(['host', 'shared', 'isolated']));
    expect(SCENARIOS.every((s) => s.workers === 1 && s.placement === 'same-cpu')).toBe(true);
    // Budgeted time: every window of every scenario, warm-up included, well under 60 s.
    const windows = SCENARIOS.length * (SUITE.budget.maxWindows + SUITE.budget.warmupWindows);
    expect((windows * SUITE.budget.windowMs) / 1000).toBeLessThan(30);
  });
});

describe('A/A: the same scenarios measured twice', () => {
  it('flags nothing in at least 95 % of 100 seeds (noisy windows, default threshold 0 %)', async () => {
    let flagged = 0;
    for (let seed = 1; seed <= 100; seed++) {
      // 10 % per-window noise: a noisy CI runner. Different seeds: independent runs.
      const a = await ciDocument(seed, { noise: 0.1 });
      const b = await ciDocument(seed + 10_000, { noise: 0.1 });
      const r = compare(a, b);
      expect(r.rows).toHaveLength(SCENARIOS.length);
      if (r.regressed > 0) flagged++;
    }
    expect(flagged).toBeLessThanOrEqual(5);
  }, 120_000);

  it('reports every scenario unchanged, with a ratio near 1 and a CI around it', () => {
    const r = compare(base, again);
    expect(r.regressed).toBe(0);
    expect(r.onlyInBase).toEqual([]);
    expect(r.onlyInCurrent).toEqual([]);
    for (const row of r.rows) {
      expect(row.test).toBe('welch');
      expect(row.ratio).toBeGreaterThan(0.95);
      expect(row.ratio).toBeLessThan(1.05);
      expect(row.ci95?.[0]).toBeLessThan(row.ratio as number);
      expect(row.ci95?.[1]).toBeGreaterThan(row.ratio as number);
      expect(row.samples).toEqual({ base: SUITE.budget.maxWindows, current: SUITE.budget.maxWindows });
    }
  });
});

describe('regressions', () => {
  it('flags a 20 % slower workload as regressed, and only it', () => {
    const r = compare(base, slower20);
    const slow = ids('msg.pingpong');
    expect(slow).toHaveLength(3);
    for (const row of r.rows) {
      if (slow.includes(row.id)) {
        expect(row.verdict).toBe('regressed');
        expect(row.ratio).toBeCloseTo(1 / 1.2, 1);
        expect(row.pAdjusted).toBeLessThan(ALPHA);
      } else {
        expect(row.verdict).toBe('unchanged');
      }
    }
    expect(r.regressed).toBe(3);
  });

  it('flags a mode that became 20 % slower', async () => {
    const current = await ciDocument(4, { modeFactor: { isolated: 1.2 } });
    const r = compare(base, current);
    for (const row of r.rows) expect(row.verdict).toBe(row.id.includes('/isolated/') ? 'regressed' : 'unchanged');
  });

  it('calls a 20 % faster workload improved, which is not a regression', async () => {
    const current = await ciDocument(5, { nsPerOp: { 'sem.pingpong': 2000 / 1.2 } });
    const r = compare(base, current);
    for (const id of ids('sem.pingpong')) expect(byId(r, id)?.verdict).toBe('improved');
    expect(r.regressed).toBe(0);
  });

  it('holds back a significant 2 % regression under --threshold 5%', async () => {
    // Low noise, so that 2 % is clearly significant: the threshold, not the test, holds it back.
    const quiet = { noise: 0.002 };
    const a = await ciDocument(6, quiet);
    const b = await ciDocument(7, { ...quiet, nsPerOp: { 'msg.stream': 2040 } });
    const strict = compare(a, b);
    for (const id of ids('msg.stream')) expect(byId(strict, id)?.verdict).toBe('regressed');
    const lenient = compare(a, b, { threshold: parseThreshold('5%') });
    expect(lenient.regressed).toBe(0);
    for (const id of ids('msg.stream')) {
      const row = byId(lenient, id);
      expect(row?.pAdjusted).toBeLessThan(ALPHA);
      expect(row?.verdict).toBe('unchanged');
    }
  });

  it('does not flag a whole-run shift smaller than the threshold (a slower runner, not a slower kernel)', async () => {
    // Every scenario 4 % slower in one run: the windows of each run agree, so the test sees it; the threshold holds it back.
    const shifted = await ciDocument(8, { noise: 0.01, modeFactor: { host: 1.04, shared: 1.04, isolated: 1.04 } });
    const a = await ciDocument(9, { noise: 0.01 });
    expect(compare(a, shifted).regressed).toBeGreaterThan(0);
    expect(compare(a, shifted, { threshold: 0.05 }).regressed).toBe(0);
  });

  it('still flags the 20 % regression under --threshold 5%', () => {
    expect(compare(base, slower20, { threshold: 0.05 }).regressed).toBe(3);
  });
});

describe('metrics with one value per run', () => {
  /** A document without the per-window figures (as a reader may meet from other writers). */
  const withoutWindows = (d: ResultDocument): ResultDocument => ({
    ...d,
    scenarios: d.scenarios.map((sc) => {
      const { cpuNsPerOpWindows: _c, ctxSwitchesPerOpWindows: _x, ...rest } = sc;
      if (!rest.latency) return rest;
      const { p99Windows: _p, ...latency } = rest.latency;
      return { ...rest, latency };
    }),
  });

  it('judge cpu-per-op by the threshold alone, and say there was no test', () => {
    const r = compare(withoutWindows(base), withoutWindows(slower20), { metric: 'cpu-per-op', threshold: 0.05 });
    expect(r.metric).toBe('cpu-per-op');
    expect(r.biggerIsBetter).toBe(false);
    for (const row of r.rows) {
      expect(row.test).toBe('none');
      expect(row.pValue).toBeNull();
      expect(row.ci95).toBeNull();
      expect(row.verdict).toBe(row.id.startsWith('msg.pingpong') ? 'regressed' : 'unchanged');
    }
    expect(r.test).toContain(`no test: one value per run for ${SCENARIOS.length} scenarios (cpuNsPerOpWindows is not in both documents), judged by the threshold alone`);
    expect(renderCompare(r, { color: false })).toContain('no test: one value per run');
  });

  it('report nothing with --threshold 0%, and warn that a threshold is needed', () => {
    const r = compare(withoutWindows(base), withoutWindows(slower20), { metric: 'cpu-per-op' });
    expect(r.regressed).toBe(0);
    expect(r.warnings.join('\n')).toMatch(/no significance test.*--threshold/);
  });

  it('judge latency-p99 and cs-per-op with smaller-is-better direction', () => {
    const lat = compare(withoutWindows(base), withoutWindows(slower20), { metric: 'latency-p99', threshold: 0.1 });
    for (const id of ids('msg.pingpong')) expect(byId(lat, id)?.verdict).toBe('regressed');
    // The mock's context switches per op do not depend on speed.
    expect(compare(withoutWindows(base), withoutWindows(slower20), { metric: 'cs-per-op', threshold: 0.01 }).regressed).toBe(0);
  });

  it('do not count changes of context switches per op that are negligible on both sides', () => {
    const b = withoutWindows(structuredClone(base));
    const c = withoutWindows(structuredClone(base));
    const [s0, s1] = [b.scenarios[0] as ScenarioResult, c.scenarios[0] as ScenarioResult];
    s0.ctxSwitchesPerOp = 0.0001;
    s1.ctxSwitchesPerOp = 0.0003;
    (b.scenarios[1] as ScenarioResult).ctxSwitchesPerOp = 1;
    (c.scenarios[1] as ScenarioResult).ctxSwitchesPerOp = 1.5;
    const r = compare(b, c, { metric: 'cs-per-op', threshold: 0.05 });
    expect(byId(r, s0.id)?.verdict).toBe('unchanged');
    expect(byId(r, s0.id)?.notes).toEqual(['negligible: below 0.01 switches/op on both sides']);
    expect(byId(r, (b.scenarios[1] as ScenarioResult).id)?.verdict).toBe('regressed');
  });

  it('use per-window values when the document has them (cpuNsPerOpWindows)', () => {
    // What the scheduler would record: the mock's CPU time per op of each window (0.5 × parties × window / ops).
    const withWindows = (doc: ResultDocument): ResultDocument => {
      const copy = structuredClone(doc);
      for (const s of copy.scenarios) {
        (s as ScenarioResult & { cpuNsPerOpWindows?: number[] }).cpuNsPerOpWindows = (s.throughput?.windows ?? []).map((opsPerSec) => (0.5 * 2 * 1e9) / opsPerSec);
      }
      return copy;
    };
    const r = compare(withWindows(base), withWindows(slower20), { metric: 'cpu-per-op' });
    for (const row of r.rows) {
      expect(row.test).toBe('welch');
      expect(row.verdict).toBe(row.id.startsWith('msg.pingpong') ? 'regressed' : 'unchanged');
    }
    expect(r.test).toContain('cpuNsPerOpWindows');
    expect(r.warnings).toEqual([]);
  });

  it('refuse a malformed per-window field', () => {
    const bad = structuredClone(base);
    (bad.scenarios[0] as unknown as { cpuNsPerOpWindows: unknown }).cpuNsPerOpWindows = ['x'];
    expect(() => compare(bad, again, { metric: 'cpu-per-op' })).toThrow(/base\.json: scenario .*cpuNsPerOpWindows must be an array of finite numbers/);
  });
});

describe('scenarios that cannot be compared', () => {
  it('lists scenarios present on one side only', () => {
    const current = structuredClone(again);
    const dropped = current.scenarios.shift() as ScenarioResult;
    const extra = { ...structuredClone(current.scenarios[0] as ScenarioResult), id: 'msg.pingpong(size=128)/host/w1/same-cpu' };
    current.scenarios.push(extra);
    const r = compare(base, current);
    expect(r.onlyInBase).toEqual([dropped.id]);
    expect(r.onlyInCurrent).toEqual([extra.id]);
    expect(r.rows).toHaveLength(SCENARIOS.length - 1);
    const text = renderCompare(r, { color: false });
    expect(text).toContain(`Only in base (not compared): ${dropped.id}`);
    expect(text).toContain(`Only in current (not compared): ${extra.id}`);
    expect(renderCompareMarkdown(r)).toContain('**Only in base**');
  });

  it('lists matched scenarios that did not complete, with the reason', () => {
    const { doc: current, scenario: s } = withFailure(again, 1);
    const r = compare(base, current);
    expect(r.notCompared).toEqual([{ id: s.id, reason: 'errored in current: msgget failed: ENOSPC' }]);
    expect(r.rows.map((x) => x.id)).not.toContain(s.id);
    expect(renderCompare(r, { color: false })).toContain(`Not compared: ${s.id}: errored in current`);
  });
});

describe('mismatched documents', () => {
  it('warn first about kernel, CPU model, tool version and placement', () => {
    const current = structuredClone(again);
    current.env.kernel = '6.9.0-other';
    current.env.cpuModel = 'Other CPU';
    current.tool.version = '0.2.0';
    // One scenario moved to another placement: no longer the same id.
    const moved = current.scenarios[0] as ScenarioResult;
    moved.placement = 'split';
    moved.id = moved.id.replace('/same-cpu', '/split');
    const r = compare(base, current);
    const w = r.warnings.join('\n');
    expect(w).toContain('kernel differs: base 6.8.0-test, current 6.9.0-other');
    expect(w).toContain('CPU model differs: base Test CPU, current Other CPU');
    expect(w).toContain('tool version differs: base 0.1.0, current 0.2.0');
    expect(w).toMatch(/placement differs: .* same-cpu in base, split in current/);

    const table = renderCompare(r, { color: false });
    expect(table.split('\n')[0]).toMatch(/^warning: kernel differs/);
    const md = renderCompareMarkdown(r);
    expect(md.indexOf('kernel differs')).toBeLessThan(md.indexOf('| scenario'));
  });

  it('warn about uncontrolled placement and incomplete runs', () => {
    const b = structuredClone(base);
    const c = structuredClone(again);
    c.complete = false;
    for (const d of [b, c]) {
      const s = d.scenarios[0] as ScenarioResult;
      s.placement = 'any';
    }
    const w = compare(b, c).warnings.join('\n');
    expect(w).toContain('the current run did not complete');
    expect(w).toContain('placement any: uncontrolled');
  });
});

describe('parsing', () => {
  it('--threshold takes a percentage', () => {
    expect(parseThreshold('5%')).toBeCloseTo(0.05, 12);
    expect(parseThreshold('5')).toBeCloseTo(0.05, 12);
    expect(parseThreshold(' 2.5% ')).toBeCloseTo(0.025, 12);
    expect(parseThreshold('0')).toBe(0);
    expect(parseThreshold('0.5%')).toBeCloseTo(0.005, 12);
    for (const bad of ['-5%', 'abc', '5%%', '', '0.05', '100%', 'NaN', '1e3']) {
      expect(() => parseThreshold(bad), bad).toThrow(UsageError);
      expect(() => parseThreshold(bad), bad).toThrow(/--threshold/);
    }
  });

  it('--metric is one of four', () => {
    expect(parseMetric('cpu-per-op')).toBe('cpu-per-op');
    expect(() => parseMetric('wall')).toThrow(/--metric "wall": not one of throughput, latency-p99, cpu-per-op, cs-per-op/);
  });

  it('Holm adjustment and the verdict rule', () => {
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005, NaN]);
    expect(adj.slice(0, 4).map((x) => Number(x.toFixed(6)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(adj[4]).toBeNaN();
    expect(verdictFor(0.9, true, 0.05, true)).toBe('regressed');
    expect(verdictFor(0.97, true, 0.05, true)).toBe('unchanged');
    expect(verdictFor(1.1, true, 0.05, false)).toBe('regressed');
    expect(verdictFor(0.9, true, 0.05, false)).toBe('improved');
    expect(verdictFor(0.5, false, 0, true)).toBe('unchanged');
    expect(verdictFor(null, true, 0, true)).toBe('unchanged');
  });
});

describe('compareCommand', () => {
  it('exits 0 when nothing regressed and 1 when something did', async () => {
    const b = file('base.json', base);
    const same = file('same.json', again);
    const slow = file('slow.json', slower20);
    const io0 = memoryIo();
    expect(await exitCode([b, same], io0)).toBe(0);
    expect(io0.out()).toContain(`no regression in ${SCENARIOS.length} compared scenarios`);
    expect(io0.out()).toContain('verdicts used throughput (--metric throughput)');
    const io1 = memoryIo();
    expect(await exitCode([b, slow, '--threshold', '5%'], io1)).toBe(1);
    expect(io1.out()).toContain(`3 of ${SCENARIOS.length} compared scenarios regressed`);
    expect(io1.out()).toContain('regressed');
  });

  it('says which metric the verdicts used', async () => {
    const io = memoryIo();
    expect(await exitCode([file('b2.json', base), file('s2.json', slower20), '--metric', 'cpu-per-op', '--threshold', '5'], io)).toBe(1);
    expect(io.out()).toContain('Verdicts by --metric cpu-per-op: CPU time per op (ns/op, smaller is better)');
    expect(io.out()).toContain('verdicts used CPU time per op (--metric cpu-per-op), threshold 5%');
  });

  it('writes a versioned JSON object with --format json', async () => {
    const io = memoryIo();
    const c = structuredClone(slower20);
    c.env.kernel = '6.9.0-other';
    expect(await exitCode([file('b3.json', base), file('c3.json', c), '--format', 'json', '--threshold', '5%'], io)).toBe(1);
    const j = JSON.parse(io.out()) as Record<string, unknown>;
    expect(j).toMatchObject({
      schemaVersion: 1, kind: 'ipcns-bench-compare', metric: 'throughput', threshold: 0.05, alpha: ALPHA, regressed: 3,
      onlyInBase: [], onlyInCurrent: [],
    });
    expect(Object.keys(j.base as object)).toEqual(expect.arrayContaining(['path', 'startedAt', 'kernel', 'cpuModel', 'version']));
    expect((j.current as { kernel: string }).kernel).toBe('6.9.0-other');
    expect(j.warnings).toEqual(['kernel differs: base 6.8.0-test, current 6.9.0-other']);
    const rows = j.rows as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(SCENARIOS.length);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(['id', 'ratio', 'ci95', 'pValue', 'verdict', 'base', 'current']));
      expect(typeof row.ratio).toBe('number');
      expect(['improved', 'regressed', 'unchanged']).toContain(row.verdict);
    }
    // stdout is pure JSON; the warning also goes to stderr.
    expect(io.err()).toContain('warning: kernel differs');
  });

  it('writes GitHub-flavoured markdown with --format markdown', async () => {
    const io = memoryIo();
    await exitCode([file('b4.json', base), file('c4.json', slower20), '--format', 'markdown'], io);
    const md = io.out();
    expect(md).toMatch(/^### ipcns-bench compare: throughput/);
    const lines = md.split('\n');
    const head = lines.findIndex((l) => l.startsWith('| scenario |'));
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 1]).toMatch(/^\| ---( \| ---)+ \|$/);
    const rows = lines.slice(head + 2).filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(SCENARIOS.length);
    const cols = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const r of rows) expect(cols(r)).toBe(cols(lines[head] as string));
    expect(md).toContain('🔴 **regressed**');
  });

  it('--summary appends the markdown to $GITHUB_STEP_SUMMARY', async () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const io = memoryIo({ GITHUB_STEP_SUMMARY: summary });
    expect(await exitCode([file('b5.json', base), file('c5.json', again), '--summary'], io)).toBe(0);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text).toContain('### ipcns-bench compare: throughput');
    expect(io.out()).toContain('┌'); // the table still went to stdout
  });

  it('--summary without GITHUB_STEP_SUMMARY notes it on stderr and carries on', async () => {
    const io = memoryIo({});
    expect(await exitCode([file('b6.json', base), file('c6.json', again), '--summary'], io)).toBe(0);
    expect(io.err()).toMatch(/GITHUB_STEP_SUMMARY is not set/);
    expect(io.err().trim().split('\n')).toHaveLength(1);
  });

  it('a scenario that completed in base and failed in current fails the gate', () => {
    const { doc: current, scenario: s } = withFailure(again, 0);
    const r = compare(base, current);
    expect(r.broken).toEqual([s.id]);
    expect(r.notCompared.map((n) => n.id)).toContain(s.id);
    expect(verdictSummaryText(r)).toContain('1 that completed in base failed in current');
  });

  it('--help prints the usage with the exit codes', async () => {
    const io = memoryIo();
    expect(await exitCode(['--help'], io)).toBe(0);
    expect(io.out()).toContain('exit codes: 0 nothing regressed, 1 something regressed (or completed in base and failed in current), 2 bad input');
  });
});

describe('bad input: UsageError, exit code 2', () => {
  const expectUsage = async (argv: string[], message: RegExp): Promise<void> => {
    await expect(compareCommand(argv, memoryIo())).rejects.toThrow(UsageError);
    await expect(compareCommand(argv, memoryIo())).rejects.toThrow(message);
    expect(await exitCode(argv)).toBe(2);
  };

  it('a file that is not JSON', async () => {
    const p = file('notjson.json', '{ not json');
    await expectUsage([p, file('ok1.json', base)], /notjson\.json is not JSON/);
  });

  it('a document of another schema version', async () => {
    const p = file('v2.json', { ...base, schemaVersion: 2 });
    await expectUsage([file('ok2.json', base), p], /v2\.json has schemaVersion 2; this ipcns-bench reads schemaVersion 1/);
  });

  it('a JSON file that is not a result document', async () => {
    await expectUsage([file('ok3.json', base), file('other.json', { schemaVersion: 1, hello: 'world' })], /other\.json is not an ipcns-bench result document/);
  });

  it('a missing file, or a directory', async () => {
    await expectUsage([join(dir, 'nope.json'), file('ok4.json', base)], /nope\.json: no such file/);
    const sub = join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    await expectUsage([file('ok5.json', base), sub], /sub: is a directory/);
  });

  it('documents without a common scenario id', async () => {
    const other = structuredClone(base);
    other.command.suite = 'quick';
    for (const s of other.scenarios) s.id = `${s.id}/other`;
    await expectUsage([file('ok6.json', base), file('other2.json', other)], /no scenario id is in both documents; were they run with the same suite\?/);
  });

  it('bad flags and arguments', async () => {
    const b = file('ok7.json', base);
    const c = file('ok8.json', again);
    await expectUsage([b, c, '--metric', 'wall'], /--metric "wall": not one of/);
    await expectUsage([b, c, '--threshold=-5%'], /--threshold -5%: must not be negative/);
    await expectUsage([b, c, '--threshold', '-5%'], /--threshold/);
    await expectUsage([b, c, '--threshold', 'lots'], /--threshold "lots": not a percentage/);
    await expectUsage([b, c, '--format', 'html'], /--format "html": not one of table, markdown, json/);
    await expectUsage([b, c, '--colour'], /compare: unknown flag --colour/);
    await expectUsage([b], /give two result documents/);
    await expectUsage([b, c, b], /compare: unexpected argument/);
  });
});

describe('renderRunMarkdown', () => {
  it('renders a run as markdown tables, one per workload, and the mode comparisons', () => {
    const md = renderRunMarkdown(base);
    expect(md).toMatch(/^### ipcns-bench run: suite test/);
    for (const w of ['msg.pingpong', 'sem.pingpong', 'mq.pingpong', 'msg.stream']) expect(md).toContain(`#### \`${w}\``);
    expect(md).toContain('#### Mode comparisons');
    expect(md).toContain('| params | workers | placement | mode | ops/s |');
  });
});
