/**
 * The CLI as a user meets it: bad input is refused with one line and exit
 * code 2 before anything runs; a real quick run writes a document that the
 * shipped schema accepts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/parse.js';
import { WORKLOADS } from '../src/plan/workloads.js';
import { runCli, runInOwnIpcNamespace } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad input exits 2 with one line naming the flag', () => {
  const garbage = join(dir, 'garbage.json');
  writeFileSync(garbage, '{"name": "x", "budget": 3');
  const empty = join(dir, 'empty.json');
  writeFileSync(empty, '{}');
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown flag', ['run', '--nope'], /unknown flag --nope; allowed: --suite/],
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['unknown workload', ['run', '--workload', 'msg.pinpong'], /--workload msg\.pinpong: not one of msg\.pingpong/],
    ['unknown mode', ['run', '--mode', 'container'], /--mode container: not one of host, shared, isolated/],
    ['unknown placement', ['run', '--placement', 'numa'], /--placement numa: not one of any, same-cpu, split/],
    ['size 0', ['run', '--size', '0'], /--size 0: must be at least 1/],
    ['negative size', ['run', '--size=-5'], /--size -5: must be at least 1/],
    ['non-numeric size', ['run', '--size', 'big'], /--size "big": not a whole number/],
    ['workers 0', ['run', '--workers', '0'], /--workers 0: must be at least 1/],
    ['absurd workers', ['run', '--workers', '100000'], /--workers 100000: at most 256/],
    ['backwards range', ['run', '--workers', '4-1'], /--workers 4-1: the range runs backwards/],
    ['time 0', ['run', '--time', '0'], /--time 0: must be at least 1/],
    ['malformed sysctl', ['run', '--sysctl', 'kernel.msgmni'], /--sysctl "kernel.msgmni": expected NAME=VALUE/],
    ['host-wide sysctl', ['run', '--sysctl', 'kernel.pid_max=10'], /--sysctl kernel\.pid_max: not a per-IPC-namespace sysctl/],
    ['unknown suite', ['run', '--suite', 'nosuch'], /--suite nosuch: no such suite; use one of .*default.*quick/],
    ['garbage suite', ['run', '--suite', garbage], /is not JSON/],
    ['empty suite', ['run', '--suite', empty], /"budget" is missing/],
    ['empty list item', ['run', '--mode', 'host,,shared'], /--mode "host,,shared": empty item/],
    ['flag without value', ['run', '--size'], /--size/],
    [
      'unwritable --json',
      ['run', '--suite', 'quick', '--json', '/proc/nope/run.json'],
      /--json \/proc\/nope\/run\.json: the folder \/proc\/nope does not exist; create it/,
    ],
    [
      'msgmax of a fresh namespace',
      ['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--size', '16384', '--json', join(dir, 'x.json')],
      /--size 16384 exceeds kernel\.msgmax = 8192 of a fresh IPC namespace.*--sysctl kernel\.msgmax=16384/,
    ],
    [
      'a sysctl value the kernel refuses',
      ['run', '--workload', 'msg.pingpong', '--mode', 'isolated', '--sysctl', 'kernel.msgmax=99999999999', '--json', join(dir, 'z.json')],
      /--sysctl: kernel\.msgmax failed: EINVAL: the kernel refused the value/,
    ],
    ['a result file that is not JSON', ['compare', '/etc/hostname', '/etc/hostname'], /\/etc\/hostname is not JSON/],
    [
      'mq msgsize_max of a fresh namespace',
      ['run', '--workload', 'mq.stream', '--mode', 'shared', '--size', '9000', '--json', join(dir, 'y.json')],
      /--size 9000 exceeds fs\.mqueue\.msgsize_max = 8192/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^ipcns-bench: /);
      expect(lines[0]).toMatch(message);
    });
  }
});

describe('a real quick run through the CLI', () => {
  it('writes a complete document that the shipped schema accepts, and leaves nothing behind', () => {
    const json = join(dir, 'quick.json');
    // In an IPC namespace of its own: what is left there can only be the run's.
    const r = runInOwnIpcNamespace(['run', '--suite', 'quick', '--json', json], { NO_COLOR: '1' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(true);
    expect(doc.finishedAt).not.toBeNull();
    expect(doc.scenarios).toHaveLength(WORKLOADS.length * 3);
    for (const s of doc.scenarios) {
      expect(s.state, `${s.id}: ${s.failure?.message ?? ''}`).toBe('completed');
      expect(s.throughput?.estimate).toBeGreaterThan(0);
      expect(Number.isFinite(s.throughput?.estimate)).toBe(true);
      expect(s.throughput?.samples).toBe(s.rounds);
      expect(s.throughput?.rounds).toHaveLength(s.rounds ?? -1);
      expect(s.cpuNsPerOp).toBeGreaterThan(0);
    }
    expect(doc.comparisons.filter((c) => c.metric === 'throughput')).toHaveLength(WORKLOADS.length * 3);
    // Every group says how far it got and why it stopped.
    expect(doc.groups).toHaveLength(WORKLOADS.length);
    for (const g of doc.groups) expect(['decided', 'cap']).toContain(g.stop);
    expect(doc.env.limits.fresh.msgmax).toBe(8192);
    // The tables: one per workload, modes as rows, then the comparisons; no colour under NO_COLOR.
    for (const w of WORKLOADS) expect(r.stdout).toContain(w.name);
    expect(r.stdout).toContain('Mode comparisons');
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toContain(`Result document: ${json}`);
    // Nothing the run created in its host namespace survives it: no SysV object, no POSIX queue.
    expect(r.left).toEqual({ sysv: [], queues: [] });
  });

  it('--quiet prints nothing at all on success', () => {
    const r = runCli(['run', '--suite', 'quick', '--workload', 'sem.pingpong', '--mode', 'host', '--json', join(dir, 'q.json'), '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
  });

  it('list shows every workload with its parameters and limits', () => {
    const r = runCli(['list']);
    expect(r.code).toBe(0);
    for (const w of WORKLOADS) expect(r.stdout).toContain(w.name);
    expect(r.stdout).toMatch(/limit kernel\.msgmax: host \d+, fresh namespace 8192/);
    expect(r.stdout).toContain('--size');
  });
});
