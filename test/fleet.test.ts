/**
 * Fleets: `ipcns-bench merge` (src/document/fleet.ts, src/commands/merge.ts)
 * puts the labelled runs of several machines into one fleet document, which
 * `compare` (src/analyze/fleet.ts) and `report` (src/report/fleet-html.ts)
 * read. Documents come from the real scheduler on the mock core (fake
 * clocks: fast and deterministic per seed), as in compare.test.ts. Covered:
 * what merge keeps and records (labels, sources, scenarios only some runs
 * hold), the bad input it refuses with a UsageError naming the fix, the
 * committed schema/fleet.schema.json, the fleet verdicts (A/A, a real 20 %
 * difference, --run-noise, the Bonferroni level, the mode rows and their
 * sentences), and the compare and report commands on a fleet.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_SCHEMA_FILE, fleetSchemaText, RESULT_SCHEMA_FILE } from '../bench/schema.js';
import { COMPARE_ALPHA, DEFAULT_THRESHOLD } from '../src/analyze/baseline.js';
import { compareFleet, type FleetCell, type FleetComparison, type FleetMachine, type FleetOptions, modeSummary } from '../src/analyze/fleet.js';
import { compareCommand, fleetComparisonOf } from '../src/commands/compare.js';
import { type CommandIo, readInput } from '../src/commands/io.js';
import { mergeCommand } from '../src/commands/merge.js';
import { reportCommand } from '../src/commands/report.js';
import { UsageError } from '../src/common/errors.js';
import { FLEET_KIND, type FleetDocument, fleetDocumentOf, type MergeInput, mergeRuns } from '../src/document/fleet.js';
import type { ResultDocument } from '../src/document/result.js';
import { parseLabel } from '../src/plan/flags.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { renderFleetMarkdown } from '../src/report/markdown.js';
import { renderFleet } from '../src/report/table.js';
import { fleetChartCounts } from '../src/report/fleet-html.js';
import { runDocument } from './helpers/fixtures.js';
import { memoryIo } from './helpers/io.js';
import { rename, scaled, without } from './helpers/surgery.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module's `default` property.
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;

const SCENARIOS = expand(loadSuite('ci'));
const IDS = SCENARIOS.map((s) => s.id);
/** The ci suite's cap and precision target, 10-ms windows, 2 % noise: as compare.test.ts's A/A tests. */
const BUDGET = { capMs: 4000, windowMs: 10, precision: 0.02 };

const at = <T>(xs: readonly T[], i: number): T => {
  const x = xs[i];
  if (x === undefined) throw new Error(`no item ${i}`);
  return x;
};
const SLOW = at(IDS, 4); // sem.pingpong/shared/w1/same-cpu
const OTHER = at(IDS, 9); // msg.stream(size=64)/host/w1/same-cpu

/** A document as written to disk and parsed again (NaN and Infinity become null), labelled. */
function labelled(doc: ResultDocument, label: string | undefined): ResultDocument {
  const copy = JSON.parse(JSON.stringify(doc)) as ResultDocument;
  if (label === undefined) delete copy.env.label;
  else copy.env.label = label;
  return copy;
}

// ---------------------------------------------------------------------------
// Running merge, compare and report
// ---------------------------------------------------------------------------

const inputs = (docs: Record<string, unknown>): MergeInput[] =>
  Object.entries(docs).map(([source, value]) => ({ source, value: JSON.parse(JSON.stringify(value)) as unknown }));
const merged = (docs: Record<string, unknown>): FleetDocument => mergeRuns(inputs(docs), new Date('2024-02-01T00:00:00Z')).fleet;

/** The UsageError's message of `f`; fails when f does not throw one. */
async function usage(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error('no UsageError');
}

async function command(cmd: (argv: string[], io: CommandIo) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await cmd(argv, io);
  return { code, out: io.out(), err: io.err() };
}

let dir: string;
let count = 0;
function file(name: string, content: unknown): string {
  const path = join(dir, `${++count}-${name}`);
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}

const fleetOf = (docs: readonly ResultDocument[]): { label: string; doc: ResultDocument }[] => docs.map((doc) => ({ label: doc.env.label as string, doc }));
const OPTIONS: FleetOptions = { reference: 'a', metric: 'throughput', threshold: DEFAULT_THRESHOLD, runNoise: 0 };

