/**
 * `ipcns-bench export`: each format's output has the shape of an example
 * written from that format's documentation (test/fixtures):
 * - gab-custom-bigger.json / gab-custom-smaller.json: github-action-benchmark's
 *   custom tools (README "customBiggerIsBetter" / "customSmallerIsBetter"): a
 *   JSON array of {name: string, unit: string, value: number, range?: string, extra?: string}.
 * - bmf.json: Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format):
 *   {"<benchmark>": {"<measure>": {value: number, lower_value?: number, upper_value?: number}}},
 *   the built-in measure `throughput` (ops/s); latency p50 and p99 (ns) are
 *   measures of their own, `latency-p50` and `latency-p99` (a name Bencher
 *   does not know is created as a measure), because Bencher's thresholds
 *   only judge `value`.
 * The figures exported are the scenario's throughput estimate and its
 * interval (throughput.estimate, throughput.ci), not the mean and ci95.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_HELP, exportCommand, parseExportFormat } from '../src/commands/export.js';
import { mergeCommand } from '../src/commands/merge.js';
import { UsageError } from '../src/common/errors.js';
import { EXPORT_FORMATS, exportDocument, toBmf, toGabBigger, toGabSmaller, type Bmf, type GabEntry } from '../src/document/export.js';
import type { ResultDocument, ScenarioResult } from '../src/document/result.js';
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
    expect(Number.isFinite(entry['value'])).toBe(true);
  }
}

/** Bencher's BMF JSON Schema, as its documentation publishes it (https://bencher.dev/bmf.json, draft-07). */
const BMF_SCHEMA = {
  $id: 'https://bencher.dev/bmf.json',
  $schema: 'http://json-schema.org/draft-07/schema',
  type: 'object',
  patternProperties: {
    '.+': {
      type: 'object',
      patternProperties: {
        '.+': {
          type: 'object',
          properties: { value: { type: 'number' }, lower_value: { type: 'number' }, upper_value: { type: 'number' } },
          required: ['value'],
        },
      },
    },
  },
};

const bmfCheck = new Ajv({ allErrors: true }).compile(BMF_SCHEMA);

function expectBmfShape(out: unknown): asserts out is Bmf {
  const example = fixture('bmf.json') as Bmf;
  expect(bmfCheck(example), JSON.stringify(bmfCheck.errors)).toBe(true);
  expect(bmfCheck(out), JSON.stringify(bmfCheck.errors)).toBe(true);
  const builtIn = new Set(Object.values(example).flatMap((m) => Object.keys(m)));
  const metricKeys = new Set(Object.values(example).flatMap((m) => Object.values(m).flatMap((x) => Object.keys(x))));
  expect([...builtIn].sort()).toEqual(['latency', 'throughput']);
  const measures = new Set(['throughput', 'latency-p50', 'latency-p99']);
  expect([...metricKeys].sort()).toEqual(['lower_value', 'upper_value', 'value']);
  for (const m of Object.values(out as Bmf)) {
    for (const [measure, metric] of Object.entries(m)) {
      expect(measures.has(measure), `unknown measure ${measure}`).toBe(true);
      for (const [k, v] of Object.entries(metric)) {
        expect(metricKeys.has(k), `unknown key ${k}`).toBe(true);
        expect(Number.isFinite(v)).toBe(true);
      }
    }
  }
}

let dir: string;
let doc: ResultDocument;
let completedIds: string[];
let erroredId: string;

const throughputOf = (id: string): NonNullable<ScenarioResult['throughput']> => {
  const t = doc.scenarios.find((x) => x.id === id)?.throughput;
  if (!t) throw new Error(`no throughput for ${id}`);
  return t;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-export-'));
  doc = await runDocument([...modeGroup('msg.pingpong'), ...modeGroup('sem.pingpong'), scenario('shm.copy', 'host')], {
    seed: 7,
    mock: { failWith: { 'shm.copy': { errno: constants.errno.ENOSPC, call: 'shmget' } } },
    budget: { minRounds: 6, maxRounds: 6 },
  });
  completedIds = doc.scenarios.filter((s) => s.state === 'completed').map((s) => s.id);
  erroredId = scenario('shm.copy', 'host').id;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the fixture document', () => {
  it('holds what the export tests rely on', () => {
    expect(completedIds).toHaveLength(6);
    expect(doc.scenarios.find((s) => s.id === erroredId)?.state).toBe('errored');
    for (const id of completedIds) {
      const t = throughputOf(id);
      expect(t.samples).toBe(6);
      // The estimate (trimmed geometric mean) and the mean differ, as do their intervals: the tests can tell which was exported.
      expect(t.estimate).not.toBe(t.mean);
      expect(t.ci).not.toEqual(t.ci95);
    }
  });
});

