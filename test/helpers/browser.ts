/**
 * Renders an HTML report in headless Chromium and says what a reader would
 * have met: console errors, page errors, requests that left the file, and
 * the charts drawn. The browser is Debian's `chromium` package, driven by
 * playwright-core: a test tool's own browser download cannot work here
 * (no network, and nothing outside the npm registry and Debian's packages).
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** What the browser test does here: render with the browser at `path`, skip with a reason, or fail with one. */
export type BrowserPlan = { kind: 'run'; path: string } | { kind: 'skip'; reason: string } | { kind: 'fail'; reason: string };

/** CI is set to something other than '', '0' or 'false' (GitHub Actions and most CI services set CI=true). */
export const inCi = (env: NodeJS.ProcessEnv): boolean => env.CI !== undefined && !['', '0', 'false'].includes(env.CI.trim().toLowerCase());

/**
 * Whether the browser test can run: with Chromium, always; without it, a
 * developer's `npm install && npm test` skips it (saying how to get it),
 * while CI, where the test must run, fails.
 */
export function browserPlan(env: NodeJS.ProcessEnv, exists: (path: string) => boolean, path = CHROMIUM): BrowserPlan {
  if (exists(path)) return { kind: 'run', path };
  const missing = `${path} is missing: the browser test needs Debian's chromium package (apt-get install chromium)`;
  return inCi(env) ? { kind: 'fail', reason: `${missing}; CI=${env.CI} requires it` } : { kind: 'skip', reason: `${missing}; skipped outside CI` };
}

/** The kinds of `<figure class="chart" data-kind="KIND">` a report may hold. */
export const CHART_KINDS = ['throughput', 'forest', 'latency', 'scaling', 'base'] as const;

/** One `figure.chart` as laid out. */
export interface RenderedFigure {
  kind: string;
  /** The figcaption's text, else the svg's own <title>; '' when it has neither. */
  title: string;
  /** Shapes and text inside the figure's svg: an svg with none draws nothing. */
  marks: number;
  /** The svg's bounding box in CSS pixels; 0 × 0 when the figure has no svg. */
  width: number;
  height: number;
}

export interface Rendered {
  /** Console messages of type error, uncaught page errors and crashes, in order. */
  errors: string[];
  /** Every request that was not for a file: or data: URL (each was aborted). */
  requests: string[];
  /** file: requests other than the page itself: a self-contained report makes none. */
  fileRequests: string[];
  /** How many figure.chart of each data-kind. */
  kinds: Record<string, number>;
  figures: RenderedFigure[];
}

export interface RenderOptions {
  /** Writes a full-page PNG here. */
  screenshotPath?: string;
  colorScheme?: 'light' | 'dark';
  media?: 'screen' | 'print';
}

/**
 * Launches Debian's Chromium. --no-sandbox because CI runs as root, where
 * Chromium refuses to start sandboxed; --disable-gpu because there is no GPU.
 */
export async function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath))
    throw new Error(`${executablePath} is missing: the browser test needs Debian's chromium package (apt-get install -y chromium)`);
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--headless'] });
}

/** Opens `htmlPath` as file:// in a fresh context, waits for load, and reports what happened. */
export async function renderInBrowser(browser: Browser, htmlPath: string, options: RenderOptions = {}): Promise<Rendered> {
  const pageUrl = pathToFileURL(htmlPath).href;
  const errors: string[] = [];
  const requests: string[] = [];
  const fileRequests: string[] = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    // Aborted rather than let through, so that a report which would reach the network fails the same offline as online.
    await context.route(
      (url) => url.protocol !== 'file:' && url.protocol !== 'data:',
      (route) => route.abort('blockedbyclient'),
    );
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('crash', () => errors.push('page crashed'));
    page.on('request', (r) => {
      const url = r.url();
      if (url.startsWith('file:')) {
        if (url !== pageUrl) fileRequests.push(url);
      } else if (!url.startsWith('data:')) requests.push(url);
    });
    // A WebSocket is not routed: recorded here, it fails the test all the same.
    page.on('websocket', (ws) => requests.push(ws.url()));
    await page.emulateMedia({ media: options.media ?? 'screen', colorScheme: options.colorScheme ?? 'light' });
    await page.goto(pageUrl, { waitUntil: 'load' });
    const figures = await page.$$eval('figure.chart', (nodes) =>
      nodes.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        // The text as a reader sees it: innerText reads <br> and blocks as breaks ("Title<br>subtitle" is not glued into one word)
        // and leaves out what CSS hides.
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point here
        const text = (e: Element | null | undefined): string => ((e instanceof HTMLElement ? e.innerText : e?.textContent) ?? '').replace(/\s+/g, ' ').trim();
        const drawn = svg ? [...svg.querySelectorAll('*')].filter((e) => e instanceof SVGGeometryElement || e instanceof SVGTextContentElement) : [];
        return {
          kind: figure.getAttribute('data-kind') ?? '',
          title: text(figure.querySelector('figcaption')) || text(svg?.querySelector(':scope > title')),
          marks: drawn.length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
        };
      }),
    );
    const kinds: Record<string, number> = {};
    for (const f of figures) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    if (options.screenshotPath) await page.screenshot({ path: options.screenshotPath, fullPage: true, type: 'png' });
    return { errors, requests, fileRequests, kinds, figures };
  } finally {
    await context.close();
  }
}
