/**
 * A run against one or more baseline runs: the logic behind `ipcns-bench
 * compare`, pure, on documents already read and upgraded to version 2.
 *
 * Per scenario matched by id, for one metric, the ratio current / base is
 * the ratio of trimmed geometric means of the per-round values, with an
 * interval at 1 - alpha / m (Bonferroni over the m compared scenarios), and a
 * four-way verdict with the threshold as the practical margin:
 * - unchanged: the interval lies inside 1/(1 + T) .. 1 + T;
 * - regressed / improved: the interval excludes 1 on the worse / better
 *   side, and the ratio itself lies beyond the threshold: a gate fails on a
 *   change larger than T, not on a real shift smaller than it;
 * - inconclusive: anything else (the run cannot tell whether the change is
 *   within the threshold).
 *
 * Runs are not interleaved: a whole run can be shifted (another runner, a
 * busy host), and the rounds of one run do not see it. With one baseline the
 * interval holds the within-run noise only (Yuen's two-sample interval), and
 * the threshold must cover run-to-run shifts. With several baselines the
 * spread between their estimates, beyond what their own intervals explain,
 * is the between-run variance; it is pooled over scenarios (a property of
 * the runner) and added to the current run's and the baselines' own.
 */
import { trimmedDifference, trimmedInterval, logs } from './trimmed.js';
import { logBand, verdictOf } from './verdict.js';
import { studentTQuantile } from './student-t.js';

export * from './baseline-shape.js';
import type {
  CompareOptions,
  CompareResult,
  CompareRow,
  DocumentSummary,
  MetricInfo,
  NotCompared,
  RunFigures,
  RunVerdict,
  ScenarioFigures,
} from './baseline-shape.js';
import { COMPARE_ALPHA, METRIC_INFO, RUN_NOISE_DF } from './baseline-shape.js';

function summary(doc: RunFigures, path: string): DocumentSummary {
  const label = (doc.env as { label?: unknown }).label;
  return {
    path,
    startedAt: doc.startedAt,
    kernel: doc.env.kernel,
    cpuModel: doc.env.cpuModel,
    version: doc.tool.version,
    suite: doc.command.suite,
    complete: doc.complete,
    ...(typeof label === 'string' ? { label } : {}),
  };
}

const keyWithoutPlacement = (s: ScenarioFigures): string => JSON.stringify([s.workload, s.params, s.mode, s.workers, s.sysctls]);

function environmentWarnings(base: RunFigures, current: RunFigures, name: string): string[] {
  const w: string[] = [];
  const b = base.env;
  const c = current.env;
  const differ = (what: string, x: string, y: string): void => {
    if (x !== y) w.push(`${what} differs: ${name} ${x}, current ${y}`);
  };
  differ('kernel', b.kernel, c.kernel);
  differ('CPU model', b.cpuModel, c.cpuModel);
  differ('tool version', base.tool.version, current.tool.version);
  if (b.cpuCount !== c.cpuCount || b.usableCpus.join(',') !== c.usableCpus.join(',')) {
    w.push(
      `CPUs differ, so placement pins processes differently: ${name} ${b.cpuCount} CPUs (usable ${b.usableCpus.join(',')}), current ${c.cpuCount} CPUs (usable ${c.usableCpus.join(',')})`,
    );
  }
  differ('namespace route', b.route, c.route);
  differ('clocksource', b.clocksource, c.clocksource);
  if (!base.complete) w.push(`the ${name} run did not complete: it holds only what was measured before it stopped`);
  return w;
}

/** Per-round log values of the metric, or undefined when the scenario holds fewer than 2. */
function roundLogs(info: MetricInfo, s: ScenarioFigures): number[] | undefined {
  const raw = info.rounds(s);
  if (!raw) return undefined;
  const l = logs(raw);
  return l.length >= 2 ? l : undefined;
}

/**
 * Between-run variance of the trimmed mean log figure, pooled over the
 * scenarios that at least two baselines hold: the spread of the baselines'
 * estimates, less the part their own standard errors explain. Null with
 * fewer than two baselines.
 *
 * Its degrees of freedom are those of the runs, not of the scenarios: a
 * runner's shift (a busy neighbour, the clock of the moment) moves every
 * scenario of a run together, so k baselines hold k - 1 independent
 * differences however many scenarios they share. Pooling over scenarios
 * steadies the scenario-specific part of the spread, not the shared one.
 */
