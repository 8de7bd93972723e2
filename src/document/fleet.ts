/**
 * Fleet documents: `merge` builds one from result documents (or other
 * fleets), and every reader checks one the way it checks a result document:
 * the schema, then each run's document with all of the result document's
 * own checks, then what the runs say about each other (unique labels, one
 * schema version, the scenario lists merge wrote). Every problem is a
 * UsageError naming the file and the fix; nothing is dropped silently.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { packageVersion } from '../common/paths.js';
import { UsageError } from '../common/errors.js';
import { FLEET_KIND, FLEET_SCHEMA_VERSION, FleetDocumentSchema, MAX_FLEET_RUNS, type FleetDocument, type FleetRun } from './fleet-schema.js';
import { isObject, resultDocumentOf } from './parse.js';
import { ResultDocumentSchema, SCHEMA_VERSION } from './schema.js';
import { consistencyProblems } from './validate.js';

export * from './fleet-schema.js';

const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;
let check: ValidateFunction | undefined;

function fleetSchema(): ValidateFunction {
  if (!check) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    addFormats(ajv, ['date-time']);
    ajv.addSchema(ResultDocumentSchema);
    check = ajv.compile(FleetDocumentSchema);
  }
  return check;
}

/** A parsed JSON value is a fleet document (by its kind), whatever else it holds. */
export const isFleetValue = (v: unknown): boolean => isObject(v) && v['kind'] === FLEET_KIND;

/** Which scenario ids only some runs hold, and where they are and are not. */
export function scenarioCoverage(runs: readonly Pick<FleetRun, 'label' | 'document'>[]): FleetDocument['scenarios'] {
  const ids = [...new Set(runs.flatMap((r) => r.document.scenarios.map((s) => s.id)))];
  const held = runs.map((r) => new Set(r.document.scenarios.map((s) => s.id)));
  const partial = ids
    .map((id) => ({
      id,
      on: runs.filter((_r, i) => held[i]?.has(id)).map((r) => r.label),
      missing: runs.filter((_r, i) => !held[i]?.has(id)).map((r) => r.label),
    }))
    .filter((p) => p.missing.length > 0);
  return { count: ids.length, everywhere: ids.length - partial.length, partial };
}

/** Two runs under one label cannot be told apart in a fleet: the fix is a label per machine. */
function checkLabels(runs: readonly { label: string; where: string }[], what: string): void {
  const seen = new Map<string, string>();
  for (const r of runs) {
    const first = seen.get(r.label);
    if (first !== undefined) {
      throw new UsageError(`${what}: label ${r.label} is given twice (${first} and ${r.where}); each machine needs its own label: run each with --label NAME`);
    }
    seen.set(r.label, r.where);
  }
}

/** A parsed JSON value as a fleet document, checked; a UsageError naming `source` otherwise. */
export function fleetDocumentOf(value: unknown, source: string): FleetDocument {
  if (isObject(value) && value['schemaVersion'] !== FLEET_SCHEMA_VERSION) {
    throw new UsageError(
      `${source}: a fleet document of schemaVersion ${JSON.stringify(value['schemaVersion'])}; this ipcns-bench reads fleet schemaVersion ${FLEET_SCHEMA_VERSION} (merge the runs again with this version)`,
    );
  }
  const validate = fleetSchema();
  if (!validate(value)) {
    const e = validate.errors?.[0];
    throw new UsageError(`${source} is not an ipcns-bench fleet document: ${e?.instancePath || '/'}: ${e?.message ?? 'is not valid'}`);
  }
  const fleet = value as FleetDocument;
  fleet.runs.forEach((r, i) => {
    const problems = consistencyProblems(r.document);
    if (problems.length > 0) throw new UsageError(`${source} is not an ipcns-bench fleet document: /runs/${i}/document${problems[0]}`);
    if (r.document.env.label !== undefined && r.document.env.label !== r.label) {
      throw new UsageError(`${source}: /runs/${i}: labelled ${r.label}, but its document says ${r.document.env.label}`);
    }
  });
  checkLabels(
    fleet.runs.map((r, i) => ({ label: r.label, where: `/runs/${i}` })),
    source,
  );
  if (JSON.stringify(scenarioCoverage(fleet.runs)) !== JSON.stringify(fleet.scenarios)) {
    throw new UsageError(`${source}: /scenarios does not match the scenarios of its runs (edited by hand?); merge the runs again`);
  }
  return fleet;
}

