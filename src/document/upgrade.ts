/**
 * Version 1 documents, read as version 2 (compare and export still read
 * them). Version 1 kept one value per window and Welch's verdicts; the
 * per-window values become the per-round ones (a version 1 window is a
 * version 2 round of one mode), the mean is the estimate and its 95 %
 * interval the interval, and "no significant difference", which never
 * established equivalence, becomes "inconclusive".
 */
import type { Comparison, ResultDocument, ScenarioResult } from './result.js';
import { SCHEMA_VERSION } from './schema.js';

type V1 = Record<string, unknown>;
const obj = (v: unknown): V1 => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as V1) : {});
const nums = (v: unknown): number[] | undefined => (Array.isArray(v) ? (v as number[]) : undefined);

function scenario(raw: unknown): ScenarioResult {
  const s = obj(raw);
  const out = { ...s } as V1;
  const t = s['throughput'] ? obj(s['throughput']) : undefined;
  if (t) {
    const windows = nums(t['windows']) ?? [];
    out['throughput'] = { ...t, estimate: t['mean'], ci: t['ci95'], ciLevel: 0.95, rounds: windows };
  }
  const l = s['latency'] ? obj(s['latency']) : undefined;
  if (l) {
    const p99 = nums(l['p99Windows']);
    out['latency'] = { ...l, ...(p99 ? { p99Rounds: p99 } : {}) };
  }
  const cpu = nums(s['cpuNsPerOpWindows']);
  const cs = nums(s['ctxSwitchesPerOpWindows']);
  if (cpu) out['cpuNsPerOpRounds'] = cpu;
  if (cs) out['ctxSwitchesPerOpRounds'] = cs;
  if (typeof s['windows'] === 'number') out['rounds'] = s['windows'];
  return out as unknown as ScenarioResult;
}

function comparison(raw: unknown, rounds: (id: string) => number): Comparison {
  const c = obj(raw);
  const verdict = c['verdict'] === 'faster' || c['verdict'] === 'slower' ? c['verdict'] : 'inconclusive';
  return {
    metric: 'throughput',
    a: c['a'] as Comparison['a'],
    b: c['b'] as Comparison['b'],
    scenarioA: String(c['scenarioA']),
    scenarioB: String(c['scenarioB']),
    ratio: Number(c['ratio']),
    ci: (nums(c['ci95']) ?? [null, null]) as Comparison['ci'],
    ciLevel: 0.95,
    margin: 0.05,
    verdict,
    rounds: Math.max(1, Math.min(rounds(String(c['scenarioA'])), rounds(String(c['scenarioB'])))),
    noise: null,
  };
}

/** A version 1 document (already checked against its own schema) as version 2. */
export function upgradeV1(raw: unknown): ResultDocument {
  const d = obj(raw);
  const scenarios = (Array.isArray(d['scenarios']) ? d['scenarios'] : []).map(scenario);
  const roundsOf = (id: string): number => scenarios.find((s) => s.id === id)?.rounds ?? 1;
  const comparisons = (Array.isArray(d['comparisons']) ? d['comparisons'] : []).map((c) => comparison(c, roundsOf));
  const n = comparisons.length;
  return {
    ...(d as unknown as ResultDocument),
    schemaVersion: SCHEMA_VERSION,
    analysis: {
      method: "version 1 document: Welch's t-test on per-window ops/s, Holm-adjusted over the run; intervals are its 95 % intervals of the ratio of means",
      alphaRun: 0.01,
      margin: 0.05,
      trim: 0,
      comparisons: { throughput: n, 'latency-p50': 0, 'latency-p99': 0 },
    },
    noise: null,
    scenarios,
    groups: [],
    comparisons,
  };
}
