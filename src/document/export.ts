/**
 * Exports of a result document for CI trackers; pure functions, no I/O.
 *
 * - `gab-bigger`: github-action-benchmark, tool `customBiggerIsBetter`: a JSON
 *   array of {name, unit, value, range?, extra?}; one entry per scenario,
 *   name = scenario id, throughput in ops/s (the scenario's estimate), range
 *   "± x%" (the half-width of its 95 % interval).
 * - `gab-smaller`: github-action-benchmark, tool `customSmallerIsBetter`: per
 *   scenario `<id> latency p50` and `<id> latency p99` (ns) and
 *   `<id> CPU per op` (ns/op).
 * - `bmf`: Bencher Metric Format, {"<id>": {"throughput": {value,
 *   lower_value, upper_value}, "latency-p50": {value}, "latency-p99":
 *   {value}}}: throughput is the estimate in ops/s with its 95 % interval as
 *   bounds; each latency percentile (ns) is a measure of its own, because
 *   Bencher's thresholds only look at `value` (a p99 in `upper_value` would
 *   never alert).
 *
 * Only completed scenarios are exported; the others are returned as skipped.
 */
import { relativeHalfWidth } from '../analyze/modes.js';
import type { ResultDocument, ScenarioResult } from './result.js';

export const EXPORT_FORMATS = ['gab-bigger', 'gab-smaller', 'bmf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One entry of github-action-benchmark's custom JSON. */
export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/** One Metric of Bencher Metric Format. */
export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

/** Bencher Metric Format: benchmark name -> measure slug -> metric. */
export type Bmf = Record<string, Record<string, BmfMetric>>;

export interface Skipped {
  id: string;
  reason: string;
}

export interface ExportResult<T> {
  data: T;
  skipped: Skipped[];
}

function completed(doc: ResultDocument): { done: ScenarioResult[]; skipped: Skipped[] } {
  const done: ScenarioResult[] = [];
  const skipped: Skipped[] = [];
  for (const s of doc.scenarios) {
    if (s.state === 'completed' && s.throughput) done.push(s);
    else skipped.push({ id: s.id, reason: `${s.state}${s.failure ? `: ${s.failure.message}` : s.state === 'completed' ? ': no throughput' : ''}` });
  }
  return { done, skipped };
}

const num = (v: number): string => Number(v.toPrecision(6)).toString();

function context(s: ScenarioResult): string {
  const parts = [
    `mode ${s.mode}`,
    `${s.workers} worker${s.workers === 1 ? '' : 's'}`,
    `placement ${s.placement}${s.placement === 'any' ? ' (uncontrolled)' : ''}`,
  ];
  if (s.throughput) parts.push(`${s.throughput.samples} rounds`);
  if (s.oversubscribed) parts.push('oversubscribed');
  return parts.join(', ');
}

/** github-action-benchmark customBiggerIsBetter: throughput in ops/s. */
export function toGabBigger(doc: ResultDocument): ExportResult<GabEntry[]> {
  const { done, skipped } = completed(doc);
  const data = done.map((s): GabEntry => {
    const t = s.throughput as NonNullable<ScenarioResult['throughput']>;
    return {
      name: s.id,
      unit: 'ops/s',
      value: t.estimate,
      range: `± ${(relativeHalfWidth(t.ci) * 100).toFixed(2)}%`,
      extra: `${context(s)}; ${Math.round(t.ciLevel * 100)}% interval ${num(t.ci[0])} to ${num(t.ci[1])} ops/s`,
    };
  });
  return { data, skipped };
}

/** github-action-benchmark customSmallerIsBetter: latency p50 and p99 in ns, CPU time per op in ns/op. */
export function toGabSmaller(doc: ResultDocument): ExportResult<GabEntry[]> {
  const { done, skipped } = completed(doc);
  const data: GabEntry[] = [];
  for (const s of done) {
    const l = s.latency;
    if (l) {
      const sampled = `${context(s)}; ${l.count} sampled ops (1 in ${l.sampleEvery})`;
      data.push({ name: `${s.id} latency p50`, unit: 'ns', value: l.p50, extra: sampled });
      data.push({ name: `${s.id} latency p99`, unit: 'ns', value: l.p99, extra: sampled });
    }
    if (s.cpuNsPerOp !== undefined) {
      data.push({
        name: `${s.id} CPU per op`,
        unit: 'ns/op',
        value: s.cpuNsPerOp,
        extra: `${context(s)}; CPU time of the measured processes over all windows`,
      });
    }
  }
  return { data, skipped };
}

/** Bencher Metric Format: the built-in measure `throughput` (ops/s), and `latency-p50` and `latency-p99` (ns), which Bencher creates on first use. */
export function toBmf(doc: ResultDocument): ExportResult<Bmf> {
  const { done, skipped } = completed(doc);
  // Keyed by scenario ids, which are text from a file: no prototype, so an id such as __proto__ is a key like any other.
  const data: Bmf = Object.create(null) as Bmf;
  for (const s of done) {
    const t = s.throughput as NonNullable<ScenarioResult['throughput']>;
    const measures: Record<string, BmfMetric> = {
      throughput: { value: t.estimate, lower_value: t.ci[0], upper_value: t.ci[1] },
    };
    if (s.latency) {
      measures['latency-p50'] = { value: s.latency.p50 };
      measures['latency-p99'] = { value: s.latency.p99 };
    }
    data[s.id] = measures;
  }
  return { data, skipped };
}

export function exportDocument(doc: ResultDocument, format: ExportFormat): ExportResult<GabEntry[] | Bmf> {
  switch (format) {
    case 'gab-bigger':
      return toGabBigger(doc);
    case 'gab-smaller':
      return toGabSmaller(doc);
    case 'bmf':
      return toBmf(doc);
  }
}
