/**
 * `ipcns-bench history`: series of runs made from one mock-core document of
 * the ci suite (test/helpers/history.ts: each run shifted as a whole and
 * each scenario by its own noise), with steps put in where a test needs
 * one. A step is found at its run, a steady series has no change point, the
 * newest run gets the verdict its runs call for, and the exit code follows.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseHistory, type HistoryInput, type HistoryOptions, type HistoryResult, type HistoryRow, orderRuns } from '../src/analyze/history.js';
import { historyCommand, parseHistoryArgs } from '../src/commands/history.js';
import { UsageError } from '../src/common/errors.js';
import type { ResultDocument } from '../src/document/result.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { runDocument } from './helpers/fixtures.js';
import { commitOf, series, writeSeries } from './helpers/history.js';
import { memoryIo } from './helpers/io.js';
import { scaleScenario, scenarioOf } from './helpers/surgery.js';

const SCENARIOS = expand(loadSuite('ci'));
const IDS = SCENARIOS.map((s) => s.id);
const SLOW = IDS[4] as string;
const OTHER = IDS[9] as string;

let base: ResultDocument;
let dir: string;
let count = 0;

beforeAll(async () => {
  base = await runDocument(SCENARIOS, { seed: 7, mock: { noise: 0.02 }, budget: { capMs: 4000, windowMs: 10, precision: 0.02 } });
  dir = mkdtempSync(join(tmpdir(), 'ipcns-history-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const OPTIONS: HistoryOptions = { metric: 'throughput', threshold: 0.05, alpha: 0.01, confirm: 3, minSize: 3, seed: 1, relative: false, order: 'time' };
const inputs = (docs: readonly ResultDocument[]): HistoryInput[] => docs.map((doc, i) => ({ file: `run-${i}.json`, doc }));
const analyse = (docs: readonly ResultDocument[], o: Partial<HistoryOptions> = {}): HistoryResult => analyseHistory(inputs(docs), { ...OPTIONS, ...o });
const rowOf = (r: HistoryResult, id: string): HistoryRow => {
  const row = r.rows.find((x) => x.id === id);
  if (!row) throw new Error(`no row ${id}`);
  return row;
};

/** Scenario `id` of the runs from `from` on (to `to`, exclusive) made `f` times as fast (and 1/f the CPU per op). */
const step =
  (id: string, from: number, f: number, to = Infinity) =>
  (r: number, doc: ResultDocument): void => {
    if (r < from || r >= to) return;
    scaleScenario(scenarioOf(doc, id), 'throughput', f);
    scaleScenario(scenarioOf(doc, id), 'cpu', 1 / f);
  };

/** The command on these runs (written to a folder of their own), with its output. */
async function command(docs: readonly ResultDocument[], flags: string[] = []): Promise<{ code: number; out: string; err: string; paths: string[] }> {
  const paths = writeSeries(join(dir, `h${++count}`), docs);
  const io = memoryIo();
  const code = await historyCommand([...paths, ...flags], io);
  return { code, out: io.out(), err: io.err(), paths };
}

describe('change points', () => {
  it('a 10 % step in one scenario is found at its run, with its ratio and interval; nothing else moves', () => {
    const docs = series(base, { runs: 24, seed: 2, edit: step(SLOW, 12, 0.9) });
    const r = analyse(docs);
    const row = rowOf(r, SLOW);
    expect(row.changePoints).toHaveLength(1);
    const c = row.changePoints[0];
    expect(c?.index).toBe(12);
    expect(c?.test).toBe('permutation');
    expect(c?.direction).toBe('worse');
    expect(c?.ratio).toBeGreaterThan(0.87);
    expect(c?.ratio).toBeLessThan(0.93);
    expect(c?.ci?.[0]).toBeLessThan(0.9);
    expect(c?.ci?.[1]).toBeGreaterThan(0.9);
    expect(c?.commits).toEqual({ from: commitOf(11), to: commitOf(12) });
    expect(c?.run).toEqual({ startedAt: docs[12]?.startedAt, file: 'run-12.json', label: docs[12]?.env.label });
    expect(row.segments.map((s) => [s.start, s.end, s.runs])).toEqual([
      [0, 12, 12],
      [12, 24, 12],
    ]);
    // Long confirmed: its level is the segment's now.
    expect(row.verdict).toBe('in line');
    for (const other of r.rows.filter((x) => x.id !== SLOW)) expect(other.changePoints, other.id).toEqual([]);
    expect(r.regressed).toBe(0);
  });

  it('a steady series has no change point, in any scenario, over several seeds', () => {
    for (const seed of [3, 4, 5, 6]) {
      const r = analyse(series(base, { runs: 30, seed, shift: 0.03, noise: 0.01 }));
      expect(
        r.rows.filter((x) => x.changePoints.length > 0).map((x) => x.id),
        `seed ${seed}`,
      ).toEqual([]);
      expect(r.regressed + r.improved).toBe(0);
    }
  });

  it('the same history gives the same answer; the seed is recorded', () => {
    const docs = series(base, { runs: 20, seed: 8, edit: step(OTHER, 10, 1.2) });
    expect(analyse(docs)).toEqual(analyse(docs));
    expect(analyse(docs, { seed: 9 }).seed).toBe(9);
  });

  it('the search is paid for across scenarios: alpha is split over those tested', () => {
    const r = analyse(series(base, { runs: 12, seed: 1 }));
    expect(r.alphaSeries).toBeCloseTo(0.01 / 12, 12);
    expect(r.permutations).toBeGreaterThanOrEqual(2 / (r.alphaSeries / 2) - 1);
    expect(r.method).toContain('split over 12 scenarios');
  });
});

