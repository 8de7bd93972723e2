/**
 * runCommand over the mock core: what a run does when fresh namespaces cannot
 * be made (no privilege and user namespaces refused), and a run whose groups
 * take turns.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/run.js';
import { failure } from '../src/common/errors.js';
import { InlineExecutor } from '../src/measure/executor.js';
import { createMockCore } from '../src/measure/mock-core.js';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/validate.js';
import type { WindowSpec } from '../src/common/types.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sink = (): NodeJS.WriteStream =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  }) as unknown as NodeJS.WriteStream;

describe('a run where fresh namespaces are refused', () => {
  it('measures the host-mode scenarios and skips the others with the reason', async () => {
    const core = createMockCore({ seed: 5 });
    const refused = failure(constants.errno.EPERM, 'clone(CLONE_NEWUSER|CLONE_NEWIPC)');
    // A core that cannot make a fresh namespace: the limits probe and nsOpen both fail.
    const executor = () =>
      Object.assign(new InlineExecutor(core), {
        limits: (fresh: boolean) => Promise.resolve(fresh ? { ok: false as const, failure: refused } : core.limits(false, 'privileged', {})),
      });
    const json = join(dir, 'refused.json');
    const code = await runCommand(['--suite', 'quick', '--workload', 'sem.pingpong', '--json', json, '--quiet'], {
      stdout: sink(),
      stderr: sink(),
      executor,
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    const state = Object.fromEntries(doc.scenarios.map((s) => [s.mode, s.state]));
    expect(state).toEqual({ host: 'completed', shared: 'skipped', isolated: 'skipped' });
    for (const s of doc.scenarios.filter((x) => x.mode !== 'host')) {
      expect(s.failure?.message).toContain('user namespaces are refused here');
    }
  });
});

describe('a run with --interleave-groups', () => {
  /** Runs the two workloads over the mock core; returns the document and the workload of each window, in the order they ran. */
  async function run(extra: string[], name: string): Promise<{ doc: ResultDocument; windows: string[] }> {
    // sem.pingpong's ops take 50 times as long: its windows are longer, its cap holds fewer rounds, and it stops first.
    const core = createMockCore({ seed: 9, nsPerOp: { 'msg.pingpong': 2000, 'sem.pingpong': 100_000 } });
    const windows: string[] = [];
    const executor = () =>
      Object.assign(new InlineExecutor(core), {
        runWindow: (specs: readonly WindowSpec[]) => {
          windows.push(specs[0]?.workload ?? '');
          return Promise.resolve(specs.map((s) => core.run(s)));
        },
      });
    const json = join(dir, name);
    const argv = [
      '--suite',
      'quick',
      '--workload',
      'msg.pingpong,sem.pingpong',
      '--mode',
      'host,isolated',
      '--time',
      '400',
      '--json',
      json,
      '--quiet',
      ...extra,
    ];
    const code = await runCommand(argv, { stdout: sink(), stderr: sink(), executor, signal: new AbortController().signal });
    expect(code).toBe(0);
    return { doc: JSON.parse(readFileSync(json, 'utf8')) as ResultDocument, windows };
  }
  /** How many times the workload of consecutive windows changes. */
  const switches = (ws: readonly string[]): number => ws.filter((w, i) => i > 0 && w !== ws[i - 1]).length;

  it('spreads both groups over the run, and writes the document in the planned order, as a run without it does', async () => {
    const plain = await run([], 'plain.json');
    const mixed = await run(['--interleave-groups'], 'interleaved.json');
    expect(switches(plain.windows)).toBe(1);
    expect(switches(mixed.windows)).toBeGreaterThan(4);
    // Interleaved, the second group stopped first, and is listed second all the same.
    expect(mixed.windows.at(-1)).toBe('msg.pingpong');
    expect(plain.doc.scenarios[0]?.workload).toBe('msg.pingpong');
    for (const { doc } of [plain, mixed]) {
      expect(validateResultDocument(doc)).toEqual([]);
      expect(doc.scenarios.map((s) => s.id)).toEqual(plain.doc.scenarios.map((s) => s.id));
      expect(doc.groups.map((g) => g.scenarios)).toEqual(plain.doc.groups.map((g) => g.scenarios));
      expect(doc.comparisons.map((c) => [c.metric, c.scenarioA, c.scenarioB])).toEqual(plain.doc.comparisons.map((c) => [c.metric, c.scenarioA, c.scenarioB]));
      for (const s of doc.scenarios) expect(s.throughput?.calibrated?.estimate).toBeGreaterThan(0);
    }
  });
});
