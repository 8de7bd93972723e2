/**
 * `ipcns-bench compare BASE.json [BASE2.json ...] CURRENT.json`: a run against
 * one or more baselines. Exit codes: 0 nothing regressed, 1 something
 * regressed (or completed in a baseline and failed now), 2 bad input (a
 * UsageError, mapped by cli.ts).
 */
import { integer, oneOf, parse, parsePercent } from '../plan/flags.js';
import {
  COMPARE_METRICS,
  compareRuns,
  DEFAULT_THRESHOLD,
  RUN_NOISE_DF,
  runIdentity,
  type CompareMetric,
  type CompareResult,
  type RunFigures,
} from '../analyze/baseline.js';
import { UsageError } from '../common/errors.js';
import { compareFleet, type FleetComparison } from '../analyze/fleet.js';
import type { FleetDocument } from '../document/fleet.js';
import { renderCompareMarkdown, renderFleetMarkdown } from '../report/markdown.js';
import { renderCompare, renderFleet } from '../report/table.js';
import { appendStepSummary, colorFor, jsonText, parseFormat, readInput, type CommandIo, type OutputFormat } from './io.js';

export const COMPARE_OPTIONS = {
  base: { type: 'string', multiple: true },
  reference: { type: 'string' },
  'run-noise': { type: 'string' },
  metric: { type: 'string' },
  threshold: { type: 'string' },
  format: { type: 'string' },
  summary: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMPARE_HELP = `ipcns-bench compare BASE.json [BASE2.json ...] CURRENT.json [flags]
ipcns-bench compare FLEET.json [--reference LABEL] [flags]
  Matches scenarios by id and judges each: regressed, improved, unchanged or inconclusive.
  With a fleet (ipcns-bench merge): each machine against the reference, faster, slower,
  equivalent or inconclusive, and every machine's mode verdicts side by side (exit code 0).
  --reference LABEL      the fleet's reference machine (default: its first run)
  --run-noise P%[:DF]    the spread between two runs on one machine, added to every fleet interval
                         (default: 0%, the noise within each run only), with its degrees of freedom,
                         runs - 1 of the series that measured it (default: ${RUN_NOISE_DF}); measure it: compare A B C
  --base PATH            a baseline (repeatable), instead of listing them before CURRENT.json;
                         with two or more, the spread between them is part of the noise
  --metric M             ${COMPARE_METRICS.join(' | ')} (default: throughput);
                         CPU time and context switches per op are far less noisy than
                         wall-clock throughput on shared CI machines
  --threshold T          the practical margin, in percent (default: 5%): within it a scenario is
                         unchanged; size it from two runs on your runner (README)
  --format F             table | markdown | json (default: table)
  --summary              also append the markdown to $GITHUB_STEP_SUMMARY
  exit codes: 0 nothing regressed, 1 something regressed (or completed in base and failed in current), 2 bad input`;

export function parseMetric(text: string): CompareMetric {
  return oneOf('--metric', text, COMPARE_METRICS);
}

/** --threshold: a percentage, "5%" or "5"; a fraction is returned. */
export function parseThreshold(text: string): number {
  return parsePercent('--threshold', text, 0.1, 50);
}

/** A spread between runs (a fraction) and the degrees of freedom it was measured with. */
export interface RunNoise {
  noise: number;
  df: number;
}

/**
 * --run-noise: a percentage, "3%" or "3", and after a colon its degrees of
 * freedom ("3%:11": measured on 12 runs; default RUN_NOISE_DF); 0 is allowed
 * (within-run noise only).
 */
export function parseRunNoise(text: string): RunNoise {
  const [spread = '', dfText, ...rest] = text.split(':');
  if (rest.length > 0) throw new UsageError(`--run-noise ${JSON.stringify(text)}: give P% or P%:DF, e.g. --run-noise 3%:11`);
  const df =
    dfText === undefined
      ? RUN_NOISE_DF
      : integer('--run-noise', dfText, 1, 1000, 'its degrees of freedom after the colon (runs - 1 of the series that measured it)');
  const t = spread.trim().replace(/%$/, '');
  const noise = /^0*(\.0*)?$/.test(t) && t !== '' && t !== '.' ? 0 : parsePercent('--run-noise', spread, 0.1, 50);
  return { noise, df };
}

export interface CompareArgs {
  bases: string[];
  current: string;
  reference?: string;
  runNoise?: RunNoise;
  metric: CompareMetric;
  threshold: number;
  format: OutputFormat;
  summary: boolean;
  help: boolean;
}

export function parseCompareArgs(argv: string[]): CompareArgs {
  const { values: v, positionals } = parse('compare', argv, COMPARE_OPTIONS, Infinity);
  const help = v.help ?? false;
  const flagged = v.base ?? [];
  const bases = [...flagged, ...positionals.slice(0, -1)];
  const current = positionals.at(-1);
  // One file and no --base: a fleet document, told by its content once it is read.
  if (!help && (current === undefined || (bases.length === 0 && (positionals.length !== 1 || flagged.length > 0)))) {
    throw new UsageError('compare: give a baseline and the current run: ipcns-bench compare BASE.json [BASE2.json ...] CURRENT.json');
  }
  if (new Set(bases).size !== bases.length) throw new UsageError(`compare: a baseline is given twice (${bases.join(', ')}); each baseline must be its own run`);
  return {
    bases,
    current: current ?? '',
    ...(v.reference !== undefined ? { reference: v.reference } : {}),
    ...(v['run-noise'] !== undefined ? { runNoise: parseRunNoise(v['run-noise']) } : {}),
    metric: v.metric !== undefined ? parseMetric(v.metric) : 'throughput',
    threshold: v.threshold !== undefined ? parseThreshold(v.threshold) : DEFAULT_THRESHOLD,
    format: v.format !== undefined ? parseFormat(v.format) : 'table',
    summary: v.summary ?? false,
    help,
  };
}

/** Runs the command; returns the exit code (0: nothing regressed, 1: something regressed). */
export async function compareCommand(argv: string[], io: CommandIo): Promise<number> {
  const args = parseCompareArgs(argv);
  if (args.help) {
    io.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  if (args.bases.length === 0) {
    const input = readInput(args.current);
    if (input.kind !== 'fleet') {
      throw new UsageError(
        `compare: ${args.current} is one run: give a baseline too (ipcns-bench compare BASE.json ${args.current}), or a fleet document (ipcns-bench merge)`,
      );
    }
    return fleetOutput(fleetComparisonOf(input.fleet, args.current, args), args, io);
  }
  if (args.runNoise !== undefined)
    throw new UsageError('--run-noise: applies to a fleet document; with baselines, pass two or more and compare measures the spread between them');
  if (args.reference !== undefined)
    throw new UsageError(`--reference: chooses a machine of a fleet document; compare one fleet: ipcns-bench compare FLEET.json --reference LABEL`);
  // Each file read once: a document can be tens of MB.
  const docs = [...args.bases, args.current].map((path) => {
    const input = readInput(path);
    if (input.kind === 'fleet') throw new UsageError(`compare: ${path} is a fleet document; compare it alone: ipcns-bench compare ${path} --reference LABEL`);
    return input.doc;
  });
  const current = docs.pop() as (typeof docs)[number];
  const bases = docs;
  refuseRepeatedRuns('compare', [...args.bases, args.current], [...bases, current]);
  const result: CompareResult = compareRuns(bases, current, {
    metric: args.metric,
    threshold: args.threshold,
    basePaths: args.bases,
    currentPath: args.current,
  });
  if (result.rows.length === 0 && result.notCompared.length === 0) {
    throw new UsageError(
      `no scenario id is in both the baseline and the current run; were they run with the same suite? ` +
        `(${args.bases.join(', ')}: suite ${bases.map((b) => b.command.suite).join(', ')}; ${args.current}: suite ${current.command.suite}, ${current.scenarios.length} scenarios)`,
    );
  }
  switch (args.format) {
    case 'table':
      io.stdout.write(`${renderCompare(result, { color: colorFor(io.stdout, io.env) })}\n`);
      break;
    case 'markdown':
      io.stdout.write(renderCompareMarkdown(result));
      break;
    case 'json':
      // stdout stays pure JSON; the warnings still come first, on stderr.
      for (const w of result.warnings) io.stderr.write(`ipcns-bench: warning: ${w}\n`);
      io.stdout.write(jsonText(result));
      break;
  }
  if (args.summary) appendStepSummary(renderCompareMarkdown(result), io);
  return result.regressed > 0 || result.broken.length > 0 ? 1 : 0;
}

/**
 * The same run under two names (a copy, or the current run given as a
 * baseline too) would count its noise twice and hide the spread between
 * runs: refused, by what the runs hold (analyze/baseline.ts runIdentity),
 * not by their text.
 */
export function refuseRepeatedRuns(command: string, paths: readonly string[], docs: readonly RunFigures[]): void {
  const seen = new Map<string, string>();
  docs.forEach((d, i) => {
    const path = paths[i] ?? `document ${i + 1}`;
    const id = runIdentity(d);
    const first = seen.get(id);
    if (first === path) throw new UsageError(`${command}: ${path} is given twice; give each run once`);
    if (first !== undefined) {
      throw new UsageError(
        `${command}: ${path} and ${first} hold the same run (started ${d.startedAt} on ${d.env.cpuModel}, with the same figures); give each run once`,
      );
    }
    seen.set(id, path);
  });
}

/** The fleet compared with its reference: --reference, or its first run; an unknown label lists the fleet's. */
export function fleetComparisonOf(
  fleet: FleetDocument,
  path: string,
  o: { reference?: string; metric: CompareMetric; threshold: number; runNoise?: RunNoise },
): FleetComparison {
  const labels = fleet.runs.map((r) => r.label);
  const reference = o.reference ?? (labels[0] as string);
  if (!labels.includes(reference))
    throw new UsageError(`--reference ${JSON.stringify(reference)}: no run of ${path} has that label; its labels: ${labels.join(', ')}`);
  return compareFleet(
    fleet.runs.map((r) => ({ label: r.label, doc: r.document })),
    { reference, metric: o.metric, threshold: o.threshold, runNoise: o.runNoise?.noise ?? 0, ...(o.runNoise ? { runNoiseDf: o.runNoise.df } : {}) },
  );
}

function fleetOutput(f: FleetComparison, args: CompareArgs, io: CommandIo): number {
  if (args.reference === undefined) io.stderr.write(`ipcns-bench: reference: ${f.reference}, the fleet's first run (choose one with --reference LABEL)\n`);
  if (args.format === 'table') io.stdout.write(`${renderFleet(f, { color: colorFor(io.stdout, io.env) })}\n`);
  else if (args.format === 'markdown') io.stdout.write(renderFleetMarkdown(f));
  else {
    for (const w of f.warnings) io.stderr.write(`ipcns-bench: warning: ${w}\n`);
    io.stdout.write(jsonText(f));
  }
  if (args.summary) appendStepSummary(renderFleetMarkdown(f), io);
  return 0;
}
