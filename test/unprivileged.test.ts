/**
 * Without CAP_SYS_ADMIN, fresh namespaces come from a user namespace: the
 * quick suite runs as uid 65534 and isolation still holds.
 */
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/parse.js';
import { WORKLOADS } from '../src/plan/workloads.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { CLI } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-nobody-'));
// Anyone may add files, as in /tmp, but not replace another's (sticky): a folder the tool writes in as uid 65534.
chmodSync(dir, 0o1777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOST_INODE = statSync('/proc/self/ns/ipc').ino;
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/**
 * The built package as uid 65534 can reach it: where the checkout sits under a
 * folder closed to others (root's home, say), a world-readable copy of what
 * the CLI needs under the temp dir.
 */
function reachableCli(): string {
  if (spawnSync('setpriv', [...NOBODY, 'test', '-r', CLI]).status === 0) return CLI;
  const copy = join(dir, 'package');
  for (const part of ['package.json', 'dist', 'bench', 'schema', 'node_modules', join('native', 'build')]) {
    cpSync(join(PACKAGE_ROOT, part), join(copy, part), { recursive: true });
  }
  return join(copy, 'dist', 'src', 'cli.js');
}
const cli = reachableCli();

function asNobody(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [...NOBODY, process.execPath, cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('as uid 65534', () => {
  it('runs the quick suite on the user-namespace route, with isolation intact', () => {
    const json = join(dir, 'quick.json');
    const r = asNobody(['run', '--suite', 'quick', '--json', json, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.env.uid).toBe(65534);
    expect(doc.env.capSysAdmin).toBe(false);
    expect(doc.env.route).toBe('userns');
    expect(doc.scenarios).toHaveLength(WORKLOADS.length * 3);
    for (const s of doc.scenarios) {
      if (s.workload === 'ns.lifecycle' && s.mode === 'host') {
        // Unsharing from the host namespace needs CAP_SYS_ADMIN there: a skip with its reason.
        expect(s.state).toBe('skipped');
        expect(s.failure?.message).toContain('CAP_SYS_ADMIN');
        continue;
      }
      expect(s.state, `${s.id}: ${s.failure?.message ?? ''}`).toBe('completed');
      expect(s.throughput?.mean).toBeGreaterThan(0);
      // Every window's namespaces were checked by the scheduler; the last one's are recorded.
      if (s.mode === 'host') expect(s.namespaces).toEqual([HOST_INODE]);
      else expect(s.namespaces?.[0]).not.toBe(HOST_INODE);
    }
  });

  it('host mode works without privilege', () => {
    const r = asNobody(['run', '--suite', 'quick', '--mode', 'host', '--workload', 'msg.pingpong,sem.pingpong', '--json', join(dir, 'host.json'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('doctor names the route that works and the fix for the one that does not', () => {
    const r = asNobody(['doctor', '--json']);
    expect(r.code).toBe(0);
    const items = (JSON.parse(r.stdout) as { items: Array<{ item: string; ok: boolean; fix?: string }> }).items;
    expect(items.find((i) => i.item === 'route userns')?.ok).toBe(true);
    const privileged = items.find((i) => i.item === 'route privileged');
    expect(privileged?.ok).toBe(false);
    expect(privileged?.fix).toContain('sudo -E');
  });
});
