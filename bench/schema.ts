/**
 * Writes schema/result.schema.json from its one definition
 * (src/document/schema.ts): npm run schema. test/schema.test.ts fails when
 * the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultSchemaJson } from '../src/document/schema.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';

export const RESULT_SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'result.schema.json');

export function resultSchemaText(): string {
  return `${JSON.stringify(resultSchemaJson(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(RESULT_SCHEMA_FILE, resultSchemaText());
