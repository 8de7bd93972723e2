/**
 * `ipcns-bench export`: each format's output has the shape of an example
 * written from that format's documentation (test/fixtures):
 * - gab-custom-bigger.json / gab-custom-smaller.json: github-action-benchmark's
 *   custom tools (README "customBiggerIsBetter" / "customSmallerIsBetter"): a
 *   JSON array of {name: string, unit: string, value: number, range?: string, extra?: string}.
 * - bmf.json: Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format):
 *   {"<benchmark>": {"<measure>": {value: number, lower_value?: number, upper_value?: number}}},
 *   built-in measures `latency` (ns) and `throughput` (ops/s).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../src/commands/compare.js';
import { exportCommand } from '../src/commands/export.js';
import { UsageError } from '../src/errors.js';
import { toBmf, toGabBigger, toGabSmaller, type Bmf, type GabEntry } from '../src/export.js';
import type { ResultDocument } from '../src/result.js';
import { validate } from '../src/schema.js';
import { modeGroup, runDocument, scenario } from './helpers/fixtures.js';
import { memoryIo } from './helpers/io.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));


const typeOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Keys every example entry has (required), keys any has (allowed), and each key's type. */
function shapeOf(examples: ReadonlyArray<Record<string, unknown>>): { required: string[]; allowed: Set<string>; types: Map<string, string> } {
  const keys = examples.map((e) => Object.keys(e));
  const required = (keys[0] ?? []).filter((k) => keys.every((ks) => ks.includes(k)));
  const allowed = new Set(keys.flat());
  const types = new Map<string, string>();
  for (const e of examples) for (const [k, v] of Object.entries(e)) types.set(k, typeOf(v));
  return { required, allowed, types };
}

/** Checks `out` against the shape of the examples: array, required keys present, no other keys, same types. */
function expectGabShape(out: unknown, examplesFile: string): asserts out is GabEntry[] {
  const examples = fixture(examplesFile) as Array<Record<string, unknown>>;
  expect(Array.isArray(examples)).toBe(true);
  const shape = shapeOf(examples);
  expect(shape.required.sort()).toEqual(['name', 'unit', 'value']);
  expect([...shape.allowed].sort()).toEqual(['extra', 'name', 'range', 'unit', 'value']);
  expect(Array.isArray(out)).toBe(true);
  for (const entry of out as Array<Record<string, unknown>>) {
    for (const k of shape.required) expect(entry, k).toHaveProperty(k);
    for (const [k, v] of Object.entries(entry)) {
      expect(shape.allowed.has(k), `unexpected key ${k}`).toBe(true);
      expect(typeOf(v), k).toBe(shape.types.get(k));
    }
    expect(Number.isFinite(entry.value)).toBe(true);
  }
}

/** Bencher's BMF JSON Schema (draft-07, from its documentation), with `patternProperties: {".+": S}` written as `additionalProperties: S` for this repository's validator. */
const BMF_SCHEMA = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { value: { type: 'number' }, lower_value: { type: 'number' }, upper_value: { type: 'number' } },
      required: ['value'],
    },
  },
};

function expectBmfShape(out: unknown): asserts out is Bmf {
  const example = fixture('bmf.json') as Bmf;
  expect(validate(BMF_SCHEMA, example)).toEqual([]);
  expect(validate(BMF_SCHEMA, out)).toEqual([]);
  const measures = new Set(Object.values(example).flatMap((m) => Object.keys(m)));
  const metricKeys = new Set(Object.values(example).flatMap((m) => Object.values(m).flatMap((x) => Object.keys(x))));
  expect([...measures].sort()).toEqual(['latency', 'throughput']);
  expect([...metricKeys].sort()).toEqual(['lower_value', 'upper_value', 'value']);
  for (const m of Object.values(out as Bmf)) {
    for (const [slug, metric] of Object.entries(m)) {
      expect(measures.has(slug), slug).toBe(true);
      for (const [k, v] of Object.entries(metric)) {
        expect(metricKeys.has(k), k).toBe(true);
        expect(Number.isFinite(v)).toBe(true);
      }
    }
  }
}

let doc: ResultDocument;
let completedIds: string[];
let erroredId: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-export-'));
  doc = await runDocument([
    ...modeGroup('msg.pingpong'),
    ...modeGroup('sem.pingpong'),
    scenario('shm.copy', 'host'),
  ], {
    mock: { failWith: { 'shm.copy': { errno: constants.errno.ENOSPC, call: 'shmget' } } },
    budget: { minWindows: 6, maxWindows: 6, timeMs: 1e9 },
  });
  completedIds = doc.scenarios.filter((s) => s.state === 'completed').map((s) => s.id);
  erroredId = scenario('shm.copy', 'host').id;
  expect(completedIds).toHaveLength(6);
  expect(doc.scenarios.find((s) => s.id === erroredId)?.state).toBe('errored');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('gab-bigger: github-action-benchmark customBiggerIsBetter', () => {
  it('has the documented shape, one entry per completed scenario, named by its id, in ops/s', () => {
    const { data, skipped } = toGabBigger(doc);
    expectGabShape(data, 'gab-custom-bigger.json');
    expect(data.map((e) => e.name)).toEqual(completedIds);
    for (const e of data) {
      const s = doc.scenarios.find((x) => x.id === e.name);
      expect(e.unit).toBe('ops/s');
      expect(e.value).toBe(s?.throughput?.mean);
      expect(e.range).toBe(`± ${s?.throughput?.rme.toFixed(2)}%`);
      expect(e.extra).toContain(`mode ${s?.mode}`);
      expect(e.extra).toContain('placement same-cpu');
      expect(e.extra).toContain('6 windows');
    }
    expect(skipped.map((s) => s.id)).toEqual([erroredId]);
  });
});

