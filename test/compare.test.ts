/**
 * `ipcns-bench compare`: a run against one or more baselines
 * (src/analyze/baseline.ts for the verdicts, src/commands/compare.ts for the
 * command). Documents come from the real scheduler on the mock core (fake
 * clocks: fast and deterministic per seed). A/A runs must not be flagged, a
 * scenario made 10 % slower must be, the threshold must hold back changes
 * smaller than it, several baselines must carry the spread between runs, and
 * bad input must be a UsageError (exit code 2).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  betweenRunVariance,
  COMPARE_ALPHA,
  COMPARE_METRICS,
  compareRuns,
  DEFAULT_THRESHOLD,
  METRIC_INFO,
  runVerdict,
  type CompareOptions,
  type CompareResult,
  type CompareRow,
} from '../src/analyze/baseline.js';
import { compareCommand, parseCompareArgs, parseMetric, parseThreshold } from '../src/commands/compare.js';
import { readDocument } from '../src/commands/io.js';
import { UsageError } from '../src/common/errors.js';
import { NOISY_MACHINE, type MockOptions } from '../src/measure/mock-core.js';
import { renderCompareMarkdown } from '../src/report/markdown.js';
import { renderCompare } from '../src/report/table.js';
import type { ResultDocument } from '../src/document/result.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { runDocument } from './helpers/fixtures.js';
import { memoryIo } from './helpers/io.js';
import { anotherRun, rename, scaled, scenarioOf, toV1, without } from './helpers/surgery.js';

const SCENARIOS = expand(loadSuite('ci'));
const IDS = SCENARIOS.map((s) => s.id);
/** The ci suite's cap and precision target; 10-ms windows. The mock's clocks are fake, so this costs no real time. */
const BUDGET = { capMs: 4000, windowMs: 10, precision: 0.02 };
const QUIET: MockOptions = { noise: 0.02 };

function ciDocument(seed: number, mock: MockOptions = QUIET): Promise<ResultDocument> {
  return runDocument(SCENARIOS, { seed, mock, budget: BUDGET });
}

const at = <T>(xs: readonly T[], i: number): T => {
  const x = xs[i];
  if (x === undefined) throw new Error(`no item ${i}`);
  return x;
};
const SLOW = at(IDS, 4); // sem.pingpong/shared/w1/same-cpu
const OTHER = at(IDS, 9); // msg.stream(size=64)/host/w1/same-cpu

// ---------------------------------------------------------------------------
// Document surgery: what a user does to a copy of a result document.
// ---------------------------------------------------------------------------

/** A copy in which scenario `id` did not complete. */
function failed(
  doc: ResultDocument,
  id: string,
  state: 'errored' | 'skipped' = 'errored',
  message = 'msgget failed: ENOSPC (raise kernel.msgmni)',
): ResultDocument {
  const copy = structuredClone(doc);
  const s = scenarioOf(copy, id);
  s.state = state;
  s.failure = { errno: 28, code: 'ENOSPC', call: 'msgget', message };
  return copy;
}

// ---------------------------------------------------------------------------
// Running the logic and the command
// ---------------------------------------------------------------------------

function compare(bases: ResultDocument | readonly ResultDocument[], current: ResultDocument, o: Partial<CompareOptions> = {}): CompareResult {
  const list = Array.isArray(bases) ? (bases as readonly ResultDocument[]) : [bases as ResultDocument];
  return compareRuns(list, current, {
    metric: 'throughput',
    threshold: DEFAULT_THRESHOLD,
    basePaths: list.map((_, i) => `base${i + 1}.json`),
    currentPath: 'current.json',
    ...o,
  });
}

function rowOf(r: CompareResult, id: string): CompareRow {
  const row = r.rows.find((x) => x.id === id);
  if (!row) throw new Error(`no row ${id}`);
  return row;
}

const logWidth = (row: CompareRow): number => {
  if (!row.ci) throw new Error(`${row.id} has no interval`);
  return Math.log(row.ci[1] / row.ci[0]);
};

interface Ran {
  code: number;
  out: string;
  err: string;
  /** The UsageError's message, when the command threw one (exit code 2). */
  usage?: string;
}

