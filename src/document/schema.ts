/**
 * The result document's shape, defined once: the TypeScript types (result.ts)
 * are derived from these TypeBox schemas, schema/result.schema.json is
 * generated from them (npm run schema; a test fails when the committed file
 * differs), and documents are validated against them with ajv (validate.ts).
 *
 * Objects accept unknown properties: readers tolerate fields a later version
 * adds. Numbers carry the bounds a measurement can have (throughput,
 * percentiles and intervals are positive; counts are whole); what one field
 * says about another (an interval's order, ids that must exist) is checked in
 * validate.ts.
 */
import { createRequire } from 'node:module';
import type { SchemaOptions, Static, TSchema } from '@sinclair/typebox';
import { METRICS, VERDICTS } from '../analyze/verdict.js';
import { CONTROLS, type Control } from '../analyze/calibration.js';
import { COMMIT_PATTERN, LABEL_PATTERN, type LimitField, REF_PATTERN, MODES, NAMESPACE_LIMITS, PLACEMENTS, STOP_REASONS } from '../common/types.js';
import { bounds, isInteger } from '../plan/params.js';
import { PARAMS } from '../plan/workloads.js';

/*
 * TypeBox's CommonJS build, loaded synchronously: its ESM build is some 800
 * files that Node's loader opens all at once, which alone needs an open-file
 * limit above 128; one file at a time, the tool starts under a limit of 40.
 */
const { Type } = createRequire(import.meta.url)('@sinclair/typebox') as typeof import('@sinclair/typebox');

export const SCHEMA_VERSION = 2;
export const RESULT_SCHEMA_ID = 'https://ipcns-bench/schema/result.schema.json';

const Count = Type.Integer({ minimum: 0 });
const Positive = Type.Number({ exclusiveMinimum: 0 });
const NonNegative = Type.Number({ minimum: 0 });
/** A per-round value: null where a round had no figure (too few latency samples). */
const RoundValue = Type.Union([NonNegative, Type.Null()]);
const Interval = <T extends TSchema>(description: string, item: T) => Type.Tuple([item, item], { description: `${description} [low, high]` });
/** Words a run may write; readers tolerate others they do not know (unknown text stays text). */
const Text = (description?: string) => Type.String({ maxLength: 4096, ...(description ? { description } : {}) });
/** One of the words a module owns the list of (MODES, METRICS, ...): the schema follows that list. */
const literals = <T extends string>(values: readonly T[], options?: SchemaOptions) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

export const ModeSchema = literals(MODES);
export const PlacementSchema = literals(PLACEMENTS);
export const RouteSchema = Type.Union([Type.Literal('privileged'), Type.Literal('userns')]);
export const MetricSchema = literals(METRICS);
export const VerdictSchema = literals(VERDICTS);
export const StateSchema = Type.Union([Type.Literal('completed'), Type.Literal('errored'), Type.Literal('skipped')]);
export const StopSchema = literals(STOP_REASONS, {
  description:
    'Why a group stopped sampling: its comparisons were decided; its cap of measured time; its most rounds; its wall-clock limit (10x the cap, at least the cap + 30 s: setting up its processes took most of the time); the run was interrupted; every scenario failed',
});

export const FailureSchema = Type.Object(
  {
    errno: Type.Integer({ minimum: 0 }),
    code: Text(),
    call: Text(),
    message: Text(),
  },
  { description: 'A failure as data: the errno, its symbolic code, the failing call, and a message with the fix.' },
);

/** A sysctl's value: -1 where it could not be read, null where it is beyond 2^53 ("unlimited"). */
const Limit = Type.Union([Type.Integer({ minimum: -1 }), Type.Null()], {
  description: 'The value the kernel reported; -1 = unreadable; null = above 2^53 (the kernel\'s "unlimited" defaults), which JSON numbers cannot hold exactly',
});

export const NamespaceLimitsSchema = Type.Object(
  {
    nsInode: Count,
    ...(Object.fromEntries(NAMESPACE_LIMITS.map((l) => [l.field, Limit])) as Record<LimitField, typeof Limit>),
  },
  { description: 'Limits of one IPC namespace, read from /proc/sys inside it.' },
);

/** A scenario's workload parameters: one property per parameter the workloads declare (plan/workloads.ts). */
export const ParamsSchema = Type.Object(
  Object.fromEntries(
    PARAMS.map((p) => [
      p.name,
      Type.Optional(
        isInteger(p) ? Type.Integer({ minimum: bounds(p)[0], description: p.description }) : Type.String({ maxLength: 4096, description: p.description }),
      ),
    ]),
  ),
);

const Sysctls = Type.Record(Type.String(), Type.String({ maxLength: 256 }));

