/**
 * The between-run study (docs/noise-study.md): a series of `ci` runs on one
 * machine, one after another, and what they say about the runner.
 *
 *   npm run between-runs -- --runs 12 --out DIR [--neighbour]     runs the series into DIR, then analyses it
 *   npm run between-runs -- --runs 12 --out DIR --alternate        plain and --interleave-groups runs in turn
 *   npm run between-runs -- --analyse DIR                        analyses a series already there
 *     [--inject ID --inject-by 10% --inject-last 3]              ... with one scenario made slower in the newest runs
 *
 * - Per scenario, the spread between runs (sd of the log estimate, in %) of
 *   raw throughput, of calibrated throughput (when every run has it), of CPU
 *   time per op, and of raw throughput relative to the run's other
 *   scenarios (what is left once the run's shared shift cancels).
 * - A/A alarm rates: `compare` with 1, 3 and 5 baselines, each run against
 *   the runs just before it; and `history`, every prefix of at least 6 runs
 *   as a history, its newest-run gate. The runs changed nothing, so every
 *   alarm is a false one.
 * - With --inject: one scenario's per-round values (throughput, calibrated,
 *   CPU time) made slower in the newest runs, and what `history` says.
 *
 * --neighbour starts the noisy neighbour (--neighbour-script, default
 * ../shared/tools/noisy-neighbour.mjs beside the package; --cpus 0,1 --duty
 * 0.1) for the whole series and stops it after.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareRuns, type CompareMetric, DEFAULT_THRESHOLD } from '../src/analyze/baseline.js';
import {
  analyseHistory,
  DEFAULT_CONFIRM,
  DEFAULT_MIN_SIZE,
  DEFAULT_SEED,
  HISTORY_ALPHA,
  HISTORY_METRIC_INFO,
  historyValue,
  type HistoryInput,
  type HistoryMetric,
  type HistoryResult,
  orderRuns,
  runsWithout,
} from '../src/analyze/history.js';
import { medianOf, sampleSd } from '../src/analyze/robust.js';
import { readRuns } from '../src/commands/history.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
/** The shortest prefix judged as a history. */
export const MIN_HISTORY = 6;
export const BASELINES = [1, 3, 5] as const;

export interface SpreadRow {
  id: string;
  /** sd of the log figure between runs, as a fraction; null where fewer than 3 runs hold it. */
  raw: number | null;
  calibrated: number | null;
  cpu: number | null;
  relative: number | null;
}

export interface AlarmRow {
  method: string;
  metric: string;
  /** Judgements made, and how many failed the gate. */
  evaluations: number;
  alarms: number;
}

export interface StudyResult {
  runs: number;
  calibrated: boolean;
  spreads: SpreadRow[];
  alarms: AlarmRow[];
}

const logValues = (runs: readonly HistoryInput[], id: string, metric: HistoryMetric): number[] =>
  runs.flatMap((r) => {
    const s = r.doc.scenarios.find((x) => x.id === id);
    const v = s?.state === 'completed' ? historyValue(HISTORY_METRIC_INFO[metric], s, r.doc) : undefined;
    return v !== undefined && v > 0 ? [Math.log(v)] : [];
  });

const spread = (xs: readonly number[]): number | null => (xs.length >= 3 ? sampleSd(xs) : null);

/** Each run's log throughput of `id` less the median of its other scenarios. */
function relativeValues(runs: readonly HistoryInput[], id: string): number[] {
  return runs.flatMap((r) => {
    const own = r.doc.scenarios.find((x) => x.id === id);
    const others = r.doc.scenarios.filter((x) => x.id !== id && x.state === 'completed' && (x.throughput?.estimate ?? 0) > 0);
    const v = own?.state === 'completed' ? own.throughput?.estimate : undefined;
    if (v === undefined || !(v > 0) || others.length < 2) return [];
    return [Math.log(v) - medianOf(others.map((x) => Math.log(x.throughput?.estimate ?? 1)))];
  });
}

const historyOptions = (metric: HistoryMetric, relative: boolean) => ({
  metric,
  threshold: DEFAULT_THRESHOLD,
  alpha: HISTORY_ALPHA,
  confirm: DEFAULT_CONFIRM,
  minSize: DEFAULT_MIN_SIZE,
  seed: DEFAULT_SEED,
  relative,
  order: 'time' as const,
});