/** The command as cli.ts runs it: its exit code, 2 for a UsageError. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const io = memoryIo(env);
  try {
    const code = await compareCommand(argv, io);
    return { code, out: io.out(), err: io.err() };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out: io.out(), err: io.err(), usage: e.message };
    throw e;
  }
}

let dir: string;
let fileCount = 0;
/** Writes `content` (a document, or raw text) to a new file; returns its path. */
function file(name: string, content: unknown): string {
  const path = join(dir, `${++fileCount}-${name}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** Markdown table cells: pipes not escaped by a backslash. */
function unescapedPipes(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') n++;
  }
  return n;
}

let base: ResultDocument; // seed 1
let again: ResultDocument; // seed 2, same truth
let third: ResultDocument; // seed 3, same truth
let fourth: ResultDocument; // seed 4, same truth

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-compare-'));
  base = await ciDocument(1);
  again = await ciDocument(2);
  third = await ciDocument(3);
  fourth = await ciDocument(4);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------

describe('the documents behind these tests', () => {
  it('hold the 12 ci scenarios, completed, with per-round values of every metric', () => {
    expect(SCENARIOS).toHaveLength(12);
    for (const doc of [base, again]) {
      expect(doc.schemaVersion).toBe(2);
      expect(doc.scenarios.map((s) => s.id)).toEqual(IDS);
      for (const s of doc.scenarios) {
        expect(s.state).toBe('completed');
        expect(s.throughput?.rounds.length).toBeGreaterThanOrEqual(8);
        expect(s.latency?.p50Rounds?.length).toBe(s.throughput?.rounds.length);
        expect(s.latency?.p99Rounds?.length).toBe(s.throughput?.rounds.length);
        expect(s.cpuNsPerOpRounds?.length).toBe(s.throughput?.rounds.length);
        expect(s.ctxSwitchesPerOpRounds?.length).toBe(s.throughput?.rounds.length);
      }
    }
    // A scaled copy is still a valid document (what readDocument checks).
    const copy = scaled(scaled(scaled(scaled(base, [SLOW], 'throughput', 0.9), [SLOW], 'latency', 1.1), [SLOW], 'cpu', 1.1), [SLOW], 'cs', 1.1);
    expect(() => readDocument(file('scaled.json', copy))).not.toThrow();
  });
});

describe('A/A: the same truth measured twice', () => {
  it('flags nothing over 20 seed pairs with 3 % Gaussian noise (one baseline, default threshold), exit 0', async () => {
    const docs: ResultDocument[] = [];
    for (let seed = 101; seed <= 121; seed++) docs.push(await ciDocument(seed, { noise: 0.03 }));
    let regressed = 0;
    let improved = 0;
    let pairsFlagged = 0;
    for (let i = 0; i < 20; i++) {
      const r = compare(at(docs, i), at(docs, i + 1));
      expect(r.rows).toHaveLength(12);
      regressed += r.regressed;
      improved += r.improved;
      const ran = await run([file(`aa-base-${i}.json`, at(docs, i)), file(`aa-current-${i}.json`, at(docs, i + 1))]);
      expect(ran.code).toBe(0);
      if (ran.code !== 0) pairsFlagged++;
    }
    expect(regressed).toBe(0);
    expect(improved).toBe(0);
    expect(pairsFlagged).toBe(0);
  }, 120_000);

  it('flags at most its alpha share of 20 seed sets on a noisy machine (NOISY_MACHINE) with 3 baselines, and nothing with one baseline and a threshold sized for the runner', async () => {
    // NOISY_MACHINE shifts whole runs by a few percent: one baseline's interval cannot see that (the module comment says so),
    // so either the threshold covers it, or several baselines measure it.
    const docs: ResultDocument[] = [];
    for (let seed = 201; seed <= 223; seed++) docs.push(await ciDocument(seed, { model: NOISY_MACHINE }));
    // A comparison's error rate is family-wise over its scenarios (COMPARE_ALPHA = 5 %): of 20 A/A
    // comparisons, at most one may flag anything (80 such sets flagged 1, in two scenarios of one run).
    let runsWithThree = 0;
    let withOne = 0;
    for (let i = 0; i < 20; i++) {
      const three = compare([at(docs, i), at(docs, i + 1), at(docs, i + 2)], at(docs, i + 3));
      expect(three.betweenRun).not.toBeNull();
      expect(three.rows).toHaveLength(12);
      if (three.regressed + three.improved > 0) runsWithThree++;
      withOne += compare(at(docs, i), at(docs, i + 1), { threshold: 0.15 }).regressed;
    }
    expect(runsWithThree).toBeLessThanOrEqual(Math.round(COMPARE_ALPHA * 20));
    expect(withOne).toBe(0);
    // And through the command, once: exit 0.
    const paths = [0, 1, 2, 3].map((i) => file(`noisy-${i}.json`, at(docs, i)));
    expect((await run(paths)).code).toBe(0);
    expect((await run([at(paths, 0), at(paths, 1), '--threshold', '15%'])).code).toBe(0);
  }, 120_000);

  it('compares every scenario of the same truth as unchanged, with a ratio near 1 inside its interval', () => {
    const r = compare(base, again);
    expect(r.regressed).toBe(0);
    expect(r.onlyInBase).toEqual([]);
    expect(r.onlyInCurrent).toEqual([]);
    expect(r.notCompared).toEqual([]);
    expect(r.broken).toEqual([]);
    expect(r.unchanged).toBe(12);
    for (const row of r.rows) {
      expect(row.ratio).toBeGreaterThan(0.97);
      expect(row.ratio).toBeLessThan(1.03);
      expect(row.ci?.[0]).toBeLessThan(row.ratio as number);
      expect(row.ci?.[1]).toBeGreaterThan(row.ratio as number);
      expect(row.baselines).toBe(1);
      expect(row.rounds.base).toBe(scenarioOf(base, row.id).throughput?.rounds.length);
      expect(row.rounds.current).toBe(scenarioOf(again, row.id).throughput?.rounds.length);
    }
    // Bonferroni over the 12 tested scenarios.
    expect(r.alpha).toBe(COMPARE_ALPHA);
    expect(r.ciLevel).toBeCloseTo(1 - 0.05 / 12, 12);
    expect(r.method).toContain('Bonferroni over 12 scenarios');
    expect(r.method).toContain('one baseline');
    expect(r.betweenRun).toBeNull();
  });
});

describe('a changed scenario', () => {
  it('a copy with one scenario 10 % slower compares as regressed, only that one, exit 1', async () => {
    const slower = scaled(base, [SLOW], 'throughput', 0.9);
    const r = compare(base, slower);
    expect(rowOf(r, SLOW).verdict).toBe('regressed');
    expect(rowOf(r, SLOW).ratio).toBeCloseTo(0.9, 9);
    expect(rowOf(r, SLOW).ci?.[1]).toBeLessThan(1 / 1.05);
    for (const id of IDS.filter((x) => x !== SLOW)) {
      expect(rowOf(r, id).verdict).toBe('unchanged');
      expect(rowOf(r, id).ratio).toBeCloseTo(1, 12);
    }
    expect([r.regressed, r.improved, r.unchanged, r.inconclusive]).toEqual([1, 0, 11, 0]);

    const ran = await run([file('base.json', base), file('slower.json', slower)]);
    expect(ran.code).toBe(1);
    expect(ran.out).toContain('1 of 12 compared scenarios regressed');
    expect(ran.out).toContain(SLOW);
  });

  it('an independent run with one scenario 10 % slower: regressed, only that one, exit 1', async () => {
    const slower = scaled(again, [SLOW], 'throughput', 0.9);
    const r = compare(base, slower);
    expect(rowOf(r, SLOW).verdict).toBe('regressed');
    expect(rowOf(r, SLOW).ratio).toBeGreaterThan(0.85);
    expect(rowOf(r, SLOW).ratio).toBeLessThan(0.95);
    expect(r.regressed).toBe(1);
    expect((await run([file('base.json', base), file('slower.json', slower)])).code).toBe(1);
  });

  it('a real slower workload on the mock core (msg.stream 10 % more ns per op): its three modes regress', async () => {
    const slower = await ciDocument(5, { noise: 0.02, nsPerOp: { 'msg.stream': 2200 } });
    const r = compare(base, slower);
    for (const row of r.rows) expect(row.verdict, row.id).toBe(row.id.startsWith('msg.stream') ? 'regressed' : 'unchanged');
    expect(r.regressed).toBe(3);
  });

  it('10 % faster is improved, which does not fail the gate: exit 0', async () => {
    const faster = scaled(base, [SLOW], 'throughput', 1.1);
    const r = compare(base, faster);
    expect(rowOf(r, SLOW).verdict).toBe('improved');
    expect(rowOf(r, SLOW).ratio).toBeCloseTo(1.1, 9);
    expect(r.regressed).toBe(0);
    expect(r.improved).toBe(1);
    const ran = await run([file('base.json', base), file('faster.json', faster)]);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('no regression in 12 compared scenarios (1 improved, 11 unchanged)');
  });

  it('a 2 % shift is not a regression under --threshold 5%, and is one under --threshold 1%', async () => {
    const slower = scaled(base, [SLOW], 'throughput', 0.98);
    const lenient = compare(base, slower, { threshold: 0.05 });
    expect(['unchanged', 'inconclusive']).toContain(rowOf(lenient, SLOW).verdict);
    expect(lenient.regressed).toBe(0);
    // The interval excludes 1: it is the threshold, not the noise, that holds it back.
    expect(rowOf(lenient, SLOW).ci?.[1]).toBeLessThan(1);
    const strict = compare(base, slower, { threshold: 0.01 });
    expect(rowOf(strict, SLOW).verdict).toBe('regressed');

    const b = file('base.json', base);
    const c = file('slower2.json', slower);
    expect((await run([b, c, '--threshold', '5%'])).code).toBe(0);
    expect((await run([b, c])).code).toBe(0); // the default is 5 %
    const ran = await run([b, c, '--threshold', '1%']);
    expect(ran.code).toBe(1);
    expect(ran.out).toContain('threshold ±1.0 %');
  });

  it('a whole run 8 % slower than the baseline: every scenario regressed with one baseline', () => {
    const r = compare(scaled(again, 'all', 'throughput', 1.08), base);
    expect(r.regressed).toBe(12);
  });
});

describe('the verdict rule (runVerdict)', () => {
  const ln = Math.log;
  it('unchanged when the interval lies inside the log-symmetric band 1/(1+T) .. 1+T', () => {
    expect(runVerdict(0, ln(0.99), ln(1.01), 0.05, true)).toBe('unchanged');
    expect(runVerdict(ln(0.98), ln(1 / 1.049), ln(1.049), 0.05, true)).toBe('unchanged');
    // Log-symmetric: 1/1.05 is inside, 0.95 (below 1/1.05 = 0.952) is not.
    expect(runVerdict(0, ln(1 / 1.05) + 1e-12, ln(1.05) - 1e-12, 0.05, true)).toBe('unchanged');
    expect(runVerdict(0, ln(0.95), ln(1.01), 0.05, true)).toBe('inconclusive');
  });

  it('regressed or improved: the interval excludes 1 and the ratio lies beyond the threshold; the direction flips for smaller-is-better', () => {
    expect(runVerdict(ln(0.9), ln(0.88), ln(0.92), 0.05, true)).toBe('regressed');
    expect(runVerdict(ln(0.9), ln(0.88), ln(0.92), 0.05, false)).toBe('improved');
    expect(runVerdict(ln(1.1), ln(1.08), ln(1.12), 0.05, true)).toBe('improved');
    expect(runVerdict(ln(1.1), ln(1.08), ln(1.12), 0.05, false)).toBe('regressed');
  });

  it('inconclusive: a real shift smaller than the threshold with a wide interval, an interval holding 1, or no interval', () => {
    expect(runVerdict(ln(0.97), ln(0.9), ln(0.995), 0.05, true)).toBe('inconclusive');
    expect(runVerdict(-Math.log1p(0.05), ln(0.9), ln(0.99), 0.05, true)).toBe('inconclusive'); // ratio exactly at the threshold
    expect(runVerdict(ln(0.9), ln(0.8), ln(1.01), 0.05, true)).toBe('inconclusive');
    expect(runVerdict(ln(0.9), NaN, NaN, 0.05, true)).toBe('inconclusive');
  });
});

describe('several baselines', () => {
  it('betweenRunVariance pools the spread of the baselines beyond their own noise; null with one baseline', () => {
    const d = 0.04;
    const flat = (x: number): number[] => Array.from({ length: 10 }, () => x);
    // No within-run noise: the variance is the spread of the shifts.
    const shifted = betweenRunVariance([
      [flat(d), flat(0), flat(-d)],
      [flat(1 + d), flat(1), flat(1 - d)],
    ]);
    expect(shifted?.tau2).toBeCloseTo(d * d, 12);
    expect(shifted?.df).toBe(2); // 3 baselines: a run's shift is shared by its scenarios
    // Identical baselines: none.
    expect(betweenRunVariance([[flat(0.3), flat(0.3)]])).toEqual({ tau2: 0, df: 1 });
    // Spread smaller than the baselines' own noise explains: none either (never negative).
    const noisy = (shift: number): number[] => [-0.1, 0.1, -0.05, 0.05, 0, -0.1, 0.1, -0.05, 0.05, 0].map((x) => x + shift);
    expect(betweenRunVariance([[noisy(0.001), noisy(-0.001)]])?.tau2).toBe(0);
    expect(betweenRunVariance([[flat(1)]])).toBeNull();
    expect(betweenRunVariance([])).toBeNull();
  });

  it('with 3 baselines that differ by whole-run shifts: betweenRun is measured, and every interval is wider than with one of them', () => {
    const bases = [base, scaled(again, 'all', 'throughput', 1.06), scaled(third, 'all', 'throughput', 0.94)];
    const one = compare(at(bases, 0), fourth);
    const three = compare(bases, fourth);
    expect(one.betweenRun).toBeNull();
    expect(three.betweenRun).not.toBeNull();
    expect(three.betweenRun?.noise).toBeGreaterThan(0.03);
    expect(three.betweenRun?.noise).toBeLessThan(0.1);
    expect(three.betweenRun?.df).toBe(2); // 3 runs, whatever the number of scenarios
    expect(three.method).toContain('spread between the 3 baselines');
    for (const id of IDS) {
      const row = rowOf(three, id);
      expect(row.baselines).toBe(3);
      expect(row.rounds.base).toBe(bases.reduce((a, d) => a + (scenarioOf(d, id).throughput?.rounds.length ?? 0), 0));
      for (const single of bases) expect(logWidth(row), id).toBeGreaterThan(logWidth(rowOf(compare(single, fourth), id)));
    }
  });

  it('a baseline from a fast runner alone flags every scenario; with two more baselines the shift is noise, not a regression', () => {
    const fast = scaled(again, 'all', 'throughput', 1.08);
    expect(compare(fast, base).regressed).toBe(12);
    const r = compare([fast, third, scaled(fourth, 'all', 'throughput', 0.93)], base);
    expect(r.regressed).toBe(0);
  });

  it('A/A with 3 baselines of the same truth: little between-run noise, nothing regressed', () => {
    const r = compare([base, again, third], fourth);
    expect(r.betweenRun?.noise).toBeLessThan(0.01);
    expect(r.regressed).toBe(0);
    expect(r.bases.map((b) => b.path)).toEqual(['base1.json', 'base2.json', 'base3.json']);
  });

  it('still flags a 10 % slower scenario against 3 baselines', () => {
    const r = compare([base, again, third], scaled(fourth, [SLOW], 'throughput', 0.9));
    expect(rowOf(r, SLOW).verdict).toBe('regressed');
    expect(r.regressed).toBe(1);
  });

  it('--base repeated and the positional form give the same result', async () => {
    const [b1, b2, b3] = [file('b1.json', base), file('b2.json', again), file('b3.json', third)];
    const c = file('c.json', scaled(fourth, [SLOW], 'throughput', 0.9));
    const positional = await run([b1, b2, b3, c, '--format', 'json']);
    const flagged = await run(['--base', b1, '--base', b2, '--base', b3, c, '--format', 'json']);
    const mixed = await run(['--base', b1, '--base', b2, b3, c, '--format', 'json']);
    expect(positional.code).toBe(1);
    expect(flagged.code).toBe(1);
    expect(mixed.code).toBe(1);
    expect(flagged.out).toBe(positional.out);
    expect(mixed.out).toBe(positional.out);
    const j = JSON.parse(positional.out) as CompareResult;
    expect(j.bases.map((x) => x.path)).toEqual([b1, b2, b3]);
    expect(j.current.path).toBe(c);
    expect(parseCompareArgs(['--base', 'a', '--base', 'b', 'c'])).toMatchObject({ bases: ['a', 'b'], current: 'c' });
    expect(parseCompareArgs(['a', 'b', 'c'])).toMatchObject({ bases: ['a', 'b'], current: 'c' });
  });

  it('a baseline given twice is a UsageError', async () => {
    const b = file('dup.json', base);
    const c = file('dupc.json', again);
    for (const argv of [
      [b, b, c],
      ['--base', b, '--base', b, c],
      ['--base', b, b, c],
    ]) {
      const ran = await run(argv);
      expect(ran.code).toBe(2);
      expect(ran.usage).toMatch(/a baseline is given twice/);
    }
  });

  it('the same run under two names (a copy) is a UsageError, as is the current run given as a baseline', async () => {
    const b = file('run.json', base);
    const copy = file('run-copy.json', base);
    const c = file('run-current.json', again);
    const c2 = file('run-current-copy.json', again);
    for (const argv of [
      [b, copy, c],
      [b, c, c2],
    ]) {
      const ran = await run(argv);
      expect(ran.code).toBe(2);
      expect(ran.usage).toMatch(/hold the same run/);
    }
  });

  it('a scenario that only one of several baselines holds still gets the between-run noise of the runner', () => {
    const bases = [scaled(again, 'all', 'throughput', 1.08), without(third, IDS[0]!), without(scaled(fourth, 'all', 'throughput', 0.93), IDS[0]!)];
    const r = compare(bases, base);
    expect(r.betweenRun?.noise).toBeGreaterThan(0.03);
    const lone = rowOf(r, IDS[0]!);
    expect(lone.baselines).toBe(1);
    // Against that one fast baseline alone the scenario would regress; the runner's spread makes it a shift, not a regression.
    expect(rowOf(compare(bases[0]!, base), IDS[0]!).verdict).toBe('regressed');
    expect(lone.verdict).not.toBe('regressed');
    expect(logWidth(lone)).toBeGreaterThan(logWidth(rowOf(compare(bases[0]!, base), IDS[0]!)));
  });

  it('names each baseline in its warnings', () => {
    const b2 = structuredClone(again);
    b2.env.kernel = '6.1.0-old';
    b2.complete = false;
    const w = compare([base, b2, third], fourth).warnings;
    expect(w).toContain('kernel differs: base 2 6.1.0-old, current 6.8.0-test');
    expect(w).toContain('the base 2 run did not complete: it holds only what was measured before it stopped');
    expect(w.filter((x) => x.includes('base 1') || x.includes('base 3'))).toEqual([]);
  });
});

describe('metrics', () => {
  it('METRIC_INFO: only throughput is bigger-is-better; context switches have a floor', () => {
    expect(COMPARE_METRICS).toEqual(['throughput', 'latency-p50', 'latency-p99', 'cpu-per-op', 'cs-per-op']);
    expect(COMPARE_METRICS.filter((m) => METRIC_INFO[m].biggerIsBetter)).toEqual(['throughput']);
    expect(METRIC_INFO['cs-per-op'].negligibleBelow).toBe(0.01);
    for (const m of COMPARE_METRICS) expect(parseMetric(m)).toBe(m);
  });

  const cases = [
    { metric: 'latency-p50', what: 'latency' },
    { metric: 'latency-p99', what: 'latency' },
    { metric: 'cpu-per-op', what: 'cpu' },
    { metric: 'cs-per-op', what: 'cs' },
  ] as const;
  for (const { metric, what } of cases) {
    it(`${metric}: smaller is better, 10 % more is regressed, 10 % less improved`, async () => {
      const worse = scaled(base, [SLOW], what, 1.1);
      const r = compare(base, worse, { metric });
      expect(r.metric).toBe(metric);
      expect(r.biggerIsBetter).toBe(false);
      expect(r.unit).toBe(METRIC_INFO[metric].unit);
      expect(rowOf(r, SLOW).verdict).toBe('regressed');
      expect(rowOf(r, SLOW).ratio).toBeCloseTo(1.1, 9);
      expect(r.regressed).toBe(1);
      expect(r.method).toContain(METRIC_INFO[metric].field);
      expect(r.method).toContain('smaller is better');
      const better = compare(base, scaled(base, [SLOW], what, 1 / 1.1), { metric });
      expect(rowOf(better, SLOW).verdict).toBe('improved');
      expect(better.regressed).toBe(0);
      // Another metric does not see it.
      expect(compare(base, worse).regressed).toBe(0);

      const b = file('base.json', base);
      const ran = await run([b, file(`${metric}-worse.json`, anotherRun(worse)), '--metric', metric]);
      expect(ran.code).toBe(1);
      expect(ran.out).toContain(`Compared by --metric ${metric}`);
      expect(ran.out).toContain(`verdicts used ${METRIC_INFO[metric].label} (--metric ${metric})`);
    });
  }

  it('a real slower mock: CPU time per op regresses with the ns per op', async () => {
    const slower = await ciDocument(6, { noise: 0.02, nsPerOp: { 'sem.pingpong': 2400 } });
    const r = compare(base, slower, { metric: 'cpu-per-op' });
    for (const row of r.rows) expect(row.verdict, row.id).toBe(row.id.startsWith('sem.pingpong') ? 'regressed' : 'unchanged');
  });

  it('context switches per op below 0.01 on both sides are negligible: unchanged, with a note', () => {
    const b = scaled(base, [SLOW, OTHER], 'cs', 0.001); // ~0.002 switches/op
    const c = scaled(scaled(again, [SLOW], 'cs', 0.003), [OTHER], 'cs', 0.02); // 3× more, still below 0.01; and ~0.04
    const r = compare(b, c, { metric: 'cs-per-op' });
    const row = rowOf(r, SLOW);
    expect(row.ratio).toBeGreaterThan(2.5);
    expect(row.verdict).toBe('unchanged');
    expect(row.notes).toContain('negligible: below 0.01 switches/op on both sides');
    // Above the floor on one side: judged as usual.
    expect(rowOf(r, OTHER).verdict).toBe('regressed');
    expect(rowOf(r, OTHER).notes).toEqual([]);
    expect(r.regressed).toBe(1);
  });

  it('context switches from none to 0.5 per op: regressed, though zeros give no ratio on the log scale', () => {
    const none = structuredClone(base);
    const some = structuredClone(again);
    const zero = scenarioOf(none, SLOW);
    zero.ctxSwitchesPerOp = 0;
    zero.ctxSwitchesPerOpRounds = zero.ctxSwitchesPerOpRounds!.map(() => 0);
    const half = scenarioOf(some, SLOW);
    half.ctxSwitchesPerOp = 0.5;
    half.ctxSwitchesPerOpRounds = half.ctxSwitchesPerOpRounds!.map(() => 0.5);
    const up = rowOf(compare(none, some, { metric: 'cs-per-op' }), SLOW);
    expect(up.verdict).toBe('regressed');
    expect(up.notes).toContain('from negligible to 0.500 switches/op');
    const both = structuredClone(some);
    const z = scenarioOf(both, SLOW);
    z.ctxSwitchesPerOp = 0;
    z.ctxSwitchesPerOpRounds = z.ctxSwitchesPerOpRounds!.map(() => 0);
    const flat = rowOf(compare(none, both, { metric: 'cs-per-op' }), SLOW);
    expect(flat.verdict).toBe('unchanged');
    expect(flat.notes).toContain('negligible: below 0.01 switches/op on both sides');
  });

  it('without per-round values for the metric: inconclusive, with a note, and no interval', async () => {
    const c = scaled(again, [SLOW], 'cpu', 1.5);
    for (const s of c.scenarios) delete s.cpuNsPerOpRounds;
    const r = compare(base, c, { metric: 'cpu-per-op' });
    expect(r.rows).toHaveLength(12);
    for (const row of r.rows) {
      expect(row.verdict).toBe('inconclusive');
      expect(row.ci).toBeNull();
      expect(row.notes).toContain('no interval: cpuNsPerOpRounds is not in both documents (one value per run)');
      expect(row.rounds.current).toBe(0);
    }
    // The ratio is still shown: the figure of one run against the other.
    expect(rowOf(r, SLOW).ratio).toBeCloseTo((scenarioOf(c, SLOW).cpuNsPerOp as number) / (scenarioOf(base, SLOW).cpuNsPerOp as number), 9);
    expect(r.inconclusive).toBe(12);
    const ran = await run([file('base.json', base), file('no-cpu-rounds.json', c), '--metric', 'cpu-per-op']);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('no interval: cpuNsPerOpRounds is not in both documents');
    expect(ran.out).toContain('12 inconclusive');
  });

  it('one scenario without per-round values leaves the others tested (and out of the Bonferroni count)', () => {
    const c = structuredClone(again);
    const latency = scenarioOf(c, SLOW).latency;
    if (latency) delete latency.p99Rounds;
    const r = compare(base, c, { metric: 'latency-p99' });
    expect(rowOf(r, SLOW).verdict).toBe('inconclusive');
    expect(rowOf(r, SLOW).notes).toContain('no interval: latency.p99Rounds is not in both documents (one value per run)');
    expect(r.rows.filter((x) => x.ci !== null)).toHaveLength(11);
    expect(r.ciLevel).toBeCloseTo(1 - 0.05 / 11, 12);
  });
});

describe('scenarios that are not compared', () => {
  it('lists scenarios only in base and only in current, and names them in the report', async () => {
    const c = without(again, OTHER);
    const extra = { ...structuredClone(scenarioOf(again, SLOW)), id: 'sem.pingpong/host/w2/same-cpu', workers: 2 };
    c.scenarios.push(extra);
    const r = compare(base, c);
    expect(r.onlyInBase).toEqual([OTHER]);
    expect(r.onlyInCurrent).toEqual([extra.id]);
    expect(r.rows).toHaveLength(11);
    expect(r.rows.map((x) => x.id)).not.toContain(OTHER);
    const text = renderCompare(r, { color: false });
    expect(text).toContain(`Only in base (not compared): ${OTHER}`);
    expect(text).toContain(`Only in current (not compared): ${extra.id}`);
    expect(text).toContain('1 only in base, 1 only in current');
    const ran = await run([file('base.json', base), file('fewer.json', c)]);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain(`Only in base (not compared): ${OTHER}`);
  });

  it('completed in base and errored in current: broken, listed with the reason, exit 1 though nothing regressed', async () => {
    const c = failed(again, SLOW);
    const r = compare(base, c);
    expect(r.regressed).toBe(0);
    expect(r.broken).toEqual([SLOW]);
    expect(r.notCompared).toEqual([{ id: SLOW, reason: 'errored in current: msgget failed: ENOSPC (raise kernel.msgmni)' }]);
    expect(r.rows.map((x) => x.id)).not.toContain(SLOW);
    expect(r.ciLevel).toBeCloseTo(1 - 0.05 / 11, 12);
    const ran = await run([file('base.json', base), file('broken.json', c)]);
    expect(ran.code).toBe(1);
    expect(ran.out).toContain(`Not compared: ${SLOW}: errored in current: msgget failed: ENOSPC`);
    expect(ran.out).toContain('no regression in 11 compared scenarios, and 1 that completed in base failed in current');
  });

  it('a workload that fails on the mock core in current breaks its scenarios: exit 1', async () => {
    const c = await ciDocument(7, { noise: 0.02, failWith: { 'mq.pingpong': { errno: 28, call: 'mq_open' } } });
    const mq = IDS.filter((id) => id.startsWith('mq.pingpong'));
    expect(c.scenarios.filter((s) => s.state !== 'completed').map((s) => s.id)).toEqual(mq);
    const r = compare(base, c);
    expect(r.broken).toEqual(mq);
    for (const n of r.notCompared) expect(n.reason).toMatch(/^errored in current: /);
    expect(r.rows).toHaveLength(9);
    expect((await run([file('base.json', base), file('mq-fails.json', c), '--format', 'json'])).code).toBe(1);
  });

  it('errored in base and completed in current, or failed on both sides: listed, not broken, exit 0', async () => {
    const r = compare(failed(base, SLOW), again);
    expect(r.broken).toEqual([]);
    expect(r.notCompared).toEqual([{ id: SLOW, reason: 'errored in base: msgget failed: ENOSPC (raise kernel.msgmni)' }]);
    const both = compare(failed(base, SLOW, 'skipped', 'interrupted'), failed(again, SLOW, 'skipped', 'interrupted'));
    expect(both.broken).toEqual([]);
    expect(both.notCompared).toEqual([{ id: SLOW, reason: 'skipped in base: interrupted; skipped in current: interrupted' }]);
    expect((await run([file('failed-base.json', failed(base, SLOW)), file('ok.json', again)])).code).toBe(0);
  });

  it('with several baselines, a scenario that completed in one of them counts as broken when it fails in current', () => {
    const r = compare([failed(base, SLOW), again], failed(third, SLOW));
    expect(r.broken).toEqual([SLOW]);
    expect(r.notCompared[0]?.reason).toContain('errored in base');
    expect(r.notCompared[0]?.reason).toContain('errored in current');
    // And one that completed in one baseline only is compared against that one.
    const partial = compare([failed(base, SLOW), again], third);
    expect(rowOf(partial, SLOW).baselines).toBe(1);
    expect(rowOf(partial, OTHER).baselines).toBe(2);
  });

  it('all matched scenarios failing still makes a report (not a usage error)', async () => {
    const c = structuredClone(again);
    for (const s of c.scenarios) {
      s.state = 'errored';
      s.failure = { errno: 1, code: 'EPERM', call: 'unshare', message: 'unshare(CLONE_NEWIPC) failed: EPERM' };
    }
    const ran = await run([file('base.json', base), file('all-failed.json', c)]);
    expect(ran.code).toBe(1);
    expect(ran.out).toContain('and 12 that completed in base failed in current');
  });
});

describe('warnings, first', () => {
  function mismatched(): ResultDocument {
    const c = structuredClone(again);
    c.env.kernel = '6.9.0-other';
    c.env.cpuModel = 'Other CPU';
    c.tool.version = '0.2.0';
    c.env.cpuCount = 4;
    c.env.usableCpus = [0, 1, 2, 3];
    c.env.route = 'userns';
    c.env.clocksource = 'hpet';
    c.complete = false;
    // One scenario ran with another placement: another id.
    rename(c, SLOW, SLOW.replace('/same-cpu', '/split')).placement = 'split';
    return c;
  }

  it('kernel, CPU model, tool version, CPUs, route, clocksource, incomplete runs and a moved placement', () => {
    const b = structuredClone(base);
    b.complete = false;
    const r = compare(b, mismatched());
    expect(r.warnings).toEqual([
      'kernel differs: base 6.8.0-test, current 6.9.0-other',
      'CPU model differs: base Test CPU, current Other CPU',
      'tool version differs: base 0.1.0, current 0.2.0',
      'CPUs differ, so placement pins processes differently: base 2 CPUs (usable 0,1), current 4 CPUs (usable 0,1,2,3)',
      'namespace route differs: base privileged, current userns',
      'clocksource differs: base tsc, current hpet',
      'the base run did not complete: it holds only what was measured before it stopped',
      'the current run did not complete: it holds only what was measured before it stopped',
      `placement differs: ${SLOW} ran with placement same-cpu in base, split in current (${SLOW.replace('/same-cpu', '/split')}); not compared`,
    ]);
    expect(r.onlyInBase).toEqual([SLOW]);
    expect(r.onlyInCurrent).toEqual([SLOW.replace('/same-cpu', '/split')]);
  });

  it('placement any on a compared scenario', () => {
    const [b, c] = [structuredClone(base), structuredClone(again)];
    for (const d of [b, c]) rename(d, SLOW, SLOW.replace('/same-cpu', '/any')).placement = 'any';
    const r = compare(b, c);
    expect(r.warnings).toEqual(['1 compared scenario has placement any: uncontrolled, so a difference may be only where the scheduler put the processes']);
    expect(rowOf(r, SLOW.replace('/same-cpu', '/any')).verdict).toBe('unchanged');
  });

  it('none between two runs of the same machine and tool', () => {
    expect(compare(base, again).warnings).toEqual([]);
  });

  it('the table starts with them; markdown puts them before the table; json sends them to stderr', async () => {
    const b = file('base.json', base);
    const c = file('mismatched.json', mismatched());
    const table = await run([b, c]);
    const lines = table.out.split('\n');
    expect(lines[0]).toBe('warning: kernel differs: base 6.8.0-test, current 6.9.0-other');
    const tableAt = table.out.indexOf('Compared by --metric');
    for (const w of ['CPU model differs', 'tool version differs', 'the current run did not complete', 'placement differs']) {
      expect(table.out.indexOf(`warning: ${w}`), w).toBeGreaterThanOrEqual(0);
      expect(table.out.indexOf(`warning: ${w}`), w).toBeLessThan(tableAt);
    }
    expect(table.err).toBe('');

    const md = await run([b, c, '--format', 'markdown']);
    expect(md.out.indexOf('> ⚠️ Warning: kernel differs')).toBeGreaterThan(0);
    expect(md.out.indexOf('> ⚠️ Warning: kernel differs')).toBeLessThan(md.out.indexOf('**Result:**'));
    expect(md.out.indexOf('**Result:**')).toBeLessThan(md.out.indexOf('| scenario |'));

    const json = await run([b, c, '--format', 'json']);
    const j = JSON.parse(json.out) as CompareResult;
    expect(j.warnings).toHaveLength(8);
    expect(json.err.split('\n').filter(Boolean)).toEqual(j.warnings.map((w) => `ipcns-bench: warning: ${w}`));
  });
});

describe('output formats', () => {
  it('table: the runs, the table, a summary; no colour off a terminal', async () => {
    const labelled = scaled(again, [SLOW], 'throughput', 0.9);
    (labelled.env as Record<string, unknown>)['label'] = 'nightly';
    const b = file('base.json', base);
    const c = file('labelled.json', labelled);
    const ran = await run([b, c]);
    expect(ran.code).toBe(1);
    expect(ran.out.split('\n')[0]).toBe(`base: ${b} (${base.startedAt}, ipcns-bench 0.1.0, suite test)`);
    expect(ran.out).toContain(`current: ${c} (${labelled.startedAt}, ipcns-bench 0.1.0, suite test, label nightly)`);
    expect(ran.out).toContain('Compared by --metric throughput');
    expect(ran.out).toContain('┌');
    for (const id of IDS) expect(ran.out).toContain(id);
    expect(ran.out).not.toContain('\u001b[');
    expect(ran.out.trimEnd().split('\n').at(-1)).toMatch(
      /^1 of 12 compared scenarios regressed \(11 unchanged\); verdicts used throughput \(--metric throughput\), threshold ±5\.0 %\.$/,
    );
    // On a terminal the verdicts are coloured.
    expect(renderCompare(compare(base, labelled), { color: true })).toContain('\u001b[31mregressed\u001b[0m');
  });

  it('markdown: the table columns line up, pipes in ids are escaped, regressions are marked', async () => {
    const [b, c] = [structuredClone(base), scaled(again, [SLOW], 'throughput', 0.9)];
    const weird = 'odd|id\\with|pipes';
    for (const d of [b, c]) rename(d, OTHER, weird);
    scenarioOf(c, SLOW).oversubscribed = true;
    const [bp, cp] = [file('base.json', b), file('current.json', c)];
    const ran = await run([bp, cp, '--format', 'markdown']);
    expect(ran.code).toBe(1);
    const md = ran.out;
    expect(md).toMatch(/^### ipcns-bench compare: throughput\n/);
    expect(md).toContain('**Regression:** 1 of 12 compared scenarios regressed');
    const lines = md.split('\n');
    const head = lines.findIndex((l) => l.startsWith('| scenario |'));
    expect(head).toBeGreaterThan(0);
    const headLine = at(lines, head);
    expect(lines[head + 1]).toMatch(/^\| ---( \| ---)+ \|$/);
    const rows = lines.slice(head + 2).filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(12);
    for (const line of [at(lines, head + 1), ...rows]) expect(unescapedPipes(line), line).toBe(unescapedPipes(headLine));
    expect(unescapedPipes(headLine)).toBe(9); // 8 columns
    expect(md).toContain('`odd\\|id\\\\with\\|pipes`');
    expect(md).toContain('🔴 **regressed**');
    expect(rows.find((l) => l.includes(SLOW))).toContain('oversubscribed: more workers than CPUs');
    expect(renderCompareMarkdown(compare(b, c, { basePaths: [bp], currentPath: cp }))).toBe(md);
  });

  it('json: schemaVersion 2, kind ipcns-bench-compare, pure JSON on stdout', async () => {
    const c = scaled(again, [SLOW], 'throughput', 0.9);
    c.env.kernel = '6.9.0-other';
    const bp = file('base.json', base);
    const cp = file('current.json', c);
    const ran = await run([bp, cp, '--format', 'json', '--threshold', '5%']);
    expect(ran.code).toBe(1);
    const j = JSON.parse(ran.out) as CompareResult;
    expect(j).toMatchObject({
      schemaVersion: 2,
      kind: 'ipcns-bench-compare',
      metric: 'throughput',
      unit: 'ops/s',
      biggerIsBetter: true,
      threshold: 0.05,
      alpha: 0.05,
      betweenRun: null,
      onlyInBase: [],
      onlyInCurrent: [],
      notCompared: [],
      broken: [],
      regressed: 1,
      improved: 0,
      warnings: ['kernel differs: base 6.8.0-test, current 6.9.0-other'],
    });
    expect(j.unchanged + j.inconclusive).toBe(11);
    expect(j.ciLevel).toBeCloseTo(1 - 0.05 / 12, 12);
    expect(j.bases).toHaveLength(1);
    expect(j.bases[0]).toMatchObject({ path: bp, kernel: '6.8.0-test', cpuModel: 'Test CPU', version: '0.1.0', suite: 'test', complete: true });
    expect(j.current).toMatchObject({ path: cp, kernel: '6.9.0-other' });
    expect(j.rows).toHaveLength(12);
    for (const row of j.rows) {
      expect(Object.keys(row).sort()).toEqual(['base', 'baselines', 'ci', 'current', 'id', 'notes', 'ratio', 'rounds', 'verdict']);
      expect(typeof row.ratio).toBe('number');
    }
    expect(j.rows.find((x) => x.id === SLOW)?.verdict).toBe('regressed');
    expect(ran.out.endsWith('}\n')).toBe(true);
    expect(ran.err).toBe('ipcns-bench: warning: kernel differs: base 6.8.0-test, current 6.9.0-other\n');
  });

  it('--summary appends the markdown to $GITHUB_STEP_SUMMARY, and stdout keeps its format', async () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const b = file('base.json', base);
    const c = file('slower.json', scaled(again, [SLOW], 'throughput', 0.9));
    const ran = await run([b, c, '--summary'], { GITHUB_STEP_SUMMARY: summary });
    expect(ran.code).toBe(1);
    expect(ran.out).toContain('┌');
    expect(ran.err).toBe('');
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n### ipcns-bench compare: throughput')).toBe(true);
    expect(text).toContain('🔴 **regressed**');
    // A second step appends again; json stays pure on stdout.
    const json = await run([b, c, '--summary', '--format', 'json'], { GITHUB_STEP_SUMMARY: summary });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.out) as CompareResult).kind).toBe('ipcns-bench-compare');
    expect(readFileSync(summary, 'utf8').split('### ipcns-bench compare: throughput')).toHaveLength(3);
  });

  it('--summary without GITHUB_STEP_SUMMARY: one line on stderr, and the same exit code', async () => {
    const b = file('base.json', base);
    const ok = await run([b, file('same.json', again), '--summary'], {});
    expect(ok.code).toBe(0);
    expect(ok.err).toBe('ipcns-bench: --summary: GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?); no summary written\n');
    expect(ok.out).toContain('no regression in 12 compared scenarios');
    const bad = await run([b, file('slower.json', scaled(again, [SLOW], 'throughput', 0.9)), '--summary'], { GITHUB_STEP_SUMMARY: '' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/GITHUB_STEP_SUMMARY is not set/);
  });

  it('--summary into a file that cannot be appended to is a UsageError', async () => {
    const sub = join(dir, 'summary-dir');
    mkdirSync(sub, { recursive: true });
    const ran = await run([file('base.json', base), file('same.json', again), '--summary'], { GITHUB_STEP_SUMMARY: sub });
    expect(ran.code).toBe(2);
    expect(ran.usage).toMatch(/--summary: cannot append to GITHUB_STEP_SUMMARY .*summary-dir/);
  });

  it('--help prints the usage with the exit codes, exit 0', async () => {
    const ran = await run(['--help']);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('ipcns-bench compare BASE.json [BASE2.json ...] CURRENT.json');
    expect(ran.out).toContain('exit codes: 0 nothing regressed, 1 something regressed (or completed in base and failed in current), 2 bad input');
  });
});

describe('version 1 documents', () => {
  it('are read, upgraded to version 2: windows become rounds, "no significant difference" becomes inconclusive', () => {
    const v1 = toV1(base);
    const doc = readDocument(file('v1.json', v1));
    expect(doc.schemaVersion).toBe(2);
    expect(doc.scenarios.map((s) => s.id)).toEqual(IDS);
    expect(scenarioOf(doc, SLOW).throughput?.rounds).toEqual(scenarioOf(base, SLOW).throughput?.rounds);
    const verdictsV1 = (v1['comparisons'] as Array<{ verdict: string }>).map((c) => c.verdict);
    expect(verdictsV1).toContain('no significant difference');
    expect(doc.comparisons.map((c) => c.verdict)).toEqual(verdictsV1.map((v) => (v === 'no significant difference' ? 'inconclusive' : v)));
  });

  it('v1 against v2 of the same measurements: every scenario unchanged, ratio 1; the command refuses them as one run', async () => {
    const v1 = file('v1.json', toV1(base));
    const r = compare(readDocument(v1), base);
    expect(r.rows).toHaveLength(12);
    for (const row of r.rows) {
      expect(row.verdict).toBe('unchanged');
      expect(row.ratio).toBeCloseTo(1, 12);
    }
    expect(r.warnings).toEqual(['tool version differs: base 0.0.9, current 0.1.0']);
    // Converted to version 1, a run is still that run: counted twice, it would hide the spread between runs.
    for (const argv of [
      [v1, file('v2.json', base)],
      [file('v2.json', base), v1],
    ]) {
      const ran = await run(argv);
      expect(ran.code).toBe(2);
      expect(ran.usage).toMatch(/hold the same run/);
    }
    expect((await run([v1, file('v2-later.json', anotherRun(base))])).code).toBe(0);
  });

  it('v1 against v1, and v1 against a v2 copy with one scenario 10 % slower (exit 1)', async () => {
    const v1a = file('v1a.json', toV1(base));
    const v1b = file('v1b.json', toV1(again));
    expect((await run([v1a, v1b])).code).toBe(0);
    const ran = await run([v1a, file('slower.json', scaled(base, [SLOW], 'throughput', 0.9)), '--format', 'json']);
    expect(ran.code).toBe(1);
    const j = JSON.parse(ran.out) as CompareResult;
    expect(j.rows.filter((x) => x.verdict === 'regressed').map((x) => x.id)).toEqual([SLOW]);
  });

  it('v1 kept no per-window p50: latency-p50 is inconclusive with a note; p99 and CPU time per window are compared', () => {
    const v1 = readDocument(file('v1.json', toV1(base)));
    const p50 = compare(v1, again, { metric: 'latency-p50' });
    for (const row of p50.rows) {
      expect(row.verdict).toBe('inconclusive');
      expect(row.notes).toContain('no interval: latency.p50Rounds is not in both documents (one value per run)');
    }
    const p99 = compare(v1, scaled(base, [SLOW], 'latency', 1.1), { metric: 'latency-p99' });
    expect(rowOf(p99, SLOW).verdict).toBe('regressed');
    expect(p99.rows.every((x) => x.ci !== null)).toBe(true);
    const cpu = compare(v1, scaled(base, [SLOW], 'cpu', 1.1), { metric: 'cpu-per-op' });
    expect(rowOf(cpu, SLOW).verdict).toBe('regressed');
    expect(cpu.regressed).toBe(1);
  });
});

describe('bad input: a UsageError, exit code 2', () => {
  let good: string;
  let other: string;
  beforeAll(() => {
    good = file('good.json', base);
    other = file('other.json', again);
  });

  async function usage(argv: string[], message: RegExp): Promise<void> {
    const ran = await run(argv);
    expect(ran.code, argv.join(' ')).toBe(2);
    expect(ran.usage, argv.join(' ')).toMatch(message);
    expect(ran.out).toBe('');
  }

  it('a file that is not JSON', async () => {
    const p = file('notjson.json', '{ not json');
    await usage([p, good], /notjson\.json is not JSON: /);
    await usage([good, file('empty.json', '')], /empty\.json is not JSON/);
  });

  it('another schemaVersion, or none', async () => {
    await usage([good, file('v3.json', { ...base, schemaVersion: 3 })], /v3\.json has schemaVersion 3; this ipcns-bench reads schemaVersion 1 and 2/);
    const { schemaVersion: _v, ...rest } = base;
    await usage([file('noversion.json', rest), good], /noversion\.json has no schemaVersion/);
  });

  it('JSON that is not a result document: the message names the JSON pointer', async () => {
    const noRounds = structuredClone(base);
    const t = scenarioOf(noRounds, SLOW).throughput;
    if (t) t.rounds = [];
    await usage([good, file('norounds.json', noRounds)], /norounds\.json is not an ipcns-bench result document: \/scenarios\/4\/throughput\/rounds: /);
    const noKernel = structuredClone(base) as unknown as { env: Record<string, unknown> };
    delete noKernel.env['kernel'];
    await usage([file('nokernel.json', noKernel), good], /nokernel\.json is not an ipcns-bench result document: \/env\/kernel: missing \(required\)/);
    const duplicate = structuredClone(base);
    scenarioOf(duplicate, OTHER).id = SLOW;
    await usage([good, file('dupid.json', duplicate)], /dupid\.json is not an ipcns-bench result document: \/scenarios\/9\/id: duplicate scenario id/);
    await usage([good, file('array.json', [1, 2])], /array\.json is not an ipcns-bench result document: \/: /);
    await usage(
      [good, file('hello.json', { schemaVersion: 2, hello: 'world' })],
      /hello\.json is not an ipcns-bench result document: \/\w+: missing \(required\) \(\d+ problems\)/,
    );
    // A version 1 document is checked against its own schema.
    const v1 = toV1(base) as { scenarios: Array<{ throughput: Record<string, unknown> }> };
    delete at(v1.scenarios, 0).throughput['windows'];
    await usage([file('badv1.json', v1), good], /badv1\.json is not an ipcns-bench result document: \/scenarios\/0\/throughput\/windows: missing \(required\)/);
  });

  it('a missing file, or a directory', async () => {
    await usage([join(dir, 'nope.json'), good], /nope\.json: no such file/);
    const sub = join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    await usage([good, sub], /a-directory: is a directory, not a result or fleet document/);
  });

  it('no scenario id in common', async () => {
    const elsewhere = structuredClone(base);
    elsewhere.command.suite = 'quick';
    for (const id of IDS) rename(elsewhere, id, `${id}/other`);
    await usage(
      [good, file('elsewhere.json', elsewhere)],
      /no scenario id is in both the baseline and the current run; were they run with the same suite\? .*suite test; .*suite quick, 12 scenarios/,
    );
    const empty = structuredClone(base);
    empty.scenarios = [];
    empty.comparisons = [];
    empty.groups = [];
    await usage([file('empty-doc.json', empty), good], /no scenario id is in both/);
  });

  it('bad flags', async () => {
    await usage([good, other, '--metric', 'nope'], /--metric "nope": not one of throughput, latency-p50, latency-p99, cpu-per-op, cs-per-op/);
    await usage([good, other, '--threshold=-5'], /--threshold -5: must not be negative/);
    await usage([good, other, '--threshold', '-5'], /the value of --threshold starts with '-': write it as --threshold=VALUE/);
    await usage([good, other, '--threshold', '0.05'], /--threshold 0\.05: ambiguous; write 5% for 5 percent, or 0\.05% for 0\.05 percent/);
    await usage([good, other, '--threshold', 'lots'], /--threshold "lots": not a percentage/);
    await usage([good, other, '--threshold', '0'], /--threshold 0: give a percentage from 0\.1% to 50%/);
    await usage([good, other, '--threshold', '60%'], /--threshold 60%: give a percentage from 0\.1% to 50%/);
    await usage([good, other, '--format', 'x'], /--format "x": not one of table, markdown, json/);
    await usage([good, other, '--colour'], /compare: unknown flag --colour/);
    await usage([good, other, '--metric'], /^compare: --metric needs a value$/);
  });

  it('fewer than two documents', async () => {
    await usage([good], /is one run: give a baseline too/);
    await usage([], /compare: give a baseline and the current run/);
    await usage(['--base', good], /compare: give a baseline and the current run/);
  });

  it('--threshold takes a percentage and returns a fraction', () => {
    expect(parseThreshold('5%')).toBeCloseTo(0.05, 12);
    expect(parseThreshold('5')).toBeCloseTo(0.05, 12);
    expect(parseThreshold(' 2.5% ')).toBeCloseTo(0.025, 12);
    expect(parseThreshold('0.5%')).toBeCloseTo(0.005, 12);
    expect(parseThreshold('50')).toBeCloseTo(0.5, 12);
    for (const bad of ['-5%', 'abc', '5%%', '', '0.05', '.5', '0', '51%', 'NaN', '1e3']) {
      expect(() => parseThreshold(bad), bad).toThrow(UsageError);
      expect(() => parseThreshold(bad), bad).toThrow(/--threshold/);
    }
  });
});
