/**
 * The result document's types, derived from its one definition in
 * document/schema.ts. Version 1 documents are read through
 * document/upgrade.ts.
 */
import type { Static } from '@sinclair/typebox';
import type { Metric, Verdict } from '../analyze/verdict.js';
import type {
  AnalysisSchema,
  ComparisonSchema,
  EnvSchema,
  GroupSchema,
  LatencySchema,
  NoiseSchema,
  ResultDocumentSchema,
  ScenarioSchema,
  StateSchema,
  StopSchema,
  ThroughputSchema,
} from './schema.js';

export { SCHEMA_VERSION } from './schema.js';
export type { Metric, Verdict };

export type ScenarioState = Static<typeof StateSchema>;
export type ThroughputStats = Static<typeof ThroughputSchema>;
export type LatencyStats = Static<typeof LatencySchema>;
export type ScenarioResult = Static<typeof ScenarioSchema>;
export type StopReason = Static<typeof StopSchema>;
export type GroupSummary = Static<typeof GroupSchema>;
export type Comparison = Static<typeof ComparisonSchema>;
export type Analysis = Static<typeof AnalysisSchema>;
export type NoiseFigure = Static<typeof NoiseSchema>;
export type EnvInfo = Static<typeof EnvSchema>;
export type ResultDocument = Static<typeof ResultDocumentSchema>;