function cell(f: FleetComparison, id: string, label: string): FleetCell {
  const c = f.scenarios.find((s) => s.id === id)?.cells.find((x) => x.label === label);
  if (!c) throw new Error(`no cell ${id} on ${label}`);
  return c;
}
const width = (c: FleetCell): number => {
  if (!c.ci) throw new Error(`${c.label} has no interval`);
  return Math.log(c.ci[1] / c.ci[0]);
};

let a: ResultDocument; // seed 1
let b: ResultDocument; // seed 2, same truth
let c: ResultDocument; // seed 3, same truth
let fleetPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-fleet-'));
  a = labelled(await runDocument(SCENARIOS, { seed: 1, mock: { noise: 0.02 }, budget: BUDGET }), 'a');
  b = labelled(await runDocument(SCENARIOS, { seed: 2, mock: { noise: 0.02 }, budget: BUDGET }), 'b');
  c = labelled(await runDocument(SCENARIOS, { seed: 3, mock: { noise: 0.02 }, budget: BUDGET }), 'c');
  fleetPath = join(dir, 'fleet.json');
  await command(mergeCommand, [file('a.json', a), file('b.json', b), file('c.json', c), '--out', fleetPath, '--quiet']);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------

describe('merge', () => {
  it('keeps every run under its label and source, and a fleet document reader accepts it', () => {
    const fleet = merged({ 'a.json': a, 'b.json': b, 'c.json': c });
    expect(fleet.kind).toBe(FLEET_KIND);
    expect(fleet.createdAt).toBe('2024-02-01T00:00:00.000Z');
    expect(fleet.runs.map((r) => [r.label, r.source, r.schemaVersion])).toEqual([
      ['a', 'a.json', 2],
      ['b', 'b.json', 2],
      ['c', 'c.json', 2],
    ]);
    expect(fleet.runs[1]?.document.scenarios).toEqual(b.scenarios);
    expect(fleet.scenarios).toEqual({ count: 12, everywhere: 12, partial: [] });
    expect(fleetDocumentOf(JSON.parse(JSON.stringify(fleet)), 'fleet.json').runs).toHaveLength(3);
  });

  it('records the scenarios only some runs hold: where they are, and where they are not', () => {
    const { fleet, notes } = mergeRuns(inputs({ 'a.json': a, 'b.json': without(b, OTHER), 'c.json': without(c, SLOW) }), new Date());
    expect(fleet.scenarios).toEqual({
      count: 12,
      everywhere: 10,
      partial: [
        { id: SLOW, on: ['a', 'b'], missing: ['c'] },
        { id: OTHER, on: ['a', 'c'], missing: ['b'] },
      ],
    });
    expect(notes).toContain(`only on a, b (not on c): ${SLOW}`);
    expect(() => fleetDocumentOf(JSON.parse(JSON.stringify(fleet)), 'fleet.json')).not.toThrow();
  });

  it('mergeCommand writes the fleet to --out and lists the "only on" scenarios on stderr', async () => {
    const out = join(dir, 'partial-fleet.json');
    const ran = await command(mergeCommand, [file('a.json', a), file('b.json', without(b, SLOW)), '--out', out]);
    expect(ran.code).toBe(0);
    expect(ran.out).toBe('');
    expect(ran.err).toContain('Fleet: 2 runs (a, b), 12 scenarios, 11 on every machine');
    expect(ran.err).toContain(`only on a (not on b): ${SLOW}`);
    expect(ran.err).toContain(`Fleet document: ${out}`);
    const fleet = fleetDocumentOf(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(fleet.runs.map((r) => r.label)).toEqual(['a', 'b']);
    expect(fleet.scenarios.partial).toEqual([{ id: SLOW, on: ['a'], missing: ['b'] }]);
  });

  it('merges a fleet with a further document: the runs are flattened, each keeping its first source', () => {
    const ab = merged({ 'a.json': a, 'b.json': b });
    const abc = merged({ 'ab.json': ab, 'c.json': without(c, SLOW) });
    expect(abc.runs.map((r) => [r.label, r.source])).toEqual([
      ['a', 'a.json'],
      ['b', 'b.json'],
      ['c', 'c.json'],
    ]);
    expect(abc.scenarios.partial).toEqual([{ id: SLOW, on: ['a', 'b'], missing: ['c'] }]);
  });
});

describe('merge refuses bad input with a UsageError naming the fix', () => {
  it('two runs under one label, from two files or from a fleet and a document', async () => {
    const twice = await usage(() => merged({ 'a.json': a, 'a2.json': labelled(b, 'a') }));
    expect(twice).toContain('label a is given twice (a.json and a2.json)');
    expect(twice).toContain('--label NAME');
    const ab = merged({ 'a.json': a, 'b.json': b });
    const again = await usage(() => merged({ 'ab.json': ab, 'b2.json': labelled(c, 'b') }));
    expect(again).toContain('label b is given twice (b.json, in ab.json and b2.json)');
  });

  it('documents of different schema versions', async () => {
    const v1 = { ...labelled(b, 'b'), schemaVersion: 1 };
    const m = await usage(() => merged({ 'a.json': a, 'b.json': v1 }));
    expect(m).toContain('different schema versions');
    expect(m).toContain('schemaVersion 2: a.json; schemaVersion 1: b.json');
    expect(m).toContain('re-run the older ones');
  });

  // BUG (src/document/fleet.ts, mergeRuns): the version check runs before each input is read, and takes a
  // file that is no result document at all (null, {}, a fleet without runs) for one of another version.
  it('a file that is no result document, beside one that is: the message it gets alone, not "different schema versions"', async () => {
    for (const junk of [null, {}]) {
      const alone = await usage(() => merged({ 'junk.json': junk }));
      expect(await usage(() => merged({ 'a.json': a, 'junk.json': junk }))).toBe(alone);
    }
  });

  it('a document without a label', async () => {
    const m = await usage(() => merged({ 'a.json': a, 'old.json': labelled(b, undefined) }));
    expect(m).toContain('old.json: the run has no label');
    expect(m).toContain('--label NAME');
  });

  it('a fleet whose scenarios were edited, or whose run label differs from its document', async () => {
    const fleet = merged({ 'a.json': a, 'b.json': b });
    const edited = structuredClone(fleet);
    edited.scenarios.everywhere = 11;
    expect(await usage(() => fleetDocumentOf(edited, 'f.json'))).toContain('f.json: /scenarios does not match the scenarios of its runs');
    expect(await usage(() => merged({ 'f.json': edited, 'c.json': c }))).toContain('merge the runs again');
    const relabelled = structuredClone(fleet);
    (relabelled.runs[1] as { label: string }).label = 'z';
    expect(await usage(() => fleetDocumentOf(relabelled, 'f.json'))).toContain('f.json: /runs/1: labelled z, but its document says b');
  });

  it('mergeCommand: no --out, or one path given twice', async () => {
    const pa = file('a.json', a);
    const pb = file('b.json', b);
    expect(await usage(() => command(mergeCommand, [pa, pb]))).toContain('give --out PATH');
    const m = await usage(() => command(mergeCommand, [pa, pb, pa, '--out', join(dir, 'x.json')]));
    expect(m).toContain(`${pa} is given twice`);
  });
});

describe('schema/fleet.schema.json', () => {
  it('is what `npm run schema` writes from the TypeBox definition', () => {
    expect(readFileSync(FLEET_SCHEMA_FILE, 'utf8'), 'schema/fleet.schema.json is stale: run `npm run schema`').toBe(fleetSchemaText());
  });

  it('validates a fleet merge wrote, with the result schema for its runs, and refuses a damaged one', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv, ['date-time']);
    ajv.addSchema(JSON.parse(readFileSync(RESULT_SCHEMA_FILE, 'utf8')) as Record<string, unknown>);
    const check = ajv.compile(JSON.parse(readFileSync(FLEET_SCHEMA_FILE, 'utf8')) as Record<string, unknown>);
    const written = JSON.parse(readFileSync(fleetPath, 'utf8')) as FleetDocument;
    expect(check(written), JSON.stringify(check.errors)).toBe(true);
    const bad = structuredClone(written) as unknown as { runs: { label: string; document: { scenarios: { mode: string }[] } }[] };
    (bad.runs[0] as { label: string }).label = 'a b';
    (bad.runs[1]?.document.scenarios[0] as { mode: string }).mode = 'container';
    expect(check(bad)).toBe(false);
    expect(check.errors?.map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/runs/0/label', '/runs/1/document/scenarios/0/mode']));
  });
});

