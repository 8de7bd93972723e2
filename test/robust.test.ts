/**
 * A tool that leaves message queues behind on a production host gets
 * uninstalled: signals stop a real run cleanly, a killed run's leftovers are
 * removed by `clean`, and nobody else's objects are touched.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listJournals } from '../src/measure/journal.js';
import type { ResultDocument } from '../src/document/result.js';
import { validateResultDocument } from '../src/document/parse.js';
import { allObjects } from '../src/measure/sysvipc.js';
import { runCli, startCli } from './helpers/cli.js';
import { childPids } from './helpers/host-ipc.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A suite whose single window lasts 30 s: the same measured processes live until they are killed. */
const longWindow = join(dir, 'long-window.json');
writeFileSync(
  longWindow,
  JSON.stringify({
    name: 'long-window',
    budget: { capMs: 60000, windowMs: 30000, warmupRounds: 0, minRounds: 2, maxRounds: 2 },
    matrix: [{ workload: ['ipc.lookup'], objects: [32], mode: ['host'], workers: [1], placement: ['same-cpu'] }],
  }),
);

/** Resolves once the tool has finished its first scenario group (its document lists scenarios). */
function afterFirstGroup(json: string): (text: string) => boolean {
  return () => {
    try {
      return (JSON.parse(readFileSync(json, 'utf8')) as ResultDocument).scenarios.length > 0;
    } catch {
      return false;
    }
  };
}

/** The state letter of a process from /proc/<pid>/stat (R, S, T, Z, ...). */
function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
}

/** Waits for a condition that another process brings about, up to a deadline. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

const toolKeys = (): string[] =>
  allObjects()
    .filter((o) => (o.key & 0xc0000000) === 0x40000000)
    .map((o) => `${o.kind}:${o.id}`);

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during a run', (signal, code) => {
  it(`stops the windows, writes a partial document and exits ${code}`, async () => {
    const json = join(dir, `${signal}.json`);
    const before = new Set(allObjects().map((o) => `${o.kind}:${o.id}`));
    const ready = afterFirstGroup(json);
    let sent = false;
    const children = new Set<number>();
    const run = startCli(['run', '--workload', 'msg.pingpong,ipc.lookup,sem.pingpong', '--mode', 'host,isolated', '--time', '3000', '--json', json]);
    expect(
      await until(() => {
        for (const c of childPids(run.pid)) children.add(c);
        return ready('');
      }, 60_000),
    ).toBe(true);
    for (const c of childPids(run.pid)) children.add(c);
    process.kill(run.pid, signal);
    sent = true;
    const r = await run.done;
    expect(sent).toBe(true);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(`${signal}: stopping after the window in flight`);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(validateResultDocument(doc)).toEqual([]);
    expect(doc.complete).toBe(false);
    expect(doc.scenarios.filter((s) => s.state === 'completed').length).toBeGreaterThan(0);
    expect(doc.scenarios.some((s) => s.state !== 'completed')).toBe(true);
    // Every process the run forked is gone, and nothing it made in the host namespace remains.
    expect([...children].filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
    expect(allObjects().filter((o) => !before.has(`${o.kind}:${o.id}`) && o.perms === 0o600 && toolKeys().includes(`${o.kind}:${o.id}`))).toEqual([]);
    expect(listJournals().filter((j) => j.pid === run.pid)).toEqual([]);
  });
});

describe('a second SIGINT', () => {
  it('forces the exit at once, and the host-mode objects still go', async () => {
    const json = join(dir, 'twice.json');
    const run = startCli(['run', '--suite', longWindow, '--json', json, '--quiet']);
    expect(await until(() => (listJournals().find((j) => j.pid === run.pid)?.live.length ?? 0) >= 32, 60_000)).toBe(true);
    const made = listJournals().find((j) => j.pid === run.pid)?.live ?? [];
    const kids = childPids(run.pid);
    process.kill(run.pid, 'SIGINT');
    // Standard signals do not queue: send the second once the first has been handled.
    expect(await until(() => run.output().stderr.includes('SIGINT: stopping'), 10_000)).toBe(true);
    process.kill(run.pid, 'SIGINT');
    const r = await run.done;
    // Killed by SIGINT itself, which a shell reports as 130.
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).toContain('SIGINT again: exiting now');
    // The measured processes see their caller die, remove what they made, and exit.
    expect(await until(() => kids.every((k) => !existsSync(`/proc/${k}`)), 10_000)).toBe(true);
    expect(allObjects().filter((o) => made.some((m) => m.kind === o.kind && m.id === o.id))).toEqual([]);
    // The interrupted run's document says so.
    expect((JSON.parse(readFileSync(json, 'utf8')) as ResultDocument).complete).toBe(false);
    runCli(['clean']);
  });
});

describe('a SIGKILLed run, then clean', () => {
  it("removes exactly the killed run's objects and leaves a foreign queue alone", async () => {
    const foreignId = Number(/(\d+)/.exec(execFileSync('ipcmk', ['-Q', '-p', '0600']).toString())?.[1]);
    try {
      const json = join(dir, 'killed.json');
      const run = startCli(['run', '--suite', longWindow, '--json', json, '--quiet']);
      // Wait until the measured process has made its objects (the journal lists them).
      expect(await until(() => (listJournals().find((j) => j.pid === run.pid)?.live.length ?? 0) >= 32, 60_000)).toBe(true);
      // A crash that takes the tool and its measured processes at once (the OOM killer, a
      // cgroup kill): stop the tool so it cannot remove what its processes made, kill them,
      // then kill the tool. (Stopping the measured processes instead does not keep them from
      // cleaning up: when their caller dies, the kernel sends an orphaned, stopped process
      // group SIGHUP and SIGCONT, and they handle SIGHUP like SIGTERM.)
      const kids = childPids(run.pid);
      expect(kids.length).toBeGreaterThan(0);
      process.kill(run.pid, 'SIGSTOP');
      expect(await until(() => processState(run.pid) === 'T', 10_000)).toBe(true);
      for (const k of kids) process.kill(k, 'SIGKILL');
      expect(await until(() => kids.every((k) => processState(k) === 'Z'), 10_000)).toBe(true);
      process.kill(run.pid, 'SIGKILL');
      await run.done;
      const journal = listJournals().find((j) => j.pid === run.pid);
      expect(journal?.live.length).toBe(32);
      const left = allObjects().filter((o) => journal?.live.some((e) => e.kind === o.kind && e.id === o.id));
      expect(left).toHaveLength(32);

      const dry = runCli(['clean', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('would remove 32');

      const r = runCli(['clean']);
      expect(r.code).toBe(0);
      expect(r.stdout.match(/^removed msg id/gm)).toHaveLength(32);
      expect(allObjects().filter((o) => left.some((l) => l.kind === o.kind && l.id === o.id))).toEqual([]);
      expect(allObjects().some((o) => o.kind === 'msg' && o.id === foreignId)).toBe(true);
      expect(listJournals().some((j) => j.pid === run.pid)).toBe(false);
      expect(runCli(['clean']).stdout).toContain('nothing to remove');
    } finally {
      execFileSync('ipcrm', ['-q', String(foreignId)]);
    }
  });
});
