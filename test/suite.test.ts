import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { SUITE_SCHEMA_FILE, suiteSchemaText } from '../bench/schema.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../src/common/errors.js';
import { applyOverrides, checkSysctl, expand, loadSuite, SUITES_DIR, scenarioId, suiteNames, type Suite } from '../src/plan/suite.js';
import { MODES, type Scenario } from '../src/common/types.js';
import { WORKLOADS, workloadInfo } from '../src/plan/workloads.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-bench-suite-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes `content` (JSON-encoded unless a string) to a temp file and returns its path. */
function tempSuite(content: unknown, ext = 'json'): string {
  const path = join(dir, `suite-${++fileNo}.${ext}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const BUDGET = { capMs: 100, margin: 0.05, windowMs: 20, warmupRounds: 1, minRounds: 3, maxRounds: 50, sampleEvery: 16 };
const ENTRY = { workload: ['msg.pingpong'], mode: ['host', 'shared', 'isolated'], workers: [1], placement: ['same-cpu'] };

/** The UsageError `fn` throws; fails the test if it throws nothing or something else. */
function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

const key = (s: Scenario): string => `${s.workload}|${s.mode}|${s.workers}|${s.placement}`;

describe('loadSuite: the shipped suites', () => {
  it('lists default and quick', () => {
    expect(suiteNames()).toEqual(expect.arrayContaining(['default', 'quick']));
  });

  it('default covers every workload in host, shared and isolated mode at 1 and 2 workers', () => {
    const suite = loadSuite('default');
    expect(suite.name).toBe('default');
    expect(suite.budget.minRounds).toBeLessThanOrEqual(suite.budget.maxRounds);
    expect(suite.budget.margin).toBeLessThanOrEqual(0.05);
    const scenarios = expand(suite);
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length);
    const seen = new Set(scenarios.map(key));
    for (const w of WORKLOADS) {
      for (const mode of MODES) {
        for (const workers of [1, 2]) {
          expect(seen.has(`${w.name}|${mode}|${workers}|same-cpu`), `${w.name} ${mode} w${workers}`).toBe(true);
        }
      }
    }
    expect(new Set(scenarios.map((s) => s.mode))).toEqual(new Set(['host', 'shared', 'isolated']));
  });

  it('quick covers every workload once per mode', () => {
    const suite = loadSuite('quick');
    expect(suite.name).toBe('quick');
    const scenarios = expand(suite);
    expect(scenarios).toHaveLength(WORKLOADS.length * MODES.length);
    for (const w of WORKLOADS) {
      for (const mode of MODES) {
        expect(
          scenarios.filter((s) => s.workload === w.name && s.mode === mode),
          `${w.name} ${mode}`,
        ).toHaveLength(1);
      }
    }
  });

  it('loads a suite by path, with defaults for the optional fields', () => {
    const suite = loadSuite(tempSuite({ budget: { capMs: 100 }, matrix: [{ workload: 'sem.pingpong' }] }));
    expect(suite.name).toBe('custom');
    expect(suite.description).toBe('');
    // windowMs 0 and sampleEvery -1: sized from the warm-up.
    expect(suite.budget).toEqual({
      capMs: 100,
      margin: 0.05,
      windowMs: 0,
      warmupRounds: 1,
      minRounds: 10,
      maxRounds: 1_000_000,
      sampleEvery: -1,
      precision: 0,
      interleaveGroups: false,
    });
    expect(suite.matrix).toEqual([{ workload: ['sem.pingpong'], mode: ['host', 'shared', 'isolated'], workers: [1], placement: ['same-cpu'] }]);
  });
});

describe('loadSuite: errors name the field', () => {
  it('an unknown suite name lists the available suites', () => {
    const e = usageError(() => loadSuite('no-such-suite'));
    expect(e.message).toContain('--suite no-such-suite');
    expect(e.message).toContain('default');
    expect(e.message).toContain('quick');
  });

  it('a missing path', () => {
    const e = usageError(() => loadSuite(join(dir, 'absent.json')));
    expect(e.message).toContain('no such suite');
  });

  it('a file that is not JSON', () => {
    const path = tempSuite('workload: msg.pingpong\n', 'txt');
    const e = usageError(() => loadSuite(path));
    expect(e.message).toContain(path);
    expect(e.message).toContain('not JSON');
  });

  it('JSON that is not an object', () => {
    expect(usageError(() => loadSuite(tempSuite([1, 2]))).message).toContain('JSON object');
  });

  it('an empty object: the budget is missing', () => {
    expect(usageError(() => loadSuite(tempSuite({}))).message).toContain('"budget"');
  });

  it('{"matrix": []}: the budget is missing, and with a budget the matrix is empty', () => {
    expect(usageError(() => loadSuite(tempSuite({ matrix: [] }))).message).toContain('budget');
    const e = usageError(() => loadSuite(tempSuite({ budget: BUDGET, matrix: [] })));
    expect(e.message).toContain('"matrix"');
    expect(e.message).toContain('non-empty');
  });

  it.each([
    ['windowMs 0', { ...BUDGET, windowMs: 0 }, 'budget.windowMs'],
    ['windowMs beyond a minute', { ...BUDGET, windowMs: 61_000 }, 'budget.windowMs'],
    ['capMs not an integer', { ...BUDGET, capMs: 1.5 }, 'budget.capMs'],
    ['capMs a string', { ...BUDGET, capMs: '100' }, 'budget.capMs'],
    ['no capMs', { margin: 0.05 }, 'budget.capMs'],
    ['margin 5 (a percentage where a fraction is due)', { ...BUDGET, margin: 5 }, 'budget.margin'],
    ['margin 0', { ...BUDGET, margin: 0 }, 'budget.margin'],
    ['minRounds 1', { ...BUDGET, minRounds: 1 }, 'budget.minRounds'],
    ['maxRounds below minRounds', { ...BUDGET, minRounds: 5, maxRounds: 4 }, 'budget.maxRounds'],
    ['negative sampleEvery', { ...BUDGET, sampleEvery: -1 }, 'budget.sampleEvery'],
    ['precision 1', { ...BUDGET, precision: 1 }, 'budget.precision'],
    ['a window count of the first suite format', { ...BUDGET, maxWindows: 10 }, 'budget.maxWindows is no longer used'],
    ['a time budget of the first suite format', { ...BUDGET, timeMs: 700 }, 'budget.capMs'],
  ])('a budget with %s', (_name, b, field) => {
    const e = usageError(() => loadSuite(tempSuite({ budget: b, matrix: [ENTRY] })));
    expect(e.message).toContain(field);
  });

  it.each([
    ['an unknown workload', { ...ENTRY, workload: ['msg.pingpong', 'nope.loop'] }, ['matrix[0].workload[1]', 'unknown workload "nope.loop"', 'msg.pingpong']],
    ['a mode "container"', { ...ENTRY, mode: ['host', 'container'] }, ['matrix[0].mode[1]', '"container"', 'host, shared, isolated']],
    ['workers 0', { ...ENTRY, workers: [0] }, ['matrix[0].workers[0]', 'got 0']],
    ['workers beyond the limit', { ...ENTRY, workers: [100_000] }, ['matrix[0].workers[0]']],
    ['an unknown placement', { ...ENTRY, placement: ['numa'] }, ['matrix[0].placement[0]', '"numa"']],
    ['size 0', { ...ENTRY, size: [0] }, ['matrix[0].size[0]']],
    ['an empty workload list', { ...ENTRY, workload: [] }, ['matrix[0].workload is empty']],
    ['a non-namespaced sysctl', { ...ENTRY, sysctls: { 'net.core.somaxconn': '1' } }, ['matrix[0].sysctls', 'net.core.somaxconn']],
    ['a matrix entry that is not an object', 'msg.pingpong', ['matrix[0] must be an object']],
  ])('a matrix entry with %s', (_name, entry, parts) => {
    const e = usageError(() => loadSuite(tempSuite({ budget: BUDGET, matrix: [entry] })));
    for (const p of parts) expect(e.message).toContain(p);
  });

  it('names the matrix entry that is wrong', () => {
    const e = usageError(() => loadSuite(tempSuite({ budget: BUDGET, matrix: [ENTRY, { ...ENTRY, mode: ['container'] }] })));
    expect(e.message).toContain('matrix[1].mode[0]');
  });
});

describe('applyOverrides', () => {
  const base = (): Suite => loadSuite('default');

  it('--workload filters the suite', () => {
    const s = applyOverrides(base(), { workload: ['sem.pingpong'] });
    for (const e of s.matrix) expect(e.workload).toEqual(['sem.pingpong']);
    const scenarios = expand(s);
    expect(scenarios.length).toBeGreaterThan(0);
    expect(new Set(scenarios.map((x) => x.workload))).toEqual(new Set(['sem.pingpong']));
    // The same placements and worker counts as the suite gives sem.pingpong.
    const original = expand(base())
      .filter((x) => x.workload === 'sem.pingpong')
      .map((x) => x.id);
    expect(scenarios.map((x) => x.id)).toEqual(original);
  });

  it('drops matrix entries left without workloads', () => {
    const s = applyOverrides(base(), { workload: ['shm.copy'] });
    expect(s.matrix).toHaveLength(1);
  });

  it('--mode, --workers, --size and --placement replace the suite values', () => {
    const s = applyOverrides(base(), { mode: ['isolated'], workers: [3], params: { size: [1024] }, placement: ['split'] });
    for (const e of s.matrix) {
      expect(e.mode).toEqual(['isolated']);
      expect(e.workers).toEqual([3]);
      expect(e.params?.size).toEqual([1024]);
      expect(e.placement).toEqual(['split']);
    }
    for (const x of expand(s)) {
      expect(x.mode).toBe('isolated');
      expect(x.workers).toBe(3);
      expect(x.placement).toBe('split');
      if (workloadInfo(x.workload)?.params.some((p) => p.name === 'size')) expect(x.params.size).toBe(1024);
      else expect(x.params.size).toBeUndefined();
    }
  });

  it('--time sets budget.capMs only, --margin budget.margin only', () => {
    const before = base();
    const s = applyOverrides(before, { capMs: 5000 });
    expect(s.budget).toEqual({ ...before.budget, capMs: 5000 });
    expect(applyOverrides(before, { margin: 0.02 }).budget).toEqual({ ...before.budget, margin: 0.02 });
    expect(s.matrix).toEqual(before.matrix);
    expect(applyOverrides(before, {}).budget).toEqual(before.budget);
  });

  it('--sysctl merges into the suite sysctls, the command line winning', () => {
    const suite = loadSuite(tempSuite({ budget: BUDGET, matrix: [{ ...ENTRY, sysctls: { 'kernel.msgmni': '64', 'kernel.msgmax': '8192' } }] }));
    const s = applyOverrides(suite, { sysctls: { 'kernel.msgmax': '16384', 'fs.mqueue.msg_max': '64' } });
    expect(s.matrix[0]?.sysctls).toEqual({ 'kernel.msgmni': '64', 'kernel.msgmax': '16384', 'fs.mqueue.msg_max': '64' });
    for (const x of expand(s)) expect(x.id).toContain('/sysctl(fs.mqueue.msg_max=64,kernel.msgmax=16384,kernel.msgmni=64)');
  });

  it("adds a workload the suite lacks, with the first entry's other dimensions", () => {
    const suite = loadSuite(tempSuite({ budget: BUDGET, matrix: [{ ...ENTRY, workers: [2], placement: ['split'] }] }));
    const s = applyOverrides(suite, { workload: ['msg.pingpong', 'sem.pingpong'] });
    const scenarios = expand(s);
    const sem = scenarios.filter((x) => x.workload === 'sem.pingpong');
    expect(sem.map((x) => x.mode)).toEqual(['host', 'shared', 'isolated']);
    for (const x of sem) {
      expect(x.workers).toBe(2);
      expect(x.placement).toBe('split');
    }
    expect(scenarios.filter((x) => x.workload === 'msg.pingpong')).toHaveLength(3);
  });

  it('applies the other overrides to an added workload', () => {
    const suite = loadSuite(tempSuite({ budget: BUDGET, matrix: [ENTRY] }));
    const s = applyOverrides(suite, { workload: ['mq.stream'], mode: ['shared'], workers: [2], params: { size: [128] } });
    expect(expand(s).map((x) => x.id)).toEqual(['mq.stream(size=128)/shared/w2/same-cpu']);
  });

  it('does not change the suite it is given', () => {
    const before = base();
    const copy = structuredClone(before);
    applyOverrides(before, { workload: ['sem.pingpong'], mode: ['host'], workers: [4], capMs: 1, sysctls: { 'kernel.msgmni': '1' } });
    expect(before).toEqual(copy);
  });
});

describe('expand and scenarioId', () => {
  it('gives no duplicate ids, even for overlapping matrix entries', () => {
    const suite = loadSuite(tempSuite({ budget: BUDGET, matrix: [ENTRY, ENTRY, { ...ENTRY, mode: ['host'] }] }));
    const scenarios = expand(suite);
    expect(scenarios.map((s) => s.id)).toEqual([
      'msg.pingpong(size=64)/host/w1/same-cpu',
      'msg.pingpong(size=64)/shared/w1/same-cpu',
      'msg.pingpong(size=64)/isolated/w1/same-cpu',
    ]);
    const all = expand(loadSuite('default'));
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
  });

  it('applies sizes only to workloads that take a size', () => {
    const suite = loadSuite(
      tempSuite({ budget: BUDGET, matrix: [{ ...ENTRY, workload: ['msg.pingpong', 'sem.pingpong'], size: [64, 1024], mode: ['host'] }] }),
    );
    const scenarios = expand(suite);
    expect(scenarios.map((s) => s.id)).toEqual([
      'msg.pingpong(size=64)/host/w1/same-cpu',
      'msg.pingpong(size=1024)/host/w1/same-cpu',
      'sem.pingpong/host/w1/same-cpu',
    ]);
    expect(scenarios[2]?.params).toEqual({});
  });

  it('fills in default sizes', () => {
    const suite = loadSuite(tempSuite({ budget: BUDGET, matrix: [{ ...ENTRY, workload: ['shm.copy', 'mq.pingpong'], mode: ['host'] }] }));
    expect(expand(suite).map((s) => s.params)).toEqual([{ size: 4096 }, { size: 64 }]);
  });

  it('keeps matrix order: workload, size, workers, placement, then mode', () => {
    const suite = loadSuite(
      tempSuite({ budget: BUDGET, matrix: [{ workload: ['msg.stream'], size: [8, 16], mode: ['isolated', 'host'], workers: [1, 2], placement: ['split'] }] }),
    );
    expect(expand(suite).map((s) => s.id)).toEqual([
      'msg.stream(size=8)/isolated/w1/split',
      'msg.stream(size=8)/host/w1/split',
      'msg.stream(size=8)/isolated/w2/split',
      'msg.stream(size=8)/host/w2/split',
      'msg.stream(size=16)/isolated/w1/split',
      'msg.stream(size=16)/host/w1/split',
      'msg.stream(size=16)/isolated/w2/split',
      'msg.stream(size=16)/host/w2/split',
    ]);
  });

  it('builds stable ids from the identity fields', () => {
    const s = { workload: 'msg.pingpong', params: { size: 64 }, mode: 'isolated' as const, workers: 2, placement: 'same-cpu' as const, sysctls: {} };
    expect(scenarioId(s)).toBe('msg.pingpong(size=64)/isolated/w2/same-cpu');
    expect(scenarioId({ ...s })).toBe(scenarioId(s));
    expect(scenarioId({ ...s, workload: 'sem.pingpong', params: {}, mode: 'host', workers: 1, placement: 'split' })).toBe('sem.pingpong/host/w1/split');
    const a = scenarioId({ ...s, sysctls: { 'kernel.msgmni': '64', 'kernel.msgmax': '1' } });
    const b = scenarioId({ ...s, sysctls: { 'kernel.msgmax': '1', 'kernel.msgmni': '64' } });
    expect(a).toBe('msg.pingpong(size=64)/isolated/w2/same-cpu/sysctl(kernel.msgmax=1,kernel.msgmni=64)');
    expect(b).toBe(a);
  });

  it('gives every expanded scenario the id of its own fields', () => {
    for (const s of expand(loadSuite('default'))) {
      const { id, ...rest } = s;
      expect(id).toBe(scenarioId(rest));
    }
  });
});

describe('loadSuite: a key the suite format does not have is refused, with the nearest one', () => {
  it.each([
    [
      'a misspelt placement in a matrix entry',
      { budget: BUDGET, matrix: [{ ...ENTRY, placement: undefined, placment: ['split'] }] },
      'matrix[0]: unknown key "placment"; did you mean placement?',
    ],
    [
      'a misspelt key in the second matrix entry',
      { budget: BUDGET, matrix: [ENTRY, { ...ENTRY, wrokers: [2] }] },
      'matrix[1]: unknown key "wrokers"; did you mean workers?',
    ],
    ['a misspelt parameter', { budget: BUDGET, matrix: [{ ...ENTRY, sise: [64] }] }, 'matrix[0]: unknown key "sise"; did you mean size?'],
    ['a misspelt budget field', { budget: { ...BUDGET, minRonuds: 3 }, matrix: [ENTRY] }, 'budget: unknown key "minRonuds"; did you mean minRounds?'],
    ['a budget field in the wrong case', { budget: { margin: 0.05, capMS: 100 }, matrix: [ENTRY] }, 'budget: unknown key "capMS"; did you mean capMs?'],
    ['a misspelt top-level key', { budget: BUDGET, matrix: [ENTRY], descripton: 'x' }, 'the suite: unknown key "descripton"; did you mean description?'],
    [
      'a key nothing is near',
      { budget: BUDGET, matrix: [{ ...ENTRY, colour: 'red' }] },
      'matrix[0]: unknown key "colour"; matrix[0] takes workload, mode, workers, placement,',
    ],
  ])('%s', (_name, suite, message) => {
    const e = usageError(() => loadSuite(tempSuite(suite)));
    expect(e.message).toContain(message);
  });

  it('shows a key with control characters escaped, and a long one cut', () => {
    const e = usageError(() => loadSuite(tempSuite({ budget: BUDGET, matrix: [{ ...ENTRY, 'x\u001b[2J\u202e': 1, ['y'.repeat(500)]: 1 }] })));
    expect(e.message).toContain('unknown key "x\\u001b[2J\\u{202e}"');
    expect(e.message).not.toMatch(/[\u001b\u202e]/);
    const long = usageError(() => loadSuite(tempSuite({ budget: BUDGET, matrix: [{ ...ENTRY, ['y'.repeat(500)]: 1 }] })));
    expect(long.message.length).toBeLessThan(400);
  });

  it('accepts $schema, for editors that check the file against schema/suite.schema.json', () => {
    expect(loadSuite(tempSuite({ $schema: '../schema/suite.schema.json', budget: BUDGET, matrix: [ENTRY] })).matrix).toHaveLength(1);
  });

  it('the published schema refuses unknown keys too', () => {
    const check = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(SUITE_SCHEMA_FILE, 'utf8')) as object);
    expect(check({ budget: BUDGET, matrix: [{ ...ENTRY, placment: ['split'] }] })).toBe(false);
    expect(check({ budget: { ...BUDGET, capms: 1 }, matrix: [ENTRY] })).toBe(false);
    expect(check({ budget: BUDGET, matrix: [ENTRY], extra: 1 })).toBe(false);
  });
});

describe('checkSysctl', () => {
  it('accepts per-namespace sysctls with numeric values', () => {
    expect(checkSysctl('--sysctl', 'kernel.msgmni=64')).toEqual(['kernel.msgmni', '64']);
    expect(checkSysctl('--sysctl', ' fs.mqueue.msg_max=64 ')).toEqual(['fs.mqueue.msg_max', '64']);
    expect(checkSysctl('--sysctl', 'kernel.sem=32000 1024000000 500 32000')).toEqual(['kernel.sem', '32000 1024000000 500 32000']);
  });

  it.each([
    ['kernel.msgmni', 'NAME=VALUE'],
    ['kernel.msgmni=abc', 'NAME=VALUE'],
    ['kernel.msgmni=', 'NAME=VALUE'],
    ['=64', 'NAME=VALUE'],
    ['net.core.somaxconn=1', 'not a per-IPC-namespace sysctl'],
    ['kernel.pid_max=100000', 'not a per-IPC-namespace sysctl'],
    ['kernel.msgmnii=64', 'not a per-IPC-namespace sysctl; did you mean kernel.msgmni?'],
  ])('rejects %j, naming the flag', (text, why) => {
    const e = usageError(() => checkSysctl('--sysctl', text));
    expect(e.message.startsWith('--sysctl ')).toBe(true);
    expect(e.message).toContain(why);
  });

  it('names the offending sysctl', () => {
    expect(usageError(() => checkSysctl('--sysctl', 'net.core.somaxconn=1')).message).toContain('net.core.somaxconn');
    expect(usageError(() => checkSysctl('--sysctl', 'kernel.msgmni=abc')).message).toContain('kernel.msgmni=abc');
  });
});

describe('schema/suite.schema.json', () => {
  it('is what `npm run schema` writes from the TypeBox definition', () => {
    // Fails when src/plan/suite-schema.ts (or a workload parameter) changed without running `npm run schema`.
    expect(readFileSync(SUITE_SCHEMA_FILE, 'utf8'), 'schema/suite.schema.json is stale: run `npm run schema`').toBe(suiteSchemaText());
  });

  it('accepts every shipped suite, and refuses what loadSuite refuses', () => {
    // The committed file, by an ajv of its own: what an editor or another tool would check suites with.
    const check = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(SUITE_SCHEMA_FILE, 'utf8')) as object);
    for (const name of suiteNames()) {
      const raw = JSON.parse(readFileSync(join(SUITES_DIR, `${name}.json`), 'utf8')) as unknown;
      expect(check(raw), `${name}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    const bad = { budget: BUDGET, matrix: [{ ...ENTRY, mode: ['container'] }] };
    expect(check(bad)).toBe(false);
    expect(usageError(() => loadSuite(tempSuite(bad))).message).toContain('matrix[0].mode[0]');
  });
});
