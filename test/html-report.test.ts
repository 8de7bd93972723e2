/**
 * The HTML report as text (the browser test renders it): one figure per
 * chart chartCounts() calls for, nothing that reaches outside the file, text
 * from the document escaped, and the latency histogram the document now keeps.
 */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../src/analyze/baseline.js';
import { validateResultDocument } from '../src/document/parse.js';
import { documentText } from '../src/document/writer.js';
import type { ResultDocument } from '../src/document/result.js';
import { bucketBounds } from '../src/measure/histogram.js';
import { chartCounts, renderReport } from '../src/report/html.js';
import { modeGroup, runDocument } from './helpers/fixtures.js';

const SCENARIOS = [...modeGroup('msg.pingpong'), ...modeGroup('msg.stream', { workers: 1 }), ...modeGroup('msg.stream', { workers: 2 })];

const kinds = (html: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of html.matchAll(/<figure class="chart" data-kind="([a-z]+)">/g)) out[m[1] as string] = (out[m[1] as string] ?? 0) + 1;
  return out;
};
/** The document as it is written and read back (in memory, limits beyond 2^53 are Infinity; written, null). */
const written = (doc: ResultDocument): unknown => JSON.parse(documentText(doc));
const nonZero = (r: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(r).filter(([, n]) => n > 0));

describe('the document keeps the merged latency histogram', () => {
  it('per completed scenario, its buckets summing to the latency count, and it validates', async () => {
    const doc = await runDocument(SCENARIOS, { seed: 3 });
    expect(validateResultDocument(written(doc))).toEqual([]);
    for (const s of doc.scenarios.filter((x) => x.state === 'completed')) {
      const h = s.latency?.histogram;
      expect(h, s.id).toBeDefined();
      expect(h?.linear).toBe(128);
      expect(h?.subBits).toBe(6);
      expect(h?.buckets.reduce((a, [, n]) => a + n, 0)).toBe(s.latency?.count);
      // p50 lies in (or at the edge of) a bucket that holds samples.
      const p50 = s.latency?.p50 ?? 0;
      expect(h?.buckets.some(([i]) => bucketBounds(i)[0] <= p50 && p50 <= bucketBounds(i)[1])).toBe(true);
    }
  });

  it('a histogram whose buckets do not add up to the count is refused', async () => {
    const doc = await runDocument(SCENARIOS.slice(0, 3), { seed: 3 });
    const s = doc.scenarios[0];
    const h = s?.latency?.histogram;
    if (!h) throw new Error('no histogram');
    h.buckets[0] = [h.buckets[0]?.[0] ?? 0, (h.buckets[0]?.[1] ?? 0) + 1];
    expect(validateResultDocument(written(doc)).join('\n')).toContain('/scenarios/0/latency/histogram: its buckets hold');
  });
});

describe('renderReport', () => {
  it('draws exactly the charts chartCounts() names, of every kind the document has', async () => {
    const doc = await runDocument(SCENARIOS, { seed: 4 });
    const html = renderReport(doc);
    expect(kinds(html)).toEqual(nonZero(chartCounts(doc, false)));
    // One latency chart per group, a scaling chart for msg.stream at 1 and 2 workers, a forest plot, a throughput chart per workload.
    expect(chartCounts(doc, false)).toEqual({ throughput: 2, forest: 1, latency: 3, scaling: 1, base: 0 });
  });

  it('with a baseline, adds the current/base chart', async () => {
    const doc = await runDocument(SCENARIOS, { seed: 4 });
    const base = await runDocument(SCENARIOS, { seed: 5 });
    const r = compareRuns([base], doc, { metric: 'throughput', threshold: 0.05, basePaths: ['b.json'], currentPath: 'c.json' });
    const html = renderReport(doc, r);
    expect(kinds(html)).toEqual(nonZero(chartCounts(doc, true)));
    expect(html).toContain('This run against its baseline');
  });

  it('an old document without histograms still renders, without latency charts', async () => {
    const doc = await runDocument(SCENARIOS, { seed: 4 });
    for (const s of doc.scenarios) if (s.latency) delete s.latency.histogram;
    const html = renderReport(doc);
    expect(chartCounts(doc, false).latency).toBe(0);
    expect(kinds(html).latency).toBeUndefined();
    expect(kinds(html).throughput).toBe(2);
  });

  it('is self-contained: no script, no external reference of any kind', async () => {
    const html = renderReport(await runDocument(SCENARIOS, { seed: 4 }));
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only URL is the SVG namespace, which is a name, not a request.
    expect([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].every((m) => m[0] === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('escapes what it prints from the document: markup and control characters', async () => {
    const doc: ResultDocument = await runDocument(SCENARIOS.slice(0, 3), { seed: 4 });
    doc.command.suite = '<script>alert(1)</script>\u001b]0;owned\u0007';
    const html = renderReport(doc);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b]0;owned\\x07');
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});
