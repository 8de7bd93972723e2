/**
 * The result document's JSON Schema and the small validator that reads it:
 * a full document passes, unknown fields pass, and each kind of damage is
 * reported with the JSON pointer of the offending value.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import type { ResultDocument } from '../src/result.js';
import { loadResultSchema, parseResultDocument, validate, validateResultDocument } from '../src/schema.js';
import type { NamespaceLimits } from '../src/types.js';

function limits(nsInode: number): NamespaceLimits {
  return {
    nsInode, msgmax: 8192, msgmnb: 16384, msgmni: 32000,
    shmmax: Number.MAX_SAFE_INTEGER, shmall: Number.MAX_SAFE_INTEGER, shmmni: 4096,
    semmsl: 32000, semmns: 1024000000, semopm: 500, semmni: 32000,
    mqMsgMax: 10, mqMsgsizeMax: 8192, mqQueuesMax: 256,
  };
}

function fixture(): ResultDocument {
  return {
    schemaVersion: 1,
    tool: { name: 'ipcns-bench', version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    complete: true,
    command: { suite: 'default', argv: ['run', '--suite', 'default'] },
    env: {
      kernel: '6.8.0', arch: 'x64', cpuModel: 'Test CPU', cpuCount: 4, usableCpus: [0, 1, 2, 3],
      clocksource: 'tsc', timerNs: 21.5, node: 'v20.19.0', uid: 0, capSysAdmin: true, route: 'privileged',
      limits: { host: limits(4026531839), fresh: limits(4026532500) },
    },
    scenarios: [
      {
        id: 'sysv.msg.pingpong/size=64/isolated/w1/any', workload: 'sysv.msg.pingpong', params: { size: 64 },
        mode: 'isolated', workers: 1, placement: 'any', sysctls: { 'kernel.msgmni': '64' }, state: 'completed',
        oversubscribed: false,
        throughput: { unit: 'ops/s', mean: 250000, median: 249000, sd: 1200.5, rme: 0.8, ci95: [248000, 252000], samples: 5, windows: [249000, 250000, 251000, 248000, 252000] },
        bytesPerSecond: 16000000,
        latency: { unit: 'ns', p50: 3900, p90: 4200, p99: 6100, p999: 12000, max: 40000, mean: 4000, count: 1250, sampleEvery: 100 },
        cpuNsPerOp: 7800.25, ctxSwitchesPerOp: 2, namespaces: [4026532500], limits: limits(4026532500),
        windows: 5, ops: 125000, wallMs: 612.4,
      },
      {
        id: 'sysv.msg.pingpong/size=64/shared/w1/any', workload: 'sysv.msg.pingpong', params: { size: 64 },
        mode: 'shared', workers: 1, placement: 'any', sysctls: {}, state: 'errored', oversubscribed: false,
        failure: { errno: 1, code: 'EPERM', call: 'clone(CLONE_NEWIPC)', message: 'clone(CLONE_NEWIPC) failed: EPERM' },
      },
    ],
    comparisons: [
      {
        a: 'isolated', b: 'shared', scenarioA: 'sysv.msg.pingpong/size=64/isolated/w1/any',
        scenarioB: 'sysv.msg.pingpong/size=64/shared/w1/any', ratio: 1.01, ci95: [0.98, 1.04], pValue: 0.42, pAdjusted: 0.42,
        verdict: 'no significant difference', test: 'welch-t',
      },
    ],
  };
}

/** The fixture as plain JSON data, changed by `edit`. */
function damaged(edit: (doc: any) => void): unknown {
  const doc = JSON.parse(JSON.stringify(fixture())) as unknown;
  edit(doc);
  return doc;
}

