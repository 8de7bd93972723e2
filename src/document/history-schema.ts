/**
 * The JSON a history writes (ipcns-bench history --format json or --json),
 * defined once: generated into schema/history.schema.json by `npm run
 * schema` (a test fails when the committed file differs), and checked
 * against analyze/history-shape.ts by tsc below, so that the two cannot
 * drift apart.
 */
import { createRequire } from 'node:module';
import type { Static } from '@sinclair/typebox';
import { HISTORY_METRICS, HISTORY_ORDERS, HISTORY_VERDICTS, type HistoryResult } from '../analyze/history-shape.js';
import { COMMIT_PATTERN } from '../common/types.js';

// The CommonJS build, as in schema.ts: one file to open, not hundreds.
const { Type } = createRequire(import.meta.url)('@sinclair/typebox') as typeof import('@sinclair/typebox');

export const HISTORY_SCHEMA_VERSION = 1;
export const HISTORY_KIND = 'ipcns-bench-history';
export const HISTORY_SCHEMA_ID = 'https://ipcns-bench/schema/history.schema.json';

const Text = Type.String({ maxLength: 4096 });
const Positive = Type.Number({ exclusiveMinimum: 0 });
const Fraction = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 });
const RunIndex = Type.Integer({ minimum: 0, description: 'An index into runs.' });
const Interval = (description: string) =>
  Type.Union([Type.Tuple([Positive, Positive]), Type.Null()], { description: `${description} [low, high]; null where there is none` });
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Commit = Type.String({ pattern: COMMIT_PATTERN });

const RunSchema = Type.Object({
  index: RunIndex,
  file: Text,
  startedAt: Type.String({ format: 'date-time' }),
  label: Type.Optional(Text),
  commit: Type.Optional(Commit),
  ref: Type.Optional(Text),
  complete: Type.Boolean(),
});

const ChangePointSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 1, description: 'The first run (an index into runs) of the new level.' }),
    run: Type.Object({ startedAt: Type.String({ format: 'date-time' }), file: Text, label: Type.Optional(Text) }),
    commits: Type.Union([Type.Object({ from: Type.Union([Commit, Type.Null()]), to: Type.Union([Commit, Type.Null()]) }), Type.Null()], {
      description: 'The commit of the last run before the change and of its first run after; null where neither recorded one.',
    }),
    ratio: Type.Number({ exclusiveMinimum: 0, description: 'after / before: geometric means of the segments either side.' }),
    ci: Interval('The interval of the ratio at 1 - alphaSeries (Student t on log values, pooled variance)'),
    p: Type.Number({ minimum: 0, maximum: 1, description: 'The p-value of the test that found it.' }),
    test: Type.Union([Type.Literal('permutation'), Type.Literal('newest')], {
      description: "permutation: E-divisive's search through the history; newest: the newest runs against the rest of their segment (Student t).",
    }),
    direction: Type.Union([Type.Literal('worse'), Type.Literal('better'), Type.Literal('within threshold')]),
  },
  { description: 'Where the level of the series moved.' },
);

const SegmentSchema = Type.Object(
  {
    start: RunIndex,
    end: Type.Integer({ minimum: 1, description: 'One past its last run.' }),
    runs: Type.Integer({ minimum: 1, description: 'Runs with a value in it.' }),
    mean: Positive,
    ci: Interval('95 % interval of the geometric mean'),
  },
  { description: 'Runs between change points, and their level.' },
);

const RowSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 512 }),
  metric: literals(HISTORY_METRICS),
  values: Type.Array(Type.Union([Positive, Type.Null()]), { description: "Each run's figure in unit; null: not measured in that run." }),
  runCi: Type.Array(Interval("A run's own 95 % interval from its per-round values")),
  changePoints: Type.Array(ChangePointSchema),
  segments: Type.Array(SegmentSchema),
  verdict: literals(HISTORY_VERDICTS),
  newest: Type.Object(
    { ratio: Type.Union([Positive, Type.Null()]), p: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]) },
    { description: 'The newest run against its segment, or the confirmed change it belongs to.' },
  ),
  notes: Type.Array(Text),
});

export const HistorySchema = Type.Object(
  {
    schemaVersion: Type.Literal(HISTORY_SCHEMA_VERSION),
    kind: Type.Literal(HISTORY_KIND),
    metric: literals(HISTORY_METRICS),
    unit: Text,
    biggerIsBetter: Type.Boolean(),
    relative: Type.Boolean({ description: "Each scenario as a ratio to the median of its run's other scenarios." }),
    order: literals(HISTORY_ORDERS),
    threshold: Fraction,
    alpha: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Family-wise level over the scenarios.' }),
    alphaSeries: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: "Each scenario's share of alpha." }),
    confirm: Type.Integer({ minimum: 1, description: 'Runs after a change that confirm it.' }),
    minSize: Type.Integer({ minimum: 2 }),
    permutations: Type.Integer({ minimum: 1 }),
    seed: Type.Integer({ minimum: 0, description: 'The seed of the permutations: the same history and seed give the same result.' }),
    method: Text,
    runs: Type.Array(RunSchema, { minItems: 1 }),
    warnings: Type.Array(Text),
    rows: Type.Array(RowSchema),
    regressed: Type.Integer({ minimum: 0 }),
    improved: Type.Integer({ minimum: 0 }),
    suspected: Type.Integer({ minimum: 0 }),
    inLine: Type.Integer({ minimum: 0 }),
    inconclusive: Type.Integer({ minimum: 0 }),
  },
  {
    $id: HISTORY_SCHEMA_ID,
    title: 'ipcns-bench history',
    description:
      'A series of runs of one machine (ipcns-bench history): per scenario its change points and the verdict on the newest run. Readers tolerate unknown fields.',
  },
);

// The analysis returns what the schema describes, and the schema describes nothing it does not return: tsc checks both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const described: Same<HistoryResult, Static<typeof HistorySchema>> = true;
void described;

/** The JSON Schema file's content, with its dialect (TypeBox writes tuples as draft-07 does). */
export function historySchemaJson(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(HistorySchema)) as Record<string, unknown>) };
}
