/**
 * Documents that are valid, or nearly, and still hostile to the commands that
 * read them and to what those commands print. Each is refused with one line
 * (exit 2), or read and printed within bounds, and nothing taken from the
 * file acts on a terminal, a markdown page or a report.
 *
 * The commands run as a user runs them (the built CLI); the pieces behind
 * them that have limits of their own are also called directly.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetText } from '../src/commands/merge.js';
import { UsageError } from '../src/common/errors.js';
import { jsonProblem, jsonSizes, lineColumn, MAX_JSON_DEPTH } from '../src/common/json.js';
import { FLEET_KIND, FLEET_SCHEMA_VERSION, type FleetDocument, MAX_FLEET_BYTES } from '../src/document/fleet.js';
import type { ResultDocument, ScenarioResult } from '../src/document/result.js';
import { SCHEMA_VERSION } from '../src/document/schema.js';
import { documentCharts, MAX_CHARTS_PER_KIND } from '../src/report/charts.js';
import { MAX_REPORT_BYTES } from '../src/report/html.js';
import { type CliResult, runCli } from './helpers/cli.js';
import { modeGroup, runDocument } from './helpers/fixtures.js';
import { anotherRun, toV1 } from './helpers/surgery.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-hostile-docs-'));
let files = 0;
/** Writes `content` (a value as indented JSON, or text as it is) to a new file; returns its path. */
function file(name: string, content: unknown): string {
  const path = join(dir, `${++files}-${name}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** Bad input: exit 2, one line that starts with the tool's name and matches `message`, nothing on stdout, no stack trace. */
function expectRefusal(r: CliResult, message: RegExp): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ipcns-bench: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/call stack|\n\s+at |Error:/);
  expect(r.stdout).toBe('');
}

/** `value` wrapped in `levels` arrays: [[[...value...]]]. */
function nested(levels: number, value: unknown = 0): string {
  return `${'['.repeat(levels)}${JSON.stringify(value)}${']'.repeat(levels)}`;
}

/** A document's text with an unknown top-level field whose value is `raw` JSON text (readers tolerate unknown fields). */
const withField = (doc: ResultDocument, raw: string): string => `${JSON.stringify(doc).slice(0, -1)},"x-extra":${raw}}`;

const SCENARIOS = [...modeGroup('msg.pingpong'), ...modeGroup('sem.pingpong')];
let run1: ResultDocument;
let run2: ResultDocument;
let path1: string;
let path2: string;

beforeAll(async () => {
  run1 = await runDocument(SCENARIOS, { seed: 1 });
  // Another run: other figures, and it started a minute later.
  run2 = await runDocument(SCENARIOS, { seed: 2 });
  run2.startedAt = '2024-01-01T00:01:00.000Z';
  run2.finishedAt = '2024-01-01T00:02:00.000Z';
  run1.env.label = 'alpha';
  run2.env.label = 'beta';
  path1 = file('run1.json', run1);
  path2 = file('run2.json', run2);
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the same run under two names is refused, whatever was done to its document', () => {
  /** Every key of every object in sorted order, as `jq -S` writes a document. */
  function keySorted(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(keySorted);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, keySorted((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  }

  const variants: Array<[string, () => unknown]> = [
    ['a copy with its keys sorted (jq -S)', () => keySorted(run1)],
    ['a copy with a field added', () => ({ ...run1, 'x-note': 'copied', scenarios: run1.scenarios.map((s) => ({ ...s, 'x-seen': true })) })],
    ['a copy with another label', () => ({ ...run1, env: { ...run1.env, label: 'gamma' } })],
    ['a copy with its scenarios in another order', () => ({ ...run1, scenarios: [...run1.scenarios].reverse() })],
    ['the run converted to schemaVersion 1', () => toV1(run1)],
  ];
  for (const [what, make] of variants) {
    it(`${what}: by compare, as a baseline beside it or as the current run, and by report --base`, () => {
      const copy = file('copy.json', make());
      for (const argv of [
        ['compare', path1, copy, path2],
        ['compare', '--base', copy, path1],
        ['report', path2, '--base', path1, '--base', copy, '--out', join(dir, `r${files}.html`)],
      ]) {
        expectRefusal(runCli(argv), /hold the same run \(started 2024-01-01T00:00:00\.000Z on Test CPU, with the same figures\); give each run once/);
      }
    });
  }

  it('report --base with the current run itself, or a copy of it, is refused, as compare refuses it', () => {
    expectRefusal(runCli(['report', path1, '--base', path1, '--out', join(dir, 'self.html')]), /report: .*run1\.json is given twice; give each run once/);
    expectRefusal(runCli(['report', path1, '--base', file('sorted.json', keySorted(run1)), '--out', join(dir, 'self.html')]), /hold the same run/);
    expectRefusal(runCli(['report', path1, '--base', path2, '--base', path2, '--out', join(dir, 'twice.html')]), /report: .*run2\.json is given twice/);
  });

  it('two runs of the same figures that started at different times are two runs', () => {
    const later = file('later.json', anotherRun(run1, 1));
    const r = runCli(['compare', path1, later, path2]);
    expect(r.code, r.stderr).not.toBe(2);
    expect(r.stdout).toContain('between-run');
  });
});

describe('nesting', () => {
  it(`a document with an unknown field nested 3000 levels deep: every reader exits 2 with one line naming the limit of ${MAX_JSON_DEPTH}`, () => {
    const deep = file('deep.json', withField(run1, nested(3000)));
    for (const argv of [
      ['report', deep, '--out', join(dir, 'deep.html')],
      ['compare', deep, path2],
      ['compare', path2, deep],
      ['export', deep, '--to', 'bmf'],
      ['merge', deep, path2, '--out', join(dir, 'deep-fleet.json')],
      ['report', path2, '--base', deep, '--out', join(dir, 'deep2.html')],
    ]) {
      expectRefusal(
        runCli(argv),
        new RegExp(`deep\\.json: nested deeper than ${MAX_JSON_DEPTH} levels at line 1, column \\d+; .*at most ${MAX_JSON_DEPTH} levels`),
      );
    }
  });

  it('a suite nested 3000 levels deep, the same', () => {
    const head = '{"name": "deep", "budget": {"capMs": 100}, "matrix": [{"workload": "msg.pingpong", "x": ';
    const suite = file('deep-suite.json', `${head}${nested(3000)}}]}`);
    // The suite, its matrix and the entry are three levels: the field's arrays pass the limit at its (limit - 2)th.
    const column = head.length + MAX_JSON_DEPTH - 3 + 1;
    expectRefusal(runCli(['run', '--suite', suite]), new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels at line 1, column ${column};`));
  });

  it('jsonProblem agrees with JSON.parse on valid and broken text, and finds where the text breaks', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 4 || r < 0.4) return pick([0, -1.5, 1e21, 1e-7, 'a"b\\c', 'é€😀', '\u0001x\n', '\ud800', true, false, null, '']);
      if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [pick(['k', 'é', 'q"', '__proto__', `x${i}`]), value(depth + 1)]));
    };
    const pieces = ['{', '}', '[', ']', ',', ':', '"', '\\', 'x', '1', '-', '.', 'e', ' ', '\u0001', 't', 'n'];
    for (let t = 0; t < 500; t++) {
      const text = JSON.stringify(value(0), null, random() < 0.5 ? 2 : 0);
      expect(jsonProblem(text), text).toBeNull();
      for (let m = 0; m < 4; m++) {
        const at = Math.floor(random() * (text.length + 1));
        const broken = random() < 0.5 ? text.slice(0, at) + pick(pieces) + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
        let parses = true;
        try {
          JSON.parse(broken);
        } catch {
          parses = false;
        }
        expect(jsonProblem(broken) === null, JSON.stringify(broken)).toBe(parses);
      }
    }
    expect(lineColumn('{\n  "a": 1,\n  "b": x\n}', jsonProblem('{\n  "a": 1,\n  "b": x\n}')?.index ?? -1)).toEqual({ line: 3, column: 8 });
  });
});