describe('the newest run', () => {
  it('regressed: a 10 % step in the newest 3 runs, with the commits it lies between', () => {
    const r = analyse(series(base, { runs: 20, seed: 10, edit: step(SLOW, 17, 0.9) }));
    const row = rowOf(r, SLOW);
    expect(row.verdict).toBe('regressed');
    expect(row.changePoints.at(-1)).toMatchObject({ index: 17, test: 'newest', direction: 'worse', commits: { from: commitOf(16), to: commitOf(17) } });
    expect(r.regressed).toBe(1);
  });

  it('improved: 10 % better in the newest 3 runs; lower-is-better metrics the other way round', () => {
    const docs = series(base, { runs: 20, seed: 11, edit: step(SLOW, 17, 1.1) });
    expect(rowOf(analyse(docs), SLOW).verdict).toBe('improved');
    // CPU time per op went down by the same step: better too.
    expect(rowOf(analyse(docs, { metric: 'cpu-per-op' }), SLOW).verdict).toBe('improved');
    const worse = series(base, { runs: 20, seed: 11, edit: step(SLOW, 17, 0.9) });
    expect(rowOf(analyse(worse, { metric: 'cpu-per-op' }), SLOW).verdict).toBe('regressed');
  });

  it('suspected: only the newest run is off; it takes the next runs to confirm', () => {
    const docs = series(base, { runs: 20, seed: 12, edit: step(SLOW, 19, 0.85) });
    const row = rowOf(analyse(docs), SLOW);
    expect(row.verdict).toBe('suspected');
    expect(row.changePoints).toEqual([]);
    expect(row.newest.ratio).toBeLessThan(0.9);
    // Two newest runs of three needed: still not confirmed.
    expect(rowOf(analyse(series(base, { runs: 20, seed: 12, edit: step(SLOW, 18, 0.85) })), SLOW).verdict).not.toBe('regressed');
  });

  it('one wild newest run among three does not make a change of three', () => {
    const docs = series(base, { runs: 20, seed: 13, edit: step(SLOW, 19, 0.6) });
    const row = rowOf(analyse(docs), SLOW);
    expect(row.verdict).toBe('suspected');
    expect(row.changePoints).toEqual([]);
  });

  it('in line: a change smaller than the threshold is found but does not fail', () => {
    const docs = series(base, { runs: 24, seed: 14, shift: 0.002, noise: 0.002, edit: step(SLOW, 21, 0.97) });
    const row = rowOf(analyse(docs), SLOW);
    expect(row.changePoints.at(-1)).toMatchObject({ index: 21, direction: 'within threshold' });
    expect(row.verdict).toBe('in line');
    expect(row.notes.join()).toContain('within the threshold');
  });

  it('a regression confirmed long ago is the new level: in line, with a note', () => {
    const row = rowOf(analyse(series(base, { runs: 24, seed: 15, edit: step(SLOW, 12, 0.9) })), SLOW);
    expect(row.verdict).toBe('in line');
    expect(row.notes.join()).toMatch(/level since run 13: -1\d\.?\d* % \(worse\)/);
  });

  it('inconclusive: the scenario did not complete in the newest run, or its runs are too few', () => {
    const failed = series(base, {
      runs: 12,
      seed: 16,
      edit: (r, doc) => {
        if (r !== 11) return;
        const s = scenarioOf(doc, SLOW);
        s.state = 'errored';
        s.failure = { errno: 28, code: 'ENOSPC', call: 'msgget', message: 'msgget failed: ENOSPC' };
      },
    });
    const row = rowOf(analyse(failed), SLOW);
    expect(row.verdict).toBe('inconclusive');
    expect(row.notes).toContain('not measured in the newest run');
    expect(row.values.at(-1)).toBeNull();
    const short = rowOf(analyse(series(base, { runs: 4, seed: 16 })), SLOW);
    expect(short.verdict).toBe('inconclusive');
    expect(short.notes.join()).toContain('too few to look for a change');
  });
});