describe('compareFleet', () => {
  it('A/A: three runs of the same truth: nothing faster or slower, every ratio inside its interval', () => {
    const f = compareFleet(fleetOf([a, b, c]), OPTIONS);
    expect(f.perMachine.map((m) => m.label)).toEqual(['b', 'c']);
    expect(f.scenarios.map((s) => s.id)).toEqual(IDS);
    for (const s of f.scenarios) {
      expect(s.cells.map((x) => x.label)).toEqual(['b', 'c']);
      for (const x of s.cells) {
        expect(['equivalent', 'inconclusive'], `${s.id} on ${x.label}`).toContain(x.verdict);
        expect(x.ci).not.toBeNull();
        expect(x.ci?.[0]).toBeLessThanOrEqual(x.ratio as number);
        expect(x.ci?.[1]).toBeGreaterThanOrEqual(x.ratio as number);
      }
    }
    for (const m of f.perMachine) {
      expect(m.counts.faster + m.counts.slower).toBe(0);
      // Not merely inconclusive: 2 % noise and the ci suite's rounds decide most of them.
      expect(m.counts.equivalent).toBeGreaterThanOrEqual(10);
    }
  });

  it('a real 20 % difference on one machine: that scenario slower there only, by throughput and by latency', () => {
    const f = compareFleet(fleetOf([a, b, scaled(c, [SLOW], 'throughput', 0.8)]), OPTIONS);
    expect(cell(f, SLOW, 'c').verdict).toBe('slower');
    expect(cell(f, SLOW, 'c').ratio).toBeLessThan(0.85);
    expect(cell(f, SLOW, 'b').verdict).not.toBe('slower');
    expect(f.perMachine.map((m) => [m.label, m.counts.slower, m.counts.faster])).toEqual([
      ['b', 0, 0],
      ['c', 1, 0],
    ]);
    const lat = compareFleet(fleetOf([a, b, scaled(c, [SLOW], 'latency', 1.25)]), { ...OPTIONS, metric: 'latency-p50' });
    expect(lat.biggerIsBetter).toBe(false);
    expect(cell(lat, SLOW, 'c').verdict).toBe('slower');
    expect(cell(lat, SLOW, 'c').ratio).toBeGreaterThan(1.15);
    expect(lat.perMachine.map((m) => m.counts.slower)).toEqual([0, 1]);
  });

  it('--run-noise widens every interval', () => {
    const narrow = compareFleet(fleetOf([a, b, c]), OPTIONS);
    const wide = compareFleet(fleetOf([a, b, c]), { ...OPTIONS, runNoise: 0.05 });
    expect(wide.method).toContain('±5 % (--run-noise');
    for (const s of narrow.scenarios) {
      for (const x of s.cells) expect(width(cell(wide, s.id, x.label)), `${s.id} on ${x.label}`).toBeGreaterThan(width(x) + 0.01);
    }
  });

  it('keeps the family-wise level over the fleet: alpha split over the machines, then over the scenarios', () => {
    const three = compareFleet(fleetOf([a, b, c]), OPTIONS);
    for (const m of three.perMachine) expect(m.ciLevel).toBeCloseTo(1 - COMPARE_ALPHA / 2 / 12, 12);
    const two = compareFleet(fleetOf([a, b]), OPTIONS);
    expect(two.perMachine[0]?.ciLevel).toBeCloseTo(1 - COMPARE_ALPHA / 1 / 12, 12);
    expect(three.method).toContain('split over 2 machines');
  });

  it('mode rows: one per mode comparison, a cell for each machine that ran it', () => {
    const keysOf = (d: ResultDocument): number => d.comparisons.filter((x) => x.metric === 'throughput').length;
    const f = compareFleet(fleetOf([a, b, without(c, SLOW)]), OPTIONS);
    expect(f.modeMetric).toBe('throughput');
    expect(keysOf(a)).toBeGreaterThan(0);
    expect(f.modes).toHaveLength(keysOf(a));
    expect(new Set(f.modes.map((r) => r.key)).size).toBe(f.modes.length);
    const dropped = a.comparisons.filter((x) => x.metric === 'throughput' && (x.scenarioA === SLOW || x.scenarioB === SLOW)).length;
    expect(dropped).toBeGreaterThan(0);
    expect(f.modes.filter((r) => r.cells.length === 2)).toHaveLength(dropped);
    for (const r of f.modes) {
      if (r.cells.length === 3) expect(r.cells.map((x) => x.label)).toEqual(['a', 'b', 'c']);
      else {
        expect(r.cells.map((x) => x.label)).toEqual(['a', 'b']);
        expect(r.summary).toContain('not measured on c');
      }
      expect(r.summary.startsWith(`${r.a} / ${r.b}: `)).toBe(true);
    }
  });
});

