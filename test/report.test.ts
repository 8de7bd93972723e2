import { constants } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { duration, megabytes, opsPerSec, params, pValue, ratio, si } from '../src/report/format.js';
import { plainSummary, renderComparisons, renderDocument, renderEnv, renderScenarios } from '../src/report/table.js';
import type { Comparison, ResultDocument } from '../src/result.js';
import type { Scenario } from '../src/types.js';
import { emptyDocument, modeGroup, runDocument, scenario } from './helpers/fixtures.js';

const ANSI = /\u001b\[/;

/** The block of rendered text that starts with `head` (blocks are separated by blank lines). */
function block(text: string, head: string): string {
  const found = text.split('\n\n').find((b) => b.startsWith(head));
  if (found === undefined) throw new Error(`no block starting with ${head} in:\n${text}`);
  return found;
}

/** Header row of the first table in a block. */
function headerRow(b: string): string {
  const line = b.split('\n').find((l) => l.includes('params') && l.includes('mode'));
  if (!line) throw new Error(`no header row in:\n${b}`);
  return line;
}

const SCENARIOS: Scenario[] = [
  ...modeGroup('msg.pingpong'),
  ...modeGroup('sem.pingpong'),
  scenario('msg.stream', 'host', { workers: 4 }),
  scenario('shm.copy', 'host'),
  scenario('mq.pingpong', 'host', { placement: 'any' }),
];

let doc: ResultDocument;

beforeAll(async () => {
  doc = await runDocument(SCENARIOS, {
    mock: { noise: 0.01, modeFactor: { isolated: 1.2 }, failWith: { 'shm.copy': { errno: constants.errno.ENOSPC, call: 'shmget' } } },
    budget: { minWindows: 6, maxWindows: 6, timeMs: 1_000_000 },
  });
});

describe('the fixture document', () => {
  it('holds what the report tests rely on', () => {
    expect(doc.scenarios).toHaveLength(SCENARIOS.length);
    const state = (id: string) => doc.scenarios.find((s) => s.id === id)?.state;
    expect(state(scenario('shm.copy', 'host').id)).toBe('errored');
    expect(doc.scenarios.filter((s) => s.state === 'completed')).toHaveLength(SCENARIOS.length - 1);
    expect(doc.scenarios.find((s) => s.workload === 'msg.stream')?.oversubscribed).toBe(true);
    // Two groups of three modes: three comparisons each.
    expect(doc.comparisons).toHaveLength(6);
    expect(new Set(doc.comparisons.map((c) => c.verdict))).toEqual(new Set(['slower', 'no significant difference']));
  });
});

describe('renderDocument', () => {
  it('names every workload and mode, the comparisons and their verdicts', () => {
    const out = renderDocument(doc, { color: false });
    for (const w of ['msg.pingpong', 'sem.pingpong', 'msg.stream', 'shm.copy', 'mq.pingpong']) expect(out).toContain(w);
    for (const m of ['host', 'shared', 'isolated']) expect(out).toContain(m);
    expect(out).toContain('Mode comparisons');
    expect(out).toContain('isolated slower');
    expect(out).toContain('no significant difference');
    expect(out).toContain('isolated / shared');
    expect(out).toContain('isolated / host');
    expect(out).toContain('shared / host');
    expect(out).toContain(doc.env.kernel);
  });

  it('shows an MB/s column only for workloads that move bytes', () => {
    const out = renderDocument(doc, { color: false });
    for (const w of ['msg.pingpong', 'msg.stream', 'mq.pingpong', 'shm.copy']) expect(headerRow(block(out, w))).toContain('MB/s');
    expect(headerRow(block(out, 'sem.pingpong'))).not.toContain('MB/s');
    expect(block(out, 'sem.pingpong')).not.toContain('MB/s');
  });

  it('shows the MB/s figure of a completed scenario', () => {
    const out = renderDocument(doc, { color: false });
    const host = doc.scenarios.find((s) => s.id === scenario('msg.pingpong', 'host').id)!;
    expect(block(out, 'msg.pingpong')).toContain(megabytes(host.bytesPerSecond));
  });

  it('marks an oversubscribed scenario and warns about it', () => {
    const out = renderDocument(doc, { color: false });
    expect(block(out, 'msg.stream')).toContain('oversubscribed');
    expect(block(out, 'msg.pingpong')).not.toContain('oversubscribed');
    expect(out).toContain(`more workers than the ${doc.env.usableCpus.length} CPUs this run could use are marked oversubscribed`);
  });

  it('shows the failure message of an errored scenario', () => {
    const out = renderDocument(doc, { color: false });
    const errored = doc.scenarios.find((s) => s.state === 'errored')!;
    expect(errored.failure!.message).toContain('shmget failed: ENOSPC');
    expect(block(out, 'shm.copy')).toContain(`errored: ${errored.failure!.message}`);
  });

  it('notes an uncontrolled placement', () => {
    const out = renderDocument(doc, { color: false });
    expect(block(out, 'mq.pingpong')).toContain('placement uncontrolled');
    expect(block(out, 'msg.pingpong')).not.toContain('placement uncontrolled');
  });

  it('uses no ANSI escapes without color, and some with color', () => {
    expect(renderDocument(doc, { color: false })).not.toMatch(ANSI);
    expect(renderDocument(doc, { color: true })).toMatch(ANSI);
  });

  it('says when the run did not complete', () => {
    expect(renderDocument(doc, { color: false })).not.toContain('did not complete');
    expect(renderDocument({ ...doc, complete: false }, { color: false })).toContain('This run did not complete');
  });

  it('renders a document with no scenarios without comparisons', () => {
    const out = renderDocument(emptyDocument(), { color: false });
    expect(out).not.toContain('Mode comparisons');
    expect(out).toContain(renderEnv(emptyDocument()));
  });

  it('is a pure function of the document', () => {
    const before = JSON.stringify(doc);
    expect(renderDocument(doc, { color: false })).toBe(renderDocument(doc, { color: false }));
    expect(JSON.stringify(doc)).toBe(before);
  });
});

describe('renderScenarios and renderComparisons', () => {
  it('shows a dash for the figures of an errored scenario', () => {
    const out = renderScenarios(doc, { color: false });
    const row = block(out, 'shm.copy').split('\n').find((l) => l.includes('errored'))!;
    expect(row).toContain('—');
  });

  it('colours "faster" and "slower" only when asked', () => {
    const faster: Comparison = { ...doc.comparisons[0]!, verdict: 'faster', a: 'shared', b: 'host' };
    const d: ResultDocument = { ...doc, comparisons: [faster] };
    expect(renderComparisons(d, { color: false })).toContain('shared faster');
    expect(renderComparisons(d, { color: true })).toContain('\u001b[32mshared faster\u001b[0m');
    const slower: Comparison = { ...faster, verdict: 'slower' };
    expect(renderComparisons({ ...doc, comparisons: [slower] }, { color: true })).toContain('\u001b[31mshared slower\u001b[0m');
  });

  it('is empty without comparisons', () => {
    expect(renderComparisons({ ...doc, comparisons: [] }, { color: false })).toBe('');
  });
});

describe('plainSummary', () => {
  it('names the comparisons that differ, with their ratio', () => {
    const text = plainSummary(doc);
    const line = text.split('\n').find((l) => l.startsWith('msg.pingpong:'))!;
    expect(line).toContain('2 of 3 comparisons differ');
    expect(line).toContain('isolated slower than shared');
    expect(line).toContain('isolated slower than host');
    expect(line).not.toContain('shared slower than host');
    const c = doc.comparisons.find((x) => x.a === 'isolated' && x.b === 'host' && x.scenarioA.startsWith('msg.pingpong'))!;
    expect(line).toContain(`${c.ratio.toFixed(3)}x`);
  });

  it('says the modes do not differ significantly when every verdict says so', () => {
    const same: ResultDocument = { ...doc, comparisons: doc.comparisons.map((c) => ({ ...c, verdict: 'no significant difference' as const })) };
    const lines = plainSummary(same).split('\n');
    expect(lines).toHaveLength(2);
    for (const w of ['msg.pingpong', 'sem.pingpong']) {
      expect(lines.find((l) => l.startsWith(`${w}:`))).toBe(`${w}: the modes do not differ significantly (3 comparisons).`);
    }
    expect(renderDocument(same, { color: false })).toContain('do not differ significantly');
  });

  it('is empty without comparisons', () => {
    expect(plainSummary({ ...doc, comparisons: [] })).toBe('');
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
    expect(duration(1000)).toBe('1.00 µs');
    expect(duration(45_300)).toBe('45.3 µs');
    expect(duration(1e6)).toBe('1.00 ms');
    expect(duration(2.5e7)).toBe('25.0 ms');
    expect(duration(1e9)).toBe('1.00 s');
    expect(duration(12.3e9)).toBe('12.3 s');
  });

  it('duration: values that round up to the next unit are shown in that unit, never in exponent notation', () => {
    // 999 999 ns is 1.00 ms to three digits; toPrecision(3) of 999.999 gives "1.00e+3".
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
  });

  it('megabytes: MB/s from bytes/s; empty when there are no bytes', () => {
    expect(megabytes(undefined)).toBe('');
    expect(megabytes(64e6)).toBe('64.0');
    expect(megabytes(1.234e6)).toBe('1.23');
    expect(megabytes(2e9)).toBe('2000');
    expect(megabytes(1e9)).toBe('1000');
  });

  it('megabytes: values that round up to 1000 MB/s are never in exponent notation', () => {
    // 999.9 MB/s: toPrecision(3) of 999.9 gives "1.00e+3".
    expect(megabytes(999.9e6)).toBe('1000');
  });

  it('pValue: four decimals, <0.0001 below that, a dash for NaN', () => {
    expect(pValue(NaN)).toBe('—');
    expect(pValue(0)).toBe('<0.0001');
    expect(pValue(0.00005)).toBe('<0.0001');
    expect(pValue(0.0001)).toBe('0.0001');
    expect(pValue(0.01234)).toBe('0.0123');
    expect(pValue(1)).toBe('1.0000');
  });

  it('ratio, params and opsPerSec', () => {
    expect(ratio(0.8333, [0.8, 0.86])).toBe('0.833 [0.800, 0.860]');
    expect(params({ size: 64 })).toBe('size=64');
    expect(params({})).toBe('—');
    expect(opsPerSec(22_000, 1.234)).toBe('22.0 k ±1.2%');
  });
});