export const ThroughputSchema = Type.Object({
  unit: Type.Literal('ops/s'),
  estimate: Type.Number({ exclusiveMinimum: 0, description: "The scenario's figure: the 25 % trimmed geometric mean of its per-round rates." }),
  ci: Interval('Interval of the estimate at ciLevel', Positive),
  ciLevel: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  mean: Positive,
  median: Positive,
  sd: NonNegative,
  rme: Type.Number({ minimum: 0, description: 'Relative margin of error of the mean, in percent (95 %).' }),
  ci95: Interval('95 % interval of the mean', NonNegative),
  samples: Type.Integer({ minimum: 1 }),
  rounds: Type.Array(Positive, {
    minItems: 1,
    description: "ops/s of each measured round (the median of its window's sub-window rates), in the order they ran.",
  }),
  calibrated: Type.Optional(
    Type.Object(
      {
        estimate: Positive,
        ci: Interval('Interval of the calibrated estimate at ciLevel', Positive),
        ciLevel: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
        rounds: Type.Array(RoundValue, {
          description:
            "Each round's figure over its control (controlRounds), times the run's scale (analysis.calibration.medianRate); null where the round had no control.",
        }),
      },
      {
        description:
          "The calibrated twin of the figure: the same estimator over calibrated rounds. It cancels what slows the control as much as the workload; between runs, divide by analysis.calibration.medianRate (or rescale to one common control) so that a run-wide slowdown is not put back by the run's own scale.",
      },
    ),
  ),
});

export const LatencySchema = Type.Object({
  unit: Type.Literal('ns'),
  p50: NonNegative,
  p90: NonNegative,
  p99: NonNegative,
  p999: NonNegative,
  max: NonNegative,
  mean: NonNegative,
  count: Type.Integer({ minimum: 1, description: 'Sampled ops behind these figures.' }),
  sampleEvery: Type.Integer({ minimum: 1, description: 'One op in how many was timed.' }),
  p50Rounds: Type.Optional(Type.Array(RoundValue)),
  p99Rounds: Type.Optional(Type.Array(RoundValue)),
  histogram: Type.Optional(
    Type.Object(
      {
        linear: Type.Integer({ minimum: 1, description: 'Values below this many ns have a bucket each' }),
        subBits: Type.Integer({ minimum: 0, maximum: 16, description: 'Above that, each power of two is split into 2^subBits buckets' }),
        buckets: Type.Array(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 })]), {
          description: '[bucket index, samples] pairs, ascending by index, of every sample behind these figures',
        }),
      },
      {
        description:
          'The merged histogram of the sampled latencies: bucket i < linear holds [i, i + 1) ns; above, with e = log2(linear) + floor((i - linear) / 2^subBits) and m = 2^subBits + (i - linear) mod 2^subBits, [m, m + 1) x 2^(e - subBits) ns',
      },
    ),
  ),
});

export const ScenarioSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 512 }),
  workload: Text(),
  params: ParamsSchema,
  mode: ModeSchema,
  workers: Type.Integer({ minimum: 1 }),
  placement: PlacementSchema,
  sysctls: Sysctls,
  state: StateSchema,
  failure: Type.Optional(FailureSchema),
  oversubscribed: Type.Boolean({ description: 'More workers than CPUs this process may use: shown, not trusted.' }),
  throughput: Type.Optional(ThroughputSchema),
  bytesPerSecond: Type.Optional(NonNegative),
  latency: Type.Optional(LatencySchema),
  cpuNsPerOp: Type.Optional(NonNegative),
  ctxSwitchesPerOp: Type.Optional(NonNegative),
  cpuNsPerOpRounds: Type.Optional(Type.Array(RoundValue)),
  ctxSwitchesPerOpRounds: Type.Optional(Type.Array(RoundValue)),
  controlRounds: Type.Optional(
    Type.Object(
      {
        getppid: Type.Array(RoundValue, { description: 'getppid() calls per second, a bare system call in a loop' }),
        spin: Type.Array(RoundValue, { description: 'Steps per second of a fixed user-space loop (a dependent 64-bit multiply-add chain)' }),
      },
      {
        description:
          "The controls of each measured round, per second: measured on party A's CPU in the last millisecond before the window's start (right after its end where the party woke too late), the workers' mean; null where none was measured.",
      },
    ),
  ),
  namespaces: Type.Optional(Type.Array(Count)),
  limits: Type.Optional(NamespaceLimitsSchema),
  rounds: Type.Optional(Type.Integer({ minimum: 0 })),
  ops: Type.Optional(Count),
  windowMs: Type.Optional(Positive),
  subWindowMs: Type.Optional(Positive),
  measuredMs: Type.Optional(NonNegative),
  wallMs: Type.Optional(NonNegative),
  retriedWindows: Type.Optional(Count),
});

