/**
 * The result document (version 2): its JSON Schema, generated from the
 * TypeBox definition (src/document/schema.ts) and committed as
 * schema/result.schema.json; the validator (ajv, then the consistency
 * checks of src/document/validate.ts), which reports each kind of damage
 * with the JSON pointer of the offending value; and parseResultDocument,
 * which also reads version 1 documents (schema/result-v1.schema.json) and
 * upgrades them.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultSchemaText } from '../bench/schema.js';
import { RESULT_SCHEMA_ID, SCHEMA_VERSION } from '../src/document/schema.js';
import { consistencyProblems, validateResultDocumentV1 } from '../src/document/validate.js';
import { UsageError } from '../src/common/errors.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { parseResultDocument, validateResultDocument } from '../src/document/parse.js';
import { emptyDocument, modeGroup, runDocument, scenario } from './helpers/fixtures.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module's `default` property.
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;

const SCHEMA_FILE = join(PACKAGE_ROOT, 'schema', 'result.schema.json');
const committedSchema = (): Record<string, unknown> => JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

/** A document as a run writes it (JSON.stringify: NaN and Infinity become null) and a reader parses it. */
const asWritten = (doc: ResultDocument): any => JSON.parse(JSON.stringify(doc)) as unknown;

const SHM = scenario('shm.copy', 'host');

/** A mode group (comparisons, a group summary) and an errored scenario, as written to disk. */
let written: any;

beforeAll(async () => {
  const doc = await runDocument([...modeGroup('msg.pingpong'), SHM], {
    seed: 11,
    mock: { noise: 0.01, failWith: { 'shm.copy': { errno: constants.errno.ENOSPC, call: 'shmget' } } },
  });
  written = asWritten(doc);
});

/** The written fixture, changed by `edit`. */
function damaged(edit: (d: any) => void): unknown {
  const d = structuredClone(written) as unknown;
  edit(d);
  return d;
}

describe('the fixture document', () => {
  it('holds what the tests below rely on', () => {
    expect(written.scenarios.map((s: { mode: string; state: string }) => `${s.mode} ${s.state}`)).toEqual([
      'host completed',
      'shared completed',
      'isolated completed',
      'host errored',
    ]);
    expect(written.scenarios[3].failure.message).toContain('shmget failed: ENOSPC');
    // isolated / shared, isolated / host, shared / host for each of three metrics.
    expect(written.comparisons).toHaveLength(9);
    expect(written.comparisons[0]).toMatchObject({ metric: 'throughput', a: 'isolated', b: 'shared' });
    expect(written.groups[0].scenarios).toHaveLength(3);
    expect(written.scenarios[0].latency.p99Rounds.length).toBeGreaterThan(0);
  });
});

describe('schema/result.schema.json', () => {
  it('is what `npm run schema` writes from the TypeBox definition', () => {
    // Fails when src/document/schema.ts was edited without running `npm run schema`.
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'schema/result.schema.json is stale: run `npm run schema`').toBe(resultSchemaText());
  });

  it('has the published $id, the draft-07 dialect and the version', () => {
    const schema = committedSchema();
    expect(schema['$id']).toBe('https://ipcns-bench/schema/result.schema.json');
    expect(RESULT_SCHEMA_ID).toBe(schema['$id']);
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(SCHEMA_VERSION).toBe(2);
    expect((schema['properties'] as Record<string, unknown>)['schemaVersion']).toMatchObject({ const: 2 });
  });

  it('forbids no additional properties anywhere (readers tolerate fields a later version adds)', () => {
    const closed: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((x, i) => walk(x, `${at}/${i}`));
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'additionalProperties' || k === 'unevaluatedProperties') && v === false) closed.push(at);
          walk(v, `${at}/${k}`);
        }
      }
    };
    walk(committedSchema(), '');
    expect(closed).toEqual([]);
  });

  it('works on its own: a third-party draft-07 validator accepts a written document and refuses a damaged one', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv, ['date-time']);
    const check = ajv.compile(committedSchema());
    expect(check(written), JSON.stringify(check.errors)).toBe(true);
    expect(
      check(
        damaged((d) => {
          d.scenarios[0].mode = 'container';
        }),
      ),
    ).toBe(false);
    expect(check.errors?.some((e) => e.instancePath === '/scenarios/0/mode')).toBe(true);
  });
});

