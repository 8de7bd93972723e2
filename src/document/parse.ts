/**
 * Reading a result document from text: JSON, a known schemaVersion, valid
 * against that version's schema, and consistent; version 1 is then upgraded
 * to version 2. Every problem is a UsageError of one line that names the
 * file, the first problem and the fix.
 */
import { UsageError } from '../common/errors.js';
import { parseJsonText } from '../common/json.js';
import type { ResultDocument } from './result.js';
import { SCHEMA_VERSION } from './schema.js';
import { upgradeV1 } from './upgrade.js';
import { validateResultDocument, validateResultDocumentV1 } from './validate.js';

export { validateResultDocument };

/** A result document of the largest suite is a few MB; this is far beyond any real one. */
export const MAX_DOCUMENT_BYTES = 64 << 20;

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function refuse(source: string, errors: readonly string[]): never {
  const n = errors.length;
  throw new UsageError(`${source} is not an ipcns-bench result document: ${errors[0] ?? ''} (${n} problem${n === 1 ? '' : 's'})`);
}

/** JSON text as a value; a UsageError naming the file and the position (never its text) when it is not JSON or nests too deep. */
export function parseJson(text: string, source: string): unknown {
  return parseJsonText(text, source);
}

export function parseResultDocument(text: string, source: string): ResultDocument {
  return resultDocumentOf(parseJson(text, source), source);
}

/** A parsed JSON value as a result document (version 1 is upgraded), or a UsageError naming the source. */
export function resultDocumentOf(value: unknown, source: string): ResultDocument {
  const version = isObject(value) ? value['schemaVersion'] : undefined;
  if (version === 1) {
    const v1 = validateResultDocumentV1(value);
    if (v1.length > 0) refuse(source, v1);
    const doc = upgradeV1(value);
    const v2 = validateResultDocument(doc);
    if (v2.length > 0) refuse(source, v2);
    return doc;
  }
  if (isObject(value) && version !== SCHEMA_VERSION) {
    const has = 'schemaVersion' in value ? `has schemaVersion ${JSON.stringify(version)}` : 'has no schemaVersion';
    throw new UsageError(
      `${source} ${has}; this ipcns-bench reads schemaVersion 1 and ${SCHEMA_VERSION} (re-run the benchmark with this version, or use the ipcns-bench version that wrote it)`,
    );
  }
  const errors = validateResultDocument(value);
  if (errors.length > 0) refuse(source, errors);
  return value as ResultDocument;
}