describe('gab-bigger: github-action-benchmark customBiggerIsBetter', () => {
  it('has the documented shape, one entry per completed scenario, named by its id, in ops/s', () => {
    const { data, skipped } = toGabBigger(doc);
    expectGabShape(data, 'gab-custom-bigger.json');
    expect(data.map((e) => e.name)).toEqual(completedIds);
    for (const e of data) {
      const s = doc.scenarios.find((x) => x.id === e.name);
      expect(e.unit).toBe('ops/s');
      expect(e.extra).toContain(`mode ${s?.mode}`);
      expect(e.extra).toContain('1 worker, placement same-cpu');
      expect(e.extra).toContain('6 rounds');
    }
    expect(skipped.map((s) => s.id)).toEqual([erroredId]);
  });

  it('exports the estimate, with the half-width of its interval as the range and the interval in extra', () => {
    for (const e of toGabBigger(doc).data) {
      const t = throughputOf(e.name);
      expect(e.value).toBe(t.estimate);
      // [lo, hi] is ±(sqrt(hi / lo) - 1) around its geometric centre.
      expect(e.range).toBe(`± ${((Math.sqrt(t.ci[1] / t.ci[0]) - 1) * 100).toFixed(2)}%`);
      const m = /; 95% interval (\S+) to (\S+) ops\/s$/.exec(e.extra ?? '');
      expect(m, e.extra).not.toBeNull();
      expect(Number(m?.[1])).toBeCloseTo(t.ci[0], -1);
      expect(Number(m?.[2])).toBeCloseTo(t.ci[1], -1);
      expect(Number(m?.[1])).toBeLessThanOrEqual(e.value);
      expect(Number(m?.[2])).toBeGreaterThanOrEqual(e.value);
    }
  });

  it('says what the entry stands on: uncontrolled placement, oversubscription, workers', async () => {
    const d = await runDocument([scenario('msg.stream', 'host', { workers: 4, placement: 'any' })], { seed: 7 });
    const [e] = toGabBigger(d).data;
    expect(e?.extra).toMatch(/^mode host, 4 workers, placement any \(uncontrolled\), \d+ rounds, oversubscribed; 95% interval /);
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
      if (e.name.includes(' latency ')) expect(e.extra).toContain(`${s?.latency?.count} sampled ops (1 in ${s?.latency?.sampleEvery})`);
    }
    expect(skipped.map((s) => s.id)).toEqual([erroredId]);
  });

  it('leaves out what a scenario did not measure', () => {
    const d = structuredClone(doc);
    const s = d.scenarios[0];
    if (s) {
      delete s.latency;
      delete s.cpuNsPerOp;
    }
    const names = toGabSmaller(d).data.map((e) => e.name);
    expect(names.some((n) => n.startsWith(`${completedIds[0] ?? ''} `))).toBe(false);
    expect(names).toHaveLength(3 * (completedIds.length - 1));
  });
});

describe('bmf: Bencher Metric Format', () => {
  it('has the documented shape: throughput estimate with its interval, latency p50 and p99 as measures of their own', () => {
    const { data, skipped } = toBmf(doc);
    expectBmfShape(data);
    expect(Object.keys(data)).toEqual(completedIds);
    for (const id of completedIds) {
      const s = doc.scenarios.find((x) => x.id === id);
      const t = throughputOf(id);
      const m = data[id];
      expect(m?.throughput).toEqual({ value: t.estimate, lower_value: t.ci[0], upper_value: t.ci[1] });
      // Each percentile in `value`, the only field Bencher's thresholds judge.
      expect(m?.['latency-p50']).toEqual({ value: s?.latency?.p50 });
      expect(m?.['latency-p99']).toEqual({ value: s?.latency?.p99 });
      expect(m?.['latency']).toBeUndefined();
      const b = m?.throughput;
      expect(b && b.lower_value !== undefined && b.upper_value !== undefined && b.lower_value <= b.value && b.value <= b.upper_value).toBe(true);
    }
    expect(skipped.map((s) => s.id)).toEqual([erroredId]);
  });

  it('has no latency measure for a scenario without latency', () => {
    const d = structuredClone(doc);
    const s = d.scenarios[0];
    if (s) delete s.latency;
    const m = toBmf(d).data[completedIds[0] ?? ''];
    expect(m && Object.keys(m)).toEqual(['throughput']);
  });
});

