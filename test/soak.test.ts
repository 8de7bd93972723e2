/**
 * 200 short scenarios back to back through the real core and the piscina
 * pool (bench/soak.ts): the process's open fds, its children and its IPC
 * namespace's objects end where they started. It runs in an IPC namespace of
 * its own, where host mode works as in the real host namespace but no other
 * process can add or remove objects: what changes there is the tool's doing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { inOwnIpcNamespace } from './helpers/cli.js';

interface SoakReport {
  scenarios: number;
  failures: string[];
  before: { fds: number; children: number; objects: string[] };
  after: { fds: number; children: number; objects: string[] };
}

describe('soak', () => {
  it('200 scenarios leave fds, children, IPC objects and POSIX queues as they were', () => {
    const r = inOwnIpcNamespace([process.execPath, join(PACKAGE_ROOT, 'dist', 'bench', 'soak.js'), '200'], {}, 170_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as SoakReport;
    expect(report.scenarios).toBe(200);
    expect(report.failures).toEqual([]);
    expect(report.after.fds).toBe(report.before.fds);
    expect(report.after.children).toBe(report.before.children);
    expect(report.before.objects).toEqual([]);
    expect(report.after.objects).toEqual([]);
    // And once the process has exited: nothing in its namespace, no queue in its mqueue mount.
    expect(r.left).toEqual({ sysv: [], queues: [] });
  }, 180_000);
});