describe('validateResultDocument: valid documents', () => {
  it('accepts a document from a run, as written', () => {
    expect(validateResultDocument(written)).toEqual([]);
  });

  it('accepts a running document: finishedAt null, no noise figure, nothing measured yet', () => {
    const running = asWritten({ ...emptyDocument(), finishedAt: null, complete: false });
    expect(validateResultDocument(running)).toEqual([]);
  });

  it('accepts unknown fields anywhere', () => {
    const doc = damaged((d) => {
      d.extra = { nested: [1, 2] };
      d.tool.build = 'abc';
      d.env.newField = true;
      d.env.limits.fresh.newLimit = 7;
      d.analysis.note = 'x';
      d.noise.more = 1;
      d.scenarios[0].throughput.trimmed = 249500;
      d.scenarios[0].latency.p9999 = 20000;
      d.scenarios[0].params.depth = 3;
      d.scenarios[3].failure.hint = 'x';
      d.groups[0].why = 'because';
      d.comparisons[0].effectSize = 0.1;
    });
    expect(validateResultDocument(doc)).toEqual([]);
  });

  it('accepts per-round values written as null (NaN: a round with too few latency samples)', async () => {
    // One op in 200 timed: about 50 samples a round, too few for a p99.
    const doc = await runDocument(modeGroup('msg.pingpong'), { seed: 11, budget: { sampleEvery: 200 } });
    const p99Rounds = doc.scenarios[0]?.latency?.p99Rounds ?? [];
    expect(p99Rounds.length).toBeGreaterThan(0);
    expect(p99Rounds.every((x) => x !== null && Number.isNaN(x))).toBe(true);
    const text = JSON.stringify(doc);
    expect(text).toContain('"p99Rounds":[null');
    expect(validateResultDocument(JSON.parse(text))).toEqual([]);
  });

  it('accepts null where a bound or a noise could not be had, and an "unlimited" sysctl written as null', () => {
    const doc = damaged((d) => {
      d.comparisons[0].ci = [null, null];
      d.comparisons[0].noise = null;
      d.scenarios[0].cpuNsPerOpRounds[0] = null;
      d.env.limits.host.shmmax = null;
      d.env.limits.host.msgmni = -1;
    });
    expect(validateResultDocument(doc)).toEqual([]);
  });
});