describe('--relative', () => {
  it('a whole run slower by 15 % in the newest 3 runs: absolute calls every scenario regressed, relative none (it cannot see a change of all alike)', () => {
    const docs = series(base, {
      runs: 20,
      seed: 17,
      edit: (r, doc) => {
        if (r >= 17) for (const s of doc.scenarios) if (s.state === 'completed') scaleScenario(s, 'throughput', 0.85);
      },
    });
    expect(analyse(docs).regressed).toBe(12);
    expect(analyse(docs, { relative: true }).regressed).toBe(0);
  });

  it('one scenario 10 % slower on a runner whose runs shift by 6 %: relative finds it where absolute cannot tell', () => {
    const docs = series(base, { runs: 24, seed: 18, shift: 0.06, noise: 0.005, edit: step(SLOW, 21, 0.9) });
    const rel = analyse(docs, { relative: true });
    expect(rowOf(rel, SLOW).verdict).toBe('regressed');
    expect(rel.regressed).toBe(1);
    expect(rel.unit).toBe("ratio to the median of the run's other scenarios");
  });
});

describe('order', () => {
  it('by start time; by commit: the commits in the order each first ran, a commit reruns together', () => {
    const docs = series(base, { runs: 4, seed: 19 });
    // A rerun of the first commit, started last.
    (docs[3] as ResultDocument).env.commit = commitOf(0);
    const byTime = orderRuns(inputs(docs), 'time').ordered.map((x) => x.file);
    expect(byTime).toEqual(['run-0.json', 'run-1.json', 'run-2.json', 'run-3.json']);
    const shuffled = [docs[2], docs[0], docs[3], docs[1]] as ResultDocument[];
    expect(orderRuns(inputs(shuffled), 'time').ordered.map((x) => x.doc.startedAt)).toEqual(docs.map((d) => d.startedAt));
    expect(orderRuns(inputs(docs), 'commit').ordered.map((x) => x.file)).toEqual(['run-0.json', 'run-3.json', 'run-1.json', 'run-2.json']);
  });

  it('--order commit refuses runs without a commit, naming them', async () => {
    const docs = series(base, { runs: 4, seed: 20, edit: (r, doc) => (r === 2 ? delete doc.env.commit : undefined) });
    await expect(command(docs, ['--order', 'commit'])).rejects.toThrow(
      /^--order commit: .*-2\.json recorded no commit \(env\.commit\); record it with ipcns-bench run --commit SHA/,
    );
    const ok = await command(docs);
    expect(ok.code).toBe(0);
  });
});

