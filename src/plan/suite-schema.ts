/**
 * A suite file's shape, defined once: the TypeBox schema below is what ajv
 * checks suites against (suite.ts), what schema/suite.schema.json is
 * generated from (npm run schema; a test fails when the committed file
 * differs), and where each field's bounds and default live. The workloads'
 * parameters come from their descriptors (PARAMS).
 *
 * What a schema cannot say well is checked in suite.ts: retired fields,
 * maxRounds against minRounds, and which sysctls a namespace has.
 */
import { createRequire } from 'node:module';
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { UsageError } from '../common/errors.js';
import { didYouMean } from '../common/suggest.js';
import { printable } from '../common/text.js';
import { MODES, PLACEMENTS } from '../common/types.js';
import { bounds, isInteger } from './params.js';
import { PARAMS, WORKLOADS } from './workloads.js';

// TypeBox's CommonJS build, one file at a time (see document/schema.ts).
const { Type } = createRequire(import.meta.url)('@sinclair/typebox') as typeof import('@sinclair/typebox');

export const SUITE_SCHEMA_ID = 'https://ipcns-bench/schema/suite.schema.json';

export const LIMITS = {
  /** A window shorter than this is mostly fork and wake-up noise. */
  minWindowMs: 10,
  maxWindowMs: 60_000,
  maxTimeMs: 3_600_000,
  /** Workers beyond this are refused: each is a thread and a process pair. */
  maxWorkers: 256,
  maxRounds: 1_000_000,
  /**
   * Scenarios one run takes: the default suite has 71; at the least a few
   * hundred ms each, more would run for days, so it is a suite's mistake.
   */
  maxScenarios: 10_000,
} as const;

const Int = (minimum: number, maximum: number, description: string, dflt?: number) =>
  Type.Integer({ minimum, maximum, description, ...(dflt !== undefined ? { default: dflt } : {}) });
/** A fraction, not a percentage: 0.05 is 5 %. */
const Fraction = (minimum: number, maximum: number, description: string, dflt: number) => Type.Number({ minimum, maximum, description, default: dflt });
const Words = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
/** A list of one or more values (a single value in a suite file stands for a list of one). */
const List = <T extends TSchema>(item: T, description: string, dflt?: unknown[]) =>
  Type.Array(item, { minItems: 1, description, ...(dflt ? { default: dflt } : {}) });

export const BudgetSchema = Type.Object(
  {
    capMs: Int(1, LIMITS.maxTimeMs, 'Cap per group, in ms of measured window time (all its modes together); a group stops earlier once decided'),
    margin: Type.Optional(Fraction(0.001, 0.5, 'Practical margin of the verdicts: ratios within 1/(1 + margin) .. 1 + margin are "equivalent"', 0.05)),
    windowMs: Type.Optional(
      Type.Union([Int(LIMITS.minWindowMs, LIMITS.maxWindowMs, 'Window length in ms'), Type.Literal('auto')], {
        description: 'Window length in ms, or "auto": sized from the warm-up (at least 10 ms and 320 ops)',
        default: 'auto',
      }),
    ),
    warmupRounds: Type.Optional(Int(0, 100, 'Rounds run and discarded before measuring', 1)),
    minRounds: Type.Optional(Int(2, 10_000, 'The first look at the comparisons, in rounds', 10)),
    maxRounds: Type.Optional(Int(2, LIMITS.maxRounds, 'Rounds at most, whatever the cap', LIMITS.maxRounds)),
    sampleEvery: Type.Optional(
      Type.Union([Int(0, 1_000_000, 'Time one op in this many; 0 = no latency'), Type.Literal('auto')], {
        description: 'Latency sampling: one op in this many is timed (0 = off), or "auto": as often as costs under 0.5 %',
        default: 'auto',
      }),
    ),
    precision: Type.Optional(Fraction(0, 0.5, "Also sample until each scenario's own 95 % interval is within ± this fraction (0 = no such target)", 0)),
    interleaveGroups: Type.Optional(
      Type.Boolean({
        description:
          'Interleave the groups: a round of each group in turn, so that every group samples over the whole run; each group still stops on its own. false: one group after another',
        default: false,
      }),
    ),
  },
  { description: 'How long each group of scenarios may sample, and how its verdicts are made', additionalProperties: false },
);

/** One property per workload parameter: a list of its values. */
const paramLists = Object.fromEntries(
  PARAMS.map((p) => {
    const [min, max] = bounds(p);
    const item = isInteger(p) ? Int(min, max, p.description) : Words(p.choices ?? [], p.description);
    return [p.name, Type.Optional(List(item, `${p.description}, for the workloads that take it`))];
  }),
);

export const EntrySchema = Type.Object(
  {
    workload: List(Words(WORKLOADS.map((w) => w.name)), 'Workloads'),
    mode: Type.Optional(List(Words(MODES), 'Modes', [...MODES])),
    workers: Type.Optional(List(Int(1, LIMITS.maxWorkers, 'Worker count'), 'Worker counts', [1])),
    placement: Type.Optional(List(Words(PLACEMENTS), 'Placements of the two parties of a pair', ['same-cpu'])),
    ...paramLists,
    sysctls: Type.Optional(
      // Names and values are checked by checkSysctl (suite.ts), as on the command line.
      Type.Record(Type.String(), Type.Unknown(), { description: 'Sysctls written inside every fresh namespace, e.g. {"kernel.msgmni": "64"}' }),
    ),
  },
  { description: 'Every combination of these lists is a scenario', additionalProperties: false },
);

