/**
 * Histories of runs for the history tests and the between-runs study's
 * tests: copies of one document from the mock core, each run shifted as a
 * whole (a runner's moment) and each scenario by its own noise, a start time
 * an hour after the last and a commit of its own; `edit` changes a run
 * further (a step, a failed scenario).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaussian, seededRandom } from '../../src/measure/mock-core.js';
import type { ResultDocument } from '../../src/document/result.js';
import { type Figure, scaleScenario } from './surgery.js';

export interface SeriesOptions {
  runs: number;
  /** sd of the whole-run shift (log scale). */
  shift?: number;
  /** sd of each scenario's own noise per run (log scale). */
  noise?: number;
  seed?: number;
  /** The figures that move together (default: throughput and CPU time per op, the latter the other way). */
  figures?: readonly Figure[];
  edit?: (run: number, doc: ResultDocument) => void;
}

/** The commit of run r: 40 hex digits. */
export const commitOf = (r: number): string => (r + 1).toString(16).padStart(8, '0').repeat(5);

export function series(base: ResultDocument, o: SeriesOptions): ResultDocument[] {
  const rand = seededRandom(o.seed ?? 1);
  const t0 = Date.parse('2025-03-01T00:00:00.000Z');
  return Array.from({ length: o.runs }, (_, r) => {
    const doc = structuredClone(base);
    const shift = (o.shift ?? 0.01) * gaussian(rand);
    for (const s of doc.scenarios) {
      if (s.state !== 'completed') continue;
      const f = Math.exp(shift + (o.noise ?? 0.005) * gaussian(rand));
      for (const what of o.figures ?? ['throughput', 'cpu']) scaleScenario(s, what, what === 'throughput' ? f : 1 / f);
    }
    doc.startedAt = new Date(t0 + r * 3_600_000).toISOString();
    doc.finishedAt = new Date(t0 + r * 3_600_000 + 60_000).toISOString();
    doc.env.commit = commitOf(r);
    doc.env.ref = 'main';
    o.edit?.(r, doc);
    return doc;
  });
}

/** Writes the runs into `dir` (created), one file each, named by start time; returns the paths. */
export function writeSeries(dir: string, docs: readonly ResultDocument[]): string[] {
  mkdirSync(dir, { recursive: true });
  return docs.map((d, i) => {
    const path = join(dir, `${d.startedAt.replace(/[:.]/g, '-')}-${i}.json`);
    writeFileSync(path, JSON.stringify(d));
    return path;
  });
}
