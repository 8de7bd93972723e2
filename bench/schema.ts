/**
 * Writes schema/result.schema.json and schema/suite.schema.json from their
 * one definitions (src/document/schema.ts, src/plan/suite-schema.ts): npm run
 * schema. test/schema.test.ts and test/suite.test.ts fail when a committed
 * file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultSchemaJson } from '../src/document/schema.js';
import { suiteSchemaJson } from '../src/plan/suite-schema.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';

export const RESULT_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'result.schema.json');

export function resultSchemaText(): string {
  return `${JSON.stringify(resultSchemaJson(), null, 2)}\n`;
}

export const SUITE_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'suite.schema.json');

export function suiteSchemaText(): string {
  return `${JSON.stringify(suiteSchemaJson(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(RESULT_SCHEMA_FILE, resultSchemaText());
  writeFileSync(SUITE_SCHEMA_FILE, suiteSchemaText());
}
