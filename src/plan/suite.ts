/**
 * Suites are data (bench/*.json): a time budget and a matrix of workloads,
 * modes, worker counts, sizes and placements. This module loads and checks
 * them, applies the command line's overrides, and expands them into
 * scenarios.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readBounded } from '../common/files.js';
import { parseJsonText } from '../common/json.js';
import { UsageError } from '../common/errors.js';
import { didYouMean } from '../common/suggest.js';
import { printable } from '../common/text.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import type { Mode, ParamValue, Params, Placement, Scenario } from '../common/types.js';
import { LIMITS, type SuiteFile, validateSuite } from './suite-schema.js';
import { PARAMS, resolveParams, workloadInfo } from './workloads.js';

export interface Budget {
  /**
   * Cap per group, in ms of measured window time (all its modes' windows
   * together): a group stops earlier once its comparisons are decided.
   */
  capMs: number;
  /** Practical margin of the verdicts, a fraction: ratios within 1/(1 + margin) .. 1 + margin are "equivalent". */
  margin: number;
  /** Window length in ms; 0 = sized from the warm-up (at least 10 ms, and 640 ops). */
  windowMs: number;
  /** Rounds run and discarded before measuring. */
  warmupRounds: number;
  /** The first look at the comparisons, in rounds. */
  minRounds: number;
  /** Rounds at most, whatever the cap; by default only the cap limits a group. */
  maxRounds: number;
  /** Latency: time one op in this many; 0 = off; -1 = as often as costs under 0.5 % (from the warm-up). */
  sampleEvery: number;
  /** Also sample until each scenario's own 95 % interval is within ± this fraction (0 = no such target). */
  precision: number;
  /** A round of each group in turn (each group's rounds spread over the whole run), instead of one group after another. */
  interleaveGroups?: boolean;
}

export interface MatrixEntry {
  workload: string[];
  /** Values of each parameter (PARAMS) the entry lists; a workload takes those it declares, its defaults for the rest. */
  params?: Record<string, ParamValue[]>;
  mode: Mode[];
  workers: number[];
  placement: Placement[];
  sysctls?: Record<string, string>;
}

export interface Suite {
  name: string;
  description: string;
  budget: Budget;
  matrix: MatrixEntry[];
}

export const SUITES_DIR = join(PACKAGE_ROOT, 'bench');