export function betweenRunVariance(perScenario: readonly (readonly number[][])[]): { tau2: number; df: number } | null {
  let sum = 0;
  let runs = 0;
  let scenarios = 0;
  for (const perRun of perScenario) {
    const ivs = perRun.map((r) => trimmedInterval(r, 0.05));
    const est = ivs.map((iv) => iv.estimate).filter(Number.isFinite);
    if (est.length < 2) continue;
    const m = est.reduce((a, x) => a + x, 0) / est.length;
    const spread = est.reduce((a, x) => a + (x - m) ** 2, 0) / (est.length - 1);
    const within = ivs.reduce((a, iv) => a + (Number.isFinite(iv.se) ? iv.se ** 2 : 0), 0) / ivs.length;
    sum += Math.max(0, spread - within);
    runs = Math.max(runs, est.length);
    scenarios++;
  }
  return scenarios > 0 ? { tau2: sum / scenarios, df: runs - 1 } : null;
}

/**
 * Compares `current` against the baselines on one metric. Scenarios are
 * matched by id; those on one side only are listed, never dropped silently.
 */
export function compareRuns(bases: readonly RunFigures[], current: RunFigures, o: CompareOptions): CompareResult {
  const info = METRIC_INFO[o.metric];
  const alpha = o.alpha ?? COMPARE_ALPHA;
  const currentById = new Map(current.scenarios.map((s) => [s.id, s]));
  const baseIds = new Set(bases.flatMap((d) => d.scenarios.map((s) => s.id)));
  const matched = [...baseIds].filter((id) => currentById.has(id));
  const onlyInBase = [...baseIds].filter((id) => !currentById.has(id));
  const onlyInCurrent = current.scenarios.filter((s) => !baseIds.has(s.id)).map((s) => s.id);
  const warnings = bases.flatMap((b, i) => environmentWarnings(b, current, bases.length > 1 ? `base ${i + 1}` : 'base'));
  if (!current.complete) warnings.push('the current run did not complete: it holds only what was measured before it stopped');
  for (const id of onlyInBase) {
    const s = bases.map((d) => d.scenarios.find((x) => x.id === id)).find(Boolean) as ScenarioFigures;
    const moved = current.scenarios.find((c) => !baseIds.has(c.id) && c.placement !== s.placement && keyWithoutPlacement(c) === keyWithoutPlacement(s));
    if (moved) warnings.push(`placement differs: ${id} ran with placement ${s.placement} in base, ${moved.placement} in current (${moved.id}); not compared`);
  }
  const uncontrolled = matched.filter((id) => currentById.get(id)?.placement === 'any').length;
  if (uncontrolled > 0)
    warnings.push(
      `${uncontrolled} compared scenario${uncontrolled === 1 ? ' has' : 's have'} placement any: uncontrolled, so a difference may be only where the scheduler put the processes`,
    );

  const notCompared: NotCompared[] = [];
  const broken: string[] = [];
  interface Pending {
    id: string;
    cur: number[] | undefined;
    base: number[][];
    bv: number;
    cv: number;
    rows: number;
    notes: string[];
    missing: boolean;
  }
  const pending: Pending[] = [];
  for (const id of matched) {
    const c = currentById.get(id) as ScenarioFigures;
    const bs = bases.map((d) => d.scenarios.find((x) => x.id === id)).filter((x): x is ScenarioFigures => x !== undefined);
    const done = bs.filter((b) => b.state === 'completed');
    if (c.state !== 'completed' || done.length === 0) {
      const why = [
        ...bs.filter((b) => b.state !== 'completed').map((b) => `${b.state} in base${b.failure ? `: ${b.failure.message}` : ''}`),
        ...(c.state !== 'completed' ? [`${c.state} in current${c.failure ? `: ${c.failure.message}` : ''}`] : []),
      ];
      notCompared.push({ id, reason: [...new Set(why)].join('; ') });
      if (done.length > 0) broken.push(id);
      continue;
    }
    const cv = info.value(c);
    const bvs = done.map((b) => info.value(b)).filter((v): v is number => v !== undefined);
    if (cv === undefined || bvs.length === 0) {
      notCompared.push({ id, reason: `no ${info.label} in ${cv === undefined ? 'current' : 'base'}` });
      continue;
    }
    const notes: string[] = [];
    if (c.oversubscribed || done.some((b) => b.oversubscribed)) notes.push('oversubscribed: more workers than CPUs');
    const baseRounds = done.map((b) => roundLogs(info, b)).filter((r): r is number[] => r !== undefined);
    const missing = info.rounds(c) === undefined || done.every((b) => info.rounds(b) === undefined);
    pending.push({ id, cur: roundLogs(info, c), base: baseRounds, bv: bvs.reduce((a, x) => a + x, 0) / bvs.length, cv, rows: done.length, notes, missing });
  }

  // A given run noise was measured from a series of runs: it carries that series' degrees of freedom.
  const between =
    o.runNoise !== undefined && o.runNoise > 0
      ? { tau2: Math.log1p(o.runNoise) ** 2, df: o.runNoiseDf ?? RUN_NOISE_DF }
      : bases.length >= 2
        ? betweenRunVariance(pending.map((p) => p.base))
        : null;
  const tested = pending.filter((p) => p.cur && p.base.length > 0).length;
  const aEach = alpha / Math.max(1, tested);
  const floor = info.negligibleBelow;
  const rows: CompareRow[] = pending.map((p) => {
    const row: CompareRow = {
      id: p.id,
      ratio: p.bv > 0 ? p.cv / p.bv : p.cv === p.bv ? 1 : null,
      ci: null,
      verdict: 'inconclusive',
      base: p.bv,
      current: p.cv,
      rounds: { base: p.base.reduce((a, r) => a + r.length, 0), current: p.cur?.length ?? 0 },
      baselines: p.rows,
      notes: p.notes,
    };
    // Below the floor on both sides the metric says nothing (a few context switches in a million ops).
    if (floor !== undefined && p.bv < floor && p.cv < floor) {
      row.verdict = 'unchanged';
      row.notes.push(`negligible: below ${floor} ${info.unit} on both sides`);
      return row;
    }
    if (!p.cur || p.base.length === 0) {
      // From below the floor to above it (0 switches per op, where logs give no ratio) is a change all the same.
      if (floor !== undefined && (p.bv < floor || p.cv < floor)) {
        const worse = info.biggerIsBetter ? p.cv < p.bv : p.cv > p.bv;
        row.verdict = worse ? 'regressed' : 'improved';
        row.notes.push(`from ${p.bv < floor ? 'negligible' : p.bv.toPrecision(3)} to ${p.cv < floor ? 'negligible' : p.cv.toPrecision(3)} ${info.unit}`);
        return row;
      }
      row.notes.push(
        p.missing
          ? `no interval: ${info.field} is not in both documents (one value per run)`
          : `no interval: ${info.field} holds fewer than two positive values on a side`,
      );
      return row;
    }
    const iv = intervalAgainst(p.cur, p.base, between, aEach);
    row.ratio = Math.exp(iv.estimate);
    row.base = Math.exp(iv.baseLog);
    row.current = Math.exp(iv.currentLog);
    row.ci = [Math.exp(iv.lo), Math.exp(iv.hi)];
    row.verdict = runVerdict(iv.estimate, iv.lo, iv.hi, o.threshold, info.biggerIsBetter);
    return row;
  });
  const count = (v: RunVerdict): number => rows.filter((r) => r.verdict === v).length;
  const ciLevel = 1 - aEach;
  return {
    schemaVersion: 2,
    kind: 'ipcns-bench-compare',
    metric: o.metric,
    unit: info.unit,
    biggerIsBetter: info.biggerIsBetter,
    threshold: o.threshold,
    alpha,
    ciLevel,
    method: methodText(info, ciLevel, tested, bases.length, between, o.threshold),
    bases: bases.map((b, i) => summary(b, o.basePaths[i] ?? `base ${i + 1}`)),
    current: summary(current, o.currentPath),
    betweenRun: between ? { noise: Math.expm1(Math.sqrt(between.tau2)), df: between.df } : null,
    warnings,
    rows,
    onlyInBase,
    onlyInCurrent,
    notCompared,
    broken,
    regressed: count('regressed'),
    improved: count('improved'),
    unchanged: count('unchanged'),
    inconclusive: count('inconclusive'),
  };
}

