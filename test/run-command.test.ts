/**
 * runCommand over the mock core: what a run does when fresh namespaces cannot
 * be made (no privilege and user namespaces refused), and when it is
 * interrupted.
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