describe('modeSummary', () => {
  const machine = (label: string, kernel = '6.8.0'): FleetMachine => ({
    label,
    kernel,
    arch: 'x64',
    cpuModel: 'cpu',
    cpus: 2,
    route: 'privileged',
    uid: 0,
    suite: 'ci',
    version: '0.1.0',
    startedAt: '2024-01-01T00:00:00.000Z',
    complete: true,
    roundNoise: null,
  });
  const cells = [
    { label: 'a', verdict: 'faster' },
    { label: 'b', verdict: 'faster' },
    { label: 'c', verdict: 'equivalent' },
  ];

  it('the usual verdict with its count, then the machines that differ', () => {
    expect(modeSummary('isolated', 'shared', cells, [machine('a'), machine('b'), machine('c')])).toBe(
      'isolated / shared: faster on 2 of 3 machines; equivalent on c',
    );
  });

  it('names the kernel of a machine that differs when the kernels differ, and the machines that did not measure it', () => {
    expect(modeSummary('isolated', 'shared', cells, [machine('a'), machine('b'), machine('c', '5.15.0')])).toBe(
      'isolated / shared: faster on 2 of 3 machines; equivalent on c (kernel 5.15.0)',
    );
    expect(modeSummary('isolated', 'host', cells, [machine('a'), machine('b'), machine('c'), machine('x')])).toBe(
      'isolated / host: faster on 2 of 4 machines; equivalent on c; not measured on x',
    );
  });
});