/** The verdict of current against base from ln(ratio) and its interval (see the module comment). */
export function runVerdict(est: number, lo: number, hi: number, threshold: number, biggerIsBetter: boolean): RunVerdict {
  const v = verdictOf(lo, hi, threshold, biggerIsBetter);
  if (v === 'equivalent') return 'unchanged';
  if (v === 'inconclusive' || Math.abs(est) <= logBand(threshold)) return 'inconclusive';
  return v === 'faster' ? 'improved' : 'regressed';
}

/**
 * The interval of ln(current / base). Without a between-run variance (one
 * baseline): Yuen's two-sample interval. With one: the current trimmed mean
 * against the mean of the baselines' trimmed means, the between-run variance
 * added to both sides; Satterthwaite's degrees of freedom from the three
 * parts of the variance, each with its own: the current run's rounds, the
 * between-run variance (the runs it came from), the baselines' rounds.
 */
function intervalAgainst(
  cur: number[],
  base: number[][],
  between: { tau2: number; df: number } | null,
  alpha: number,
): {
  estimate: number;
  lo: number;
  hi: number;
  baseLog: number;
  currentLog: number;
} {
  const c = trimmedInterval(cur, 0.05);
  if (!between) {
    const pooled = base.length === 1 ? (base[0] as number[]) : base.flat();
    const d = trimmedDifference(cur, pooled, alpha);
    return { estimate: d.estimate, lo: d.lo, hi: d.hi, baseLog: trimmedInterval(pooled, 0.05).estimate, currentLog: c.estimate };
  }
  // The between-run variance is the runner's: it applies to every scenario, also one that a single baseline holds.
  const ivs = base.map((r) => trimmedInterval(r, 0.05));
  const k = ivs.length;
  const baseLog = ivs.reduce((a, iv) => a + iv.estimate, 0) / k;
  const withinBase = ivs.reduce((a, iv) => a + iv.se ** 2, 0) / (k * k);
  const withinBaseDf = ivs.reduce((a, iv) => a + iv.df, 0);
  // The current run's own shift and the mean of the baselines' shifts.
  const shifts = between.tau2 * (1 + 1 / k);
  const v = c.se ** 2 + shifts + withinBase;
  const part = (x: number, df: number): number => (x > 0 ? (x * x) / df : 0);
  const df = (v * v) / (part(c.se ** 2, c.df) + part(shifts, between.df) + part(withinBase, withinBaseDf));
  const q = studentTQuantile(1 - alpha / 2, Number.isFinite(df) && df > 0 ? df : 1);
  const estimate = c.estimate - baseLog;
  const half = q * Math.sqrt(v);
  return { estimate, lo: estimate - half, hi: estimate + half, baseLog, currentLog: c.estimate };
}