describe('result schema', () => {
  it('is draft 2020-12 with the published $id', () => {
    const schema = loadResultSchema() as Record<string, unknown>;
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['$id']).toBe('https://ipcns-bench/schema/result.schema.json');
    expect(JSON.stringify(schema)).not.toContain('"additionalProperties":false');
  });

  it('accepts a complete document', () => {
    expect(validateResultDocument(fixture())).toEqual([]);
    expect(validateResultDocument(JSON.parse(JSON.stringify(fixture())))).toEqual([]);
  });

  it('accepts a running document (finishedAt null, no comparisons)', () => {
    expect(validateResultDocument(damaged((d) => { d.finishedAt = null; d.complete = false; d.comparisons = []; }))).toEqual([]);
  });

  it('accepts unknown fields anywhere', () => {
    const doc = damaged((d) => {
      d.extra = { nested: [1, 2] };
      d.tool.build = 'abc';
      d.env.newField = true;
      d.env.limits.fresh.newLimit = 7;
      d.scenarios[0].throughput.trimmed = 249500;
      d.scenarios[0].latency.p9999 = 20000;
      d.scenarios[1].failure.hint = 'x';
      d.comparisons[0].effectSize = 0.1;
    });
    expect(validateResultDocument(doc)).toEqual([]);
  });

  const rejected: Array<[string, (d: any) => void, string]> = [
    ['a wrong schemaVersion', (d) => { d.schemaVersion = 2; }, '/schemaVersion: expected 1, got 2'],
    ['a missing env', (d) => { delete d.env; }, '/env: missing (required)'],
    ['mode container', (d) => { d.scenarios[0].mode = 'container'; }, '/scenarios/0/mode: expected one of "host", "shared", "isolated", got "container"'],
    ['a completed scenario without throughput', (d) => { delete d.scenarios[0].throughput; }, '/scenarios/0/throughput: missing (required)'],
    ['an errored scenario without failure', (d) => { delete d.scenarios[1].failure; }, '/scenarios/1/failure: missing (required)'],
    ['ci95 with 3 elements', (d) => { d.comparisons[0].ci95 = [0.9, 1, 1.1]; }, '/comparisons/0/ci95: expected at most 2 items, got 3'],
    ['a negative sample count', (d) => { d.scenarios[0].throughput.samples = -1; }, '/scenarios/0/throughput/samples: expected >= 0, got -1'],
    ['a fractional count', (d) => { d.scenarios[0].latency.count = 1.5; }, '/scenarios/0/latency/count: expected integer, got 1.5'],
    ['a string where a number belongs', (d) => { d.scenarios[0].throughput.mean = '250000'; }, '/scenarios/0/throughput/mean: expected number, got string'],
    ['a failure without errno', (d) => { delete d.scenarios[1].failure.errno; }, '/scenarios/1/failure/errno: missing (required)'],
    ['a wrong unit', (d) => { d.scenarios[0].latency.unit = 'us'; }, '/scenarios/0/latency/unit: expected "ns", got "us"'],
    ['a non-string sysctl value', (d) => { d.scenarios[0].sysctls['kernel.msgmni'] = 64; }, '/scenarios/0/sysctls/kernel.msgmni: expected string, got number'],
    ['finishedAt a number', (d) => { d.finishedAt = 0; }, '/finishedAt: expected string or null, got number'],
  ];
  it.each(rejected)('rejects %s, naming the path', (_name, edit, error) => {
    expect(validateResultDocument(damaged(edit))).toEqual([error]);
  });

  it('reports every problem, and a non-object at the root', () => {
    const errors = validateResultDocument(damaged((d) => { delete d.env; d.scenarios[0].mode = 'container'; d.comparisons[0].ci95 = [1]; }));
    expect(errors).toHaveLength(3);
    expect(validateResultDocument([])).toEqual(['/: expected object, got array']);
  });
});

describe('validate (the keyword subset)', () => {
  it('handles anyOf, oneOf, if/then/else, prefixItems and escaped pointers', () => {
    const schema = {
      type: 'object',
      properties: {
        'a/b': { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 10 }] },
        one: { oneOf: [{ type: 'number' }, { type: 'integer' }] },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }], items: false },
        x: { if: { const: 1 }, then: { maximum: 0 }, else: { type: 'string' } },
      },
    };
    expect(validate(schema, { 'a/b': 12, one: 1.5, pair: ['s', true], x: 'y' })).toEqual([]);
    expect(validate(schema, { 'a/b': 3, one: 2, pair: ['s', 1, 2], x: 1 })).toEqual([
      '/a~1b: expected to match at least one of 2 alternatives, matched 0',
      '/one: expected to match exactly one of 2 alternatives, matched 2',
      '/pair/1: expected boolean, got number',
      '/pair/2: no value allowed here',
      '/x: expected <= 0, got 1',
    ]);
  });
});

describe('parseResultDocument', () => {
  it('returns a valid document', () => {
    expect(parseResultDocument(JSON.stringify(fixture()), 'r.json')).toEqual(fixture());
  });

  it('refuses text that is not JSON', () => {
    const read = (): unknown => parseResultDocument('{"schemaVersion": 1,', 'results/latest.json');
    expect(read).toThrow(UsageError);
    expect(read).toThrow(/^results\/latest\.json is not JSON: .+/);
  });

  it('refuses another schemaVersion, naming the fix', () => {
    const text = JSON.stringify({ ...fixture(), schemaVersion: 2 });
    const read = (): unknown => parseResultDocument(text, 'old.json');
    expect(read).toThrow(UsageError);
    expect(read).toThrow(
      'old.json has schemaVersion 2; this ipcns-bench reads schemaVersion 1 ' +
        '(re-run the benchmark with this version, or use the ipcns-bench version that wrote it)',
    );
    expect(() => parseResultDocument('{}', 'empty.json')).toThrow(/^empty\.json has no schemaVersion; this ipcns-bench reads schemaVersion 1 \(/);
  });

  it('refuses a damaged document with the first problem and the count', () => {
    const text = JSON.stringify(damaged((d) => { delete d.env; d.scenarios[0].throughput.mean = 'x'; }));
    expect(() => parseResultDocument(text, 'bad.json')).toThrow(
      new UsageError('bad.json is not an ipcns-bench result document: /env: missing (required) (2 problems)'),
    );
  });
});
