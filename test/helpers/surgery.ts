/**
 * Document surgery for the compare and fleet tests: what a user does to a
 * copy of a result document (a figure scaled, a scenario renamed or
 * removed), keeping the document valid: what names a scenario follows it.
 */
import type { ResultDocument, ScenarioResult } from '../../src/document/result.js';

export type Figure = 'throughput' | 'latency' | 'cpu' | 'cs';
const times =
  (f: number) =>
  (x: number | null): number | null =>
    x === null ? null : x * f;

/** Multiplies one figure of a scenario, its per-round values and everything derived from them, by f. */
export function scaleScenario(s: ScenarioResult, what: Figure, f: number): void {
  switch (what) {
    case 'throughput': {
      const t = s.throughput;
      if (!t) throw new Error(`${s.id} has no throughput`);
      t.rounds = t.rounds.map((x) => x * f);
      t.estimate *= f;
      t.ci = [t.ci[0] * f, t.ci[1] * f];
      t.mean *= f;
      t.median *= f;
      t.sd *= f;
      t.ci95 = [t.ci95[0] * f, t.ci95[1] * f];
      // A change to the workload moves its calibrated twin alike: the control it is over does not move.
      const c = t.calibrated;
      if (c) {
        c.rounds = c.rounds.map((x) => (x === null ? null : x * f));
        c.estimate *= f;
        c.ci = [c.ci[0] * f, c.ci[1] * f];
      }
      if (s.bytesPerSecond !== undefined) s.bytesPerSecond *= f;
      return;
    }
    case 'latency': {
      const l = s.latency;
      if (!l) throw new Error(`${s.id} has no latency`);
      l.p50 *= f;
      l.p90 *= f;
      l.p99 *= f;
      l.p999 *= f;
      l.max *= f;
      l.mean *= f;
      if (l.p50Rounds) l.p50Rounds = l.p50Rounds.map(times(f));
      if (l.p99Rounds) l.p99Rounds = l.p99Rounds.map(times(f));
      return;
    }
    case 'cpu':
      if (s.cpuNsPerOp === undefined || !s.cpuNsPerOpRounds) throw new Error(`${s.id} has no CPU time`);
      s.cpuNsPerOp *= f;
      s.cpuNsPerOpRounds = s.cpuNsPerOpRounds.map(times(f));
      return;
    case 'cs':
      if (s.ctxSwitchesPerOp === undefined || !s.ctxSwitchesPerOpRounds) throw new Error(`${s.id} has no context switches`);
      s.ctxSwitchesPerOp *= f;
      s.ctxSwitchesPerOpRounds = s.ctxSwitchesPerOpRounds.map(times(f));
      return;
  }
}

/** A copy of `doc` with figure `what` of the scenarios `ids` (or all of them) multiplied by f. */
export function scaled(doc: ResultDocument, ids: readonly string[] | 'all', what: Figure, f: number): ResultDocument {
  const copy = structuredClone(doc);
  for (const s of copy.scenarios) if (ids === 'all' || ids.includes(s.id)) scaleScenario(s, what, f);
  return copy;
}

export function scenarioOf(doc: ResultDocument, id: string): ScenarioResult {
  const s = doc.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
}

/** Renames a scenario in place, and the comparisons and groups that name it (they must name scenarios of the document). */
export function rename(doc: ResultDocument, from: string, to: string): ScenarioResult {
  const s = scenarioOf(doc, from);
  s.id = to;
  for (const c of doc.comparisons) {
    if (c.scenarioA === from) c.scenarioA = to;
    if (c.scenarioB === from) c.scenarioB = to;
  }
  for (const g of doc.groups) g.scenarios = g.scenarios.map((x) => (x === from ? to : x));
  return s;
}

/** A copy without scenario `id`, and without the comparisons and group entries that name it. */
export function without(doc: ResultDocument, id: string): ResultDocument {
  const copy = structuredClone(doc);
  copy.scenarios = copy.scenarios.filter((s) => s.id !== id);
  copy.comparisons = copy.comparisons.filter((c) => c.scenarioA !== id && c.scenarioB !== id);
  copy.groups = copy.groups.map((g) => ({ ...g, scenarios: g.scenarios.filter((x) => x !== id) })).filter((g) => g.scenarios.length > 0);
  return copy;
}