describe('compare FLEET.json', () => {
  it('prints the machines and the per-scenario table, exit 0, with --reference', async () => {
    const ran = await command(compareCommand, [fleetPath, '--reference', 'b']);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('Machines');
    expect(ran.out).toContain('b (reference)');
    expect(ran.out).toContain('Per scenario: machine / b');
    for (const id of IDS) expect(ran.out).toContain(id);
    expect(ran.err).not.toContain("the fleet's first run");
  });

  it('--format json: the comparison as JSON', async () => {
    const ran = await command(compareCommand, [fleetPath, '--reference', 'b', '--format', 'json']);
    const f = JSON.parse(ran.out) as FleetComparison;
    expect(f.kind).toBe('ipcns-bench-fleet-compare');
    expect(f.reference).toBe('b');
    expect(f.perMachine.map((m) => m.label)).toEqual(['a', 'c']);
    expect(f.scenarios).toHaveLength(12);
  });

  it('without --reference, the first run is the reference, and stderr says so', async () => {
    const ran = await command(compareCommand, [fleetPath]);
    expect(ran.code).toBe(0);
    expect(ran.err).toContain("reference: a, the fleet's first run (choose one with --reference LABEL)");
    expect(ran.out).toContain('Per scenario: machine / a');
  });

  it('refuses an unknown --reference (listing the labels), one plain document, a fleet among documents, --run-noise with baselines', async () => {
    expect(await usage(() => command(compareCommand, [fleetPath, '--reference', 'q']))).toContain('its labels: a, b, c');
    const pa = file('a.json', a);
    const pb = file('b.json', b);
    expect(await usage(() => command(compareCommand, [pa]))).toContain(`${pa} is one run`);
    expect(await usage(() => command(compareCommand, [pa, fleetPath]))).toContain(`${fleetPath} is a fleet document; compare it alone`);
    expect(await usage(() => command(compareCommand, [fleetPath, pa]))).toContain(`${fleetPath} is a fleet document`);
    expect(await usage(() => command(compareCommand, [pa, pb, '--run-noise', '3%']))).toContain('--run-noise: applies to a fleet document');
  });
});

