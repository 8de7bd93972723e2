/**
 * The GitHub Actions fleet workflow (.github/workflows/fleet.yml), read by
 * GitHub's own workflow parser (@actions/workflow-parser: the schema and
 * expression checks GitHub applies), then held to what a fleet needs: a
 * matrix over the runner images, each run labelled by its runner with its
 * document uploaded, and a job after them that merges, compares and reports.
 * The commands its steps run must be ones the tool accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseCompareArgs } from '../src/commands/compare.js';
import { parseRunArgs } from '../src/commands/run.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { expand, loadSuite } from '../src/plan/suite.js';

const FILE = join(PACKAGE_ROOT, '.github', 'workflows', 'fleet.yml');
const TEXT = readFileSync(FILE, 'utf8');

/** GitHub's parser's errors for a workflow text: the schema first, then the conversion to a workflow template. */
async function parserErrors(text: string): Promise<string[]> {
  const parsed = parseWorkflow({ name: 'fleet.yml', content: text }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) return errors;
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const steps = (job: Obj): Obj[] => list(job['steps']).map(obj);
const runText = (job: Obj): string =>
  steps(job)
    .map((s) => String(s['run'] ?? ''))
    .join('\n');

/** The arguments of each `node dist/src/cli.js COMMAND ...` line of a step, with the step's shell variables put in. */
function cliCalls(text: string, vars: Record<string, string>): string[][] {
  return text
    .split('\n')
    .map((l) => /dist\/src\/cli\.js (.*?)(?:\s*>.*)?$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .map((l) => l.replace(/"\$(\w+)"/g, (_m, v: string) => vars[v] ?? `<${v}?>`).split(/\s+/));
}

/**
 * Every action pinned to a full commit, with the release it is in a comment:
 * a tag (or a branch) can be moved to other code after review, a commit
 * cannot. Read from the text, since YAML drops the comments.
 */
function unpinned(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => /^\s*(?:-\s+)?uses:/.test(l))
    .filter((l) => !/^\s*(?:-\s+)?uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+(?:\.\d+){0,2}\s*$/.test(l))
    .map((l) => l.trim());
}

/** What the fleet needs of the workflow, beyond GitHub's own checks. */
function fleetProblems(w: Obj): string[] {
  const out: string[] = [];
  const need = (ok: boolean, what: string): void => {
    if (!ok) out.push(what);
  };
  const jobs = obj(w['jobs']);
  const run = obj(jobs['run']);
  const fleet = obj(jobs['fleet']);
  const matrix = obj(obj(run['strategy'])['matrix']);
  need(JSON.stringify(obj(w['permissions'])) === '{"contents":"read"}', 'permissions: contents: read, nothing more');
  need(
    ['ubuntu-22.04', 'ubuntu-24.04', 'ubuntu-24.04-arm'].every((r) => list(matrix['runner']).includes(r)),
    'a matrix over ubuntu-22.04, ubuntu-24.04, ubuntu-24.04-arm',
  );
  need(obj(run['strategy'])['fail-fast'] === false, 'fail-fast: false (one runner failing keeps the others)');
  need(run['runs-on'] === '${{ matrix.runner }}', 'runs-on: the matrix runner');
  const label = steps(run).find((s) => String(s['run'] ?? '').includes(' run '));
  need(obj(label?.['env'])['LABEL'] === '${{ matrix.runner }}', 'the run is labelled by its runner (through env, not pasted into the script)');
  need(/--json - > "run-\$LABEL\.json"/.test(String(label?.['run'] ?? '')), 'the document goes to stdout, into run-LABEL.json');
  const upload = steps(run).find((s) => String(s['uses'] ?? '').startsWith('actions/upload-artifact@'));
  need(obj(upload?.['with'])['path'] === 'run-*.json' && obj(upload?.['with'])['if-no-files-found'] === 'error', 'each run uploads its document');
  need(fleet['needs'] === 'run' && fleet['if'] === '${{ !cancelled() }}', 'the fleet job runs after every run, also when one failed');
  const download = steps(fleet).find((s) => String(s['uses'] ?? '').startsWith('actions/download-artifact@'));
  need(obj(download?.['with'])['merge-multiple'] === true, 'the fleet job downloads every document into one folder');
  const calls = cliCalls(runText(fleet), {}).map((c) => c[0]);
  need(JSON.stringify(calls) === '["merge","compare","report"]', 'the fleet job merges, compares and reports');
  need(runText(fleet).includes('--summary'), 'the comparison goes to the job summary');
  return out;
}

describe('.github/workflows/fleet.yml', () => {
  const workflow = obj(parseYaml(TEXT));

  it("passes GitHub's workflow parser", async () => {
    expect(await parserErrors(TEXT)).toEqual([]);
  });

  it('runs the fleet: a matrix of runners, labelled documents uploaded, then merge, compare and report', () => {
    expect(fleetProblems(workflow)).toEqual([]);
  });

  it('runs commands the tool accepts, with the inputs the workflow offers', () => {
    const inputs = obj(obj(obj(workflow['on'])['workflow_dispatch'])['inputs']);
    const suites = list(obj(inputs['suite'])['options']).map(String);
    expect(suites.length).toBeGreaterThan(0);
    for (const suite of suites) expect(expand(loadSuite(suite)).length).toBeGreaterThan(0);
    const jobs = obj(workflow['jobs']);
    const [run] = cliCalls(runText(obj(jobs['run'])), { SUITE: 'ci', LABEL: 'ubuntu-24.04-arm' });
    expect(run?.[0]).toBe('run');
    expect(parseRunArgs(run?.slice(1) ?? []).label).toBe('ubuntu-24.04-arm');
    const reference = String(obj(inputs['reference'])['default']);
    expect(list(obj(obj(obj(jobs['run'])['strategy'])['matrix'])['runner'])).toContain(reference);
    const compare = cliCalls(runText(obj(jobs['fleet'])), { REFERENCE: reference }).find((c) => c[0] === 'compare');
    expect(parseCompareArgs(compare?.slice(1) ?? []).reference).toBe(reference);
  });

  it('pins every action to a full commit SHA, with its release tag in a comment', () => {
    expect(TEXT).toMatch(/uses:/);
    expect(unpinned(TEXT)).toEqual([]);
    const checkout = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2';
    expect(TEXT).toContain(checkout);
    // What the check refuses: a tag, a branch, a short SHA and a SHA without its tag.
    for (const bad of [
      'actions/checkout@v4',
      'actions/checkout@main',
      'actions/checkout@11bd719 # v4.2.2',
      'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683',
    ]) {
      expect(unpinned(TEXT.replace(checkout, bad))).toEqual([`- uses: ${bad}`]);
    }
  });

  it('fails a broken workflow: a misspelt key, a bad expression, a job that needs one that is not there, a missing label', async () => {
    expect((await parserErrors(TEXT.replace('    timeout-minutes: 30\n    steps:\n', '    timeout-minutes: 30\n    stepz:\n'))).join()).toMatch(/stepz/);
    expect((await parserErrors(TEXT.replace('${{ matrix.runner }}\n    timeout', '${{ matrix.runner ) }}\n    timeout'))).length).toBeGreaterThan(0);
    expect((await parserErrors(TEXT.replace('needs: run', 'needs: runs'))).join()).toMatch(/runs/);
    const unlabelled = obj(parseYaml(TEXT.replace('LABEL: ${{ matrix.runner }}', 'LABEL: fixed')));
    expect(await parserErrors(TEXT.replace('LABEL: ${{ matrix.runner }}', 'LABEL: fixed'))).toEqual([]);
    expect(fleetProblems(unlabelled)).toContain('the run is labelled by its runner (through env, not pasted into the script)');
  });
});