/**
 * A copy that counts as another run with the same figures: started (and
 * finished) `seconds` later. compare and report know a run by its start, its
 * machine and its per-round figures, so an edited copy of a run is still that
 * run; a test that edits a copy to stand for another run says so with this.
 */
export function anotherRun(doc: ResultDocument, seconds = 1): ResultDocument {
  const copy = structuredClone(doc);
  const later = (iso: string): string => new Date(Date.parse(iso) + seconds * 1000).toISOString();
  copy.startedAt = later(copy.startedAt);
  if (copy.finishedAt !== null) copy.finishedAt = later(copy.finishedAt);
  return copy;
}

/** A version 1 document (schema/result-v1.schema.json) holding the same measurements as `doc`. */
export function toV1(doc: ResultDocument): Record<string, unknown> {
  // Version 1 limits are integers, -1 = unreadable; it had no "unlimited" null.
  const limits = (l: object): Record<string, number> =>
    Object.fromEntries(Object.entries(l).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? v : -1]));
  const present = (xs: readonly (number | null)[] | undefined): number[] | undefined => xs?.filter((x): x is number => x !== null);
  const scenarios = doc.scenarios.map((s) => {
    const t = s.throughput;
    const l = s.latency;
    const p99 = present(l?.p99Rounds);
    const cpu = present(s.cpuNsPerOpRounds);
    const cs = present(s.ctxSwitchesPerOpRounds);
    return {
      id: s.id,
      workload: s.workload,
      params: s.params,
      mode: s.mode,
      workers: s.workers,
      placement: s.placement,
      sysctls: s.sysctls,
      state: s.state,
      oversubscribed: s.oversubscribed,
      ...(s.failure ? { failure: s.failure } : {}),
      ...(t
        ? { throughput: { unit: 'ops/s', mean: t.mean, median: t.median, sd: t.sd, rme: t.rme, ci95: t.ci95, samples: t.rounds.length, windows: t.rounds } }
        : {}),
      ...(l
        ? {
            latency: {
              unit: 'ns',
              p50: l.p50,
              p90: l.p90,
              p99: l.p99,
              p999: l.p999,
              max: l.max,
              mean: l.mean,
              count: l.count,
              sampleEvery: l.sampleEvery,
              ...(p99 ? { p99Windows: p99 } : {}),
            },
          }
        : {}),
      ...(s.cpuNsPerOp !== undefined ? { cpuNsPerOp: s.cpuNsPerOp } : {}),
      ...(s.ctxSwitchesPerOp !== undefined ? { ctxSwitchesPerOp: s.ctxSwitchesPerOp } : {}),
      ...(cpu ? { cpuNsPerOpWindows: cpu } : {}),
      ...(cs ? { ctxSwitchesPerOpWindows: cs } : {}),
      ...(s.rounds !== undefined ? { windows: s.rounds } : {}),
      ...(s.ops !== undefined ? { ops: s.ops } : {}),
    };
  });
  const comparisons = doc.comparisons
    .filter((c) => c.metric === 'throughput')
    .map((c) => ({
      a: c.a,
      b: c.b,
      scenarioA: c.scenarioA,
      scenarioB: c.scenarioB,
      ratio: c.ratio,
      ci95: [c.ci[0] ?? c.ratio, c.ci[1] ?? c.ratio],
      pValue: 0.4,
      verdict: c.verdict === 'faster' || c.verdict === 'slower' ? c.verdict : 'no significant difference',
      test: 'welch',
    }));
  return {
    schemaVersion: 1,
    tool: { name: 'ipcns-bench', version: '0.0.9' },
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
    complete: doc.complete,
    command: doc.command,
    env: { ...doc.env, limits: { host: limits(doc.env.limits.host), fresh: limits(doc.env.limits.fresh) } },
    scenarios,
    comparisons,
  };
}