/** The study of a series of runs (in start-time order), as the tables print it. */
export function study(input: readonly HistoryInput[]): StudyResult {
  const runs = orderRuns(input, 'time').ordered;
  const calibrated = runs.length > 0 && runsWithout(runs, 'calibrated').length === 0;
  const ids = [...new Set(runs.flatMap((r) => r.doc.scenarios.map((s) => s.id)))];
  const spreads = ids.map((id) => ({
    id,
    raw: spread(logValues(runs, id, 'throughput')),
    calibrated: calibrated ? spread(logValues(runs, id, 'calibrated')) : null,
    cpu: spread(logValues(runs, id, 'cpu-per-op')),
    relative: spread(relativeValues(runs, id)),
  }));
  const alarms: AlarmRow[] = [];
  for (const metric of ['throughput', 'cpu-per-op'] as CompareMetric[]) {
    for (const k of BASELINES) {
      const row = { method: `compare, ${k} baseline${k === 1 ? '' : 's'}`, metric, evaluations: 0, alarms: 0 };
      for (let i = k; i < runs.length; i++) {
        const bases = runs.slice(i - k, i);
        const current = runs[i] as HistoryInput;
        const r = compareRuns(
          bases.map((b) => b.doc),
          current.doc,
          { metric, threshold: DEFAULT_THRESHOLD, basePaths: bases.map((b) => b.file), currentPath: current.file },
        );
        row.evaluations++;
        if (r.regressed > 0 || r.broken.length > 0) row.alarms++;
      }
      alarms.push(row);
    }
  }
  const metrics: HistoryMetric[] = calibrated ? ['throughput', 'calibrated', 'cpu-per-op'] : ['throughput', 'cpu-per-op'];
  for (const metric of metrics) {
    for (const relative of [false, true]) {
      const gate = { method: `history${relative ? ' --relative' : ''}`, metric, evaluations: 0, alarms: 0 };
      const strict = { method: `history${relative ? ' --relative' : ''} --strict`, metric, evaluations: 0, alarms: 0 };
      for (let n = MIN_HISTORY; n <= runs.length; n++) {
        const r = analyseHistory(runs.slice(0, n), historyOptions(metric, relative));
        gate.evaluations++;
        strict.evaluations++;
        if (r.regressed > 0) gate.alarms++;
        if (r.regressed + r.suspected > 0) strict.alarms++;
      }
      alarms.push(gate, strict);
    }
  }
  return { runs: runs.length, calibrated, spreads, alarms };
}

