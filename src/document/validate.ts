/**
 * Checked reading of result documents: the JSON Schema (document/schema.ts,
 * by ajv) first, then what one field says about another, which a schema
 * cannot: an interval's order, a figure inside its own interval, ordered
 * percentiles, unique scenario ids, comparisons and groups that name
 * scenarios of the document. Every problem is one line led by the JSON
 * pointer of the offending value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { PACKAGE_ROOT } from '../common/paths.js';
import type { ResultDocument } from './result.js';
import { ResultDocumentSchema } from './schema.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module's `default` property.
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;

let v2: ValidateFunction | undefined;
let v1: ValidateFunction | undefined;

function schemaV2(): ValidateFunction {
  if (!v2) {
    const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
    addFormats(ajv, ['date-time']);
    v2 = ajv.compile(ResultDocumentSchema);
  }
  return v2;
}

/** Version 1's schema, as it shipped (schema/result-v1.schema.json, JSON Schema 2020-12). */
function schemaV1(): ValidateFunction {
  if (!v1) {
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    v1 = ajv.compile(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', 'result-v1.schema.json'), 'utf8')) as object);
  }
  return v1;
}

const show = (v: unknown): string => {
  // A document in memory can hold NaN and Infinity, which JSON would print as null.
  const text = v === undefined ? 'undefined' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function valueAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/**
 * ajv's errors as lines: the deepest problem of each place first; a union of
 * constants (an enum) as "one of ..."; a missing property at its own pointer.
 */
function describe(errors: readonly ErrorObject[], value: unknown): string[] {
  const lines: string[] = [];
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const p = e.keyword === 'required' ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}` : e.instancePath;
    byPath.set(p, [...(byPath.get(p) ?? []), e]);
  }
  // Deepest first: a union's alternatives fail at the union's own place, so the deeper error is the one to read.
  const paths = [...byPath.keys()].sort((a, b) => b.split('/').length - a.split('/').length);
  const said: string[] = [];
  for (const p of paths) {
    if (said.some((s) => s.startsWith(`${p}/`))) continue;
    said.push(p);
    const es = byPath.get(p) ?? [];
    const at = p || '/';
    const got = show(valueAt(value, p));
    const union = es.find((e) => e.keyword === 'anyOf');
    const first = es[0];
    if (first?.keyword === 'required') lines.push(`${at}: missing (required)`);
    else if (union) {
      const alternatives = union.schema as Array<{ const?: unknown }>;
      const consts = alternatives.every((x) => 'const' in x) ? alternatives.map((x) => show(x.const)) : undefined;
      lines.push(
        consts
          ? `${at}: expected one of ${consts.join(', ')}, got ${got}`
          : `${at}: ${es
              .filter((e) => e !== union)
              .map((e) => e.message)
              .join(', or ')} (got ${got})`,
      );
    } else if (first) {
      lines.push(`${at}: ${first.message ?? 'is not valid'} (got ${got})`);
    }
  }
  return lines;
}

/** Problems the schema cannot see; empty = consistent. */
export function consistencyProblems(doc: ResultDocument): string[] {
  const out: string[] = [];
  const ordered = (at: string, lo: number | null, hi: number | null): void => {
    if (lo !== null && hi !== null && lo > hi) out.push(`${at}: the interval runs backwards (${lo} > ${hi})`);
  };
  const inside = (at: string, v: number, lo: number | null, hi: number | null, what: string): void => {
    // Bounds are rounded like the value: a relative 1e-9 of slack.
    const slack = 1e-9 * Math.abs(v);
    if (lo !== null && hi !== null && (v < lo - slack || v > hi + slack)) out.push(`${at}: ${what} ${v} lies outside its interval [${lo}, ${hi}]`);
  };
  const ids = new Map<string, number>();
  doc.scenarios.forEach((s, i) => {
    const at = `/scenarios/${i}`;
    const first = ids.get(s.id);
    if (first !== undefined) out.push(`${at}/id: duplicate scenario id ${show(s.id)} (also /scenarios/${first})`);
    else ids.set(s.id, i);
    const t = s.throughput;
    if (t) {
      // A reversed interval is one problem, not also a figure outside it.
      if (t.ci[0] > t.ci[1]) ordered(`${at}/throughput/ci`, t.ci[0], t.ci[1]);
      else inside(`${at}/throughput/estimate`, t.estimate, t.ci[0], t.ci[1], 'the estimate');
      if (t.ci95[0] > t.ci95[1]) ordered(`${at}/throughput/ci95`, t.ci95[0], t.ci95[1]);
      else inside(`${at}/throughput/mean`, t.mean, t.ci95[0], t.ci95[1], 'the mean');
      if (t.samples !== t.rounds.length) out.push(`${at}/throughput/samples: ${t.samples} samples, but ${t.rounds.length} rounds`);
    }
    const l = s.latency;
    if (l && !(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max)) {
      out.push(`${at}/latency: percentiles out of order (p50 ${l.p50}, p90 ${l.p90}, p99 ${l.p99}, p99.9 ${l.p999}, max ${l.max})`);
    }
    const h = l?.histogram;
    if (l && h) {
      const samples = h.buckets.reduce((a, [, n]) => a + n, 0);
      if (samples !== l.count) out.push(`${at}/latency/histogram: its buckets hold ${samples} samples, but the latency figures ${l.count}`);
      if (h.buckets.some(([i], k) => k > 0 && i <= (h.buckets[k - 1]?.[0] ?? -1))) out.push(`${at}/latency/histogram/buckets: not ascending by index`);
      // The scheme's bucket bounds (schema.ts) take log2(linear): a reader can decode no other.
      if (!Number.isInteger(Math.log2(h.linear)))
        out.push(`${at}/latency/histogram/linear: ${h.linear} is not a power of two, so its buckets cannot be decoded`);
    }
    if (s.state !== 'completed' && !s.failure) out.push(`${at}/failure: missing: a scenario that is ${s.state} says why`);
    if (s.state === 'completed' && !s.throughput) out.push(`${at}/throughput: missing: a completed scenario has its figures`);
  });
  doc.comparisons.forEach((c, i) => {
    const at = `/comparisons/${i}`;
    for (const [key, id, mode] of [
      ['scenarioA', c.scenarioA, c.a],
      ['scenarioB', c.scenarioB, c.b],
    ] as const) {
      const k = ids.get(id);
      if (k === undefined) out.push(`${at}/${key}: names no scenario of this document (${show(id)})`);
      else if (doc.scenarios[k]?.mode !== mode) out.push(`${at}/${key}: scenario ${show(id)} is not in mode ${mode}`);
    }
    ordered(`${at}/ci`, c.ci[0], c.ci[1]);
  });
  doc.groups.forEach((g, i) => {
    g.scenarios.forEach((id, j) => {
      if (!ids.has(id)) out.push(`/groups/${i}/scenarios/${j}: names no scenario of this document (${show(id)})`);
    });
  });
  if (doc.finishedAt !== null && Date.parse(doc.finishedAt) < Date.parse(doc.startedAt))
    out.push(`/finishedAt: before /startedAt (${doc.finishedAt} < ${doc.startedAt})`);
  return out;
}

/** Validates a parsed version 2 document: schema, then consistency. Returns one line per problem; empty = valid. */
export function validateResultDocument(value: unknown): string[] {
  const check = schemaV2();
  if (!check(value)) return describe(check.errors ?? [], value);
  return consistencyProblems(value as ResultDocument);
}

/** Validates a parsed version 1 document against the schema it shipped with. */
export function validateResultDocumentV1(value: unknown): string[] {
  const check = schemaV1();
  return check(value) ? [] : describe(check.errors ?? [], value);
}
