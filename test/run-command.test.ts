/**
 * runCommand over the mock core: what a run does when fresh namespaces cannot
 * be made (no privilege and user namespaces refused).
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