describe('skipped scenarios', () => {
  it('are listed with their state and the reason', () => {
    const d = structuredClone(doc);
    const shm = d.scenarios.find((s) => s.id === erroredId);
    const first = d.scenarios[0];
    const second = d.scenarios[1];
    if (!shm || !first || !second) throw new Error('fixture');
    delete first.throughput;
    second.state = 'skipped';
    second.failure = { errno: 0, code: 'none', call: 'plan', message: 'not run: interrupted' };
    for (const format of EXPORT_FORMATS) {
      expect(exportDocument(d, format).skipped).toEqual([
        { id: first.id, reason: 'completed: no throughput' },
        { id: second.id, reason: 'skipped: not run: interrupted' },
        { id: erroredId, reason: `errored: ${shm.failure?.message ?? ''}` },
      ]);
    }
    expect(toGabBigger(d).data.map((e) => e.name)).toEqual(completedIds.slice(2));
  });
});

describe('exportDocument', () => {
  it('dispatches on the format', () => {
    expect(EXPORT_FORMATS).toEqual(['gab-bigger', 'gab-smaller', 'bmf']);
    expect(exportDocument(doc, 'gab-bigger')).toEqual(toGabBigger(doc));
    expect(exportDocument(doc, 'gab-smaller')).toEqual(toGabSmaller(doc));
    expect(exportDocument(doc, 'bmf')).toEqual(toBmf(doc));
  });

  it('is a pure function of the document', () => {
    const before = JSON.stringify(doc);
    for (const f of EXPORT_FORMATS) expect(exportDocument(doc, f)).toEqual(exportDocument(doc, f));
    expect(JSON.stringify(doc)).toBe(before);
  });

  it('parseExportFormat reads --to', () => {
    expect(parseExportFormat('bmf')).toBe('bmf');
    expect(() => parseExportFormat('csv')).toThrow(UsageError);
  });
});