describe('the command', () => {
  it('exit 0 on a steady history, 1 on a confirmed regression, and 1 on a suspected run only with --strict', async () => {
    expect((await command(series(base, { runs: 15, seed: 21 }))).code).toBe(0);
    const regressed = await command(series(base, { runs: 15, seed: 21, edit: step(SLOW, 12, 0.88) }));
    expect(regressed.code).toBe(1);
    expect(regressed.out).toContain('1 of 12 scenarios regressed in the newest runs');
    const suspected = series(base, { runs: 15, seed: 22, edit: step(SLOW, 14, 0.8) });
    expect((await command(suspected)).code).toBe(0);
    expect((await command(suspected, ['--strict'])).code).toBe(1);
  });

  it('reads a folder: every *.json of it, a copy of a run once (results/latest.json), with a note', async () => {
    const docs = series(base, { runs: 8, seed: 23 });
    const folder = join(dir, 'folder');
    writeSeries(folder, docs);
    writeFileSync(join(folder, 'latest.json'), JSON.stringify(docs.at(-1)));
    writeFileSync(join(folder, 'notes.txt'), 'not a run');
    const io = memoryIo();
    expect(await historyCommand([folder, '--format', 'json'], io)).toBe(0);
    const r = JSON.parse(io.out()) as HistoryResult;
    expect(r.runs).toHaveLength(8);
    expect(io.err()).toMatch(/latest\.json holds the same run as .* read once/);
  });

  it('refuses a run given twice, a fleet, one run, an output among its inputs, and bad flags (exit 2)', async () => {
    const docs = series(base, { runs: 3, seed: 24 });
    const paths = writeSeries(join(dir, 'twice'), docs);
    const run = (argv: string[]): Promise<number> => historyCommand(argv, memoryIo());
    await expect(run([...paths, paths[0] as string])).rejects.toThrow(/hold the same run/);
    await expect(run([paths[0] as string])).rejects.toThrow(/a history needs at least two runs/);
    await expect(run([...paths, '/dev/zero'])).rejects.toThrow(/\/dev\/zero: is a character device, not a regular file/);
    const fleet = join(dir, 'fleet.json');
    writeFileSync(
      fleet,
      JSON.stringify({
        schemaVersion: 1,
        kind: 'ipcns-bench-fleet',
        createdAt: docs[0]?.startedAt,
        runs: [],
        scenarios: { count: 0, everywhere: 0, partial: [] },
      }),
    );
    await expect(run([...paths, fleet])).rejects.toThrow(UsageError);
    await expect(run([...paths, '--json', paths[1] as string])).rejects.toThrow(/is one of the runs this history reads/);
    await expect(run([join(dir, 'twice'), '--json', join(dir, 'twice', 'h.json')])).rejects.toThrow(/which this history reads as runs/);
    const link = join(dir, 'link-to-run.json');
    symlinkSync(paths[2] as string, link);
    await expect(run([...paths, '--json', link])).rejects.toThrow(/is one of the runs this history reads/);
    for (const bad of [
      ['--metric', 'cs-per-op'],
      ['--order', 'name'],
      ['--confirm', '1'],
      ['--threshold', '0.05'],
      ['--alpha', '30%'],
      ['--last', '1'],
    ]) {
      expect(() => parseHistoryArgs(['x.json', ...bad]), bad.join(' ')).toThrow(UsageError);
    }
    expect(() => parseHistoryArgs([])).toThrow(/history: give the runs/);
    expect(parseHistoryArgs(['x.json']).last).toBe(100);
  });

  it('--metric calibrated needs it in every run, and names those without', async () => {
    const calibrate = (_r: number, doc: ResultDocument): void => {
      for (const s of doc.scenarios) {
        if (!s.throughput) continue;
        const { estimate, ci, ciLevel, rounds } = s.throughput;
        s.throughput.calibrated = { estimate, ci, ciLevel, rounds };
      }
      if (doc.analysis) doc.analysis.calibration = { control: 'getppid', medianRate: 2e6, medians: { getppid: 2e6, spin: 5e8 } };
    };
    // Run 0 as a run of a version without controls.
    const uncalibrate = (doc: ResultDocument): void => {
      for (const s of doc.scenarios) if (s.throughput) delete s.throughput.calibrated;
      if (doc.analysis) delete doc.analysis.calibration;
    };
    const docs = series(base, { runs: 6, seed: 25, edit: (r, doc) => (r === 0 ? uncalibrate(doc) : calibrate(r, doc)) });
    await expect(command(docs, ['--metric', 'calibrated'])).rejects.toThrow(/^--metric calibrated: .*-0\.json hold no calibrated throughput/);
    const all = series(base, { runs: 6, seed: 25, edit: calibrate });
    const ok = await command(all, ['--metric', 'calibrated', '--format', 'json']);
    expect((JSON.parse(ok.out) as HistoryResult).rows[0]?.values.every((v) => v !== null)).toBe(true);
  });

  it('--last keeps the newest runs; --json writes the JSON, --json - puts it on stdout and the table on stderr', async () => {
    const docs = series(base, { runs: 10, seed: 26 });
    const out = join(dir, 'history-out.json');
    const r = await command(docs, ['--last', '6', '--json', out]);
    expect(r.code).toBe(0);
    const written = JSON.parse((await import('node:fs')).readFileSync(out, 'utf8')) as HistoryResult;
    expect(written.runs.map((x) => x.startedAt)).toEqual(docs.slice(4).map((d) => d.startedAt));
    const piped = await command(docs, ['--json', '-']);
    expect((JSON.parse(piped.out) as HistoryResult).kind).toBe('ipcns-bench-history');
    expect(piped.err).toContain('History by --metric throughput');
  });
});