export const GroupSchema = Type.Object(
  {
    scenarios: Type.Array(Type.String(), { minItems: 1 }),
    rounds: Count,
    measuredMs: NonNegative,
    wallMs: NonNegative,
    windowMs: Positive,
    looks: Type.Integer({ minimum: 1, description: "Looks the group could take within its cap: the budget its intervals' level was set for." }),
    stop: StopSchema,
    uncompared: Type.Optional(
      Type.Array(Type.Object({ metric: MetricSchema, a: ModeSchema, b: ModeSchema }), {
        minItems: 1,
        description:
          'Comparisons the group should have made and could not (a mode with fewer than two rounds with a figure of the metric): the group was not decided, whatever its stop reason, and these comparisons are not in the document.',
      }),
    ),
  },
  { description: 'One group: the scenarios that differ only in mode, measured in the same rounds, and why it stopped sampling.' },
);

export const ComparisonSchema = Type.Object({
  metric: MetricSchema,
  a: ModeSchema,
  b: ModeSchema,
  scenarioA: Type.String(),
  scenarioB: Type.String(),
  ratio: Type.Number({ exclusiveMinimum: 0, description: 'metric(a) / metric(b): the trimmed geometric mean of the per-round ratios.' }),
  ci: Interval('The interval the verdict used, at ciLevel', Type.Union([NonNegative, Type.Null()])),
  ciLevel: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  margin: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  verdict: VerdictSchema,
  rounds: Type.Integer({ minimum: 1 }),
  noise: Type.Union([NonNegative, Type.Null()], { description: 'Round-to-round spread (MAD-sd) of the log-ratios.' }),
});

const MedianControl = Type.Union([Positive, Type.Null()]);

export const AnalysisSchema = Type.Object({
  method: Text(),
  alphaRun: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  margin: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  trim: Type.Number({ minimum: 0, maximum: 0.5 }),
  comparisons: Type.Object({ throughput: Count, 'latency-p50': Count, 'latency-p99': Count }),
  calibration: Type.Optional(
    Type.Object(
      {
        control: literals(CONTROLS, { description: 'The control the calibrated figures (throughput.calibrated) are over' }),
        medianRate: Positive,
        medians: Type.Object(Object.fromEntries(CONTROLS.map((c) => [c, MedianControl])) as Record<Control, typeof MedianControl>, {
          description: 'Each control, per second: its median over every round of the run (null: none measured)',
        }),
      },
      {
        description:
          "How the calibrated figures were made: each round's figure over this control, times medianRate, the control's median over every round of every scenario of the run that was not oversubscribed.",
      },
    ),
  ),
});

export const NoiseSchema = Type.Object(
  {
    roundNoise: NonNegative,
    resolution: Type.Union([NonNegative, Type.Null()]),
    comparisons: Count,
    inconclusive: Count,
    high: Type.Boolean(),
    advice: Text(),
  },
  { description: "The machine's noise as this run measured it." },
);

export const EnvSchema = Type.Object({
  label: Type.Optional(Type.String({ pattern: LABEL_PATTERN, description: 'The name of the machine in a fleet (run --label; default: the host name).' })),
  commit: Type.Optional(
    Type.String({ pattern: COMMIT_PATTERN, description: 'The commit the run measured (run --commit, or GITHUB_SHA): lowercase hex, 7 to 64 digits.' }),
  ),
  ref: Type.Optional(
    Type.String({ pattern: REF_PATTERN, description: 'The branch or tag the run measured (run --ref, or GITHUB_REF_NAME); at most 255 characters.' }),
  ),
  kernel: Text(),
  arch: Text(),
  cpuModel: Text(),
  cpuCount: Count,
  usableCpus: Type.Array(Count, { description: 'CPUs this process may use (affinity).' }),
  clocksource: Text(),
  timerNs: NonNegative,
  node: Text(),
  uid: Type.Integer({ minimum: -1 }),
  capSysAdmin: Type.Boolean(),
  route: RouteSchema,
  limits: Type.Object({ host: NamespaceLimitsSchema, fresh: NamespaceLimitsSchema }),
});

export const ResultDocumentSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    tool: Type.Object({ name: Type.Literal('ipcns-bench'), version: Text() }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    complete: Type.Boolean(),
    command: Type.Object({ suite: Text(), argv: Type.Array(Text()) }, { description: 'What the user asked for.' }),
    env: EnvSchema,
    analysis: AnalysisSchema,
    noise: Type.Union([NoiseSchema, Type.Null()]),
    scenarios: Type.Array(ScenarioSchema),
    groups: Type.Array(GroupSchema),
    comparisons: Type.Array(ComparisonSchema),
  },
  {
    $id: RESULT_SCHEMA_ID,
    title: 'ipcns-bench result document',
    description: 'One run of ipcns-bench (schemaVersion 2). Readers tolerate unknown fields.',
  },
);

export type ResultDocumentShape = Static<typeof ResultDocumentSchema>;

/** The JSON Schema file's content: the TypeBox schema as plain JSON, with its dialect. */
export function resultSchemaJson(): Record<string, unknown> {
  // TypeBox writes tuples with an array-valued `items`: the draft-07 dialect.
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(ResultDocumentSchema)) as Record<string, unknown>) };
}
