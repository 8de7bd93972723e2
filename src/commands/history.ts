/**
 * `ipcns-bench history DOC.json ... | DIR`: a series of runs of one machine,
 * per scenario its change points and the status of the newest run
 * (analyze/history.ts). Exit codes: 0 no regression confirmed in the newest
 * runs, 1 one is (or, with --strict, the newest run alone looks worse), 2 bad
 * input (a UsageError, mapped by cli.ts).
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_THRESHOLD } from '../analyze/baseline.js';
import {
  analyseHistory,
  DEFAULT_CONFIRM,
  DEFAULT_HISTORY_METRIC,
  DEFAULT_MIN_SIZE,
  DEFAULT_SEED,
  HISTORY_ALPHA,
  HISTORY_METRICS,
  HISTORY_ORDERS,
  type HistoryInput,
  type HistoryResult,
  MAX_PERMUTATIONS,
  orderRuns,
  runsWithout,
} from '../analyze/history.js';
import type { HistoryOptions } from '../analyze/history-shape.js';
import { UsageError } from '../common/errors.js';
import { resolveTarget, writeTarget } from '../common/files.js';
import { printable } from '../common/text.js';
import { MAX_DOCUMENT_BYTES } from '../document/parse.js';
import { integer, oneOf, parse, parsePercent } from '../plan/flags.js';
import { renderHistoryMarkdown } from '../report/markdown.js';
import { renderHistory } from '../report/table.js';
import { parseThreshold } from './compare.js';
import { appendStepSummary, colorFor, type CommandIo, jsonText, type OutputFormat, parseFormat, readInput } from './io.js';

/** The most runs one history reads, and the most bytes of them: a data branch grows; give the newest runs. */
export const MAX_HISTORY_RUNS = 1000;
/**
 * The newest runs judged unless --last says otherwise: the search through a
 * history costs the square of its runs per permutation (100 runs take
 * seconds, 1000 would take many minutes), and a gate needs the recent runs.
 */
export const DEFAULT_LAST = 100;
export const MAX_HISTORY_BYTES = 1024 << 20;