export function suiteNames(): string[] {
  return readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Loads a suite by name (bench/NAME.json) or by path, and checks every field. */
export function loadSuite(nameOrPath: string): Suite {
  const byName = join(SUITES_DIR, `${nameOrPath}.json`);
  const file = /^[a-z0-9-]+$/.test(nameOrPath) && existsSync(byName) ? byName : nameOrPath;
  if (!existsSync(file)) {
    throw new UsageError(`--suite ${nameOrPath}: no such suite; use one of ${suiteNames().join(', ')}, or the path of a suite JSON file`);
  }
  // Bounded, and only a regular file: a suite is a few kB (a device or a FIFO would be read forever).
  const text = readBounded(file, MAX_SUITE_BYTES, '--suite ', 'a suite');
  return checkSuite(parseJsonText(text, `--suite ${nameOrPath}: ${file}`), `--suite ${nameOrPath}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export { LIMITS } from './suite-schema.js';

/** A suite file is a few kB; this is far beyond any real one. */
export const MAX_SUITE_BYTES = 1 << 20;

/** Budget fields of earlier suite versions, and what replaced them. */
const RETIRED_BUDGET = ['timeMs', 'minWindows', 'maxWindows', 'warmupWindows'];

export function checkSuite(raw: unknown, where: string): Suite {
  // What a person most often gets wrong first is said with its fix; the schema checks every field.
  if (!isObject(raw)) throw new UsageError(`${where}: a suite is a JSON object with "name", "budget" and "matrix"`);
  const b = raw.budget;
  if (!isObject(b)) throw new UsageError(`${where}: "budget" is missing; give {"capMs": 3000, "margin": 0.05}`);
  const retired = RETIRED_BUDGET.find((k) => k in b);
  if (retired) {
    throw new UsageError(
      `${where}: budget.${retired} is no longer used: a suite states budget.capMs (measured ms per group, a cap) and budget.margin; groups sample until their comparisons are decided`,
    );
  }
  if (!Array.isArray(raw.matrix) || raw.matrix.length === 0) {
    throw new UsageError(`${where}: "matrix" must be a non-empty array of {"workload", "mode", "workers", "placement"} entries`);
  }
  validateSuite(raw, where);
  const f = raw.budget;
  // ajv filled in every default the schema declares (suite-schema.ts), the one place they are written.
  const windowMs = filled(f.windowMs);
  const sampleEvery = filled(f.sampleEvery);
  const budget: Budget = {
    capMs: f.capMs,
    margin: filled(f.margin),
    windowMs: windowMs === 'auto' ? 0 : windowMs,
    warmupRounds: filled(f.warmupRounds),
    minRounds: filled(f.minRounds),
    maxRounds: filled(f.maxRounds),
    sampleEvery: sampleEvery === 'auto' ? -1 : sampleEvery,
    precision: filled(f.precision),
    interleaveGroups: filled(f.interleaveGroups),
  };
  if (budget.maxRounds < budget.minRounds)
    throw new UsageError(`${where}: budget.maxRounds (${budget.maxRounds}) is below budget.minRounds (${budget.minRounds})`);
  const matrix = raw.matrix.map((e, i) => entryOf(e, `${where}: matrix[${i}]`));
  return {
    // Printed in headers and written into documents: control characters are shown, not acted on.
    name: typeof raw.name === 'string' ? printable(raw.name) : 'custom',
    description: typeof raw.description === 'string' ? printable(raw.description) : '',
    budget,
    matrix,
  };
}

/** A field the schema gives a default: ajv has filled it in. */
function filled<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('a suite field with a default in suite-schema.ts was not filled in');
  return v;
}

/** A matrix entry the schema accepted (its defaults filled in), as the expansion reads it. */
function entryOf(e: SuiteFile['matrix'][number], where: string): MatrixEntry {
  const entry: MatrixEntry = { workload: e.workload, mode: filled(e.mode), workers: filled(e.workers), placement: filled(e.placement) };
  const given = e as Record<string, unknown>;
  const params: Record<string, ParamValue[]> = {};
  for (const p of PARAMS) if (Array.isArray(given[p.name])) params[p.name] = given[p.name] as ParamValue[];
  if (Object.keys(params).length > 0) entry.params = params;
  if (e.sysctls !== undefined) entry.sysctls = checkSysctls(`${where}.sysctls`, e.sysctls);
  return entry;
}

function checkSysctls(where: string, v: unknown): Record<string, string> {
  if (!isObject(v)) throw new UsageError(`${where} must be an object like {"kernel.msgmni": "64"}`);
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, checkSysctl(where, `${k}=${String(val)}`)[1]]));
}

/** IPC sysctls that live in the IPC namespace, and so can be set in a fresh one. */
export const NAMESPACED_SYSCTLS = [
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.msg_next_id',
  'kernel.sem',
  'kernel.sem_next_id',
  'kernel.shmmax',
  'kernel.shmall',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
  'kernel.shm_next_id',
  'fs.mqueue.msg_max',
  'fs.mqueue.msgsize_max',
  'fs.mqueue.queues_max',
  'fs.mqueue.msg_default',
  'fs.mqueue.msgsize_default',
] as const;

/** Parses one "name=value" --sysctl argument. */
export function checkSysctl(where: string, text: string): [string, string] {
  const m = /^([a-z_./]+)=([0-9][0-9 \t]*)$/.exec(text.trim());
  if (!m?.[1] || !m[2]) {
    throw new UsageError(`${where} ${JSON.stringify(text)}: expected NAME=VALUE with a numeric value, e.g. --sysctl kernel.msgmni=64`);
  }
  const name = m[1].replaceAll('/', '.');
  if (!(NAMESPACED_SYSCTLS as readonly string[]).includes(name)) {
    const guess = didYouMean(name, NAMESPACED_SYSCTLS);
    throw new UsageError(
      `${where} ${name}: not a per-IPC-namespace sysctl; ${guess ? `${guess} (` : ''}use one of ${NAMESPACED_SYSCTLS.join(', ')}${guess ? ')' : ''}`,
    );
  }
  return [name, m[2].trim()];
}

/** Command-line overrides: a workload list filters the suite, the other lists replace its values. */
export interface Overrides {
  workload?: string[];
  mode?: Mode[];
  workers?: number[];
  /** Values per parameter name (PARAMS): --size 64,1024 gives {size: [64, 1024]}. */
  params?: Record<string, ParamValue[]>;
  placement?: Placement[];
  capMs?: number;
  margin?: number;
  sysctls?: Record<string, string>;
  interleaveGroups?: boolean;
}

export function applyOverrides(suite: Suite, o: Overrides): Suite {
  let matrix = suite.matrix
    .map((e) => {
      const out: MatrixEntry = { ...e };
      if (o.workload) out.workload = e.workload.filter((w) => o.workload?.includes(w));
      if (o.mode) out.mode = o.mode;
      if (o.workers) out.workers = o.workers;
      if (o.params) out.params = { ...e.params, ...o.params };
      if (o.placement) out.placement = o.placement;
      if (o.sysctls) out.sysctls = { ...e.sysctls, ...o.sysctls };
      return out;
    })
    .filter((e) => e.workload.length > 0);
  if (o.workload) {
    // Workloads the suite does not cover run with the suite's first entry's other dimensions.
    const covered = new Set(matrix.flatMap((e) => e.workload));
    const missing = o.workload.filter((w) => !covered.has(w));
    const base = suite.matrix[0];
    if (missing.length > 0 && base) {
      matrix = [
        ...matrix,
        {
          ...base,
          workload: missing,
          ...(o.mode ? { mode: o.mode } : {}),
          ...(o.workers ? { workers: o.workers } : {}),
          ...(o.placement ? { placement: o.placement } : {}),
          ...(o.params ? { params: { ...base.params, ...o.params } } : {}),
          ...(o.sysctls ? { sysctls: { ...base.sysctls, ...o.sysctls } } : {}),
        },
      ];
    }
  }
  const budget = {
    ...suite.budget,
    ...(o.capMs !== undefined ? { capMs: o.capMs } : {}),
    ...(o.margin !== undefined ? { margin: o.margin } : {}),
    ...(o.interleaveGroups !== undefined ? { interleaveGroups: o.interleaveGroups } : {}),
  };
  return { ...suite, budget, matrix };
}

/** A stable id from the identity fields, e.g. "msg.pingpong(size=64)/isolated/w2/same-cpu". */
export function scenarioId(s: Omit<Scenario, 'id'>): string {
  const params = Object.entries(s.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  const sysctls = Object.entries(s.sysctls)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${s.workload}${params ? `(${params})` : ''}/${s.mode}/w${s.workers}/${s.placement}${sysctls ? `/sysctl(${sysctls})` : ''}`;
}

/** How many scenarios the suite's matrix names, duplicates included: counted, not expanded. */
export function countScenarios(suite: Suite): number {
  let n = 0;
  for (const e of suite.matrix) {
    for (const workload of e.workload) {
      const info = workloadInfo(workload);
      if (!info) continue;
      const variants = info.params.reduce((k, p) => k * (e.params?.[p.name]?.length ?? 1), 1);
      n += variants * e.workers.length * e.placement.length * e.mode.length;
    }
  }
  return n;
}

/**
 * Every scenario of the suite, in matrix order, without duplicates. `where`
 * names the suite in the error when it names more than LIMITS.maxScenarios,
 * which is refused before anything is expanded.
 */
export function expand(suite: Suite, where = `suite ${suite.name}`): Scenario[] {
  const count = countScenarios(suite);
  if (count > LIMITS.maxScenarios) {
    throw new UsageError(
      `${where}: its matrix names ${count} scenarios, more than the ${LIMITS.maxScenarios} a run takes; narrow its lists (or --workload, --mode, --workers, --size), or split it into several suites`,
    );
  }
  const out = new Map<string, Scenario>();
  for (const e of suite.matrix) {
    for (const workload of e.workload) {
      const info = workloadInfo(workload);
      if (!info) continue;
      // Every combination of the listed values of the parameters the workload declares, in declaration order.
      let variants: Params[] = [{}];
      for (const p of info.params) {
        const values = e.params?.[p.name];
        if (values) variants = variants.flatMap((v) => values.map((x) => ({ ...v, [p.name]: x })));
      }
      for (const given of variants) {
        const params = resolveParams(info, given);
        for (const workers of e.workers) {
          for (const placement of e.placement) {
            for (const mode of e.mode) {
              const s = { workload, params, mode, workers, placement, sysctls: e.sysctls ?? {} };
              const id = scenarioId(s);
              if (!out.has(id)) out.set(id, { id, ...s });
            }
          }
        }
      }
    }
  }
  return [...out.values()];
}