/** The runs with scenario `id` made `factor` times as fast in the newest `last` runs: per-round values and the figures from them. */
export function injectSlower(input: readonly HistoryInput[], id: string, factor: number, last: number): HistoryInput[] {
  const runs = orderRuns(input, 'time').ordered;
  return runs.map((r, i) => {
    if (i < runs.length - last) return r;
    const doc = structuredClone(r.doc) as HistoryInput['doc'] & { scenarios: Array<Record<string, any>> };
    const s = doc.scenarios.find((x) => x['id'] === id);
    if (!s) throw new Error(`--inject ${id}: not a scenario of ${r.file}`);
    const times = (x: number | null): number | null => (x === null ? null : x * factor);
    for (const t of [s['throughput'], s['throughput']?.calibrated].filter((x): x is { rounds: (number | null)[]; estimate: number } => Boolean(x))) {
      t.rounds = t.rounds.map(times);
      t.estimate *= factor;
    }
    if (s['cpuNsPerOp'] !== undefined) s['cpuNsPerOp'] /= factor;
    if (s['cpuNsPerOpRounds']) s['cpuNsPerOpRounds'] = s['cpuNsPerOpRounds'].map((x: number | null) => (x === null ? null : x / factor));
    return { file: `${r.file} (${id} x${factor})`, doc };
  });
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The study as markdown tables. */
export function studyMarkdown(r: StudyResult): string {
  const lines = [
    `### Between runs: ${r.runs} runs`,
    '',
    "Spread between runs: the sd of each run's log figure, in % (relative: raw throughput over the median of the run's other scenarios, the run's shared shift cancelled).",
    '',
    '| scenario | raw throughput | calibrated | CPU time per op | relative |',
    '|---|---|---|---|---|',
    ...r.spreads.map(
      (s) => `| \`${cell(s.id)}\` | ${pct(s.raw)} | ${r.calibrated ? pct(s.calibrated) : 'not recorded'} | ${pct(s.cpu)} | ${pct(s.relative)} |`,
    ),
    '',
    `A/A alarm rates: the runs changed nothing, so every failed gate is a false alarm (threshold ${DEFAULT_THRESHOLD * 100} %). compare: each run against the ${BASELINES.join(', ')} runs before it; history: every prefix of at least ${MIN_HISTORY} runs, its newest-run gate.`,
    '',
    '| method | metric | judgements | alarms | rate |',
    '|---|---|---|---|---|',
    ...r.alarms.map((a) => `| ${a.method} | ${a.metric} | ${a.evaluations} | ${a.alarms} | ${a.evaluations ? pct(a.alarms / a.evaluations) : '—'} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** What history says of the injected scenario on the whole (injected) series, per metric and mode. */
export function injectedMarkdown(runs: readonly HistoryInput[], id: string, last: number): string {
  const metrics: HistoryMetric[] = runsWithout(runs, 'calibrated').length === 0 ? ['throughput', 'calibrated', 'cpu-per-op'] : ['throughput', 'cpu-per-op'];
  const lines = [
    `### ${cell(id)} slower in the newest ${last} runs`,
    '',
    '| metric | mode | verdict | change points (first run after: change) | other scenarios regressed |',
    '|---|---|---|---|---|',
  ];
  for (const metric of metrics) {
    for (const relative of [false, true]) {
      const r: HistoryResult = analyseHistory(runs, historyOptions(metric, relative));
      const row = r.rows.find((x) => x.id === id);
      const cps =
        row?.changePoints.map((c) => `run ${c.index + 1} of ${r.runs.length}: ${c.ratio >= 1 ? '+' : ''}${((c.ratio - 1) * 100).toFixed(1)} %`).join(', ') ||
        'none';
      lines.push(
        `| ${metric} | ${relative ? 'relative' : 'absolute'} | ${row?.verdict ?? '—'} | ${cps} | ${r.regressed - (row?.verdict === 'regressed' ? 1 : 0)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the ci suite `runs` times into `dir`, one after another; returns the
 * documents' paths. With `alternate`, each run is followed by one with
 * --interleave-groups, into dir/plain and dir/interleaved: the two series
 * share the machine's moments, so their spreads can be compared.
 */
function runSeries(dir: string, runs: number, neighbour: string | undefined, alternate = false): string[] {
  const variants = alternate
    ? [
        { dir: join(dir, 'plain'), args: [] as string[] },
        { dir: join(dir, 'interleaved'), args: ['--interleave-groups'] },
      ]
    : [{ dir, args: [] as string[] }];
  for (const x of variants) mkdirSync(x.dir, { recursive: true });
  const side = neighbour
    ? spawn(process.execPath, [neighbour, '--cpus', '0,1', '--duty', '0.1', '--seconds', String(runs * variants.length * 300)], { stdio: 'ignore' })
    : undefined;
  const paths: string[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const x of variants) {
        const path = join(x.dir, `ci-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
        const r = spawnSync(process.execPath, [CLI, 'run', '--suite', 'ci', ...x.args, '--json', path, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
        if (r.status !== 0) throw new Error(`run ${i + 1} of ${runs} exited ${r.status ?? r.signal}`);
        process.stderr.write(`run ${i + 1} of ${runs}: ${path}\n`);
        paths.push(path);
      }
    }
  } finally {
    if (side?.pid) process.kill(side.pid, 'SIGTERM');
  }
  return paths;
}

function main(): void {
  const { values: v } = parseArgs({
    options: {
      runs: { type: 'string', default: '12' },
      out: { type: 'string' },
      analyse: { type: 'string' },
      neighbour: { type: 'boolean', default: false },
      alternate: { type: 'boolean', default: false },
      'neighbour-script': { type: 'string', default: resolve(PACKAGE_ROOT, '..', 'shared', 'tools', 'noisy-neighbour.mjs') },
      inject: { type: 'string' },
      'inject-by': { type: 'string', default: '10%' },
      'inject-last': { type: 'string', default: '3' },
    },
  });
  const dir = v.analyse ?? v.out;
  if (!dir) throw new Error('give --out DIR (to run the series there) or --analyse DIR (a series already there)');
  if (!v.analyse) runSeries(dir, Number(v.runs), v.neighbour ? v['neighbour-script'] : undefined, v.alternate);
  if (v.alternate) {
    for (const sub of ['plain', 'interleaved']) {
      const runs = readRuns([join(dir, sub)], { stdout: process.stdout, stderr: process.stderr, env: process.env });
      process.stdout.write(`## ${sub}\n\n${studyMarkdown(study(runs))}\n`);
    }
    return;
  }
  const runs = readRuns([dir], { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.stdout.write(studyMarkdown(study(runs)));
  if (v.inject) {
    const last = Number(v['inject-last']);
    const factor = 1 - Number(String(v['inject-by']).replace(/%$/, '')) / 100;
    process.stdout.write(`\n${injectedMarkdown(injectSlower(runs, v.inject, factor, last), v.inject, last)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