export const HISTORY_OPTIONS = {
  metric: { type: 'string' },
  relative: { type: 'boolean' },
  order: { type: 'string' },
  last: { type: 'string' },
  threshold: { type: 'string' },
  alpha: { type: 'string' },
  confirm: { type: 'string' },
  'min-size': { type: 'string' },
  permutations: { type: 'string' },
  seed: { type: 'string' },
  strict: { type: 'boolean' },
  format: { type: 'string' },
  json: { type: 'string' },
  summary: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const HISTORY_HELP = `ipcns-bench history DOC.json [DOC2.json ...] | DIR [flags]
  A series of runs of one machine (result documents, or every *.json of DIR): per scenario, the
  change points in its history (E-divisive with a permutation test) and the status of the newest
  run against its own segment: regressed, improved, in line, inconclusive or suspected.
  --metric M             ${HISTORY_METRICS.join(' | ')} (default: ${DEFAULT_HISTORY_METRIC});
                         calibrated needs throughput.calibrated in every run
  --relative             each scenario as a ratio to the median of its run's other scenarios: a shift
                         of the whole run (the runner's moment) cancels, a change of all alike too
  --order time|commit    runs by start time (default), or by commit: the commits in the order each
                         first ran (env.commit: run --commit, or GITHUB_SHA), a commit's runs together
  --last N               the newest N runs (after ordering; default: ${DEFAULT_LAST}; the search costs the square
                         of the runs, so more take longer)
  --threshold T          changes within it do not fail the gate, in percent (default: 5%)
  --alpha A              family-wise significance over the scenarios, in percent (default: ${HISTORY_ALPHA * 100}%)
  --confirm K            runs after a change that confirm it (default: ${DEFAULT_CONFIRM})
  --min-size N           the shortest segment the search through the history leaves (default: ${DEFAULT_MIN_SIZE})
  --permutations N       per test (default: enough for the level); --seed N (default: ${DEFAULT_SEED})
  --strict               a newest run that alone looks worse (suspected) fails the gate too
  --format F             table | markdown | json (default: table)
  --json PATH            also write the JSON there (- for stdout); schema/history.schema.json
  --summary              also append the markdown to $GITHUB_STEP_SUMMARY
  exit codes: 0 no regression confirmed in the newest runs, 1 one is (--strict: or suspected), 2 bad input`;

/** The analysis's own options, and what the command does around it. */
export interface HistoryArgs extends HistoryOptions {
  paths: string[];
  last: number;
  strict: boolean;
  format: OutputFormat;
  json?: string;
  summary: boolean;
  help: boolean;
}

export function parseHistoryArgs(argv: string[]): HistoryArgs {
  const { values: v, positionals } = parse('history', argv, HISTORY_OPTIONS, Infinity);
  const help = v.help ?? false;
  if (!help && positionals.length === 0) throw new UsageError('history: give the runs: ipcns-bench history DOC.json DOC2.json ... or ipcns-bench history DIR');
  const out: HistoryArgs = {
    paths: positionals,
    metric: v.metric !== undefined ? oneOf('--metric', v.metric, HISTORY_METRICS) : DEFAULT_HISTORY_METRIC,
    relative: v.relative ?? false,
    order: v.order !== undefined ? oneOf('--order', v.order, HISTORY_ORDERS) : 'time',
    last: v.last !== undefined ? parseLast(v.last) : DEFAULT_LAST,
    threshold: v.threshold !== undefined ? parseThreshold(v.threshold) : DEFAULT_THRESHOLD,
    alpha: v.alpha !== undefined ? parsePercent('--alpha', v.alpha, 0.01, 20) : HISTORY_ALPHA,
    confirm: v.confirm !== undefined ? integer('--confirm', v.confirm, 2, 10, 'runs after a change that confirm it') : DEFAULT_CONFIRM,
    minSize: v['min-size'] !== undefined ? integer('--min-size', v['min-size'], 2, 50, 'runs in the shortest segment') : DEFAULT_MIN_SIZE,
    seed: v.seed !== undefined ? integer('--seed', v.seed, 0, 2 ** 32 - 1, 'the seed of the permutations') : DEFAULT_SEED,
    strict: v.strict ?? false,
    format: v.format !== undefined ? parseFormat(v.format) : 'table',
    summary: v.summary ?? false,
    help,
  };
  if (v.permutations !== undefined) out.permutations = integer('--permutations', v.permutations, 99, MAX_PERMUTATIONS, 'permutations per test');
  if (v.json !== undefined) {
    if (v.json.trim() === '') throw new UsageError('--json: give a file path, e.g. --json history.json, or - for stdout');
    out.json = v.json;
  }
  return out;
}

/** --last N: the newest runs a history judges. */
export function parseLast(text: string): number {
  return integer('--last', text, 2, MAX_HISTORY_RUNS, 'the newest runs to judge');
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The files the paths name: a file as given, a folder as its *.json files (by name), bounded. */
function filesOf(paths: readonly string[]): { files: string[]; folders: string[] } {
  const files: string[] = [];
  const folders: string[] = [];
  for (const p of paths) {
    if (!isDirectory(p)) {
      files.push(p);
      continue;
    }
    folders.push(resolve(p));
    const names = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.name.endsWith('.json') && (e.isFile() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort();
    files.push(...names.map((n) => join(p, n)));
  }
  if (files.length > MAX_HISTORY_RUNS)
    throw new UsageError(
      `history: ${files.length} documents, more than the ${MAX_HISTORY_RUNS} a history reads; give the newest (e.g. the last 200 by name: $(ls DIR/*.json | tail -n 200)), or move older runs away`,
    );
  return { files, folders };
}

/** Reads every run, refusing fleets and a run given twice; in a folder, a copy of a run (results/latest.json) is read once. */
export function readRuns(paths: readonly string[], io: CommandIo): HistoryInput[] {
  const { files, folders } = filesOf(paths);
  const runs: HistoryInput[] = [];
  const seen = new Map<string, string>();
  let bytes = 0;
  for (const file of files) {
    const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    bytes += Math.min(size, MAX_DOCUMENT_BYTES);
    if (bytes > MAX_HISTORY_BYTES)
      throw new UsageError(
        `history: the documents hold more than ${MAX_HISTORY_BYTES >> 20} MiB together; give fewer runs: name the newest files, or move older runs away`,
      );
    const input = readInput(file);
    const shown = printable(file);
    if (input.kind === 'fleet')
      throw new UsageError(
        `history: ${shown} is a fleet document (runs of several machines); a history is one machine's runs over time: give their result documents`,
      );
    const doc = input.doc;
    const key = JSON.stringify([doc.startedAt, doc.env.label ?? null, doc.env.commit ?? null]);
    const first = seen.get(key);
    if (first !== undefined) {
      const inFolder = folders.includes(resolve(dirname(file)));
      if (!inFolder) throw new UsageError(`history: ${shown} and ${first} hold the same run (started ${doc.startedAt}); give each run once`);
      io.stderr.write(`ipcns-bench: ${shown} holds the same run as ${first} (started ${doc.startedAt}); read once\n`);
      continue;
    }
    seen.set(key, shown);
    runs.push({ file: shown, doc });
  }
  return runs;
}

/** --json PATH must not be a run it reads, nor a .json file in a folder it reads (the next history would take it for a run). */
function checkOutput(json: string, paths: readonly string[]): void {
  if (json === '-') return;
  const target = resolve(json);
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const { files, folders } = filesOf(paths);
  if (files.some((f) => real(f) === real(target))) throw new UsageError(`--json ${json}: is one of the runs this history reads; write the history elsewhere`);
  if (target.endsWith('.json') && folders.some((d) => real(dirname(target)) === real(d)))
    throw new UsageError(`--json ${json}: lies in ${dirname(json)}, which this history reads as runs; write it outside that folder`);
}

/** The history of the runs the arguments name, analysed: what `history` and `report --history` share. */
export function historyOf(args: Omit<HistoryArgs, 'format' | 'json' | 'summary' | 'help' | 'strict'>, io: CommandIo): HistoryResult {
  const runs = readRuns(args.paths, io);
  if (runs.length < 2)
    throw new UsageError(`history: ${runs.length === 0 ? 'no result document' : 'one run'} in ${args.paths.join(', ')}; a history needs at least two runs`);
  const { ordered, missing } = orderRuns(runs, args.order);
  if (missing.length > 0)
    throw new UsageError(
      `--order commit: ${listed(missing)} recorded no commit (env.commit); record it with ipcns-bench run --commit SHA (or GITHUB_SHA), or use --order time`,
    );
  const kept = ordered.slice(-args.last);
  if (args.metric === 'calibrated') {
    const without = runsWithout(kept, 'calibrated');
    if (without.length > 0)
      throw new UsageError(
        `--metric calibrated: ${listed(without)} hold no calibrated throughput (throughput.calibrated, written by runs that measure a control in every round); use --metric throughput, or leave those runs out`,
      );
  }
  return analyseHistory(kept, {
    metric: args.metric,
    threshold: args.threshold,
    alpha: args.alpha,
    confirm: args.confirm,
    minSize: args.minSize,
    ...(args.permutations !== undefined ? { permutations: args.permutations } : {}),
    seed: args.seed,
    relative: args.relative,
    order: args.order,
  });
}

const listed = (files: readonly string[]): string => (files.length <= 5 ? files.join(', ') : `${files.slice(0, 5).join(', ')} and ${files.length - 5} more`);

/** Runs the command; returns the exit code. */
export async function historyCommand(argv: string[], io: CommandIo): Promise<number> {
  const args = parseHistoryArgs(argv);
  if (args.help) {
    io.stdout.write(`${HISTORY_HELP}\n`);
    return 0;
  }
  if (args.json !== undefined) checkOutput(args.json, args.paths);
  const target = args.json !== undefined ? resolveTarget(args.json, '', new Date()) : undefined;
  const r = historyOf(args, io);
  // With the JSON on stdout, what a person reads goes to stderr.
  const out = target?.kind === 'stdout' && args.format !== 'json' ? io.stderr : io.stdout;
  switch (args.format) {
    case 'table':
      out.write(`${renderHistory(r, { color: colorFor(out, io.env), strict: args.strict })}\n`);
      break;
    case 'markdown':
      out.write(renderHistoryMarkdown(r, args.strict));
      break;
    case 'json':
      for (const w of r.warnings) io.stderr.write(`ipcns-bench: warning: ${w}\n`);
      if (target?.kind !== 'stdout') io.stdout.write(jsonText(r));
      break;
  }
  if (target) await writeTarget(target, jsonText(r), io.stdout);
  if (args.summary) appendStepSummary(renderHistoryMarkdown(r, args.strict), io);
  return r.regressed > 0 || (args.strict && r.suspected > 0) ? 1 : 0;
}
