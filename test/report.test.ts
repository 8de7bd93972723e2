/**
 * The reports of a run: the rows built once (src/report/rows.ts), the
 * terminal printer (table.ts), the markdown printer (markdown.ts) and the
 * number formatting they share (format.ts). Documents come from the real
 * scheduler on the mock core, with fixed seeds.
 */
import { constants } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { levelText } from '../src/analyze/modes.js';
import { bound, duration, megabytes, params, pct, ratioWithCi, si } from '../src/report/format.js';
import { cell, printTableMd, renderRunMarkdown } from '../src/report/markdown.js';
import {
  comparisonTables,
  headerLines,
  scenarioNotes,
  scenarioTables,
  skipLine,
  verdictCell,
  warnings,
  workloadSummaries,
  type TableModel,
} from '../src/report/rows.js';
import { printTable, renderDocument } from '../src/report/table.js';
import type { Comparison, ResultDocument, ScenarioResult } from '../src/document/result.js';
import type { Scenario } from '../src/common/types.js';
import { workloadInfo } from '../src/plan/workloads.js';
import { emptyDocument, modeGroup, runDocument, scenario } from './helpers/fixtures.js';

const ANSI = /\u001b\[/;
const PLAIN = { color: false };
const COLOR = { color: true };

/** The block of rendered text that starts with `head` (blocks are separated by blank lines). */
function block(text: string, head: string): string {
  const found = text.split('\n\n').filter((b) => b.startsWith(head));
  if (found.length !== 1) throw new Error(`${found.length} blocks starting with ${head} in:\n${text}`);
  return found[0] as string;
}

/** Header row of the table in a block. */
function headerRow(b: string): string {
  const line = b.split('\n').find((l) => l.includes('params') && l.includes('mode'));
  if (!line) throw new Error(`no header row in:\n${b}`);
  return line;
}

/** The table row of a block whose mode cell is `mode`. */
function rowOf(b: string, mode: string): string {
  const rows = b.split('\n').filter((l) => l.includes(`│ ${mode} `));
  if (rows.length !== 1) throw new Error(`${rows.length} rows of mode ${mode} in:\n${b}`);
  return rows[0] as string;
}

/** Pipes of a markdown line that separate cells (not escaped as \|). */
function cellPipes(line: string): number {
  return line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;
}

const byId = (d: ResultDocument, id: string): ScenarioResult => {
  const s = d.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
};

function comparison(d: ResultDocument, workload: string, a: string, b: string, metric = 'throughput'): Comparison {
  const c = d.comparisons.find((x) => x.metric === metric && x.a === a && x.b === b && x.scenarioA.startsWith(`${workload}`));
  if (!c) throw new Error(`no ${metric} comparison ${a} / ${b} of ${workload}`);
  return c;
}

/** "±1.2 %": the half-width of [lo, hi] relative to its geometric centre. */
const plusMinus = (ci: readonly [number, number]): string => `±${((Math.sqrt(ci[1] / ci[0]) - 1) * 100).toFixed(1)} %`;

const SHM = scenario('shm.copy', 'host');
const STREAM = scenario('msg.stream', 'host', { workers: 4 });
const MQ = scenario('mq.pingpong', 'host', { placement: 'any' });
const SCENARIOS: Scenario[] = [...modeGroup('msg.pingpong'), ...modeGroup('sem.pingpong'), STREAM, SHM, MQ];
const WORKLOADS = ['msg.pingpong', 'sem.pingpong', 'msg.stream', 'shm.copy', 'mq.pingpong'];

/** Modes that do not differ: every throughput comparison equivalent. */
let doc: ResultDocument;
/** Isolated twice as fast. */
let faster: ResultDocument;
/** A noisy machine: nothing decided within the cap. */
let noisy: ResultDocument;

beforeAll(async () => {
  doc = await runDocument(SCENARIOS, {
    seed: 5,
    mock: { noise: 0.01, failWith: { 'shm.copy': { errno: constants.errno.ENOSPC, call: 'shmget' } } },
  });
  faster = await runDocument(modeGroup('msg.pingpong'), { seed: 5, mock: { noise: 0.01, modeFactor: { isolated: 0.5 } } });
  noisy = await runDocument([...modeGroup('msg.pingpong'), ...modeGroup('sem.pingpong')], { seed: 5, mock: { noise: 0.3 } });
});

describe('the fixture documents', () => {
  it('hold what the report tests rely on', () => {
    expect(doc.scenarios).toHaveLength(SCENARIOS.length);
    expect(byId(doc, SHM.id).state).toBe('errored');
    expect(doc.scenarios.filter((s) => s.state === 'completed')).toHaveLength(SCENARIOS.length - 1);
    expect(byId(doc, STREAM.id).oversubscribed).toBe(true);
    // Two groups of three modes: three comparisons each, for each of three metrics.
    expect(doc.comparisons.filter((c) => c.metric === 'throughput')).toHaveLength(6);
    expect(doc.comparisons.filter((c) => c.metric === 'throughput').every((c) => c.verdict === 'equivalent')).toBe(true);
    expect(doc.noise?.high).toBe(false);

    expect(comparison(faster, 'msg.pingpong', 'isolated', 'shared').verdict).toBe('faster');
    expect(comparison(faster, 'msg.pingpong', 'isolated', 'host').verdict).toBe('faster');
    expect(comparison(faster, 'msg.pingpong', 'shared', 'host').verdict).toBe('equivalent');

    expect(noisy.comparisons.filter((c) => c.metric === 'throughput').every((c) => c.verdict === 'inconclusive')).toBe(true);
    expect(noisy.noise?.high).toBe(true);
  });
});

describe('renderDocument', () => {
  it('starts with the machine line and the noise line', () => {
    const out = renderDocument(doc, PLAIN);
    const [machine, noise, ...rest] = (out.split('\n\n')[0] ?? '').split('\n');
    expect(rest).toEqual([]);
    expect(machine).toBe('6.8.0-test x64, Test CPU, 2 CPUs (usable 0,1), clocksource tsc, timer 20.0 ns, node v20.0.0, route privileged');
    const n = doc.noise;
    expect(n).not.toBeNull();
    expect(noise).toBe(
      `noise: round-to-round ${pct(n?.roundNoise ?? null)}, resolves ±${pct(n?.resolution ?? null)} (median over 6 throughput comparisons); ` +
        'verdicts within ±5.0 %, 95 % family-wise per metric over the run',
    );
  });

  it('without a noise figure says only how verdicts are made', () => {
    expect(headerLines(emptyDocument())[1]).toBe('verdicts within ±5.0 %, 95 % family-wise per metric over the run');
  });

  it('prints one table per workload, titled with the op it counts', () => {
    const out = renderDocument(doc, PLAIN);
    for (const w of WORKLOADS) {
      const op = workloadInfo(w)?.op;
      expect(op).toBeTruthy();
      expect(block(out, `${w} (`).split('\n')[0]).toBe(`${w} (op: ${op})`);
    }
    for (const m of ['host', 'shared', 'isolated']) expect(rowOf(block(out, 'msg.pingpong ('), m)).toContain('size=64');
  });

  it('shows ops/s as the estimate ±x %, with latency, CPU per op and rounds', () => {
    const out = renderDocument(doc, PLAIN);
    for (const s of doc.scenarios.filter((x) => x.workload === 'msg.pingpong')) {
      const t = s.throughput;
      expect(t).toBeDefined();
      if (!t) continue;
      const row = rowOf(block(out, 'msg.pingpong ('), s.mode);
      expect(row).toContain(`│ ${si(t.estimate)} ${plusMinus(t.ci)} │`);
      expect(row).toMatch(/│ \d{3} k ±\d+\.\d % │/);
      expect(row).toContain(duration(s.latency?.p50));
      expect(row).toContain(duration(s.latency?.p99));
      expect(row).toContain(duration(s.cpuNsPerOp));
      expect(row).toContain(`│ ${s.rounds} `);
    }
  });

  it('shows an MB/s column only for workloads that move bytes', () => {
    const out = renderDocument(doc, PLAIN);
    for (const w of ['msg.pingpong', 'msg.stream', 'mq.pingpong', 'shm.copy']) expect(headerRow(block(out, `${w} (`))).toContain('MB/s');
    expect(headerRow(block(out, 'sem.pingpong ('))).not.toContain('MB/s');
    expect(block(out, 'sem.pingpong (')).not.toContain('MB/s');
  });

  it('shows the MB/s figure of a completed scenario', () => {
    const host = byId(doc, scenario('msg.pingpong', 'host').id);
    expect(rowOf(block(renderDocument(doc, PLAIN), 'msg.pingpong ('), 'host')).toContain(`│ ${megabytes(host.bytesPerSecond)} `);
  });

  it('marks an oversubscribed scenario and warns about it', () => {
    const out = renderDocument(doc, PLAIN);
    expect(block(out, 'msg.stream (')).toContain('oversubscribed');
    expect(block(out, 'msg.pingpong (')).not.toContain('oversubscribed');
    expect(out).toContain('Scenarios with more workers than the 2 CPUs this run could use are marked oversubscribed: their scaling is shown, not trusted.');
    expect(renderDocument(faster, PLAIN)).not.toContain('marked oversubscribed');
  });

  it('shows the failure message of an errored scenario, and dashes for its figures', () => {
    const out = renderDocument(doc, PLAIN);
    const errored = byId(doc, SHM.id);
    expect(errored.failure?.message).toContain('shmget failed: ENOSPC');
    const row = rowOf(block(out, 'shm.copy ('), 'host');
    expect(row).toContain(`errored: ${errored.failure?.message}`);
    expect(row.match(/│ — /g)?.length).toBeGreaterThanOrEqual(6);
  });

  it('notes an uncontrolled placement', () => {
    const out = renderDocument(doc, PLAIN);
    expect(block(out, 'mq.pingpong (')).toContain('placement uncontrolled');
    expect(block(out, 'msg.pingpong (')).not.toContain('placement uncontrolled');
  });

  it('prints the throughput comparisons: pairs, ratio with interval, verdict, level and method', () => {
    const t = block(renderDocument(doc, PLAIN), 'Mode comparisons: throughput');
    const cs = doc.comparisons.filter((c) => c.metric === 'throughput');
    const levels = [...new Set(cs.map((c) => c.ciLevel))].sort();
    expect(t.split('\n')[0]).toContain(`with its interval at ${levelText(levels[0] ?? NaN)}`);
    expect(t).toContain(doc.analysis.method);
    for (const pair of ['isolated / shared', 'isolated / host', 'shared / host']) expect(t).toContain(pair);
    for (const c of cs) {
      const line = t.split('\n').find((l) => l.includes(ratioWithCi(c.ratio, c.ci)));
      expect(line, ratioWithCi(c.ratio, c.ci)).toBeDefined();
      expect(line).toContain('equivalent (±5 %)');
      expect(line).toContain(`│ ${c.rounds} `);
    }
    // Scenarios without a comparison (one mode only) are not in it.
    expect(t).not.toContain('msg.stream');
  });

  it('prints the latency comparisons: p50 and p99 side by side', () => {
    const t = block(renderDocument(faster, PLAIN), 'Mode comparisons: latency');
    expect(t.split('\n')[0]).toContain('smaller is better');
    const head = t.split('\n').find((l) => l.includes('workload'));
    expect(head).toContain('p50 ratio [interval]');
    expect(head).toContain('p99 ratio [interval]');
    const p50 = comparison(faster, 'msg.pingpong', 'isolated', 'shared', 'latency-p50');
    const p99 = comparison(faster, 'msg.pingpong', 'isolated', 'shared', 'latency-p99');
    const line = t.split('\n').find((l) => l.includes('isolated / shared'));
    expect(line).toContain(`${ratioWithCi(p50.ratio, p50.ci)} │ isolated faster`);
    expect(line).toContain(`${ratioWithCi(p99.ratio, p99.ci)} │ ${p99.verdict === 'faster' ? 'isolated faster' : p99.verdict}`);
    // Isolated at half the cost per op: half the latency.
    expect(p50.ratio).toBeCloseTo(0.5, 1);
  });

  it('sums each workload up in one line: equivalent in every mode', () => {
    const out = renderDocument(doc, PLAIN);
    expect(out).toContain(
      '\nmsg.pingpong: equivalent in every mode within ±5 % (3 comparisons).\nsem.pingpong: equivalent in every mode within ±5 % (3 comparisons).',
    );
    expect(workloadSummaries(doc)).toEqual([
      'msg.pingpong: equivalent in every mode within ±5 % (3 comparisons).',
      'sem.pingpong: equivalent in every mode within ±5 % (3 comparisons).',
    ]);
  });

  it('sums a real difference up with its ratio and interval', () => {
    const c = comparison(faster, 'msg.pingpong', 'isolated', 'shared');
    const h = comparison(faster, 'msg.pingpong', 'isolated', 'host');
    expect(c.ratio).toBeCloseTo(2, 1);
    const line =
      `msg.pingpong: isolated faster than shared at 1 worker (size=64), ${c.ratio.toFixed(2)}× [${bound(c.ci[0], 2)}, ${bound(c.ci[1], 2)}]; ` +
      `isolated faster than host at 1 worker (size=64), ${h.ratio.toFixed(2)}× [${bound(h.ci[0], 2)}, ${bound(h.ci[1], 2)}]; 1 equivalent within ±5 %.`;
    expect(workloadSummaries(faster)).toEqual([line]);
    expect(renderDocument(faster, PLAIN)).toContain(line);
    expect(block(renderDocument(faster, PLAIN), 'Mode comparisons: throughput')).toContain('isolated faster');
  });

  it('sums what stayed inconclusive up with the count and the intervals', () => {
    const lines = workloadSummaries(noisy);
    expect(lines).toHaveLength(2);
    for (const [i, w] of ['msg.pingpong', 'sem.pingpong'].entries()) {
      const line = lines[i] ?? '';
      expect(line.startsWith(`${w}: inconclusive in 3 (`)).toBe(true);
      expect(line.endsWith('): the run could not tell them within ±5 %.')).toBe(true);
      for (const c of noisy.comparisons.filter((x) => x.metric === 'throughput' && x.scenarioA.startsWith(w))) {
        expect(line).toContain(`${c.a} / ${c.b} at 1 worker`);
        expect(line).toContain(ratioWithCi(c.ratio, c.ci));
      }
      expect(line).not.toContain('equivalent');
    }
  });

  it('sums a mix up: differences, then what stayed inconclusive, no equivalent part when none is', () => {
    const mixed: ResultDocument = {
      ...faster,
      comparisons: faster.comparisons.map((c) => (c.metric === 'throughput' && c.a === 'shared' ? { ...c, verdict: 'inconclusive' as const } : c)),
    };
    const [line, ...rest] = workloadSummaries(mixed);
    expect(rest).toEqual([]);
    expect(line).toMatch(
      /^msg\.pingpong: isolated faster than shared .*; isolated faster than host .*; inconclusive in 1 \(shared \/ host at 1 worker \(size=64\) \d\.\d{3} \[.*\]\): the run could not tell them within ±5 %\.$/,
    );
  });

  it('sums latency up on request, where "faster" is lower latency', () => {
    expect(workloadSummaries(faster, 'latency-p50')[0]).toMatch(/^msg\.pingpong: isolated faster than shared at 1 worker \(size=64\), 0\.\d\d× /);
  });

  it('warns when the machine was too noisy, with the advice', () => {
    const out = renderDocument(noisy, PLAIN);
    const advice = noisy.noise?.advice ?? '';
    expect(advice).toContain('this machine is noisy');
    expect(out).toContain(`\n\nNoise: ${advice}.`);
    expect(warnings(noisy)).toEqual([`Noise: ${advice}.`]);
    expect(renderDocument(doc, PLAIN)).not.toContain('Noise:');
  });

  it('says when the run did not complete', () => {
    expect(renderDocument(doc, PLAIN)).not.toContain('did not complete');
    expect(renderDocument({ ...doc, complete: false }, PLAIN)).toContain('This run did not complete: the document holds what was measured before it stopped.');
  });

  it('uses no ANSI escapes without colour, and some with colour', () => {
    for (const d of [doc, faster, noisy]) {
      expect(renderDocument(d, PLAIN)).not.toMatch(ANSI);
      expect(renderDocument(d, COLOR)).toMatch(ANSI);
    }
  });

  it('colours verdicts and warnings only when asked: faster green, slower red, inconclusive and warnings yellow', () => {
    expect(renderDocument(faster, COLOR)).toContain('\u001b[32misolated faster\u001b[0m');
    const slower: ResultDocument = {
      ...faster,
      comparisons: faster.comparisons.map((c) => (c.verdict === 'faster' ? { ...c, verdict: 'slower' as const } : c)),
    };
    expect(renderDocument(slower, COLOR)).toContain('\u001b[31misolated slower\u001b[0m');
    expect(renderDocument(slower, PLAIN)).toContain('isolated slower');
    expect(renderDocument(noisy, COLOR)).toContain('\u001b[33minconclusive\u001b[0m');
    expect(renderDocument(noisy, COLOR)).toContain(`\u001b[33mNoise: ${noisy.noise?.advice ?? ''}.\u001b[0m`);
    expect(renderDocument(doc, COLOR)).toContain('\u001b[31merrored: ');
  });

  it('renders a document with no scenarios: the header, no tables, no summary', () => {
    const empty = emptyDocument();
    const out = renderDocument(empty, PLAIN);
    expect(out).toBe(headerLines(empty).join('\n'));
    expect(out).not.toContain('Mode comparisons');
  });

  it('is a pure function of the document', () => {
    const before = JSON.stringify(doc);
    expect(renderDocument(doc, PLAIN)).toBe(renderDocument(doc, PLAIN));
    expect(renderRunMarkdown(doc)).toBe(renderRunMarkdown(doc));
    expect(JSON.stringify(doc)).toBe(before);
  });
});

describe('rows', () => {
  it('verdictCell: text and tone of each verdict', () => {
    const c = { a: 'isolated' as const, margin: 0.05 };
    expect(verdictCell({ ...c, verdict: 'faster' })).toEqual({ text: 'isolated faster', tone: 'good' });
    expect(verdictCell({ ...c, verdict: 'slower' })).toEqual({ text: 'isolated slower', tone: 'bad' });
    expect(verdictCell({ ...c, verdict: 'equivalent' })).toEqual({ text: 'equivalent (±5 %)' });
    expect(verdictCell({ ...c, margin: 0.1, verdict: 'equivalent' })).toEqual({ text: 'equivalent (±10 %)' });
    expect(verdictCell({ ...c, verdict: 'inconclusive' })).toEqual({ text: 'inconclusive', tone: 'warn' });
  });

  it('scenarioNotes: state and failure, oversubscription, uncontrolled placement', () => {
    expect(scenarioNotes(byId(doc, scenario('msg.pingpong', 'host').id))).toBe('');
    expect(scenarioNotes(byId(doc, STREAM.id))).toBe('oversubscribed: more workers than CPUs, shown not trusted');
    expect(scenarioNotes(byId(doc, MQ.id))).toBe('placement uncontrolled');
    expect(scenarioNotes(byId(doc, SHM.id))).toBe(`errored: ${byId(doc, SHM.id).failure?.message ?? ''}`);
    const skipped: ScenarioResult = { ...byId(doc, SHM.id), state: 'skipped' };
    delete skipped.failure;
    expect(scenarioNotes(skipped)).toBe('skipped');
  });

  it('scenarioTables: a bad tone only on the notes of a scenario that did not complete', () => {
    const tables = scenarioTables(doc);
    expect(tables.map((t) => t.title)).toEqual(WORKLOADS);
    const toned = tables.flatMap((t) => t.rows.flatMap((r) => r.filter((c) => c.tone !== undefined)));
    expect(toned).toEqual([{ text: `errored: ${byId(doc, SHM.id).failure?.message ?? ''}`, tone: 'bad' }]);
    for (const t of tables) for (const r of t.rows) expect(r).toHaveLength(t.head.length);
  });

  it('scenarios the run was interrupted before it measured: one line saying how many, not a row each', () => {
    const interrupted = structuredClone(doc);
    const notRun = interrupted.scenarios.filter((s) => s.workload === 'sem.pingpong' || s.workload === 'shm.copy');
    for (const s of notRun) {
      s.state = 'skipped';
      s.failure = { errno: constants.errno.EINTR, code: 'EINTR', call: 'interrupted', message: 'interrupted before it ran' };
    }
    interrupted.complete = false;
    const out = renderDocument(interrupted, PLAIN);
    expect(out).not.toContain('interrupted before it ran');
    expect(scenarioTables(interrupted).map((t) => t.title)).toEqual(WORKLOADS.filter((w) => w !== 'sem.pingpong' && w !== 'shm.copy'));
    expect(warnings(interrupted)).toContain(`${notRun.length} scenarios were not measured: the run was interrupted first (the result document lists each).`);
    expect(out.match(/not measured: the run was interrupted first/g)).toHaveLength(1);
    expect(renderRunMarkdown(interrupted)).not.toContain('interrupted before it ran');
    // The document keeps each of them.
    expect(interrupted.scenarios.filter((s) => s.failure?.message === 'interrupted before it ran')).toHaveLength(notRun.length);
  });

  it('a scenario skipped because its objects do not fit a limit is a finding: not "skipped", not in the error tone', () => {
    const limited = structuredClone(doc);
    const s = byId(limited, SHM.id);
    s.state = 'skipped';
    s.failure = { errno: constants.errno.ENOSPC, code: 'ENOSPC', call: 'kernel.shmmni', message: 'kernel.shmmni is 4 in a fresh IPC namespace; raise it' };
    expect(scenarioNotes(s)).toBe('not run, a limit at work: kernel.shmmni is 4 in a fresh IPC namespace; raise it');
    const toned = scenarioTables(limited).flatMap((t) => t.rows.flatMap((r) => r.filter((c) => c.tone !== undefined)));
    expect(toned).toEqual([]);
    expect(skipLine(s.id, s.failure)).toBe(`limit at work: ${s.id} is not run: kernel.shmmni is 4 in a fresh IPC namespace; raise it`);
    const refused = { call: 'clone(CLONE_NEWUSER|CLONE_NEWIPC)', message: 'user namespaces are refused here' };
    expect(skipLine(s.id, refused)).toBe(`skipped ${s.id}: user namespaces are refused here`);
  });

  it('comparisonTables: none without comparisons; rows as wide as the head', () => {
    expect(comparisonTables({ ...doc, comparisons: [] })).toEqual([]);
    const tables = comparisonTables(doc);
    expect(tables.map((t) => t.title)).toEqual(['Mode comparisons: throughput', 'Mode comparisons: latency']);
    for (const t of tables) for (const r of t.rows) expect(r).toHaveLength(t.head.length);
    expect(workloadSummaries({ ...doc, comparisons: [] })).toEqual([]);
  });

  it('printTable: the title, its note, and a table', () => {
    const t: TableModel = { title: 'T', note: 'n', head: ['a', 'b'], rows: [[{ text: 'x' }, { text: 'y', tone: 'good' }]] };
    const out = printTable(t, PLAIN);
    expect(out.split('\n')[0]).toBe('T (n)');
    expect(out).toContain('│ x │ y │');
    expect(printTable(t, COLOR)).toContain('\u001b[32my\u001b[0m');
  });
});

describe('renderRunMarkdown', () => {
  const tablesOf = (md: string): string[][] => {
    const out: string[][] = [];
    let cur: string[] | undefined;
    for (const line of md.split('\n')) {
      if (line.startsWith('|')) (cur ??= (out.push([]), out[out.length - 1] as string[])).push(line);
      else cur = undefined;
    }
    return out;
  };

  it('starts with the suite and the header lines, then the warnings as a quote', () => {
    const md = renderRunMarkdown(doc);
    const [title, header, quote] = md.split('\n\n');
    expect(title).toBe('### ipcns-bench run: suite test');
    expect(header).toBe(headerLines(doc).join('  \n'));
    expect(quote).toBe(`> ⚠️ ${warnings(doc)[0] ?? ''}`);
    expect(md.endsWith('\n')).toBe(true);
    expect(md).not.toMatch(ANSI);
  });

  it('prints each table with its title and note, rows with as many cells as the head', () => {
    const md = renderRunMarkdown(doc);
    for (const w of WORKLOADS) expect(md).toContain(`#### ${w}\nop: ${workloadInfo(w)?.op ?? ''}\n\n| params | workers | placement | mode | ops/s |`);
    expect(md).toContain('#### Mode comparisons: throughput\n');
    expect(md).toContain('#### Mode comparisons: latency\n');
    const tables = tablesOf(md);
    expect(tables).toHaveLength(WORKLOADS.length + 2);
    for (const t of tables) {
      const [head, sep, ...rows] = t;
      expect(sep).toMatch(/^\| --- (\| --- )*\|$/);
      expect(cellPipes(sep ?? '')).toBe(cellPipes(head ?? ''));
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(cellPipes(r), r).toBe(cellPipes(head ?? ''));
    }
  });

  it('ends with the workload summaries as a list', () => {
    expect(
      renderRunMarkdown(doc).endsWith(
        '\n\n- msg.pingpong: equivalent in every mode within ±5 % (3 comparisons).\n- sem.pingpong: equivalent in every mode within ±5 % (3 comparisons).\n',
      ),
    ).toBe(true);
  });

  it('escapes | and line breaks in cells, titles and lines', () => {
    expect(cell('a|b')).toBe('a\\|b');
    expect(cell('one\ntwo\r\nthree')).toBe('one two three');
    expect(cell('back\\slash')).toBe('back\\\\slash');
    expect(cell('\\|')).toBe('\\\\\\|');
    const d = structuredClone(doc);
    d.command.suite = 'my|suite';
    const shm = d.scenarios.find((s) => s.id === SHM.id);
    if (shm?.failure) shm.failure.message = 'bad | thing\nsecond line';
    const md = renderRunMarkdown(d);
    expect(md.startsWith('### ipcns-bench run: suite my\\|suite\n')).toBe(true);
    expect(md).toContain('🔴 **errored: bad \\| thing second line**');
    for (const t of tablesOf(md)) for (const r of t) expect(cellPipes(r), r).toBe(cellPipes(t[0] ?? ''));
  });

  it('shows verdict tones: green faster, bold red slower and errored, white inconclusive, plain equivalent', () => {
    const md = renderRunMarkdown(faster);
    expect(md).toContain('| 🟢 isolated faster |');
    expect(md).toContain('| equivalent (±5 %) |');
    expect(md).not.toMatch(/[🟢🔴⚪] equivalent/u);
    const slower: ResultDocument = {
      ...faster,
      comparisons: faster.comparisons.map((c) => (c.verdict === 'faster' ? { ...c, verdict: 'slower' as const } : c)),
    };
    expect(renderRunMarkdown(slower)).toContain('| 🔴 **isolated slower** |');
    expect(renderRunMarkdown(noisy)).toContain('| ⚪ inconclusive |');
    expect(renderRunMarkdown(noisy)).toContain(`> ⚠️ Noise: ${cell(noisy.noise?.advice ?? '')}.`);
    expect(renderRunMarkdown(doc)).toContain(`| 🔴 **errored: ${cell(byId(doc, SHM.id).failure?.message ?? '')}** |`);
  });

  it('printTableMd: strong and code tones, code made safe', () => {
    const t: TableModel = {
      title: 'T|1',
      head: ['a', 'b'],
      rows: [
        [
          { text: 'x', tone: 'strong' },
          { text: 'p|q`r', tone: 'code' },
        ],
      ],
    };
    expect(printTableMd(t)).toBe("#### T\\|1\n\n| a | b |\n| --- | --- |\n| **x** | `p\\|q'r` |");
  });
});

describe('format', () => {
  it('duration: ns, µs, ms and s, and a dash for what is not a number', () => {
    expect(duration(undefined)).toBe('—');
    expect(duration(NaN)).toBe('—');
    expect(duration(Infinity)).toBe('—');
    expect(duration(0)).toBe('0 ns');
    expect(duration(42.4)).toBe('42 ns');
    expect(duration(999)).toBe('999 ns');
    expect(duration(999.4)).toBe('999 ns');
    expect(duration(1000)).toBe('1.00 µs');
    expect(duration(45_300)).toBe('45.3 µs');
    expect(duration(1e6)).toBe('1.00 ms');
    expect(duration(2.5e7)).toBe('25.0 ms');
    expect(duration(1e9)).toBe('1.00 s');
    expect(duration(12.3e9)).toBe('12.3 s');
  });

  it('duration: values that round up to the next unit are shown in that unit, never in exponent notation', () => {
    // 999.6 ns rounds to "1000 ns"; 999 999 ns is 1.00 ms to three digits (toPrecision(3) of 999.999 gives "1.00e+3").
    expect(duration(999.6)).toBe('1.00 µs');
    expect(duration(999_499)).toBe('999 µs');
    expect(duration(999_999)).toBe('1.00 ms');
    expect(duration(999_999_999)).toBe('1.00 s');
  });

  it('si: plain, k, M and G, and a dash for what is not finite', () => {
    expect(si(NaN)).toBe('—');
    expect(si(Infinity)).toBe('—');
    expect(si(0)).toBe('0.00');
    expect(si(12)).toBe('12.0');
    expect(si(1234)).toBe('1.23 k');
    expect(si(-1500)).toBe('-1.50 k');
    expect(si(22_000)).toBe('22.0 k');
    expect(si(1.5e6)).toBe('1.50 M');
    expect(si(2.5e9)).toBe('2.50 G');
    expect(si(1234, 2)).toBe('1.2 k');
  });

  it('si: values that round up to the next prefix are shown with that prefix, never in exponent notation', () => {
    expect(si(999_999)).toBe('1.00 M');
    expect(si(999.9)).toBe('1.00 k');
    expect(si(-999.9)).toBe('-1.00 k');
    expect(si(999.4)).toBe('999');
    expect(si(999_499)).toBe('999 k');
    expect(si(99_950, 3)).toBe('100 k');
  });

  it('megabytes: MB/s from bytes/s; empty when there are no bytes', () => {
    expect(megabytes(undefined)).toBe('');
    expect(megabytes(64e6)).toBe('64.0');
    expect(megabytes(1.234e6)).toBe('1.23');
    expect(megabytes(2e9)).toBe('2000');
    expect(megabytes(1e9)).toBe('1000');
    // 999.9 MB/s: toPrecision(3) of 999.9 gives "1.00e+3".
    expect(megabytes(999.9e6)).toBe('1000');
  });

  it('pct: a fraction as a percentage, a dash for null or NaN', () => {
    expect(pct(0.0213)).toBe('2.1 %');
    expect(pct(0.05, 0)).toBe('5 %');
    expect(pct(0)).toBe('0.0 %');
    expect(pct(-0.012)).toBe('-1.2 %');
    expect(pct(1.5, 2)).toBe('150.00 %');
    expect(pct(null)).toBe('—');
    expect(pct(NaN)).toBe('—');
  });

  it('bound: fixed digits, ">99.9" and "<0.001" for astronomical bounds, a dash for none', () => {
    expect(bound(1.23456)).toBe('1.235');
    expect(bound(1.23456, 2)).toBe('1.23');
    expect(bound(99.9)).toBe('99.900');
    expect(bound(99.91)).toBe('>99.9');
    expect(bound(2.4e35)).toBe('>99.9');
    expect(bound(0.001)).toBe('0.001');
    expect(bound(0.000999)).toBe('<0.001');
    expect(bound(0)).toBe('<0.001');
    expect(bound(null)).toBe('—');
    expect(bound(NaN)).toBe('—');
    expect(bound(Infinity)).toBe('—');
  });

  it('ratioWithCi: the ratio and its interval; a dash for an undefined ratio', () => {
    expect(ratioWithCi(0.8333, [0.8, 0.86])).toBe('0.833 [0.800, 0.860]');
    expect(ratioWithCi(2.0049, [1.95, 2.06], 2)).toBe('2.00 [1.95, 2.06]');
    expect(ratioWithCi(1, [null, 250])).toBe('1.000 [—, >99.9]');
    expect(ratioWithCi(1, [0.0001, null])).toBe('1.000 [<0.001, —]');
    expect(ratioWithCi(NaN, [0.9, 1.1])).toBe('—');
  });

  it('params: key=value pairs, a dash for none', () => {
    expect(params({ size: 64 })).toBe('size=64');
    expect(params({ kind: 'msg', objects: 4 })).toBe('kind=msg objects=4');
    expect(params({})).toBe('—');
  });
});
