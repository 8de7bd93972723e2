/**
 * What `ipcns-bench history` prints: the JSON (versioned, described by
 * schema/history.schema.json, which is what `npm run schema` writes), the
 * markdown of the job summary (escaped, with a mermaid chart per scenario
 * that moved), and the exit codes of the CLI as a user runs it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_SCHEMA_FILE, historySchemaText } from '../bench/schema.js';
import type { HistoryResult } from '../src/analyze/history.js';
import { historyCommand } from '../src/commands/history.js';
import type { ResultDocument } from '../src/document/result.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { runCli } from './helpers/cli.js';
import { runDocument } from './helpers/fixtures.js';
import { series, writeSeries } from './helpers/history.js';
import { memoryIo } from './helpers/io.js';
import { rename, scaleScenario, scenarioOf } from './helpers/surgery.js';

const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;
const SCENARIOS = expand(loadSuite('ci'));
const SLOW = SCENARIOS[4]?.id as string;
/** An id a user could write into a document: markdown, mermaid and terminal syntax. */
const HOSTILE = 'evil|id`[x](javascript:alert(1))<script>%%{init}%%\u001b[31m';

let dir: string;
let stepped: string[];
let hostile: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-history-out-'));
  const base = await runDocument(SCENARIOS, { seed: 7, mock: { noise: 0.02 }, budget: { capMs: 4000, windowMs: 10, precision: 0.02 } });
  const slower = (r: number, doc: ResultDocument): void => {
    if (r >= 15) scaleScenario(scenarioOf(doc, SLOW), 'throughput', 0.88);
  };
  stepped = writeSeries(join(dir, 'stepped'), series(base, { runs: 18, seed: 3, edit: slower }));
  hostile = writeSeries(
    join(dir, 'hostile'),
    series(base, {
      runs: 18,
      seed: 3,
      edit: (r, doc) => {
        slower(r, doc);
        rename(doc, SLOW, HOSTILE);
      },
    }),
  );
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function history(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await historyCommand(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('schema/history.schema.json', () => {
  it('is what `npm run schema` writes from the TypeBox definition', () => {
    expect(readFileSync(HISTORY_SCHEMA_FILE, 'utf8'), 'schema/history.schema.json is stale: run `npm run schema`').toBe(historySchemaText());
  });

  it('a third-party draft-07 validator accepts what history writes, and refuses it damaged', async () => {
    const r = await history([...stepped, '--format', 'json']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as HistoryResult;
    expect(json).toMatchObject({ kind: 'ipcns-bench-history', schemaVersion: 1, metric: 'throughput', seed: 1 });
    const row = json.rows.find((x) => x.id === SLOW);
    expect(row?.verdict).toBe('regressed');
    expect(row?.changePoints[0]).toMatchObject({ index: 15, test: 'newest' });
    expect(row?.values).toHaveLength(18);
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv, ['date-time']);
    const check = ajv.compile(JSON.parse(readFileSync(HISTORY_SCHEMA_FILE, 'utf8')) as object);
    expect(check(json), JSON.stringify(check.errors)).toBe(true);
    const damaged = structuredClone(json);
    (damaged.rows[0] as { verdict: string }).verdict = 'fine';
    expect(check(damaged)).toBe(false);
  });
});

describe('markdown and the job summary', () => {
  it('leads with the verdict, charts the scenario that moved, and tables every scenario and change point', async () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const io = memoryIo({ GITHUB_STEP_SUMMARY: summary });
    expect(await historyCommand([...stepped, '--format', 'markdown', '--summary'], io)).toBe(1);
    const md = io.out();
    expect(readFileSync(summary, 'utf8')).toBe(`${md}\n`);
    expect(md.split('\n')[0]).toBe('### ipcns-bench history: throughput');
    expect(md).toContain('**Regression:** 1 of 12 scenarios regressed in the newest runs');
    // One chart: only one scenario moved.
    expect(md.match(/```mermaid\nxychart-beta\n/g)).toHaveLength(1);
    expect(md).toContain('x-axis "run" 1 --> 18');
    expect(md).toContain('#### Change points');
    expect(md).toMatch(/\| `msg\.pingpong\(size=64\)\/isolated\/w1\/same-cpu` \|/);
  });

  it('escapes what a document holds: table cells, the chart and the terminal', async () => {
    const md = (await history([...hostile, '--format', 'markdown'])).out;
    expect(md).not.toContain('\u001b');
    expect(md).toContain('evil\\|id');
    const title = /```mermaid\nxychart-beta\n {2}title "(.*)"\n/.exec(md)?.[1] ?? '';
    expect(title).toContain("evil|id'(x)(javascript:alert(1))(script)%{init}%\\x1b(31m");
    expect(title).not.toMatch(/[<>`"[\]]|%%/);
    const table = (await history([...hostile])).out;
    expect(table).not.toContain('\u001b');
    expect(table).toContain('evil|id`[x](javascript:alert(1))<script>%%{init}%%\\x1b[31m');
  });

  it('a file name with a control character is printed escaped', async () => {
    const evil = join(dir, 'hostile', 'run\u001b]0;owned\u0007.json');
    writeFileSync(evil, readFileSync(hostile[0] as string, 'utf8').replace(/"startedAt": ?"[^"]+"/, '"startedAt":"2025-02-28T00:00:00.000Z"'));
    const r = await history([join(dir, 'hostile')]);
    expect(r.out).not.toMatch(/[\u0007\u001b]/);
    expect(r.out).toContain('run\\x1b]0;owned\\x07.json');
  });
});

describe('the CLI', () => {
  it('exit 1 on a confirmed regression, 0 without one, 2 on bad input', () => {
    expect(runCli(['history', ...stepped, '--quiet-please']).code).toBe(2);
    const regressed = runCli(['history', ...stepped]);
    expect(regressed.code, regressed.stderr).toBe(1);
    expect(regressed.stdout).toContain('regressed');
    const before = runCli(['history', ...stepped.slice(0, 15)]);
    expect(before.code, before.stderr).toBe(0);
    const bad = runCli(['history', ...stepped, '--metric', 'speed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ipcns-bench: --metric "speed": not one of throughput, calibrated, cpu-per-op, latency-p50, latency-p99\n');
    expect(runCli(['history', join(dir, 'nothing-here.json'), stepped[0] as string]).code).toBe(2);
  });
});