describe('report FLEET.json', () => {
  const kinds = (html: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const m of html.matchAll(/<figure class="chart" data-kind="([a-z-]+)">/g)) out[m[1] as string] = (out[m[1] as string] ?? 0) + 1;
    return out;
  };

  it('writes a self-contained page with the charts fleetChartCounts says', async () => {
    const out = join(dir, 'fleet.html');
    const ran = await command(reportCommand, [fleetPath, '--reference', 'b', '--out', out]);
    expect(ran.code).toBe(0);
    expect(ran.err).toContain('(reference b)');
    const html = readFileSync(out, 'utf8');
    const input = readInput(fleetPath);
    if (input.kind !== 'fleet') throw new Error('not a fleet');
    const f = fleetComparisonOf(input.fleet, fleetPath, { reference: 'b', metric: 'throughput', threshold: DEFAULT_THRESHOLD });
    const counts = fleetChartCounts(input.fleet, f);
    expect(counts.machine).toBe(2);
    expect(counts.modes).toBe(1);
    expect(counts['fleet-throughput']).toBe(new Set(SCENARIOS.map((s) => s.workload)).size);
    expect(kinds(html)).toEqual(counts);
    expect(html).not.toMatch(/<script/i);
    expect([...html.matchAll(/https?:\/\/[^"'\s)<]+/g)].every((m) => m[0] === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('escapes what the runs say: a hostile scenario id and suite name', async () => {
    const id = '<img src=x>';
    const docs = [a, b, c].map((d) => {
      const copy = structuredClone(d);
      rename(copy, SLOW, id);
      return copy;
    });
    (docs[0] as ResultDocument).command.suite = '<b>x</b>';
    const path = join(dir, 'hostile-fleet.json');
    await command(mergeCommand, [...docs.map((d, i) => file(`h${i}.json`, d)), '--out', path, '--quiet']);
    const out = join(dir, 'hostile.html');
    expect((await command(reportCommand, [path, '--out', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;img src=x&gt;');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('run --label', () => {
  it('takes a host, node or runner name, and refuses what is no label, naming the flag and the rule', () => {
    for (const ok of ['vm', 'ubuntu-24.04-arm', 'node-1.example.internal', 'a:b@c+d_e']) expect(parseLabel('--label', ok)).toBe(ok);
    for (const bad of ['', '-x', 'a b', 'x\u001b[31m', 'a/b', 'y'.repeat(254)])
      expect(() => parseLabel('--label', bad)).toThrow(/--label .*a label is 1 to 253 letters/);
  });
});

describe('the run-to-run warning', () => {
  it('warns, in every output, that without --run-noise a faster machine may be a slower moment; not once --run-noise is given', async () => {
    const runs = await Promise.all(
      ['a', 'b'].map(async (label, i) => {
        const doc = await runDocument(expand(loadSuite('ci')).slice(0, 3), { seed: 40 + i, budget: { capMs: 400, windowMs: 10 } });
        doc.env.label = label;
        return { label, doc };
      }),
    );
    const without = compareFleet(runs, { reference: 'a', metric: 'throughput', threshold: 0.05, runNoise: 0 });
    expect(without.warnings.join()).toMatch(/no --run-noise/);
    expect(renderFleet(without, { color: false })).toMatch(/^warning: no --run-noise/);
    expect(renderFleetMarkdown(without)).toContain('no --run-noise');
    const given = compareFleet(runs, { reference: 'a', metric: 'throughput', threshold: 0.05, runNoise: 0.1 });
    expect(given.warnings).toEqual([]);
    expect(renderFleet(given, { color: false })).not.toContain('warning');
  });
});