function methodText(info: MetricInfo, ciLevel: number, tested: number, bases: number, between: { tau2: number; df: number } | null, threshold: number): string {
  const dir = info.biggerIsBetter ? 'bigger is better' : 'smaller is better';
  const level = `${Number((ciLevel * 100).toPrecision(5))} %`;
  const spread =
    bases >= 2 && between
      ? `the spread between the ${bases} baselines (between-run noise, pooled over scenarios, ${between.df} degrees of freedom: one fewer than the runs, as a run's shift is shared by its scenarios) is added to the within-run noise`
      : 'one baseline: the interval holds the within-run noise only, so --threshold must cover the shifts between runs on this runner';
  return (
    `${info.label} (${info.unit}, ${dir}); ratio = current / base of the 25 % trimmed geometric means of per-round values (${info.field}); ` +
    `interval at ${level} (Bonferroni over ${tested} scenario${tested === 1 ? '' : 's'}); ${spread}; ` +
    `unchanged: the interval lies within ±${Number((threshold * 100).toPrecision(6))} % (--threshold); regressed or improved: it excludes 1 and the ratio lies beyond the threshold; otherwise inconclusive`
  );
}

/**
 * What makes a run that run, whatever has been done to its document since:
 * when it started, on which machine, and what it measured (each scenario's
 * per-round throughput, by id). Equal for a copy with its keys sorted, with
 * fields added or a label changed, with its scenarios in another order, or
 * converted to version 1 and read back; two separate runs never share it.
 * Values are taken to 12 significant digits, so a copy whose numbers were
 * written with fewer digits than a double holds is the same run still.
 */
export function runIdentity(doc: RunFigures): string {
  const value = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(12)));
  const scenarios = doc.scenarios
    .map((s) => [s.id, s.throughput ? s.throughput.rounds.map(value) : null] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const started = Date.parse(doc.startedAt);
  return JSON.stringify([Number.isNaN(started) ? doc.startedAt : started, doc.env.kernel, doc.env.cpuModel, doc.env.cpuCount, scenarios]);
}
