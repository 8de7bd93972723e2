/**
 * `ipcns-bench report --history`: the trend page of a series of runs. One
 * self-contained file like a run's report (no script, nothing to fetch), a
 * trend chart per scenario with its segments and change points, what came
 * from the documents escaped.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseHistory } from '../src/analyze/history.js';
import { reportCommand } from '../src/commands/report.js';
import { UsageError } from '../src/common/errors.js';
import type { ResultDocument } from '../src/document/result.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { historyChartCount, renderHistoryReport } from '../src/report/history-html.js';
import { launchChromium, renderInBrowser } from './helpers/browser.js';
import { runDocument } from './helpers/fixtures.js';
import { series, writeSeries } from './helpers/history.js';
import { memoryIo } from './helpers/io.js';
import { rename, scaleScenario, scenarioOf } from './helpers/surgery.js';

const SCENARIOS = expand(loadSuite('ci'));
const SLOW = SCENARIOS[4]?.id as string;
const HOSTILE = '<script>alert(1)</script>\u001b[2J';

let dir: string;
let docs: ResultDocument[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipcns-history-report-'));
  const base = await runDocument(SCENARIOS, { seed: 7, mock: { noise: 0.02 }, budget: { capMs: 4000, windowMs: 10, precision: 0.02 } });
  docs = series(base, {
    runs: 16,
    seed: 4,
    edit: (r, doc) => {
      if (r >= 13) scaleScenario(scenarioOf(doc, SLOW), 'throughput', 0.88);
      rename(doc, SCENARIOS[0]?.id as string, HOSTILE);
    },
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('report --history', () => {
  it('writes one page: a trend chart per scenario, the regression first with its change point marked, then the tables', async () => {
    const paths = writeSeries(join(dir, 'runs'), docs);
    const out = join(dir, 'trend.html');
    const io = memoryIo();
    expect(await reportCommand(['--history', ...paths, '--out', out], io)).toBe(0);
    expect(io.err()).toContain(`Report: ${out} (16 runs, 1 regressed)`);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<figure class="chart" data-kind="trend">/g)).toHaveLength(12);
    // The regressed scenario leads, its change drawn as a red dashed line at run 14.
    const firstTitle = /<figcaption><strong>([^<]*)<\/strong>/.exec(html)?.[1];
    expect(firstTitle).toBe(`${SLOW}: throughput`);
    expect(html).toMatch(/<line class="change bad"[^>]*><title>-1\d\.\d+ % at run 14, commits 0000000d0000\.\.0000000e0000<\/title>/);
    expect(html).toContain('<h3>Change points</h3>');
    // Self-contained and script-free; what came from a document is escaped.
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J');
    expect(html).not.toContain('\u001b');
  });

  it('renders in Chromium with no error and no request, every trend drawn, light and dark', async () => {
    const paths = writeSeries(join(dir, 'browser'), docs);
    const out = join(dir, 'browser.html');
    expect(await reportCommand(['--history', ...paths, '--out', out], memoryIo())).toBe(0);
    const browser = await launchChromium();
    try {
      for (const colorScheme of ['light', 'dark'] as const) {
        const r = await renderInBrowser(browser, out, { colorScheme });
        expect(r.errors).toEqual([]);
        expect(r.requests).toEqual([]);
        expect(r.fileRequests).toEqual([]);
        expect(r.kinds).toEqual({ trend: 12 });
        for (const f of r.figures) {
          expect(f.title, 'a titled chart').not.toBe('');
          // Axes, a segment, 16 runs at least.
          expect(f.marks, f.title).toBeGreaterThan(20);
          expect(f.width, f.title).toBeGreaterThan(300);
        }
      }
    } finally {
      await browser.close();
    }
  });

  it('counts a chart for every scenario with a value, and draws one from the analysis alone', () => {
    const r = analyseHistory(
      docs.map((doc, i) => ({ file: `run-${i}.json`, doc })),
      { metric: 'throughput', threshold: 0.05, alpha: 0.01, confirm: 3, minSize: 3, seed: 1, relative: true, order: 'time' },
    );
    const html = renderHistoryReport(r);
    expect(historyChartCount(r)).toBe(12);
    expect(html.match(/data-kind="trend"/g)).toHaveLength(historyChartCount(r));
    expect(html).toContain('ratio to the other scenarios');
  });

  it('refuses what does not apply to a history, and history flags without --history', async () => {
    const paths = writeSeries(join(dir, 'flags'), docs.slice(0, 4));
    const run = (argv: string[]): Promise<number> => reportCommand(argv, memoryIo());
    await expect(run(['--history', ...paths, '--base', paths[0] as string])).rejects.toThrow(/^--base: does not apply to a history/);
    await expect(run(['--history', ...paths, '--out', join(dir, 'x.json')])).rejects.toThrow(/a history's page is HTML/);
    await expect(run(['--history'])).rejects.toThrow(UsageError);
    await expect(run([paths[0] as string, '--metric', 'throughput'])).rejects.toThrow(/^--metric: applies to a history/);
    await expect(run([paths[0] as string, paths[1] as string])).rejects.toThrow(/for the trends of several runs, give --history/);
  });
});
