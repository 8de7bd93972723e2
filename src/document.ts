/**
 * Builds the result document and writes it after every scenario group, so a
 * run that is interrupted keeps what it measured (complete: false).
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';
import { PACKAGE_ROOT, packageVersion } from './paths.js';
import { noiseFigure } from './analyze/noise.js';
import { SCHEMA_VERSION, type Analysis, type Comparison, type EnvInfo, type GroupSummary, type ResultDocument, type ScenarioResult } from './result.js';

export const RESULTS_DIR = join(PACKAGE_ROOT, 'results');

export function newDocument(env: EnvInfo, command: ResultDocument['command'], startedAt: Date, analysis: Analysis): ResultDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'ipcns-bench', version: packageVersion() },
    startedAt: startedAt.toISOString(),
    finishedAt: null,
    complete: false,
    command,
    env,
    analysis,
    noise: null,
    scenarios: [],
    groups: [],
    comparisons: [],
  };
}

/** Where a run's document goes: --json PATH, or results/<timestamp>.json plus results/latest.json. */
export interface DocumentTarget {
  path: string;
  latest?: string;
}

export function defaultTarget(startedAt: Date, dir: string = RESULTS_DIR): DocumentTarget {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  return { path: join(dir, `${stamp}.json`), latest: join(dir, 'latest.json') };
}

/** Checks, before anything runs, that the target can be written. */
export function checkWritable(target: DocumentTarget, flag: string, createDir: boolean): void {
  try {
    // Only the default results/ folder is created; a --json path must name an existing folder
    // (recursive mkdir on a path under /proc never returns on some Node versions).
    if (createDir) mkdirSync(dirname(target.path), { recursive: true });
    // A probe beside the target: an existing document is left as it is until the run writes.
    const probe = `${target.path}.probe-${process.pid}`;
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${target.path}: cannot write there (${err.code ?? err.message}); give a writable path with --json PATH`);
  }
}

/** Writes atomically (temp file, then rename): a reader never sees half a document. */
export function writeDocument(doc: ResultDocument, target: DocumentTarget): void {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const tmp = `${target.path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, target.path);
  if (target.latest) {
    const tmpLatest = `${target.latest}.tmp-${process.pid}`;
    copyFileSync(target.path, tmpLatest);
    renameSync(tmpLatest, target.latest);
  }
}

/**
 * Adds a group's results, and updates the run's noise figure. Verdicts need
 * no re-judging: each interval's level was set for the whole run's
 * comparisons before the first group ran.
 */
export function addResults(doc: ResultDocument, results: readonly ScenarioResult[], comparisons: readonly Comparison[], group?: GroupSummary, capMs = 0): void {
  doc.scenarios.push(...results);
  doc.comparisons.push(...comparisons);
  if (group) doc.groups.push(group);
  doc.noise = noiseFigure(doc.comparisons, doc.analysis.margin, capMs);
}