describe('gab-smaller: github-action-benchmark customSmallerIsBetter', () => {
  it('has the documented shape: latency p50 and p99 in ns, CPU per op in ns/op, named after the scenario id', () => {
    const { data, skipped } = toGabSmaller(doc);
    expectGabShape(data, 'gab-custom-smaller.json');
    expect(data.map((e) => e.name)).toEqual(completedIds.flatMap((id) => [`${id} latency p50`, `${id} latency p99`, `${id} CPU per op`]));
    for (const e of data) {
      const s = doc.scenarios.find((x) => e.name.startsWith(`${x.id} `));
      expect(s).toBeDefined();
      if (e.name.endsWith('latency p50')) expect(e).toMatchObject({ unit: 'ns', value: s?.latency?.p50 });
      if (e.name.endsWith('latency p99')) expect(e).toMatchObject({ unit: 'ns', value: s?.latency?.p99 });
      if (e.name.endsWith('CPU per op')) expect(e).toMatchObject({ unit: 'ns/op', value: s?.cpuNsPerOp });
    }
    expect(skipped.map((s) => s.id)).toEqual([erroredId]);
  });
});

describe('bmf: Bencher Metric Format', () => {
  it('has the documented shape: throughput with its 95 % CI, latency p50 with p99 as upper value', () => {
    const { data, skipped } = toBmf(doc);
    expectBmfShape(data);
    expect(Object.keys(data)).toEqual(completedIds);
    for (const id of completedIds) {
      const s = doc.scenarios.find((x) => x.id === id);
      const m = data[id];
      expect(m?.throughput).toEqual({ value: s?.throughput?.mean, lower_value: s?.throughput?.ci95[0], upper_value: s?.throughput?.ci95[1] });
      expect(m?.latency).toEqual({ value: s?.latency?.p50, upper_value: s?.latency?.p99 });
      const t = m?.throughput;
      expect(t && t.lower_value !== undefined && t.upper_value !== undefined && t.lower_value <= t.value && t.value <= t.upper_value).toBe(true);
    }
    expect(skipped.map((s) => s.id)).toEqual([erroredId]);
  });
});

describe('exportCommand', () => {
  const docFile = (): string => {
    const p = join(dir, 'run.json');
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };

  for (const format of ['gab-bigger', 'gab-smaller', 'bmf'] as const) {
    it(`--to ${format} writes JSON to stdout and lists the skipped scenarios on stderr`, async () => {
      const io = memoryIo();
      expect(await exportCommand([docFile(), '--to', format], io)).toBe(0);
      const out: unknown = JSON.parse(io.out());
      if (format === 'bmf') expectBmfShape(out);
      else expectGabShape(out, format === 'gab-bigger' ? 'gab-custom-bigger.json' : 'gab-custom-smaller.json');
      expect(io.out()).not.toContain(erroredId);
      expect(io.err()).toContain(`skipped ${erroredId} (errored: shmget failed: ENOSPC`);
    });
  }

  it('--output PATH writes the file instead of stdout', async () => {
    const io = memoryIo();
    const out = join(dir, 'bmf.json');
    expect(await exportCommand([docFile(), '--to', 'bmf', '--output', out], io)).toBe(0);
    expect(io.out()).toBe('');
    expectBmfShape(JSON.parse(readFileSync(out, 'utf8')));
  });

  it('bad input is a UsageError', async () => {
    const f = docFile();
    await expect(exportCommand([f], memoryIo())).rejects.toThrow(/--to is required; one of gab-bigger, gab-smaller, bmf/);
    await expect(exportCommand([f, '--to', 'csv'], memoryIo())).rejects.toThrow(/--to "csv": not one of gab-bigger, gab-smaller, bmf/);
    await expect(exportCommand(['--to', 'bmf'], memoryIo())).rejects.toThrow(/export: give a result document/);
    await expect(exportCommand([join(dir, 'none.json'), '--to', 'bmf'], memoryIo())).rejects.toThrow(/none\.json: no such file/);
    await expect(exportCommand([f, '--to', 'bmf', '--output', join(dir, 'no', 'such', 'dir.json')], memoryIo())).rejects.toThrow(/--output .*cannot write there/);
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '[');
    await expect(exportCommand([notJson, '--to', 'bmf'], memoryIo())).rejects.toThrow(UsageError);
    const failed = structuredClone(doc);
    failed.scenarios = failed.scenarios.filter((s) => s.state !== 'completed');
    const failedFile = join(dir, 'failed.json');
    writeFileSync(failedFile, JSON.stringify(failed));
    await expect(exportCommand([failedFile, '--to', 'gab-bigger'], memoryIo())).rejects.toThrow(/no completed scenario to export/);
  });
});