describe('exportCommand', () => {
  const docFile = (name = 'run.json', d: unknown = doc): string => {
    const p = join(dir, name);
    writeFileSync(p, `${JSON.stringify(d, null, 2)}\n`);
    return p;
  };

  for (const format of ['gab-bigger', 'gab-smaller', 'bmf'] as const) {
    it(`--to ${format} writes JSON to stdout and lists the skipped scenarios on stderr`, async () => {
      const io = memoryIo();
      expect(await exportCommand([docFile(), '--to', format], io)).toBe(0);
      const out: unknown = JSON.parse(io.out());
      if (format === 'bmf') expectBmfShape(out);
      else expectGabShape(out, format === 'gab-bigger' ? 'gab-custom-bigger.json' : 'gab-custom-smaller.json');
      // What the command wrote is what exportDocument returns for the document read back.
      expect(out).toEqual(JSON.parse(JSON.stringify(exportDocument(JSON.parse(JSON.stringify(doc)) as ResultDocument, format).data)));
      expect(io.out()).not.toContain(erroredId);
      expect(io.out().endsWith('\n')).toBe(true);
      expect(io.err()).toBe(`ipcns-bench: export: skipped ${erroredId} (errored: ${doc.scenarios.find((s) => s.id === erroredId)?.failure?.message ?? ''})\n`);
    });
  }

  it('--output PATH writes the file instead of stdout', async () => {
    const io = memoryIo();
    const out = join(dir, 'bmf.json');
    expect(await exportCommand([docFile(), '--to', 'bmf', '--output', out], io)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toContain(`skipped ${erroredId}`);
    const written: unknown = JSON.parse(readFileSync(out, 'utf8'));
    expectBmfShape(written);
    expect(Object.keys(written)).toEqual(completedIds);
    const io2 = memoryIo();
    const gab = join(dir, 'gab.json');
    expect(await exportCommand([docFile(), '-o', gab, '--to', 'gab-bigger'], io2)).toBe(0);
    expect(io2.out()).toBe('');
    expectGabShape(JSON.parse(readFileSync(gab, 'utf8')), 'gab-custom-bigger.json');
  });

  it('--help prints the usage', async () => {
    const io = memoryIo();
    expect(await exportCommand(['--help'], io)).toBe(0);
    expect(io.out()).toBe(`${EXPORT_HELP}\n`);
  });

  it("--help names each of bmf's measures as the output has them", () => {
    const measures = new Set(Object.values(toBmf(doc).data).flatMap((m) => Object.keys(m)));
    expect([...measures].sort()).toEqual(['latency-p50', 'latency-p99', 'throughput']);
    const bmfHelp = EXPORT_HELP.slice(EXPORT_HELP.indexOf('--to bmf'), EXPORT_HELP.indexOf('  --output'));
    for (const m of measures) expect(bmfHelp).toContain(m);
    expect(bmfHelp).toContain('lower_value');
    expect(bmfHelp).not.toContain('upper p99');
  });

  describe('a fleet', () => {
    const labelled = (label: string): ResultDocument => ({ ...structuredClone(doc), env: { ...doc.env, label } });
    let fleet: string;
    beforeAll(async () => {
      fleet = join(dir, 'fleet.json');
      expect(await mergeCommand([docFile('a.json', labelled('node-a')), docFile('b.json', labelled('node-b')), '--out', fleet, '--quiet'], memoryIo())).toBe(0);
    });

    it('is refused without --label, saying that a fleet is exported one run at a time and how', async () => {
      await expect(exportCommand([fleet, '--to', 'bmf'], memoryIo())).rejects.toThrow(
        `${fleet} is a fleet of 2 runs (node-a, node-b); trackers take one run at a time: ipcns-bench export ${fleet} --label node-a --to FORMAT`,
      );
    });

    it('with --label, exports that run as its own document exports', async () => {
      const io = memoryIo();
      expect(await exportCommand([fleet, '--label', 'node-b', '--to', 'bmf'], io)).toBe(0);
      expect(JSON.parse(io.out())).toEqual(JSON.parse(JSON.stringify(toBmf(labelled('node-b')).data)));
    });

    it('with a label it does not hold, names the labels it does', async () => {
      await expect(exportCommand([fleet, '--label', 'node-c', '--to', 'bmf'], memoryIo())).rejects.toThrow(
        `--label node-c: no run of that label in ${fleet}; its runs: node-a, node-b`,
      );
    });

    it('--label on a single run must be its own label', async () => {
      await expect(exportCommand([docFile('a1.json', labelled('node-a')), '--label', 'node-b', '--to', 'bmf'], memoryIo())).rejects.toThrow(
        /--label node-b: .* is one run, of node-a; --label picks a run out of a fleet/,
      );
      expect(await exportCommand([docFile('a2.json', labelled('node-a')), '--label', 'node-a', '--to', 'bmf'], memoryIo())).toBe(0);
    });
  });

  it('reads a version 1 document: its mean and 95 % interval are the estimate and interval exported', async () => {
    const id = 'sysv.msg.pingpong/size=64/host/w1/any';
    const limits = {
      nsInode: 4026531839,
      msgmax: 8192,
      msgmnb: 16384,
      msgmni: 32000,
      shmmax: Number.MAX_SAFE_INTEGER,
      shmall: Number.MAX_SAFE_INTEGER,
      shmmni: 4096,
      semmsl: 32000,
      semmns: 1024000000,
      semopm: 500,
      semmni: 32000,
      mqMsgMax: 10,
      mqMsgsizeMax: 8192,
      mqQueuesMax: 256,
    };
    const v1 = {
      schemaVersion: 1,
      tool: { name: 'ipcns-bench', version: '0.1.0' },
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
      complete: true,
      command: { suite: 'default', argv: [] },
      env: {
        kernel: '6.8.0',
        arch: 'x64',
        cpuModel: 'Test CPU',
        cpuCount: 2,
        usableCpus: [0, 1],
        clocksource: 'tsc',
        timerNs: 20,
        node: 'v20.19.0',
        uid: 0,
        capSysAdmin: true,
        route: 'privileged',
        limits: { host: limits, fresh: limits },
      },
      scenarios: [
        {
          id,
          workload: 'msg.pingpong',
          params: { size: 64 },
          mode: 'host',
          workers: 1,
          placement: 'any',
          sysctls: {},
          state: 'completed',
          oversubscribed: false,
          throughput: {
            unit: 'ops/s',
            mean: 250000,
            median: 249000,
            sd: 1500,
            rme: 0.8,
            ci95: [248000, 252000],
            samples: 3,
            windows: [249000, 250000, 251000],
          },
          latency: { unit: 'ns', p50: 3900, p90: 4200, p99: 6100, p999: 12000, max: 40000, mean: 4000, count: 1250, sampleEvery: 100 },
          cpuNsPerOp: 7800,
          ctxSwitchesPerOp: 2,
          windows: 3,
        },
      ],
      comparisons: [],
    };
    const io = memoryIo();
    expect(await exportCommand([docFile('v1.json', v1), '--to', 'bmf'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual({
      [id]: { throughput: { value: 250000, lower_value: 248000, upper_value: 252000 }, 'latency-p50': { value: 3900 }, 'latency-p99': { value: 6100 } },
    });
    expect(io.err()).toBe('');
  });

  it('refuses a document with nothing completed (UsageError)', async () => {
    const failed = structuredClone(doc);
    failed.scenarios = failed.scenarios.filter((s) => s.state !== 'completed');
    failed.comparisons = [];
    failed.groups = failed.groups.filter((g) => g.scenarios.every((id) => failed.scenarios.some((s) => s.id === id)));
    const f = docFile('failed.json', failed);
    for (const format of EXPORT_FORMATS) {
      const io = memoryIo();
      const run = exportCommand([f, '--to', format], io);
      await expect(run).rejects.toThrow(UsageError);
      await expect(run).rejects.toThrow(`${f}: no completed scenario to export (1 scenario, none completed)`);
      expect(io.out()).toBe('');
    }
    const out = join(dir, 'never.json');
    await expect(exportCommand([f, '--to', 'bmf', '--output', out], memoryIo())).rejects.toThrow(UsageError);
    expect(() => readFileSync(out)).toThrow();
  });

  it('bad input is a UsageError', async () => {
    const f = docFile();
    await expect(exportCommand([f], memoryIo())).rejects.toThrow(UsageError);
    await expect(exportCommand([f], memoryIo())).rejects.toThrow(/--to is required; one of gab-bigger, gab-smaller, bmf/);
    await expect(exportCommand([f, '--to', 'csv'], memoryIo())).rejects.toThrow(/--to "csv": not one of gab-bigger, gab-smaller, bmf/);
    await expect(exportCommand(['--to', 'bmf'], memoryIo())).rejects.toThrow(/export: give a result document/);
    await expect(exportCommand([f, '--to', 'bmf', '--output', ' '], memoryIo())).rejects.toThrow(/--output: give a file path/);
    await expect(exportCommand([join(dir, 'none.json'), '--to', 'bmf'], memoryIo())).rejects.toThrow(/none\.json: no such file/);
    await expect(exportCommand([dir, '--to', 'bmf'], memoryIo())).rejects.toThrow(/is a directory/);
    await expect(exportCommand([f, '--to', 'bmf', '--output', join(dir, 'no', 'such', 'dir.json')], memoryIo())).rejects.toThrow(
      /--output .*: the folder .*no does not exist; create it/,
    );
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '[');
    await expect(exportCommand([notJson, '--to', 'bmf'], memoryIo())).rejects.toThrow(UsageError);
    await expect(exportCommand([notJson, '--to', 'bmf'], memoryIo())).rejects.toThrow(/bad\.json is not JSON/);
    const damaged = JSON.parse(JSON.stringify(doc)) as { scenarios: Array<{ mode: string }> };
    const first = damaged.scenarios[0];
    if (first) first.mode = 'container';
    await expect(exportCommand([docFile('damaged.json', damaged), '--to', 'bmf'], memoryIo())).rejects.toThrow(
      /damaged\.json is not an ipcns-bench result document: \/scenarios\/0\/mode: expected one of "host", "shared", "isolated", got "container"/,
    );
  });
});