/** One input of merge: a result document or a fleet, parsed, with the file it came from. */
export interface MergeInput {
  source: string;
  value: unknown;
}

/** What merge built, and what a reader must know about it (printed before the fleet is written). */
export interface MergeOutcome {
  fleet: FleetDocument;
  notes: string[];
}

/** The runs of one input (a result document is one run, a fleet all of its own), each with where merge found it. */
function runsOf(input: MergeInput): { run: FleetRun; where: string }[] {
  if (isFleetValue(input.value)) {
    return fleetDocumentOf(input.value, input.source).runs.map((run) => ({ run, where: `${run.source}, in ${input.source}` }));
  }
  const version = isObject(input.value) ? input.value['schemaVersion'] : undefined;
  const document = resultDocumentOf(input.value, input.source);
  const label = document.env.label;
  if (label === undefined) {
    throw new UsageError(`${input.source}: the run has no label (written before run --label existed); re-run it with --label NAME, the name of its machine`);
  }
  return [{ run: { label, source: input.source, schemaVersion: typeof version === 'number' ? version : SCHEMA_VERSION, document }, where: input.source }];
}

/**
 * Merges runs into one fleet. Refused: documents of different schema
 * versions (their figures were not made the same way), two runs under one
 * label, more than MAX_FLEET_RUNS runs. Everything else is kept and said:
 * scenarios only some machines hold, incomplete runs, different suites.
 */
export function mergeRuns(inputs: readonly MergeInput[], createdAt: Date): MergeOutcome {
  if (inputs.length === 0) throw new UsageError('merge: give the result documents to merge: ipcns-bench merge A.json B.json ... --out fleet.json');
  // Before anything else: a document of another version would fail its checks for that reason, said less plainly.
  // An input with no version to read is left to its own checks, which say what it is not.
  const numbers = (vs: readonly unknown[]): number[] => [...new Set(vs.filter((v): v is number => typeof v === 'number'))];
  const versionOf = (i: MergeInput): string => {
    const runs = isFleetValue(i.value) ? (i.value as { runs?: unknown }).runs : undefined;
    const vs = Array.isArray(runs)
      ? runs.map((r) => (isObject(r) ? r['schemaVersion'] : undefined))
      : [isObject(i.value) ? i.value['schemaVersion'] : undefined];
    return JSON.stringify(numbers(vs));
  };
  const versions = [...new Set(inputs.map(versionOf).filter((v) => v !== '[]'))];
  if (versions.length > 1) {
    const each = versions.map(
      (v) =>
        `schemaVersion ${JSON.parse(v).join(' and ')}: ${inputs
          .filter((i) => versionOf(i) === v)
          .map((i) => i.source)
          .join(', ')}`,
    );
    throw new UsageError(
      `merge: the documents are of different schema versions (${each.join('; ')}); a fleet holds runs of one version: re-run the older ones with this ipcns-bench`,
    );
  }
  const found = inputs.flatMap(runsOf);
  const runs = found.map((f) => f.run);
  if (runs.length > MAX_FLEET_RUNS) throw new UsageError(`merge: ${runs.length} runs; a fleet holds at most ${MAX_FLEET_RUNS}`);
  checkLabels(
    found.map((f) => ({ label: f.run.label, where: f.where })),
    'merge',
  );
  const scenarios = scenarioCoverage(runs);
  const notes: string[] = [];
  for (const r of runs.filter((x) => !x.document.complete))
    notes.push(`${r.label} (${r.source}) did not complete: it holds what was measured before it stopped`);
  const suites = [...new Set(runs.map((r) => r.document.command.suite))];
  if (suites.length > 1) notes.push(`the runs used different suites: ${runs.map((r) => `${r.label} ${r.document.command.suite}`).join(', ')}`);
  for (const p of scenarios.partial) notes.push(`only on ${p.on.join(', ')} (not on ${p.missing.join(', ')}): ${p.id}`);
  const fleet: FleetDocument = {
    schemaVersion: FLEET_SCHEMA_VERSION,
    kind: FLEET_KIND,
    tool: { name: 'ipcns-bench', version: packageVersion() },
    createdAt: createdAt.toISOString(),
    documentSchemaVersion: SCHEMA_VERSION,
    runs,
    scenarios,
  };
  return { fleet, notes };
}
