/** `ipcns-bench run`: plan, preflight, measure, write the document after every group, print tables. */
import { constants, hostname } from 'node:os';
import { join } from 'node:path';
import {
  parse,
  parseCommit,
  parseLabel,
  parseRef,
  parseModes,
  parsePlacements,
  parseParamList,
  parsePercent,
  parseWorkers,
  parseWorkloads,
  parseDuration,
} from '../plan/flags.js';
import { monotonicNs } from '../common/clock.js';
import { PARAMS } from '../plan/workloads.js';
import { addResults, DocumentWriter, inPlanOrder, newDocument, placeholderLimits, resultsDir } from '../document/writer.js';
import { refuseInputAsOutput, refuseSameTarget, resolveTarget, writeTarget } from '../common/files.js';
import { renderReport } from '../report/html.js';
import { defaultRoute, machine } from '../measure/env.js';
import { failure, UsageError } from '../common/errors.js';
import { PoolExecutor, type Executor } from '../measure/executor.js';
import { capacityProblem, preflightProblem, unsupportedOnRoute, type TargetLimits } from '../measure/preflight.js';
import { namespaceUsage } from '../measure/sysvipc.js';
import { closeJournal, openJournal, JournalError, type Journal } from '../measure/journal.js';
import { resourceProblem } from '../common/resources.js';
import { renderRunMarkdown } from '../report/markdown.js';
import { appendStepSummary, jsonText, parseFormat, type OutputFormat } from './io.js';
import { Progress, useColor } from '../report/progress.js';
import { renderDocument } from '../report/table.js';
import { skipLine } from '../report/rows.js';
import type { ResultDocument } from '../document/result.js';
import { comparisonsOf, groupByComparison } from '../measure/scheduler.js';
import { GroupRunner } from '../document/group.js';
import { applyOverrides, checkSysctl, expand, LIMITS, loadSuite, SUITES_DIR, type Overrides } from '../plan/suite.js';
import { methodText } from '../analyze/modes.js';
import { ALPHA_RUN, METRICS } from '../analyze/verdict.js';
import { TRIM } from '../analyze/trimmed.js';
import { medianOf } from '../analyze/robust.js';
import type { Failure, NamespaceLimits, Route, Scenario } from '../common/types.js';

