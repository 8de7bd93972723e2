/**
 * `ipcns-bench compare BASE.json CURRENT.json`: a run against a baseline.
 * Exit codes: 0 nothing regressed, 1 something regressed, 2 bad input
 * (a UsageError, mapped by cli.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parse, oneOf } from '../args.js';
import { compareDocuments, parseMetric, parseThreshold, type CompareMetric, type CompareResult } from '../compare.js';
import { UsageError } from '../errors.js';
import { renderCompareMarkdown } from '../report/markdown.js';
import { renderCompare } from '../report/table.js';
import type { ResultDocument } from '../result.js';
import { parseResultDocument } from '../schema.js';

/** What a command may touch: its output streams and the environment. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const OUTPUT_FORMATS = ['table', 'markdown', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const COMPARE_OPTIONS = {
  metric: { type: 'string' },
  threshold: { type: 'string' },
  format: { type: 'string' },
  summary: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMPARE_HELP = `ipcns-bench compare BASE.json CURRENT.json [flags]
  Matches scenarios by id and judges each: improved, regressed or unchanged.
  --metric M             throughput | latency-p99 | cpu-per-op | cs-per-op (default: throughput);
                         CPU time and context switches per op are far less noisy than
                         wall-clock throughput on shared CI machines
  --threshold T          smallest change that counts, in percent: 5% or 5 (default: 0%);
                         a regression must be significant AND larger than this
  --format F             table | markdown | json (default: table)
  --summary              also append the markdown to $GITHUB_STEP_SUMMARY
  exit codes: 0 nothing regressed, 1 something regressed (or completed in base and failed in current), 2 bad input`;

/** Parses --format. */
export function parseFormat(text: string): OutputFormat {
  return oneOf('--format', text, OUTPUT_FORMATS);
}

/** Reads and checks a result document; every problem is a UsageError naming the file. */
export function readDocument(path: string): ResultDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UsageError(`${path}: no such file; give the path of an ipcns-bench result document (run --json PATH writes one)`);
    if (err.code === 'EISDIR') throw new UsageError(`${path}: is a directory, not a result document`);
    throw new UsageError(`${path}: cannot read it (${err.code ?? err.message})`);
  }
  return parseResultDocument(text, path);
}

/**
 * --summary: appends `markdown` to the file $GITHUB_STEP_SUMMARY names (the
 * job summary of a GitHub Actions step). Without the variable, a one-line
 * note on stderr and nothing else.
 */
export function appendStepSummary(markdown: string, io: CommandIo): void {
  const file = io.env['GITHUB_STEP_SUMMARY'];
  if (file === undefined || file === '') {
    io.stderr.write('ipcns-bench: --summary: GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?); no summary written\n');
    return;
  }
  try {
    appendFileSync(file, `${markdown}\n`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`--summary: cannot append to GITHUB_STEP_SUMMARY ${file} (${err.code ?? err.message})`);
  }
}

/** Colour only on a terminal, and never with NO_COLOR or TERM=dumb. */
export function colorFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/** JSON text with non-finite numbers as null (JSON has no NaN or Infinity). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

export interface CompareArgs {
  base: string;
  current: string;
  metric: CompareMetric;
  threshold: number;
  format: OutputFormat;
  summary: boolean;
  help: boolean;
}

export function parseCompareArgs(argv: string[]): CompareArgs {
  const { values: v, positionals } = parse('compare', argv, COMPARE_OPTIONS, 2);
  const help = v.help ?? false;
  const [base, current] = positionals;
  if (!help && (base === undefined || current === undefined)) {
    throw new UsageError('compare: give two result documents: ipcns-bench compare BASE.json CURRENT.json');
  }
  return {
    base: base ?? '',
    current: current ?? '',
    metric: v.metric !== undefined ? parseMetric(v.metric) : 'throughput',
    threshold: v.threshold !== undefined ? parseThreshold(v.threshold) : 0,
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
  const base = readDocument(args.base);
  const current = readDocument(args.current);
  const result: CompareResult = compareDocuments(base, current, {
    metric: args.metric, threshold: args.threshold, basePath: args.base, currentPath: args.current,
  });
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
