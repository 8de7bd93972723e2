/**
 * Builds the result document and writes it after every scenario group, so a
 * run that is interrupted keeps what it measured (complete: false).
 */
import { lstatSync, readFileSync, unlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { replaceFile, type Target, writeTarget } from '../common/files.js';
import { packageVersion } from '../common/paths.js';
import { type LimitField, NAMESPACE_LIMITS, type NamespaceLimits } from '../common/types.js';
import { noiseFigure } from '../analyze/noise.js';
import { calibrate } from './calibration.js';
import { MAX_DOCUMENT_BYTES } from './parse.js';
import { SCHEMA_VERSION, type Analysis, type Comparison, type EnvInfo, type GroupSummary, type ResultDocument, type ScenarioResult } from './result.js';

/** Where a run's document goes without --json: results/ in the folder the tool was started in. */
export const resultsDir = (): string => join(process.cwd(), 'results');

/** Limits not read yet (the first document of a run, written before the namespaces are probed). */
export function placeholderLimits(): NamespaceLimits {
  return { nsInode: 0, ...(Object.fromEntries(NAMESPACE_LIMITS.map((l) => [l.field, -1])) as Record<LimitField, number>) };
}

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

/** The document as written: non-finite numbers (a round without a figure) as null. */
export function documentText(doc: ResultDocument): string {
  return `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** A regular file's bytes (no more than a document may have); null when there is none; 'unknown' when it cannot be kept. */
function currentContent(path: string): Buffer | null | 'unknown' {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return null;
  }
  try {
    return st.isFile() && st.size <= MAX_DOCUMENT_BYTES ? readFileSync(path) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Writes a run's document to its target (common/files.ts): a file is
 * rewritten atomically after every group, so that an interrupted run keeps
 * what it measured; stdout, a FIFO or a device get the final document once.
 * A checkpoint that cannot be written (a full disk) is said once on stderr and
 * the run goes on, the last good version kept; the final write throws.
 */
export class DocumentWriter {
  private warned = false;
  /** What each file held before this run wrote to it (null: nothing), until the run is under way. */
  private previous: Map<string, Buffer | null | 'unknown'> | undefined = new Map();

  constructor(
    readonly target: Target,
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  /**
   * Puts back what the run's first writes replaced: a run refused before it
   * measured anything (bad input found in preflight) leaves the last run's
   * document as it was. Best effort: a failure here changes no exit code.
   */
  restore(): void {
    for (const [path, before] of this.previous ?? []) {
      try {
        if (before === null) unlinkSync(path);
        else if (before !== 'unknown') replaceFile(path, before.toString('utf8'));
      } catch {
        // the placeholder stays: it says complete: false
      }
    }
    this.previous = undefined;
  }

  /** The run is measuring: from now on its document stays, whatever happens. */
  committed(): void {
    this.previous = undefined;
  }

  checkpoint(doc: ResultDocument): void {
    if (this.target.kind !== 'file') return;
    try {
      this.writeFile(this.target.path, this.target.latest, doc);
    } catch (e) {
      if (!this.warned) this.stderr.write(`ipcns-bench: ${(e as Error).message}; the run goes on\n`);
      this.warned = true;
    }
  }

  /** `signal` stops writing to a FIFO whose reader holds it up. */
  async final(doc: ResultDocument, signal?: AbortSignal): Promise<void> {
    const t = this.target;
    if (t.kind === 'file') this.writeFile(t.path, t.latest, doc);
    else await writeTarget(t, documentText(doc), this.stdout, signal);
  }

  /** Where the document is, for the last line of a run's output. */
  describe(): string {
    return this.target.kind === 'stdout' ? 'stdout' : this.target.path;
  }

  private writeFile(path: string, latest: string | undefined, doc: ResultDocument): void {
    const text = documentText(doc);
    if (this.previous) {
      for (const p of [path, latest]) if (p && !this.previous.has(p)) this.previous.set(p, currentContent(p));
    }
    const folder = this.target.kind === 'file' ? this.target.folder : undefined;
    replaceFile(path, text, folder);
    if (latest) replaceFile(latest, text, folder);
  }
}

/**
 * Adds a group's results, and updates the run's noise figure and its
 * calibrated figures (their scale is the whole run's). Verdicts need no
 * re-judging: each interval's level was set for the whole run's comparisons
 * before the first group ran.
 */
export function addResults(
  doc: ResultDocument,
  results: readonly ScenarioResult[],
  comparisons: readonly Comparison[],
  group: GroupSummary | undefined,
  capMs: number,
): void {
  doc.scenarios.push(...results);
  doc.comparisons.push(...comparisons);
  if (group) doc.groups.push(group);
  doc.noise = noiseFigure(doc.comparisons, doc.analysis.margin, capMs);
  calibrate(doc);
}

/**
 * Puts the document's scenarios in `order` (their ids), and its groups and
 * comparisons in the order of their scenarios: groups that take turns stop in
 * any order, and the document reads as planned. Stable: a group's own
 * comparisons keep their order.
 */
export function inPlanOrder(doc: ResultDocument, order: readonly string[]): void {
  const at = new Map(order.map((id, i) => [id, i]));
  const pos = (id: string): number => at.get(id) ?? order.length;
  doc.scenarios.sort((a, b) => pos(a.id) - pos(b.id));
  const groupPos = (g: GroupSummary): number => Math.min(...g.scenarios.map(pos));
  doc.groups.sort((a, b) => groupPos(a) - groupPos(b));
  const groupOf = new Map(doc.groups.flatMap((g) => g.scenarios.map((id) => [id, groupPos(g)] as const)));
  const comparisonPos = (c: Comparison): number => groupOf.get(c.scenarioA) ?? pos(c.scenarioA);
  doc.comparisons.sort((a, b) => comparisonPos(a) - comparisonPos(b));
}