export const RUN_OPTIONS = {
  suite: { type: 'string' },
  workload: { type: 'string' },
  mode: { type: 'string' },
  workers: { type: 'string' },
  // One flag per workload parameter, from the descriptors: --size, --kind, --objects.
  ...(Object.fromEntries(PARAMS.map((p) => [p.name, { type: 'string' }])) as Record<string, { type: 'string' }>),
  placement: { type: 'string' },
  time: { type: 'string' },
  margin: { type: 'string' },
  'interleave-groups': { type: 'boolean' },
  sysctl: { type: 'string', multiple: true },
  label: { type: 'string' },
  commit: { type: 'string' },
  ref: { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  format: { type: 'string' },
  summary: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const RUN_HELP = `ipcns-bench run [flags]
  --suite NAME|PATH      suite to run (default: default; see bench/)
  --workload a,b         only these workloads (ipcns-bench list shows them)
  --mode host,shared,isolated
  --workers 1,2 | 1-4    concurrent workers (process groups)
  --size 64,1024         bytes per message or buffer
  --kind msg,sem,shm     object kind (ipc.churn)
  --objects 64           queues per worker (ipc.lookup)
  --placement any,same-cpu,split
  --time T               cap per group: measured window time (all its modes together), e.g. 3s,
                         500ms (a bare number is ms); a group stops earlier once decided
  --margin P%            practical margin of the verdicts (default: the suite's, 5%):
                         ratios within it are "equivalent"
  --interleave-groups    a round of each group in turn, so that every group samples over
                         the whole run (the suite's budget.interleaveGroups); each group
                         still stops on its own
  --sysctl NAME=VALUE    written inside every fresh namespace (repeatable)
  --label NAME           the machine's name in a fleet (ipcns-bench merge; default: the host name)
  --commit SHA           the commit this run measures, recorded for ipcns-bench history
                         (default: $GITHUB_SHA when set)
  --ref NAME             the branch or tag this run measures (default: $GITHUB_REF_NAME when set)
  --json PATH            write the result document there (default: results/); - for stdout
                         (the tables then go to stderr); a FIFO or a device is written once, at the end
  --format F             what to print: table | markdown | json (default: table)
  --html PATH            also write the HTML report of the run there (ipcns-bench report)
  --summary              also append the markdown to $GITHUB_STEP_SUMMARY
  --quiet                print nothing but errors`;

export interface RunContext {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Replaced in tests by an inline executor over the mock core. */
  executor?: (threads: number) => Executor;
  signal: AbortSignal;
  /** Called once the run is marked complete: a signal after that no longer makes it interrupted. */
  onComplete?: () => void;
  /** Aborted by a signal after the run is complete: stops writing to a FIFO or a terminal whose reader holds it up. */
  outputSignal?: AbortSignal;
  /** Where GITHUB_SHA and GITHUB_REF_NAME are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

interface RunArgs {
  suite: string;
  overrides: Overrides;
  label: string;
  commit?: string;
  ref?: string;
  json?: string;
  html?: string;
  format: OutputFormat;
  summary: boolean;
  quiet: boolean;
  help: boolean;
}

/** The run's arguments; `env` supplies the commit and ref a CI job sets (GITHUB_SHA, GITHUB_REF_NAME) when no flag gives them. */
export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv = {}): RunArgs {
  const { values: v } = parse('run', argv, RUN_OPTIONS);
  const overrides: Overrides = {};
  if (v.workload !== undefined) overrides.workload = parseWorkloads(v.workload);
  if (v.mode !== undefined) overrides.mode = parseModes(v.mode);
  if (v.workers !== undefined) overrides.workers = parseWorkers(v.workers);
  for (const p of PARAMS) {
    const text = (v as Record<string, unknown>)[p.name];
    if (typeof text === 'string') overrides.params = { ...overrides.params, [p.name]: parseParamList(p, text) };
  }
  if (v.placement !== undefined) overrides.placement = parsePlacements(v.placement);
  if (v.time !== undefined) overrides.capMs = parseDuration('--time', v.time, 1, LIMITS.maxTimeMs, 'the measured time per group');
  if (v.margin !== undefined) overrides.margin = parsePercent('--margin', v.margin, 0.1, 50);
  if (v['interleave-groups'] === true) overrides.interleaveGroups = true;
  if (v.sysctl !== undefined) overrides.sysctls = Object.fromEntries(v.sysctl.map((s) => checkSysctl('--sysctl', s)));
  const out: RunArgs = {
    suite: v.suite ?? 'default',
    overrides,
    label: v.label !== undefined ? parseLabel('--label', v.label) : parseLabel('--label', hostname(), ' (the host name, the default)'),
    quiet: v.quiet ?? false,
    help: v.help ?? false,
    format: v.format !== undefined ? parseFormat(v.format) : 'table',
    summary: v.summary ?? false,
  };
  const sha = env['GITHUB_SHA'];
  const refName = env['GITHUB_REF_NAME'];
  if (v.commit !== undefined) out.commit = parseCommit('--commit', v.commit);
  else if (sha) out.commit = parseCommit('--commit', sha, ' (from GITHUB_SHA; give --commit to override it)');
  if (v.ref !== undefined) out.ref = parseRef('--ref', v.ref);
  else if (refName) out.ref = parseRef('--ref', refName, ' (from GITHUB_REF_NAME; give --ref to override it)');
  if (v.json !== undefined) {
    if (v.json.trim() === '') throw new UsageError('--json: give a file path, e.g. --json results/run.json, or - for stdout');
    out.json = v.json;
  }
  if (v.html !== undefined) {
    if (v.html.trim() === '' || v.html === '-') throw new UsageError('--html: give a file path for the report, e.g. --html report.html');
    out.html = v.html;
  }
  return out;
}

/** Runs the command; returns the exit code. */
export async function runCommand(argv: string[], ctx: RunContext): Promise<number> {
  const args = parseRunArgs(argv, ctx.env ?? process.env);
  if (args.help) {
    ctx.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const suite = applyOverrides(loadSuite(args.suite), args.overrides);
  const scenarios = expand(suite, `--suite ${args.suite}`);
  if (scenarios.length === 0) throw new UsageError(`--suite ${args.suite}: no scenario is left after the filters; check --workload`);

  const m = machine();
  const route: Route = defaultRoute();
  const threads = Math.max(...scenarios.map((s) => s.workers));
  const resources = resourceProblem(threads);
  if (resources) throw new UsageError(resources);
  const startedAt = new Date();
  const target = resolveTarget(args.json, resultsDir(), startedAt);
  // Checked now, not after minutes of measuring: the report's path must take a file, and not the document's or the suite's.
  const htmlTarget = args.html !== undefined ? resolveTarget(args.html, resultsDir(), startedAt, '--html') : undefined;
  const suiteFiles = [args.suite, join(SUITES_DIR, `${args.suite}.json`)];
  refuseInputAsOutput(target, '--json', args.json ?? 'results/', suiteFiles);
  if (htmlTarget && args.html !== undefined) {
    refuseInputAsOutput(htmlTarget, '--html', args.html, suiteFiles);
    refuseSameTarget(target, '--json', htmlTarget, '--html', args.html);
  }
  // With the document on stdout, what a person reads goes to stderr.
  const out = target.kind === 'stdout' ? ctx.stderr : ctx.stdout;
  const writer = new DocumentWriter(target, ctx.stdout, ctx.stderr);
  // At once, so that whatever stood at the path before (a complete document of an earlier run) is not taken for this run's.
  /** The run's document for these limits and this plan: `comparisons` of each metric, counted before anything runs, made by `method`. */
  const documentFor = (limits: { host: NamespaceLimits; fresh: NamespaceLimits }, comparisons: number, method: string): ResultDocument =>
    newDocument(
      {
        label: args.label,
        ...(args.commit !== undefined ? { commit: args.commit } : {}),
        ...(args.ref !== undefined ? { ref: args.ref } : {}),
        ...m,
        timerNs: 0,
        route,
        limits,
      },
      { suite: suite.name, argv },
      startedAt,
      {
        method,
        alphaRun: ALPHA_RUN,
        margin: suite.budget.margin,
        trim: TRIM,
        comparisons: perMetric(comparisons),
      },
    );
  writer.checkpoint(documentFor({ host: placeholderLimits(), fresh: placeholderLimits() }, 0, 'not yet planned'));

  const executor = ctx.executor ? ctx.executor(threads) : new PoolExecutor(threads);
  const progress = new Progress(ctx.stderr, args.quiet);
  let journal: Journal | undefined;
  try {
    // Host-mode objects are journaled, so that `clean` can remove them if this process is killed; never without.
    if (scenarios.some((s) => s.mode === 'host')) {
      try {
        journal = await openJournal(startedAt, (fd) => executor.flock(fd, 'try'));
      } catch (e) {
        if (e instanceof JournalError) throw new UsageError(e.message);
        throw e;
      }
    }
    // Limits of every namespace the run will use, read before anything is measured.
    const hostOutcome = await executor.limits(false, route, {});
    if (!hostOutcome.ok) throw new Error(hostOutcome.failure.message);
    const host = hostOutcome.value;
    const fresh = new Map<string, { ok: true; value: NamespaceLimits } | { ok: false; failure: Failure }>();
    for (const s of scenarios) {
      const key = JSON.stringify(s.sysctls);
      if (s.mode !== 'host' && !fresh.has(key)) fresh.set(key, await executor.limits(true, route, s.sysctls));
    }
    /** The limits a scenario runs under; a failure when the fresh namespace it needs cannot be made. */
    const limitsOf = (s: Pick<Scenario, 'mode' | 'sysctls'>): TargetLimits | Failure => {
      const f = s.mode === 'host' ? undefined : fresh.get(JSON.stringify(s.sysctls));
      if (!f) return { host, fresh: host };
      return f.ok ? { host, fresh: f.value } : f.failure;
    };

    // Preflight: a size or placement that cannot work is the user's to fix, before anything is forked;
    // workers that together overfill their namespace's limits are skipped, with the fix.
    const hostUsage = namespaceUsage();
    const unavailable = new Map<string, Failure>();
    for (const s of scenarios) {
      const unsupported = unsupportedOnRoute(s, route);
      if (unsupported) {
        unavailable.set(s.id, unsupported);
        continue;
      }
      const l = limitsOf(s);
      if ('errno' in l) {
        unavailable.set(s.id, l);
        continue;
      }
      const problem = preflightProblem(s, l, m.usableCpus);
      if (problem) throw new UsageError(`${s.id}: ${problem}`);
      const full = capacityProblem(s, l, hostUsage);
      if (full) unavailable.set(s.id, full);
    }
    // A --sysctl the kernel refused inside the fresh namespace is the user's input to fix.
    for (const f of fresh.values()) {
      if (!f.ok && f.failure.call.includes('.') && !f.failure.call.startsWith('clone')) throw new UsageError(`--sysctl: ${f.failure.message}`);
    }
    if (unavailable.size === scenarios.length) {
      const first = unavailable.values().next().value as Failure;
      throw new Error(`no scenario can run: ${first.message}`);
    }
    if (unavailable.size > 0 && !args.quiet) {
      for (const [id, f] of unavailable) ctx.stderr.write(`${skipLine(id, f)}\n`);
    }

    const groups = groupByComparison(scenarios);
    // The run's comparisons per metric, counted before anything runs: each interval's level is set for all of them.
    const comparisons = groups.reduce((a, g) => a + comparisonsOf(g.filter((s) => !unavailable.has(s.id))), 0);
    const plan = { alphaRun: ALPHA_RUN, comparisons: perMetric(comparisons) };
    const doc = documentFor({ host, fresh: [...fresh.values()].find((f) => f.ok)?.value ?? host }, comparisons, methodText(comparisons));
    writer.checkpoint(doc);

    const timer: number[] = [];
    const scheduler = new GroupRunner(
      {
        executor,
        cpus: m.usableCpus,
        route,
        // Only scenarios whose limits could be read are run.
        limits: (sysctls) => {
          const l = limitsOf({ mode: 'shared', sysctls });
          return Promise.resolve('errno' in l ? { host, fresh: host } : l);
        },
        nowNs: monotonicNs,
        wallMs: () => performance.now(),
        random: Math.random,
        onEvent: (e) => {
          progress.event(e);
          if (e.type === 'window' && timer.length < 64) timer.push(e.timerNs);
        },
        signal: ctx.signal,
        journalFd: journal?.fd ?? -1,
        plan,
      },
      suite.budget,
    );

    // From here on the run measures: its document stays, whatever happens.
    writer.committed();
    const skippedOf = (group: readonly Scenario[]) =>
      group.filter((s) => unavailable.has(s.id)).map((s) => skipped(s, unavailable.get(s.id) as Failure, m.usableCpus.length));
    // Groups with nothing to run are done at once; the others as each stops (in turn, or in the order they finish when interleaved).
    for (const group of groups) if (group.every((s) => unavailable.has(s.id))) addResults(doc, skippedOf(group), [], undefined, suite.budget.capMs);
    const runnable = groups.map((g) => g.filter((s) => !unavailable.has(s.id))).filter((g) => g.length > 0);
    // The document lists each group's scenarios together, in the order the groups were planned, whatever order they stop in.
    const order = groups.flatMap((g) => [...g.filter((s) => !unavailable.has(s.id)), ...g.filter((s) => unavailable.has(s.id))]).map((s) => s.id);
    await scheduler.runGroups(runnable, (i, outcome) => {
      const group = groups.find((g) => g.some((s) => s.id === runnable[i]?.[0]?.id)) ?? [];
      if (!outcome) {
        const why = failure(constants.errno.EINTR, 'interrupted', 'interrupted before it ran');
        addResults(doc, [...(runnable[i] ?? []).map((s) => skipped(s, why, m.usableCpus.length)), ...skippedOf(group)], [], undefined, suite.budget.capMs);
      } else addResults(doc, [...outcome.results, ...skippedOf(group)], outcome.comparisons, outcome.summary, suite.budget.capMs);
      inPlanOrder(doc, order);
      doc.env.timerNs = timer.length > 0 ? medianOf(timer) : 0;
      writer.checkpoint(doc);
    });
    progress.done();
    doc.finishedAt = new Date().toISOString();
    // Measured processes stopped by a termination signal mean the run is being stopped, even
    // when the tool's own signal has not been handled yet: the run is interrupted, not complete.
    const stoppedFromOutside = scheduler.terminated && !ctx.signal.aborted;
    doc.complete = !ctx.signal.aborted && !scheduler.terminated;
    // Decided here, synchronously: a signal from now on no longer makes this run interrupted.
    if (doc.complete) ctx.onComplete?.();
    let written = true;
    try {
      await writer.final(doc, ctx.outputSignal);
    } catch (e) {
      written = false;
      ctx.stderr.write(`ipcns-bench: ${(e as Error).message}\n`);
    }
    if (!args.quiet) {
      if (args.format === 'json') out.write(jsonText(doc));
      else if (args.format === 'markdown') out.write(`${renderRunMarkdown(doc)}\n`);
      else
        out.write(
          `${renderDocument(doc, { color: useColor(out as NodeJS.WriteStream) })}\n\nResult document: ${written ? writer.describe() : 'not written (see above)'}\n`,
        );
      // The tables say where the document went; the other formats print only themselves, so it is said on stderr.
      if (args.format !== 'table' && written && target.kind !== 'stdout') ctx.stderr.write(`Result document: ${writer.describe()}\n`);
    }
    let reported = true;
    if (htmlTarget) {
      try {
        await writeTarget(htmlTarget, renderReport(doc), ctx.stdout, ctx.outputSignal);
        if (!args.quiet) ctx.stderr.write(`Report: ${htmlTarget.kind === 'stdout' ? 'stdout' : htmlTarget.path}\n`);
      } catch (e) {
        reported = false;
        ctx.stderr.write(`ipcns-bench: the report: ${(e as Error).message}\n`);
      }
    }
    if (args.summary) appendStepSummary(renderRunMarkdown(doc), { stdout: ctx.stdout, stderr: ctx.stderr, env: process.env });
    // Errored scenarios are findings in the document; a run that measured nothing at all, or lost its document, has failed.
    if (!written || !reported) return 1;
    if (stoppedFromOutside) {
      ctx.stderr.write('ipcns-bench: the measured processes were stopped by a termination signal; the run is incomplete\n');
      return 143;
    }
    return ctx.signal.aborted || doc.scenarios.some((s) => s.state === 'completed') ? 0 : 1;
  } catch (e) {
    // Refused before it measured anything (bad input found in preflight): the last run's document is put back.
    writer.restore();
    throw e;
  } finally {
    progress.done();
    await executor.close();
    if (journal) closeJournal(journal);
  }
}

/** The same count for every metric: each metric's intervals share their level over all of the run's comparisons. */
function perMetric(n: number): Record<(typeof METRICS)[number], number> {
  return Object.fromEntries(METRICS.map((metric) => [metric, n])) as Record<(typeof METRICS)[number], number>;
}

function skipped(s: Scenario, why: Failure, cpuCount: number): ResultDocument['scenarios'][number] {
  return { ...s, state: 'skipped', oversubscribed: s.workers > cpuCount, failure: why };
}