export const SuiteSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ maxLength: 1024, description: 'The JSON schema of this file, for editors: schema/suite.schema.json' })),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    budget: BudgetSchema,
    matrix: Type.Array(EntrySchema, { minItems: 1 }),
  },
  { $id: SUITE_SCHEMA_ID, title: 'ipcns-bench suite', additionalProperties: false },
);

export type SuiteFile = Static<typeof SuiteSchema>;

/** The schema as a JSON Schema file (schema/suite.schema.json). */
export function suiteSchemaJson(): object {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(SuiteSchema)) };
}

/** Keys whose values are lists in a suite file: a single value there stands for a list of one. */
const LIST_KEYS = ['workload', 'mode', 'workers', 'placement', ...PARAMS.map((p) => p.name)];

let compiled: ValidateFunction | undefined;

/**
 * Checks a parsed suite against the schema, filling in the defaults it
 * declares (in place); a problem is a one-line message led by `where` and
 * the field ("matrix[0].mode[1]").
 */
export function validateSuite(raw: Record<string, unknown>, where: string): asserts raw is SuiteFile {
  if (Array.isArray(raw.matrix)) {
    for (const e of raw.matrix) {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) continue;
      const entry = e as Record<string, unknown>;
      for (const k of LIST_KEYS) if (k in entry && !Array.isArray(entry[k])) entry[k] = [entry[k]];
    }
  }
  // A misspelt key would otherwise be ignored, and its default used in silence ("placment": the placement stays same-cpu).
  const unknown = unknownKey(raw, SuiteSchema, '');
  if (unknown) throw new UsageError(`${where}: ${unknown}`);
  if (!compiled) compiled = new Ajv({ allErrors: false, strict: true, verbose: true, useDefaults: true }).compile(SuiteSchema);
  if (!compiled(raw)) throw new UsageError(problem(compiled.errors ?? [], where));
}

/** What the walk reads of a TypeBox schema. */
interface ObjectShape {
  type?: string;
  properties?: Record<string, TSchema>;
  items?: TSchema;
}

/**
 * The first key, at any depth, that the schema has no property for: where it
 * is, and the nearest key that is allowed there.
 */
function unknownKey(value: unknown, of: TSchema, path: string): string | undefined {
  const schema = of as ObjectShape;
  if (Array.isArray(value) && schema.type === 'array' && schema.items) {
    for (const [i, item] of value.entries()) {
      const found = unknownKey(item, schema.items, `${path}[${i}]`);
      if (found) return found;
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || schema.type !== 'object' || !schema.properties) return undefined;
  const allowed = Object.keys(schema.properties);
  for (const [k, v] of Object.entries(value)) {
    const field = path === '' ? k : `${path}.${k}`;
    const property = schema.properties[k];
    if (property) {
      const found = unknownKey(v, property, field);
      if (found) return found;
      continue;
    }
    const shown = printable(JSON.stringify(k.length > 40 ? `${k.slice(0, 37)}...` : k));
    const where = path === '' ? 'the suite' : path;
    const guess = didYouMean(k, allowed);
    return `${where}: unknown key ${shown}; ${guess || `${where} takes ${allowed.join(', ')}`}`;
  }
  return undefined;
}

/** "/matrix/0/mode/1" as "matrix[0].mode[1]". */
const fieldOf = (pointer: string): string =>
  pointer
    .split('/')
    .slice(1)
    .map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))
    .join('')
    .replace(/^\./, '');

/** The first of ajv's errors, in the words the tool uses for each kind of field. */
function problem(errors: readonly ErrorObject[], where: string): string {
  // A union's alternatives each fail at its place; the union's own error comes last and says the most.
  const e = errors.find((x) => x.keyword === 'anyOf') ?? errors[0];
  if (!e) return `${where}: not a valid suite`;
  const field = e.keyword === 'required' ? fieldOf(`${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`) : fieldOf(e.instancePath);
  const at = `${where}: ${field}`;
  const got = JSON.stringify(e.data);
  const s = e.parentSchema as {
    type?: string;
    minimum?: number;
    maximum?: number;
    enum?: string[];
    anyOf?: Array<{ minimum?: number; maximum?: number; const?: string }>;
  };
  if (e.keyword === 'required') return `${at} is missing`;
  if (e.keyword === 'minItems') return `${at} is empty`;
  if (e.keyword === 'anyOf') {
    const n = s.anyOf?.find((x) => x.minimum !== undefined);
    const word = s.anyOf?.find((x) => x.const !== undefined)?.const;
    return `${at} must be an integer from ${n?.minimum} to ${n?.maximum}${word ? `, or "${word}"` : ''}, got ${got}`;
  }
  if (e.keyword === 'enum') {
    const allowed = (s.enum ?? []).join(', ');
    return /\.workload\[\d+\]$/.test(field) ? `${at}: unknown workload ${got}; use one of ${allowed}` : `${at}: ${got} is not one of ${allowed}`;
  }
  if (s.type === 'integer') return `${at} must be an integer from ${s.minimum} to ${s.maximum}, got ${got}`;
  if (s.type === 'number') return `${at} must be a fraction from ${s.minimum} to ${s.maximum} (0.05 = 5 %), got ${got}`;
  if (s.type === 'object') return `${at} must be an object`;
  return `${at} ${e.message ?? 'is not valid'}, got ${got}`;
}