describe('merge writes only what the readers take', () => {
  it('a document nested up to the limit is read; merge refuses a fleet that would nest past it, and compare reads what merge writes', () => {
    // The document itself is level 1, its field 2: the field's arrays take it to exactly the limit.
    const atLimit = file('at-limit.json', withField(run1, nested(MAX_JSON_DEPTH - 1)));
    const r = runCli(['compare', atLimit, path2]);
    expect(r.code, r.stderr).not.toBe(2);
    // In a fleet a document sits three levels in: this one would take the fleet past the limit, so merge says so before writing.
    const out = join(dir, 'at-limit-fleet.json');
    expectRefusal(runCli(['merge', atLimit, path2, '--out', out]), new RegExp(`would nest ${MAX_JSON_DEPTH + 3} levels deep, more than the ${MAX_JSON_DEPTH}`));
    const fits = file('fits.json', withField(run1, nested(MAX_JSON_DEPTH - 4)));
    const merged = runCli(['merge', fits, path2, '--out', out, '--quiet']);
    expect(merged.code, merged.stderr).toBe(0);
    const read = runCli(['compare', out, '--format', 'json']);
    expect(read.code, read.stderr).toBe(0);
  });

  it('documents larger together than a fleet can be are refused before any is read, with the sizes', () => {
    // Sparse: as large as the numbers say, without the disk.
    const big = [join(dir, 'big-a.json'), join(dir, 'big-b.json')];
    for (const p of big) {
      writeFileSync(p, '');
      truncateSync(p, 200 << 20);
    }
    expectRefusal(
      runCli(['merge', ...big, '--out', join(dir, 'big-fleet.json')]),
      /^ipcns-bench: merge: the documents are 400\.0 MiB together \(.*big-a\.json 200\.0 MiB, .*big-b\.json 200\.0 MiB\); a fleet holds them whole, and compare and report read a fleet of at most 256\.0 MiB: merge fewer runs into each fleet$/,
    );
  });

  it('a fleet whose indentation would multiply it is written compact, no larger than its documents, and compare reads it', () => {
    // 200 000 numbers 60 levels deep: 0.4 MB as written, about 25 MB once every number has a line of its own.
    const wide = (doc: ResultDocument, name: string): string =>
      file(
        name,
        withField(
          doc,
          nested(
            58,
            Array.from({ length: 200_000 }, () => 0),
          ),
        ),
      );
    const inputs = [wide(run1, 'wide1.json'), wide(run2, 'wide2.json')];
    const out = join(dir, 'wide-fleet.json');
    const r = runCli(['merge', ...inputs, '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const written = statSync(out).size;
    const given = inputs.reduce((a, p) => a + statSync(p).size, 0);
    expect(written).toBeLessThan(given + (64 << 10));
    const read = runCli(['compare', out, '--format', 'json']);
    expect(read.code, read.stderr).toBe(0);
  });

  it('a fleet that would outgrow what a reader takes (its lists of partial scenarios) is refused with the numbers, its text never built', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => `machine-${String(i).padStart(4, '0')}.example.org`);
    const entry = { id: 'msg.pingpong(size=64)/host/w1/same-cpu', on: labels.slice(0, 500), missing: labels.slice(500) };
    const fleet: FleetDocument = {
      schemaVersion: FLEET_SCHEMA_VERSION,
      kind: FLEET_KIND,
      tool: { name: 'ipcns-bench', version: '0.1.0' },
      createdAt: '2024-01-01T00:00:00.000Z',
      documentSchemaVersion: SCHEMA_VERSION,
      runs: [],
      scenarios: { count: 12_000, everywhere: 0, partial: Array.from({ length: 12_000 }, () => entry) },
    };
    const size = jsonSizes(fleet).compact;
    expect(size).toBeGreaterThan(MAX_FLEET_BYTES);
    let thrown: unknown;
    try {
      fleetText(fleet);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(new RegExp(`would be ${((size + 1) / (1 << 20)).toFixed(1)} MiB even without indentation .*at most 256\\.0 MiB`));
  });

  it('jsonSizes counts what JSON.stringify writes, compact and indented, in UTF-8 bytes', () => {
    const values: unknown[] = [run1, toV1(run2), { a: [], b: {}, c: [null, 'é€😀\ud800"\\\n\u0001'], d: { e: [1e21, -0, 5e-324] } }, 'x', [], {}, 0];
    for (const v of values) {
      expect(jsonSizes(v).compact).toBe(Buffer.byteLength(JSON.stringify(v)));
      expect(jsonSizes(v).indented).toBe(Buffer.byteLength(JSON.stringify(v, null, 2)));
    }
  });
});

describe('escape sequences in what an error quotes', () => {
  /** C0 and C1 controls other than newline, DEL, and Unicode's bidirectional controls: none belongs on a terminal. */
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
  /** A screen clear, a window title ended by BEL, a C1 CSI, a right-to-left override. */
  const HOSTILE = '\u001b[2J\u001b]0;owned\u0007\u009b31m\u202e';
  /** The same, as the tool shows it. */
  const SHOWN = '\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u{202e}';

  /** A copy of run1 with `edit` applied to its first scenario. */
  const edited = (edit: (s: Record<string, unknown>) => void): ResultDocument => {
    const copy = structuredClone(run1);
    edit(copy.scenarios[0] as unknown as Record<string, unknown>);
    return copy;
  };

  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'a validation error at a key of sysctls',
      () => [
        'compare',
        file(
          'sysctl-key.json',
          edited((s) => (s['sysctls'] = { [`kernel.msgmni${HOSTILE}`]: 5 })),
        ),
        path2,
      ],
      /\/scenarios\/0\/sysctls\/kernel\.msgmni\\x1b\[2J\\x1b\]0;owned\\x07\\x9b31m\\u\{202e\}: must be string \(got 5\)/,
    ],
    [
      'the value a validation error quotes (got "...")',
      () => [
        'report',
        file(
          'mode.json',
          edited((s) => (s['mode'] = `host${HOSTILE}`)),
        ),
        '--out',
        join(dir, 'mode.html'),
      ],
      /\/scenarios\/0\/mode: expected one of "host", "shared", "isolated", got "host\\u001b\[2J\\u001b\]0;owned\\u0007\\x9b31m\\u\{202e\}"/,
    ],
    [
      'merge: a document given twice',
      () => ['merge', `a${HOSTILE}.json`, `a${HOSTILE}.json`, '--out', join(dir, 'twice.json')],
      /merge: a\\x1b\[2J.*is given twice/,
    ],
    [
      'a file that is not there',
      () => ['export', join(dir, `missing${HOSTILE}.json`), '--to', 'bmf'],
      /missing\\x1b\[2J\\x1b\]0;owned\\x07\\x9b31m\\u\{202e\}\.json: no such file/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(`${what}: shown escaped, as the tables show text`, () => {
      const r = runCli(argv());
      expectRefusal(r, message);
      expect(CONTROL.test(r.stderr), JSON.stringify(r.stderr)).toBe(false);
      expect(r.stderr).toContain(SHOWN.slice(-9));
    });
  }
});

describe('a scenario named __proto__', () => {
  it('is exported to BMF like any other', () => {
    const doc = structuredClone(run1);
    const s = doc.scenarios[0] as ScenarioResult;
    const old = s.id;
    s.id = '__proto__';
    for (const c of doc.comparisons) {
      if (c.scenarioA === old) c.scenarioA = '__proto__';
      if (c.scenarioB === old) c.scenarioB = '__proto__';
    }
    for (const g of doc.groups) g.scenarios = g.scenarios.map((x) => (x === old ? '__proto__' : x));
    const r = runCli(['export', file('proto.json', doc), '--to', 'bmf']);
    expect(r.code, r.stderr).toBe(0);
    const bmf = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(bmf)).toHaveLength(doc.scenarios.length);
    expect(Object.hasOwn(bmf, '__proto__')).toBe(true);
    const own = Object.getOwnPropertyDescriptor(bmf, '__proto__')?.value as { throughput?: { value: number } } | undefined;
    expect(own?.throughput?.value).toBe(s.throughput?.estimate);
  });
});

