/**
 * The fleet document's shape, defined once like the result document's
 * (schema.ts): one run per machine, each a whole result document under its
 * label, and what `merge` found about their scenarios. Generated into
 * schema/fleet.schema.json by `npm run schema`; each run's document refers to
 * schema/result.schema.json.
 */
import { createRequire } from 'node:module';
import type { Static } from '@sinclair/typebox';
import { LABEL_PATTERN } from '../common/types.js';
import type { ResultDocument } from './result.js';
import { RESULT_SCHEMA_ID, SCHEMA_VERSION } from './schema.js';

// The CommonJS build, as in schema.ts: one file to open, not hundreds.
const { Type } = createRequire(import.meta.url)('@sinclair/typebox') as typeof import('@sinclair/typebox');

export const FLEET_SCHEMA_VERSION = 1;
export const FLEET_KIND = 'ipcns-bench-fleet';
export const FLEET_SCHEMA_ID = 'https://ipcns-bench/schema/fleet.schema.json';
/** A fleet of the largest suite on many machines: each run is at most a few MB. */
export const MAX_FLEET_BYTES = 256 << 20;
export const MAX_FLEET_RUNS = 1000;

const Label = Type.String({ pattern: LABEL_PATTERN });
const Text = Type.String({ maxLength: 4096 });

export const FleetRunSchema = Type.Object({
  label: Label,
  source: Type.String({ maxLength: 4096, description: 'The file merge read the run from.' }),
  schemaVersion: Type.Integer({ minimum: 1, description: 'The schemaVersion of that file (the document below is upgraded to the current one).' }),
  // A reference, not a copy: the result document is defined in one place.
  document: Type.Unsafe<ResultDocument>({ $ref: RESULT_SCHEMA_ID }),
});

export const PartialScenarioSchema = Type.Object(
  { id: Text, on: Type.Array(Label, { minItems: 1 }), missing: Type.Array(Label, { minItems: 1 }) },
  { description: 'A scenario that only some of the runs hold: where it is, and where it is not.' },
);

export const FleetDocumentSchema = Type.Object(
  {
    schemaVersion: Type.Literal(FLEET_SCHEMA_VERSION),
    kind: Type.Literal(FLEET_KIND),
    tool: Type.Object({ name: Type.Literal('ipcns-bench'), version: Text }),
    createdAt: Type.String({ format: 'date-time' }),
    documentSchemaVersion: Type.Literal(SCHEMA_VERSION, { description: "The runs' documents' schemaVersion." }),
    runs: Type.Array(FleetRunSchema, { minItems: 1, maxItems: MAX_FLEET_RUNS }),
    scenarios: Type.Object({
      count: Type.Integer({ minimum: 0, description: 'Scenario ids in any run.' }),
      everywhere: Type.Integer({ minimum: 0, description: 'Scenario ids in every run.' }),
      partial: Type.Array(PartialScenarioSchema),
    }),
  },
  {
    $id: FLEET_SCHEMA_ID,
    title: 'ipcns-bench fleet document',
    description: 'Runs of ipcns-bench on several machines, each under its label (ipcns-bench merge). Readers tolerate unknown fields.',
  },
);

export type FleetDocument = Static<typeof FleetDocumentSchema>;
export type FleetRun = FleetDocument['runs'][number];

/** The JSON Schema file's content. */
export function fleetSchemaJson(): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(FleetDocumentSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
}
