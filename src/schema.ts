/**
 * A small validator for the subset of JSON Schema (draft 2020-12) that
 * schema/result.schema.json uses, and the checked reader of result documents.
 * Unknown keywords are ignored; objects accept unknown properties unless a
 * schema says otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import { PACKAGE_ROOT } from './paths.js';
import { SCHEMA_VERSION, type ResultDocument } from './result.js';

type Schema = boolean | { readonly [keyword: string]: unknown };

let resultSchema: object | undefined;

/** The result document's JSON Schema, read once from schema/result.schema.json in the package. */
export function loadResultSchema(): object {
  resultSchema ??= JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', 'result.schema.json'), 'utf8')) as object;
  return resultSchema;
}

/**
 * Validates `value` against `schema`. Returns one line per problem, each led
 * by the JSON pointer of the offending value, e.g.
 * `/scenarios/3/throughput/mean: expected number, got string`; empty = valid.
 */
export function validate(schema: object, value: unknown): string[] {
  const errors: string[] = [];
  check(schema as Schema, value, '', schema as Schema, errors);
  return errors;
}

/** Validates a parsed value against the result document schema (see validate). */
export function validateResultDocument(value: unknown): string[] {
  return validate(loadResultSchema(), value);
}

/**
 * Parses and validates a result document read from `source` (a file name, for
 * messages). Throws UsageError with one line naming the file, the first problem
 * and the fix.
 */
export function parseResultDocument(text: string, source: string): ResultDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not JSON: ${(err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ')}`);
  }
  if (isObject(value) && value['schemaVersion'] !== SCHEMA_VERSION) {
    const has = 'schemaVersion' in value ? `has schemaVersion ${JSON.stringify(value['schemaVersion'])}` : 'has no schemaVersion';
    throw new UsageError(
      `${source} ${has}; this ipcns-bench reads schemaVersion ${SCHEMA_VERSION} ` +
        '(re-run the benchmark with this version, or use the ipcns-bench version that wrote it)',
    );
  }
  const errors = validateResultDocument(value);
  if (errors.length > 0) {
    const n = errors.length;
    throw new UsageError(`${source} is not an ipcns-bench result document: ${errors[0]} (${n} problem${n === 1 ? '' : 's'})`);
  }
  return value as ResultDocument;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, type: unknown): boolean {
  switch (type) {
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'object': return isObject(v);
    default: return typeOf(v) === type;
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && equal(a[k], b[k]));
  }
  return false;
}

const pointer = (path: string, key: string | number): string => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) throw new Error(`schema: unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : undefined;
  }
  if (node === undefined) throw new Error(`schema: $ref ${ref} does not resolve`);
  return node as Schema;
}

function check(schema: Schema, v: unknown, path: string, root: Schema, errors: string[]): void {
  const at = path === '' ? '/' : path;
  if (schema === true) return;
  if (schema === false) { errors.push(`${at}: no value allowed here`); return; }
  const s = schema;
  if (typeof s['$ref'] === 'string') check(resolve(root, s['$ref']), v, path, root, errors);
  if (s['type'] !== undefined) {
    const types: unknown[] = Array.isArray(s['type']) ? s['type'] : [s['type']];
    if (!types.some((t) => hasType(v, t))) {
      const got = typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeOf(v);
      errors.push(`${at}: expected ${types.join(' or ')}, got ${got === 'number' && types.includes('integer') ? show(v) : got}`);
      return; // the other keywords would only repeat this problem
    }
  }
  if ('const' in s && !equal(v, s['const'])) errors.push(`${at}: expected ${show(s['const'])}, got ${show(v)}`);
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => equal(v, e))) {
    errors.push(`${at}: expected one of ${s['enum'].map(show).join(', ')}, got ${show(v)}`);
  }
  if (typeof v === 'number') {
    if (typeof s['minimum'] === 'number' && v < s['minimum']) errors.push(`${at}: expected >= ${s['minimum']}, got ${v}`);
    if (typeof s['maximum'] === 'number' && v > s['maximum']) errors.push(`${at}: expected <= ${s['maximum']}, got ${v}`);
  }
  if (Array.isArray(v)) {
    if (typeof s['minItems'] === 'number' && v.length < s['minItems']) errors.push(`${at}: expected at least ${s['minItems']} items, got ${v.length}`);
    if (typeof s['maxItems'] === 'number' && v.length > s['maxItems']) errors.push(`${at}: expected at most ${s['maxItems']} items, got ${v.length}`);
    const prefix: unknown[] = Array.isArray(s['prefixItems']) ? s['prefixItems'] : [];
    v.forEach((item, i) => {
      const sub = i < prefix.length ? prefix[i] : s['items'];
      if (sub !== undefined) check(sub as Schema, item, pointer(path, i), root, errors);
    });
  }
  if (isObject(v)) {
    if (Array.isArray(s['required'])) {
      for (const key of s['required'] as string[]) if (!(key in v)) errors.push(`${pointer(path, key)}: missing (required)`);
    }
    const props = isObject(s['properties']) ? s['properties'] : {};
    for (const [key, item] of Object.entries(v)) {
      const sub = Object.hasOwn(props, key) ? props[key] : s['additionalProperties'];
      if (sub !== undefined) check(sub as Schema, item, pointer(path, key), root, errors);
    }
  }
  if (Array.isArray(s['allOf'])) for (const sub of s['allOf']) check(sub as Schema, v, path, root, errors);
  for (const kw of ['anyOf', 'oneOf'] as const) {
    const subs = s[kw];
    if (!Array.isArray(subs)) continue;
    const passing = subs.filter((sub) => validateAt(sub as Schema, v, path, root).length === 0).length;
    if (kw === 'anyOf' ? passing === 0 : passing !== 1) {
      errors.push(`${at}: expected to match ${kw === 'anyOf' ? 'at least one' : 'exactly one'} of ${subs.length} alternatives, matched ${passing}`);
    }
  }
  if (s['if'] !== undefined) {
    const branch = validateAt(s['if'] as Schema, v, path, root).length === 0 ? s['then'] : s['else'];
    if (branch !== undefined) check(branch as Schema, v, path, root, errors);
  }
}

function validateAt(schema: Schema, v: unknown, path: string, root: Schema): string[] {
  const errors: string[] = [];
  check(schema, v, path, root, errors);
  return errors;
}
