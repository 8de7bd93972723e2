/**
 * runCommand over the mock core: what a run does when fresh namespaces cannot
 * be made (no privilege and user namespaces refused), when it is
 * interrupted, and a run whose groups take turns.
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

/** A stream that keeps what is written to it. */
function capture(): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const stream = new Writable({
    write(c, _e, cb) {
      text += String(c);
      cb();
    },
  });
  return Object.assign(stream, { text: () => text }) as unknown as NodeJS.WriteStream & { text: () => string };
}

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

describe('a run interrupted in its first group', () => {
  it("quotes the suite's cap in its noise advice, and sums the scenarios it never reached up in one line", async () => {
    const core = createMockCore({ seed: 5, noise: 0.3 });
    const abort = new AbortController();
    let windows = 0;
    // Interrupted once the first group has a warm-up and a few measured rounds: its comparisons are judged, the other groups never run.
    const executor = () =>
      Object.assign(new InlineExecutor(core), {
        runWindow: (specs: Parameters<InlineExecutor['runWindow']>[0]) => {
          if (++windows === 15) abort.abort();
          return Promise.resolve(specs.map((spec) => core.run(spec)));
        },
      });
    const json = join(dir, 'interrupted.json');
    const stdout = capture();
    const code = await runCommand(['--suite', 'quick', '--workload', 'msg.pingpong,sem.pingpong,shm.copy', '--time', '2s', '--json', json], {
      stdout,
      stderr: sink(),
      executor,
      signal: abort.signal,
    });
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(doc.complete).toBe(false);
    const notReached = doc.scenarios.filter((s) => s.failure?.message === 'interrupted before it ran');
    expect(notReached).toHaveLength(6);
    // The advice names the cap the groups ran under, not 0.
    expect(doc.noise?.high).toBe(true);
    expect(doc.noise?.advice).toContain('--time T (now 2000 ms of measured windows per group)');
    // One line for the scenarios never reached; the document keeps each of them.
    expect(stdout.text()).not.toContain('interrupted before it ran');
    expect(stdout.text().match(/6 scenarios were not measured: the run was interrupted first/g)).toHaveLength(1);
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
