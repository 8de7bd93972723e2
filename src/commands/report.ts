/**
 * `ipcns-bench report RESULT.json [--base BASE.json ...] [--out report.html]`:
 * the HTML report of a run (report/html.ts), with its comparison against
 * baselines when given.
 */
import { compareRuns, DEFAULT_THRESHOLD } from '../analyze/baseline.js';
import { UsageError } from '../common/errors.js';
import { resolveTarget, writeTarget } from '../common/files.js';
import { parse } from '../plan/flags.js';
import { renderReport } from '../report/html.js';
import { parseThreshold } from './compare.js';
import { type CommandIo, readDocument } from './io.js';

export const REPORT_OPTIONS = {
  base: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const REPORT_HELP = `ipcns-bench report RESULT.json [flags]
  Writes one self-contained HTML file (inline SVG and CSS, no network): charts of throughput,
  mode comparisons, latency distributions and worker scaling, then the tables.
  --base PATH            a baseline run (repeatable): adds current/base per scenario, as compare judges it
  --threshold T          compare's practical margin with --base (default: 5%)
  --out PATH             where to write it (default: RESULT.html beside RESULT.json); - for stdout`;

/** RESULT.json's report beside it: RESULT.html. */
const besideDocument = (path: string): string => `${path.replace(/\.json$/i, '')}.html`;

export async function reportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals } = parse('report', argv, REPORT_OPTIONS, 1);
  if (v.help) {
    io.stdout.write(`${REPORT_HELP}\n`);
    return 0;
  }
  const path = positionals[0];
  if (path === undefined) throw new UsageError('report: give a result document: ipcns-bench report RESULT.json [--base BASE.json] [--out report.html]');
  const out = v.out ?? besideDocument(path);
  // Checked before anything is read: where the report goes must be writable, and not a folder or another user's link.
  const target = resolveTarget(out, '', new Date(), '--out');
  const doc = readDocument(path);
  const basePaths = v.base ?? [];
  const compare =
    basePaths.length > 0
      ? compareRuns(basePaths.map(readDocument), doc, {
          metric: 'throughput',
          threshold: v.threshold !== undefined ? parseThreshold(v.threshold) : DEFAULT_THRESHOLD,
          basePaths,
          currentPath: path,
        })
      : undefined;
  await writeTarget(target, renderReport(doc, compare), io.stdout);
  if (target.kind !== 'stdout') io.stderr.write(`Report: ${target.kind === 'file' ? target.path : out}\n`);
  return 0;
}
