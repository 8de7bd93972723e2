/**
 * `ipcns-bench report --out FILE.html`, opened in a real browser (Debian's
 * headless Chromium): the page loads with no console error and no request
 * beyond its own file, holds the charts chartCounts() calls for, and draws
 * each of them, in light and dark colour schemes and for print.
 *
 * The documents come from the scheduler over the mock core (well under a
 * second) rather than a real quick run (about 20 s), to keep the file under
 * about 30 s. Without /usr/bin/chromium the file is skipped with one line
 * naming the fix, except under CI, where every case fails (browserPlan).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDocument } from '../src/commands/io.js';
import type { ResultDocument } from '../src/document/result.js';
import { documentText } from '../src/document/writer.js';
import { chartCounts } from '../src/report/html.js';
import { runCli } from './helpers/cli.js';
import { browserPlan, CHART_KINDS, launchChromium, renderInBrowser, type Rendered } from './helpers/browser.js';
import { modeGroup, runDocument } from './helpers/fixtures.js';

/** Every chart kind has something to draw: mode groups, and msg.stream at 1 and 2 workers for a scaling chart. */
const SCENARIOS = [
  ...modeGroup('msg.pingpong'),
  ...modeGroup('sem.pingpong'),
  ...modeGroup('shm.copy'),
  ...modeGroup('msg.stream', { workers: 1 }),
  ...modeGroup('msg.stream', { workers: 2 }),
];

const plan = browserPlan(process.env, existsSync);
// One line in the test output, where a developer without Chromium sees why these cases did not run.
if (plan.kind === 'skip') console.warn(`browser test skipped: ${plan.reason}`);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let dir: string;
let browser: Browser | undefined;
let resultPath: string;
let basePath: string;

/** Runs the built CLI's report command and returns the HTML file it wrote. */
function writeReport(name: string, extra: string[] = []): string {
  const out = join(dir, `${name}.html`);
  const r = runCli(['report', resultPath, ...extra, '--out', out]);
  expect(r.code, `ipcns-bench report exited ${r.code}:\n${r.stderr}${r.stdout}`).toBe(0);
  return out;
}

/** The CLI's HTML report of the result, written once and shared by the cases that only look at it. */
let plainReport: string | undefined;
const reportOnce = (): string => (plainReport ??= writeReport('report'));

/** Counts per kind with every kind present, so that a missing kind reads as 0 against 0 rather than undefined. */
function allKinds(counts: Record<string, number>): Record<string, number> {
  const all: Record<string, number> = {};
  for (const k of new Set([...CHART_KINDS, ...Object.keys(counts)])) all[k] = counts[k] ?? 0;
  return all;
}

/** What every rendering of a report must show: no errors, nothing fetched, the charts the document calls for, each drawn and titled. */
function expectCleanRender(r: Rendered, doc: ResultDocument, hasBase: boolean): void {
  expect(r.errors, 'console and page errors').toEqual([]);
  expect(r.requests, 'requests beyond the file (the report must be self-contained)').toEqual([]);
  expect(r.fileRequests, 'other local files loaded (the report must be self-contained)').toEqual([]);
  expect(allKinds(r.kinds)).toEqual(allKinds(chartCounts(doc, hasBase)));
  for (const f of r.figures) {
    expect(CHART_KINDS as readonly string[], `figure kind "${f.kind}"`).toContain(f.kind);
    expect(f.marks, `marks drawn in the ${f.kind} chart "${f.title}"`).toBeGreaterThan(0);
    expect(f.width, `width of the ${f.kind} chart "${f.title}"`).toBeGreaterThan(0);
    expect(f.height, `height of the ${f.kind} chart "${f.title}"`).toBeGreaterThan(0);
    expect(f.title, `title of a ${f.kind} chart (figcaption or svg <title>)`).not.toBe('');
  }
}

function expectPng(path: string): void {
  const bytes = readFileSync(path);
  expect(bytes.length).toBeGreaterThan(PNG_SIGNATURE.length);
  expect(bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE), `${path} is a PNG`).toBe(true);
}

describe.skipIf(plan.kind === 'skip')('the HTML report in headless Chromium', () => {
  beforeAll(async () => {
    if (plan.kind !== 'run') throw new Error(plan.reason);
    dir = mkdtempSync(join(tmpdir(), 'ipcns-browser-'));
    // Launched once for the file: each render gets a fresh context, which is cheap.
    browser = await launchChromium(plan.path);
    resultPath = join(dir, 'result.json');
    basePath = join(dir, 'base.json');
    writeFileSync(resultPath, documentText(await runDocument(SCENARIOS, { seed: 5 })));
    writeFileSync(basePath, documentText(await runDocument(SCENARIOS, { seed: 6 })));
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads with no error and no request, and holds the charts chartCounts() calls for, each drawn', async () => {
    const doc = readDocument(resultPath);
    const expected = chartCounts(doc, false);
    // A document that calls for no chart would pass every check below without testing anything.
    expect(Object.values(expected).reduce((a, n) => a + n, 0)).toBeGreaterThan(0);
    const screenshot = join(dir, 'report.png');
    const r = await renderInBrowser(browser!, reportOnce(), { screenshotPath: screenshot });
    expectCleanRender(r, doc, false);
    expect(r.kinds['base'] ?? 0, 'base charts without --base').toBe(0);
    expectPng(screenshot);
  });

  it('renders cleanly in the dark and the light colour scheme, and for print', async () => {
    const doc = readDocument(resultPath);
    const report = reportOnce();
    for (const colorScheme of ['dark', 'light'] as const) expectCleanRender(await renderInBrowser(browser!, report, { colorScheme }), doc, false);
    expectCleanRender(await renderInBrowser(browser!, report, { media: 'print' }), doc, false);
  });

  it('with --base, holds the base charts chartCounts() calls for', async () => {
    const doc = readDocument(resultPath);
    const expected = chartCounts(doc, true);
    expect(expected['base'] ?? 0, 'base charts the document calls for with --base').toBeGreaterThan(0);
    const screenshot = join(dir, 'report-base.png');
    const r = await renderInBrowser(browser!, writeReport('report-base', ['--base', basePath]), { screenshotPath: screenshot });
    expectCleanRender(r, doc, true);
    expectPng(screenshot);
  });
});

describe('browserPlan: whether the browser test runs here', () => {
  const path = '/opt/chromium';
  const present = (p: string) => p === path;
  const absent = () => false;

  it('runs with the browser wherever it is found, in CI or not', () => {
    expect(browserPlan({}, present, path)).toEqual({ kind: 'run', path });
    expect(browserPlan({ CI: 'true' }, present, path)).toEqual({ kind: 'run', path });
  });

  it('without the browser, skips outside CI, naming the package to install', () => {
    for (const env of [{}, { CI: '' }, { CI: 'false' }, { CI: '0' }]) {
      const plan = browserPlan(env, absent, path);
      expect(plan.kind, JSON.stringify(env)).toBe('skip');
      expect(plan.kind !== 'run' && plan.reason).toContain('apt-get install chromium');
    }
  });

  it('without the browser, fails in CI, naming the package to install', () => {
    for (const env of [{ CI: 'true' }, { CI: '1' }, { CI: 'TRUE' }]) {
      const plan = browserPlan(env, absent, path);
      expect(plan.kind, JSON.stringify(env)).toBe('fail');
      expect(plan.kind !== 'run' && plan.reason).toContain('apt-get install chromium');
    }
  });
});