describe('validateResultDocument: damage, each reported with its pointer', () => {
  const rejected: Array<[string, (d: any) => void, string]> = [
    // Types.
    [
      'a string where an integer belongs',
      (d) => {
        d.scenarios[0].workers = '1';
      },
      '/scenarios/0/workers: must be integer (got "1")',
    ],
    [
      'a string where a boolean belongs',
      (d) => {
        d.complete = 'yes';
      },
      '/complete: must be boolean (got "yes")',
    ],
    [
      'an object where an array belongs',
      (d) => {
        d.scenarios = {};
      },
      '/scenarios: must be array (got {})',
    ],
    [
      'a fractional count',
      (d) => {
        d.scenarios[0].latency.count = 1.5;
      },
      '/scenarios/0/latency/count: must be integer (got 1.5)',
    ],
    [
      'null for the estimate',
      (d) => {
        d.scenarios[0].throughput.estimate = null;
      },
      '/scenarios/0/throughput/estimate: must be number (got null)',
    ],
    [
      'an interval of one bound',
      (d) => {
        d.comparisons[0].ci = [1];
      },
      '/comparisons/0/ci: must NOT have fewer than 2 items (got [1])',
    ],
    [
      'schemaVersion 3',
      (d) => {
        d.schemaVersion = 3;
      },
      '/schemaVersion: must be equal to constant (got 3)',
    ],
    // Missing fields.
    [
      'a missing env',
      (d) => {
        delete d.env;
      },
      '/env: missing (required)',
    ],
    [
      'a missing estimate',
      (d) => {
        delete d.scenarios[0].throughput.estimate;
      },
      '/scenarios/0/throughput/estimate: missing (required)',
    ],
    [
      'a failure without errno',
      (d) => {
        delete d.scenarios[3].failure.errno;
      },
      '/scenarios/3/failure/errno: missing (required)',
    ],
    // Enums.
    [
      'mode container',
      (d) => {
        d.scenarios[0].mode = 'container';
      },
      '/scenarios/0/mode: expected one of "host", "shared", "isolated", got "container"',
    ],
    [
      'a version 1 verdict',
      (d) => {
        d.comparisons[0].verdict = 'no significant difference';
      },
      '/comparisons/0/verdict: expected one of "faster", "slower", "equivalent", "inconclusive", got "no significant difference"',
    ],
    // Bounds a measurement has.
    [
      'a negative throughput estimate',
      (d) => {
        d.scenarios[0].throughput.estimate = -5;
      },
      '/scenarios/0/throughput/estimate: must be > 0 (got -5)',
    ],
    [
      'a negative interval bound',
      (d) => {
        d.scenarios[0].throughput.ci[0] = -1;
      },
      '/scenarios/0/throughput/ci/0: must be > 0 (got -1)',
    ],
    [
      'a negative percentile',
      (d) => {
        d.scenarios[0].latency.p50 = -1;
      },
      '/scenarios/0/latency/p50: must be >= 0 (got -1)',
    ],
    [
      'a negative CPU time per op',
      (d) => {
        d.scenarios[0].cpuNsPerOp = -1;
      },
      '/scenarios/0/cpuNsPerOp: must be >= 0 (got -1)',
    ],
    [
      'a negative rme',
      (d) => {
        d.scenarios[0].throughput.rme = -0.5;
      },
      '/scenarios/0/throughput/rme: must be >= 0 (got -0.5)',
    ],
    [
      'a round of 0 ops/s',
      (d) => {
        d.scenarios[0].throughput.rounds[0] = 0;
      },
      '/scenarios/0/throughput/rounds/0: must be > 0 (got 0)',
    ],
    [
      'a negative per-round value',
      (d) => {
        d.scenarios[0].latency.p99Rounds[0] = -2;
      },
      '/scenarios/0/latency/p99Rounds/0: must be >= 0, or must be null (got -2)',
    ],
    // Times.
    [
      'startedAt "yesterday"',
      (d) => {
        d.startedAt = 'yesterday';
      },
      '/startedAt: must match format "date-time" (got "yesterday")',
    ],
    [
      'finishedAt before startedAt',
      (d) => {
        d.finishedAt = '2023-12-31T23:59:00.000Z';
      },
      '/finishedAt: before /startedAt (2023-12-31T23:59:00.000Z < 2024-01-01T00:00:00.000Z)',
    ],
    // What one field says about another.
    [
      'a non-completed scenario without failure',
      (d) => {
        delete d.scenarios[3].failure;
      },
      '/scenarios/3/failure: missing: a scenario that is errored says why',
    ],
    [
      'a skipped scenario without failure',
      (d) => {
        delete d.scenarios[3].failure;
        d.scenarios[3].state = 'skipped';
      },
      '/scenarios/3/failure: missing: a scenario that is skipped says why',
    ],
  ];
  it.each(rejected)('rejects %s', (_name, edit, error) => {
    expect(validateResultDocument(damaged(edit))).toEqual([error]);
  });

  const id = (i: number): string => written.scenarios[i].id as string;

  it('rejects a sample count that is not the number of rounds', () => {
    const n = (written.scenarios[0].throughput.rounds as number[]).length;
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].throughput.samples = n + 1;
        }),
      ),
    ).toEqual([`/scenarios/0/throughput/samples: ${n + 1} samples, but ${n} rounds`]);
  });

  it('rejects a reversed interval of a scenario and of a comparison', () => {
    const t = written.scenarios[0].throughput;
    const scenarioErrors = validateResultDocument(
      damaged((d) => {
        d.scenarios[0].throughput.ci = [t.ci[1], t.ci[0]];
      }),
    );
    expect(scenarioErrors).toContain(`/scenarios/0/throughput/ci: the interval runs backwards (${t.ci[1]} > ${t.ci[0]})`);
    const c = written.comparisons[1];
    expect(
      validateResultDocument(
        damaged((d) => {
          d.comparisons[1].ci = [c.ci[1], c.ci[0]];
        }),
      ),
    ).toEqual([`/comparisons/1/ci: the interval runs backwards (${c.ci[1]} > ${c.ci[0]})`]);
    const ci95 = t.ci95;
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].throughput.ci95 = [ci95[1], ci95[0]];
        }),
      ),
    ).toContain(`/scenarios/0/throughput/ci95: the interval runs backwards (${ci95[1]} > ${ci95[0]})`);
  });

  it('rejects an estimate or a mean outside its interval, and tolerates rounding at the bound', () => {
    const t = written.scenarios[0].throughput;
    const high = t.ci[1] * 1.1;
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].throughput.estimate = high;
        }),
      ),
    ).toEqual([`/scenarios/0/throughput/estimate: the estimate ${high} lies outside its interval [${t.ci[0]}, ${t.ci[1]}]`]);
    const low = t.ci95[0] * 0.9;
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].throughput.mean = low;
        }),
      ),
    ).toEqual([`/scenarios/0/throughput/mean: the mean ${low} lies outside its interval [${t.ci95[0]}, ${t.ci95[1]}]`]);
    // A bound a hair below the estimate (rounded like it) is not damage.
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].throughput.ci[1] = t.estimate * (1 - 1e-12);
        }),
      ),
    ).toEqual([]);
  });

  it('rejects percentiles out of order', () => {
    const l = written.scenarios[0].latency;
    const p90 = l.p99 + 1;
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].latency.p90 = p90;
        }),
      ),
    ).toEqual([`/scenarios/0/latency: percentiles out of order (p50 ${l.p50}, p90 ${p90}, p99 ${l.p99}, p99.9 ${l.p999}, max ${l.max})`]);
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios[0].latency.max = l.p999 - 1;
        }),
      ),
    ).toHaveLength(1);
  });

  it('rejects a duplicate scenario id, naming both places', () => {
    expect(
      validateResultDocument(
        damaged((d) => {
          d.scenarios.push(structuredClone(d.scenarios[0]));
        }),
      ),
    ).toEqual([`/scenarios/4/id: duplicate scenario id ${JSON.stringify(id(0))} (also /scenarios/0)`]);
  });

  it('rejects a comparison that names a missing scenario, or one in the wrong mode', () => {
    expect(
      validateResultDocument(
        damaged((d) => {
          d.comparisons[0].scenarioB = 'nope';
        }),
      ),
    ).toEqual(['/comparisons/0/scenarioB: names no scenario of this document ("nope")']);
    // comparisons[0] is isolated / shared: scenarioA is the isolated scenario.
    expect(
      validateResultDocument(
        damaged((d) => {
          d.comparisons[0].a = 'host';
        }),
      ),
    ).toEqual([`/comparisons/0/scenarioA: scenario ${JSON.stringify(id(2))} is not in mode host`]);
  });

  it('rejects a group that names a missing scenario', () => {
    expect(
      validateResultDocument(
        damaged((d) => {
          d.groups[0].scenarios[1] = 'gone';
        }),
      ),
    ).toEqual(['/groups/0/scenarios/1: names no scenario of this document ("gone")']);
  });

  it('reports every problem, one line each, and a non-object at the root', () => {
    const errors = validateResultDocument(
      damaged((d) => {
        delete d.env;
        d.scenarios[0].mode = 'container';
        d.comparisons[0].ci = [1];
      }),
    );
    expect(errors).toHaveLength(3);
    expect(errors.some((e) => e.startsWith('/env: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('/scenarios/0/mode: '))).toBe(true);
    expect(errors.some((e) => e.startsWith('/comparisons/0/ci: '))).toBe(true);
    for (const e of errors) expect(e).not.toContain('\n');
    expect(validateResultDocument([])).toEqual(['/: must be object (got [])']);
  });

  it('consistencyProblems is empty for a consistent document', () => {
    expect(consistencyProblems(written as ResultDocument)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// parseResultDocument
// ---------------------------------------------------------------------------

function limitsV1(nsInode: number): Record<string, number> {
  return {
    nsInode,
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
}

const V1_ISOLATED = 'sysv.msg.pingpong/size=64/isolated/w1/any';
const V1_SHARED = 'sysv.msg.pingpong/size=64/shared/w1/any';
const V1_HOST = 'sysv.msg.pingpong/size=64/host/w1/any';

/** A version 1 document as ipcns-bench 0.1 wrote it, following schema/result-v1.schema.json. */
function v1Document(): any {
  const completed = (id: string, mode: string, mean: number, windows: number[]): Record<string, unknown> => ({
    id,
    workload: 'sysv.msg.pingpong',
    params: { size: 64 },
    mode,
    workers: 1,
    placement: 'any',
    sysctls: {},
    state: 'completed',
    oversubscribed: false,
    throughput: { unit: 'ops/s', mean, median: mean, sd: 1200.5, rme: 0.8, ci95: [mean - 2000, mean + 2000], samples: windows.length, windows },
    bytesPerSecond: 16000000,
    latency: {
      unit: 'ns',
      p50: 3900,
      p90: 4200,
      p99: 6100,
      p999: 12000,
      max: 40000,
      mean: 4000,
      count: 1250,
      sampleEvery: 100,
      p99Windows: windows.map(() => 6100),
    },
    cpuNsPerOp: 7800.25,
    ctxSwitchesPerOp: 2,
    cpuNsPerOpWindows: windows.map(() => 7800),
    ctxSwitchesPerOpWindows: windows.map(() => 2),
    namespaces: [4026532500],
    limits: limitsV1(4026532500),
    windows: windows.length,
    ops: 125000,
    wallMs: 612.4,
  });
  return {
    schemaVersion: 1,
    tool: { name: 'ipcns-bench', version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    complete: true,
    command: { suite: 'default', argv: ['run', '--suite', 'default'] },
    env: {
      kernel: '6.8.0',
      arch: 'x64',
      cpuModel: 'Test CPU',
      cpuCount: 4,
      usableCpus: [0, 1, 2, 3],
      clocksource: 'tsc',
      timerNs: 21.5,
      node: 'v20.19.0',
      uid: 0,
      capSysAdmin: true,
      route: 'privileged',
      limits: { host: limitsV1(4026531839), fresh: limitsV1(4026532500) },
    },
    scenarios: [
      completed(V1_ISOLATED, 'isolated', 250000, [249000, 250000, 251000, 248000, 252000]),
      completed(V1_HOST, 'host', 200000, [199000, 200000, 201000, 198000]),
      {
        id: V1_SHARED,
        workload: 'sysv.msg.pingpong',
        params: { size: 64 },
        mode: 'shared',
        workers: 1,
        placement: 'any',
        sysctls: {},
        state: 'errored',
        oversubscribed: false,
        failure: { errno: 1, code: 'EPERM', call: 'clone(CLONE_NEWIPC)', message: 'clone(CLONE_NEWIPC) failed: EPERM' },
      },
    ],
    comparisons: [
      {
        a: 'isolated',
        b: 'shared',
        scenarioA: V1_ISOLATED,
        scenarioB: V1_SHARED,
        ratio: 1.01,
        ci95: [0.98, 1.04],
        pValue: 0.42,
        pAdjusted: 0.42,
        verdict: 'no significant difference',
        test: 'welch-t',
      },
      {
        a: 'isolated',
        b: 'host',
        scenarioA: V1_ISOLATED,
        scenarioB: V1_HOST,
        ratio: 1.25,
        ci95: [1.2, 1.3],
        pValue: 0.0001,
        pAdjusted: 0.0002,
        verdict: 'faster',
        test: 'welch-t',
      },
    ],
  };
}

describe('parseResultDocument', () => {
  it('returns a valid version 2 document as it was written', () => {
    expect(parseResultDocument(JSON.stringify(written), 'r.json')).toEqual(written);
  });

  it('refuses text that is not JSON', () => {
    const read = (): unknown => parseResultDocument('{"schemaVersion": 2,', 'results/latest.json');
    expect(read).toThrow(UsageError);
    expect(read).toThrow(/^results\/latest\.json is not JSON: .+/);
  });

  it('refuses schemaVersion 3 or none, naming the versions it reads and the fix', () => {
    const read = (): unknown => parseResultDocument(JSON.stringify({ ...written, schemaVersion: 3 }), 'new.json');
    expect(read).toThrow(UsageError);
    expect(read).toThrow(
      'new.json has schemaVersion 3; this ipcns-bench reads schemaVersion 1 and 2 ' +
        '(re-run the benchmark with this version, or use the ipcns-bench version that wrote it)',
    );
    expect(() => parseResultDocument('{}', 'empty.json')).toThrow(/^empty\.json has no schemaVersion; this ipcns-bench reads schemaVersion 1 and 2 \(/);
    expect(() => parseResultDocument('{"schemaVersion":"2"}', 's.json')).toThrow(/^s\.json has schemaVersion "2"; /);
  });

  it('refuses what is not an object', () => {
    expect(() => parseResultDocument('[]', 'a.json')).toThrow(
      new UsageError('a.json is not an ipcns-bench result document: /: must be object (got []) (1 problem)'),
    );
    expect(() => parseResultDocument('null', 'n.json')).toThrow(UsageError);
  });

  it('refuses a damaged document with the first problem and the count', () => {
    const text = JSON.stringify(
      damaged((d) => {
        delete d.env;
        d.scenarios[0].throughput.mean = 'x';
      }),
    );
    const read = (): unknown => parseResultDocument(text, 'bad.json');
    expect(read).toThrow(UsageError);
    expect(read).toThrow(
      /^bad\.json is not an ipcns-bench result document: (\/env: missing \(required\)|\/scenarios\/0\/throughput\/mean: must be number \(got "x"\)) \(2 problems\)$/,
    );
  });

  it('refuses a document whose parts disagree (consistency, not only the schema)', () => {
    const text = JSON.stringify(
      damaged((d) => {
        d.groups[0].scenarios[0] = 'gone';
      }),
    );
    expect(() => parseResultDocument(text, 'g.json')).toThrow(
      new UsageError('g.json is not an ipcns-bench result document: /groups/0/scenarios/0: names no scenario of this document ("gone") (1 problem)'),
    );
  });

  describe('a version 1 document', () => {
    it('is valid against the version 1 schema as written here', () => {
      expect(validateResultDocumentV1(v1Document())).toEqual([]);
      expect(validateResultDocumentV1(written)).not.toEqual([]);
    });

    it('is upgraded to version 2: estimate = mean, ci = ci95, rounds = windows, no groups', () => {
      const doc = parseResultDocument(JSON.stringify(v1Document()), 'v1.json');
      expect(doc.schemaVersion).toBe(2);
      expect(doc.groups).toEqual([]);
      expect(doc.noise).toBeNull();
      expect(doc.analysis).toMatchObject({ alphaRun: 0.01, margin: 0.05, trim: 0, comparisons: { throughput: 2, 'latency-p50': 0, 'latency-p99': 0 } });
      expect(doc.analysis.method).toMatch(/version 1 document: Welch/);
      const s = doc.scenarios[0];
      expect(s?.id).toBe(V1_ISOLATED);
      expect(s?.throughput).toMatchObject({
        estimate: 250000,
        mean: 250000,
        ci: [248000, 252000],
        ci95: [248000, 252000],
        ciLevel: 0.95,
        rounds: [249000, 250000, 251000, 248000, 252000],
        samples: 5,
      });
      expect(s?.rounds).toBe(5);
      expect(s?.latency?.p99Rounds).toEqual([6100, 6100, 6100, 6100, 6100]);
      expect(s?.cpuNsPerOpRounds).toEqual([7800, 7800, 7800, 7800, 7800]);
      expect(s?.ctxSwitchesPerOpRounds).toEqual([2, 2, 2, 2, 2]);
      expect(doc.scenarios[2]).toMatchObject({ state: 'errored', failure: { code: 'EPERM' } });
      // The upgraded document is a valid version 2 document.
      expect(validateResultDocument(asWritten(doc))).toEqual([]);
    });

    it('keeps "faster" and "slower", and reads "no significant difference" as "inconclusive"', () => {
      const doc = parseResultDocument(JSON.stringify(v1Document()), 'v1.json');
      expect(doc.comparisons).toHaveLength(2);
      expect(doc.comparisons[0]).toEqual({
        metric: 'throughput',
        a: 'isolated',
        b: 'shared',
        scenarioA: V1_ISOLATED,
        scenarioB: V1_SHARED,
        ratio: 1.01,
        ci: [0.98, 1.04],
        ciLevel: 0.95,
        margin: 0.05,
        verdict: 'inconclusive',
        // The errored shared scenario has no windows: at least one round.
        rounds: 1,
        noise: null,
      });
      expect(doc.comparisons[1]).toMatchObject({ verdict: 'faster', ratio: 1.25, ci: [1.2, 1.3], rounds: 4 });
    });

    it('is refused when damaged, with the pointer of the problem', () => {
      const read =
        (edit: (d: any) => void): (() => unknown) =>
        () => {
          const d = v1Document();
          edit(d);
          return parseResultDocument(JSON.stringify(d), 'v1.json');
        };
      expect(
        read((d) => {
          d.scenarios[0].mode = 'container';
        }),
      ).toThrow(UsageError);
      expect(
        read((d) => {
          d.scenarios[0].mode = 'container';
        }),
      ).toThrow(/^v1\.json is not an ipcns-bench result document: \/scenarios\/0\/mode: .*"container".* \(1 problem\)$/);
      expect(
        read((d) => {
          delete d.scenarios[0].throughput;
        }),
      ).toThrow(/: \/scenarios\/0\/throughput: missing \(required\) \(1 problem\)$/);
      expect(
        read((d) => {
          delete d.scenarios[2].failure;
        }),
      ).toThrow(/: \/scenarios\/2\/failure: missing \(required\) \(1 problem\)$/);
      expect(
        read((d) => {
          d.comparisons[0].verdict = 'equivalent';
        }),
      ).toThrow(/: \/comparisons\/0\/verdict: /);
      expect(
        read((d) => {
          d.scenarios[0].throughput.windows = 'x';
        }),
      ).toThrow(/: \/scenarios\/0\/throughput\/windows: must be array/);
    });

    it('that its own schema allows but version 2 does not is refused after the upgrade, with the pointer', () => {
      const read =
        (edit: (d: any) => void): (() => unknown) =>
        () => {
          const d = v1Document();
          edit(d);
          return parseResultDocument(JSON.stringify(d), 'v1.json');
        };
      // Version 1 took any string as a time.
      expect(
        read((d) => {
          d.startedAt = 'yesterday';
        }),
      ).toThrow(/^v1\.json is not an ipcns-bench result document: \/startedAt: must match format "date-time"/);
      // Version 1 had no consistency checks.
      expect(
        read((d) => {
          d.comparisons[0].scenarioB = 'nope';
        }),
      ).toThrow(/: \/comparisons\/0\/scenarioB: names no scenario of this document \("nope"\)/);
    });
  });
});
