/**
 * Writes schema/result.schema.json, schema/fleet.schema.json,
 * schema/suite.schema.json and schema/history.schema.json from their one
 * definitions (src/document/schema.ts, src/document/fleet-schema.ts,
 * src/plan/suite-schema.ts, src/document/history-schema.ts): npm run schema.
 * test/schema.test.ts, test/fleet.test.ts, test/suite.test.ts and
 * test/history-output.test.ts fail when a committed file differs from what
 * this writes.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetSchemaJson } from '../src/document/fleet-schema.js';
import { historySchemaJson } from '../src/document/history-schema.js';
import { resultSchemaJson } from '../src/document/schema.js';
import { suiteSchemaJson } from '../src/plan/suite-schema.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { replaceFile } from '../src/common/files.js';

export const RESULT_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'result.schema.json');

export function resultSchemaText(): string {
  return `${JSON.stringify(resultSchemaJson(), null, 2)}\n`;
}

export const FLEET_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'fleet.schema.json');

export function fleetSchemaText(): string {
  return `${JSON.stringify(fleetSchemaJson(), null, 2)}\n`;
}

export const SUITE_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'suite.schema.json');

export function suiteSchemaText(): string {
  return `${JSON.stringify(suiteSchemaJson(), null, 2)}\n`;
}

export const HISTORY_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'history.schema.json');

export function historySchemaText(): string {
  return `${JSON.stringify(historySchemaJson(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  replaceFile(RESULT_SCHEMA_FILE, resultSchemaText());
  replaceFile(FLEET_SCHEMA_FILE, fleetSchemaText());
  replaceFile(SUITE_SCHEMA_FILE, suiteSchemaText());
  replaceFile(HISTORY_SCHEMA_FILE, historySchemaText());
}