describe('markdown holds no HTML from a document', () => {
  const TAGS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<iframe src=//example.org>', '<!--'];
  let hostile: string;
  let other: string;
  beforeAll(() => {
    const doc = structuredClone(run1);
    doc.command.suite = `quick ${TAGS.join(' ')}`;
    const s = doc.scenarios[0] as ScenarioResult;
    s.state = 'errored';
    s.failure = { errno: 5, code: 'EIO', call: 'window', message: `window failed ${TAGS.join(' ')} & more` };
    hostile = file('html.json', doc);
    other = file('html-other.json', { ...structuredClone(doc), startedAt: run2.startedAt, finishedAt: run2.finishedAt, scenarios: run2.scenarios });
  });
  const noTags = (text: string): void => {
    for (const tag of ['<script', '<img', '<iframe', '<!--']) expect(text).not.toContain(tag);
  };

  it('compare --format markdown, and its --summary', () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const r = runCli(['compare', other, hostile, '--format', 'markdown', '--summary'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, r.stderr).toBe(1);
    noTags(r.stdout);
    noTags(readFileSync(summary, 'utf8'));
    expect(r.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.stdout).toContain('&amp; more');
  });

  it('a fleet as markdown, and its --summary', () => {
    const fleet = join(dir, 'html-fleet.json');
    expect(runCli(['merge', hostile, path2, '--out', fleet, '--quiet']).code).toBe(0);
    const summary = join(dir, 'fleet-summary.md');
    writeFileSync(summary, '');
    const r = runCli(['compare', fleet, '--format', 'markdown', '--summary'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, r.stderr).toBe(0);
    noTags(r.stdout);
    noTags(readFileSync(summary, 'utf8'));
    expect(r.stdout).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe("the histogram's own constants", () => {
  /**
   * A histogram of the tool's scheme (linear 128, subBits 6) whose samples
   * all lie at 256 ns or more, and the same samples in the scheme of linear
   * 256: there, every bucket from 256 ns on has the same bounds at an index
   * 64 higher. Drawn from either, the distribution is the same.
   */
  const TOOL = [
    [200, 40],
    [230, 30],
    [300, 20],
    [420, 10],
  ] as Array<[number, number]>;
  const withHistograms = (linear: number, shift: number): ResultDocument => {
    const doc = structuredClone(run1);
    for (const s of doc.scenarios) {
      const l = s.latency;
      if (!l?.histogram) continue;
      l.histogram = { linear, subBits: 6, buckets: TOOL.map(([i, n]) => [i + shift, n]) };
      l.count = 100;
    }
    return doc;
  };
  const latencyCharts = (doc: ResultDocument): string[] => documentCharts(doc, 'machine').filter((c) => c.includes('data-kind="latency"'));

  it('a histogram written with linear 256 is drawn as the same distribution written with linear 128', () => {
    const ours = latencyCharts(withHistograms(128, 0));
    expect(ours.length).toBeGreaterThan(0);
    expect(latencyCharts(withHistograms(256, 64))).toEqual(ours);
  });

  it('a histogram whose linear is not a power of two is refused, naming the field', () => {
    const doc = withHistograms(100, 0);
    expectRefusal(
      runCli(['report', file('linear.json', doc), '--out', join(dir, 'linear.html')]),
      /\/scenarios\/0\/latency\/histogram\/linear: 100 is not a power of two/,
    );
  });
});

describe('the HTML report is bounded', () => {
  /** run1's scenarios copied `times` over, each copy a group of its own (another sysctl value), its comparisons with it. */
  function many(times: number): ResultDocument {
    const doc = structuredClone(run1);
    const scenarios: ScenarioResult[] = [];
    const comparisons: ResultDocument['comparisons'] = [];
    for (let k = 0; k < times; k++) {
      const id = (s: string): string => `${s}/copy-${k}`;
      for (const s of run1.scenarios) scenarios.push({ ...structuredClone(s), id: id(s.id), sysctls: { 'kernel.msgmni': String(k) } });
      for (const c of run1.comparisons) comparisons.push({ ...c, scenarioA: id(c.scenarioA), scenarioB: id(c.scenarioB) });
    }
    return { ...doc, scenarios, comparisons, groups: [] };
  }

  it(`ten thousand scenarios: the page stays under ${MAX_REPORT_BYTES >> 20} MiB and says what it leaves out`, () => {
    const doc = many(Math.ceil(10_000 / run1.scenarios.length));
    expect(doc.scenarios.length).toBeGreaterThanOrEqual(10_000);
    const out = join(dir, 'many.html');
    const r = runCli(['report', file('many.json', JSON.stringify(doc)), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(statSync(out).size).toBeLessThan(MAX_REPORT_BYTES);
    const groups = doc.scenarios.length / 3;
    expect(html).toContain(`${groups - MAX_CHARTS_PER_KIND} of ${groups} latency distributions are not drawn (the first ${MAX_CHARTS_PER_KIND} are)`);
    expect(html).toMatch(/60 of \d+ rows drawn \(changes first, then open questions, then the largest ratios\); \d+ rows not drawn/);
    expect(html).toMatch(/The first 20 of \d+ groups; \d+ groups not drawn/);
    expect(html).toMatch(/\d+ rows of tables and lists are not shown: this page holds at most 4 MiB of them/);
    expect((html.match(/data-kind="latency"/g) ?? []).length).toBe(MAX_CHARTS_PER_KIND);
  });

  it('a document of a few scenarios with enormous histograms and texts: the same bound', () => {
    const doc = structuredClone(run1);
    const BUCKETS = 300_000;
    for (const s of doc.scenarios) {
      const l = s.latency;
      if (!l?.histogram) continue;
      l.histogram.buckets = Array.from({ length: BUCKETS }, (_, i) => [i, 1] as [number, number]);
      l.count = BUCKETS;
      s.failure = { errno: 5, code: 'EIO', call: 'window', message: '<&>'.repeat(1300) };
    }
    doc.command.suite = '&'.repeat(4000);
    const path = file('huge.json', JSON.stringify(doc));
    expect(statSync(path).size).toBeGreaterThan(16 << 20);
    const out = join(dir, 'huge.html');
    const r = runCli(['report', path, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).size).toBeLessThan(1 << 20);
  });
});

describe('a file that is not JSON is never quoted', () => {
  const SECRET = 'root:$6$salt$hash:20211:0:99999:7:::\nsecret-second-line\n';
  it('whichever command reads it: the position only', () => {
    const shadow = file('shadow', SECRET);
    const broken = file('broken.json', '{\n  "schemaVersion": 2,\n  "token": secret-value\n}\n');
    for (const [argv, at] of [
      [['run', '--suite', shadow], 'line 1, column 1'],
      [['compare', shadow, path1], 'line 1, column 1'],
      [['compare', path2, broken], 'line 3, column 12'],
      [['report', broken, '--out', join(dir, 'broken.html')], 'line 3, column 12'],
      [['export', shadow, '--to', 'bmf'], 'line 1, column 1'],
      [['merge', broken, path2, '--out', join(dir, 'broken-fleet.json')], 'line 3, column 12'],
    ] as Array<[string[], string]>) {
      const r = runCli(argv);
      expectRefusal(r, new RegExp(`is not JSON: .* at ${at}$`));
      for (const leak of ['root', 'salt', 'hash', 'secret', '20211']) expect(r.stderr.replace(dir, '')).not.toContain(leak);
    }
  });
});
