/**
 * The GitHub Actions history workflow (.github/workflows/history.yml), read
 * by GitHub's own parser (@actions/workflow-parser), then held to what it
 * promises: every push to main runs the ci suite with its commit, only the
 * job that stores the run may write, every action is pinned by commit, and
 * the gate is `ipcns-bench history`. Its two scripts run here for real: the
 * store step against a local repository standing in for GitHub, the gate
 * step on a series of runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseHistoryArgs } from '../src/commands/history.js';
import { REPORT_OPTIONS } from '../src/commands/report.js';
import { parseRunArgs } from '../src/commands/run.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import type { ResultDocument } from '../src/document/result.js';
import { parse } from '../src/plan/flags.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { runDocument } from './helpers/fixtures.js';
import { series, writeSeries } from './helpers/history.js';
import { scaleScenario, scenarioOf } from './helpers/surgery.js';

const FILE = join(PACKAGE_ROOT, '.github', 'workflows', 'history.yml');
const TEXT = readFileSync(FILE, 'utf8');
const SHA = 'c0ffee0000000000000000000000000000000001';

async function parserErrors(text: string): Promise<string[]> {
  const parsed = parseWorkflow({ name: 'history.yml', content: text }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) return errors;
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const steps = (job: Obj): Obj[] => list(job['steps']).map(obj);
const stepNamed = (job: Obj, name: string): string => String(steps(job).find((s) => s['name'] === name)?.['run'] ?? '');

/** The arguments of each `dist/src/cli.js COMMAND ...` call in a script, with its shell variables put in. */
function cliCalls(text: string, vars: Record<string, string>): string[][] {
  return text
    .split('\n')
    .map((l) => /dist\/src\/cli\.js (.*?)(?:\s*(?:>|\|\|).*)?$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .map((l) => l.replace(/"\$(\w+)"/g, (_m, v: string) => vars[v] ?? `<${v}?>`).split(/\s+/));
}

const workflow = obj(parseYaml(TEXT));
const jobs = obj(workflow['jobs']);

/** What the history workflow promises, beyond GitHub's own checks. */
function historyProblems(w: Obj): string[] {
  const out: string[] = [];
  const need = (ok: boolean, what: string): void => {
    if (!ok) out.push(what);
  };
  const j = obj(w['jobs']);
  const on = obj(w['on']);
  need(JSON.stringify(obj(on['push'])['branches']) === '["main"]' && 'workflow_dispatch' in on, 'on push to main, and by hand');
  need(JSON.stringify(obj(w['permissions'])) === '{"contents":"read"}', 'permissions: contents: read at the top');
  const writers = Object.entries(j)
    .filter(([, job]) => obj(obj(job)['permissions'])['contents'] === 'write')
    .map(([name]) => name);
  need(JSON.stringify(writers) === '["store"]', 'contents: write for the store job only');
  need(obj(w['concurrency'])['cancel-in-progress'] === false, 'runs queue, none cancelled (each adds to the data branch)');
  need(obj(j['store'])['needs'] === 'bench' && obj(j['gate'])['needs'] === 'store', 'bench, then store, then gate');
  need(
    /git -C data push origin "HEAD:refs\/heads\/\$DATA_BRANCH"/.test(stepNamed(obj(j['store']), 'Add the run to the data branch')),
    'the store job pushes to the data branch',
  );
  const gate = stepNamed(obj(j['gate']), 'ipcns-bench history (the gate)');
  need(/history data\/runs .*--summary/.test(gate), 'the gate runs history over the stored runs, into the job summary');
  need(/exit "\$code"/.test(gate), "the gate exits with history's code");
  return out;
}

describe('.github/workflows/history.yml', () => {
  it("passes GitHub's workflow parser", async () => {
    expect(await parserErrors(TEXT)).toEqual([]);
  });

  it('runs, stores and gates as it says: ci on push, one writer, history as the gate', () => {
    expect(historyProblems(workflow)).toEqual([]);
  });

  it('pins every action by its full commit, with the tag in a comment', () => {
    const uses = TEXT.split('\n').filter((l) => /^\s*(- )?uses:/.test(l));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    for (const line of uses) expect(line).toMatch(/uses: [\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });

  it('runs commands the tool accepts: the ci suite with the commit and ref, history and report --history', () => {
    const vars = { GITHUB_SHA: SHA, GITHUB_REF_NAME: 'main', HISTORY_RUNS: '60' };
    const [run] = cliCalls(String(steps(obj(jobs['bench'])).find((s) => s['name'] === 'ipcns-bench run')?.['run']), vars);
    expect(run?.[0]).toBe('run');
    expect(parseRunArgs(run?.slice(1) ?? [], {})).toMatchObject({ suite: 'ci', commit: SHA, ref: 'main', json: '-', quiet: true });
    const calls = cliCalls(stepNamed(obj(jobs['gate']), 'ipcns-bench history (the gate)'), vars);
    expect(calls.map((c) => c[0])).toEqual(['history', 'history', 'report']);
    expect(parseHistoryArgs(calls[0]?.slice(1) ?? [])).toMatchObject({ paths: ['data/runs'], last: 60, relative: false, summary: true });
    expect(parseHistoryArgs(calls[1]?.slice(1) ?? [])).toMatchObject({ metric: 'calibrated', relative: true, summary: true });
    expect(parse('report', calls[2]?.slice(1) ?? [], REPORT_OPTIONS, Infinity).values).toMatchObject({ history: true, last: '60', out: 'history.html' });
  });

  it('fails a broken workflow: a misspelt key, a job that needs one that is not there, a second writer', async () => {
    expect((await parserErrors(TEXT.replace('    timeout-minutes: 5\n', '    timeout-minutez: 5\n'))).join()).toMatch(/timeout-minutez/);
    expect((await parserErrors(TEXT.replace('needs: store', 'needs: stored'))).join()).toMatch(/stored/);
    const twoWriters = TEXT.replace('  gate:\n    needs: store\n', '  gate:\n    needs: store\n    permissions:\n      contents: write\n');
    expect(await parserErrors(twoWriters)).toEqual([]);
    expect(historyProblems(obj(parseYaml(twoWriters)))).toContain('contents: write for the store job only');
  });
});

describe('its scripts, run here', () => {
  let dir: string;
  let base: ResultDocument;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ipcns-history-workflow-'));
    base = await runDocument(expand(loadSuite('ci')), { seed: 7, mock: { noise: 0.02 }, budget: { capMs: 4000, windowMs: 10, precision: 0.02 } });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });

  it('the store step starts the data branch empty, then adds one file per run, named by time and commit', () => {
    const origin = join(dir, 'origin.git');
    const work = join(dir, 'work');
    git(dir, 'init', '-q', '--bare', origin);
    git(dir, 'clone', '-q', `file://${origin}`, work);
    writeFileSync(join(work, 'README.md'), 'the code\n');
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'code');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    const script = stepNamed(obj(jobs['store']), 'Add the run to the data branch');
    const store = (sha: string, content: string): void => {
      mkdirSync(join(work, 'incoming'), { recursive: true });
      writeFileSync(join(work, 'incoming', 'run.json'), content);
      const r = spawnSync('bash', ['-e', '-c', script], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, GITHUB_SHA: sha, DATA_BRANCH: 'ipcns-bench-data' },
      });
      expect(r.status, r.stderr).toBe(0);
    };
    store(SHA, '{"run":1}');
    store('c0ffee0000000000000000000000000000000002', '{"run":2}');
    const files = git(origin, 'ls-tree', '-r', '--name-only', 'ipcns-bench-data').trim().split('\n');
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^runs\/\d{8}T\d{6}Z-c0ffee0{33}[12]\.json$/);
    expect(git(origin, 'show', `ipcns-bench-data:${files.find((f) => f.endsWith('1.json'))}`)).toBe('{"run":1}');
    // Its own history: two commits, none of the code's.
    expect(git(origin, 'rev-list', '--count', 'ipcns-bench-data').trim()).toBe('2');
  });

  it('the gate step: exit 0 on a steady series, 1 when the newest runs confirm a regression; the summary and the page written', () => {
    const gate = (name: string, docs: readonly ResultDocument[]): { code: number | null; summary: string; cwd: string } => {
      const cwd = join(dir, name);
      mkdirSync(cwd);
      symlinkSync(join(PACKAGE_ROOT, 'dist'), join(cwd, 'dist'));
      writeSeries(join(cwd, 'data', 'runs'), docs);
      const summary = join(cwd, 'summary.md');
      writeFileSync(summary, '');
      const r = spawnSync('bash', ['-e', '-c', stepNamed(obj(jobs['gate']), 'ipcns-bench history (the gate)')], {
        cwd,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, HISTORY_RUNS: '60', GITHUB_STEP_SUMMARY: summary },
      });
      return { code: r.status, summary: readFileSync(summary, 'utf8'), cwd };
    };
    const steady = gate('steady', series(base, { runs: 12, seed: 31 }));
    expect(steady.code).toBe(0);
    expect(steady.summary).toContain('### ipcns-bench history: throughput\n');
    expect(steady.summary).toContain('### ipcns-bench history: calibrated (relative)\n');
    expect(existsSync(join(steady.cwd, 'history.html'))).toBe(true);
    const slow = (r: number, doc: ResultDocument): void => {
      if (r >= 9) scaleScenario(scenarioOf(doc, doc.scenarios[4]?.id as string), 'throughput', 0.88);
    };
    const regressed = gate('regressed', series(base, { runs: 12, seed: 31, edit: slow }));
    expect(regressed.code).toBe(1);
    expect(regressed.summary).toContain('**Regression:** 1 of 12 scenarios regressed in the newest runs');
  });
});
