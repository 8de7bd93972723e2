/**
 * `ipcns-bench report RESULT.json [--base BASE.json ...] [--out report.html]`:
 * the HTML report of a run (report/html.ts), with its comparison against
 * baselines when given.
 */
import { type CompareResult, compareRuns, DEFAULT_THRESHOLD } from '../analyze/baseline.js';
import { UsageError } from '../common/errors.js';
import { resolveTarget, writeTarget } from '../common/files.js';
import { parse } from '../plan/flags.js';
import { renderFleetReport } from '../report/fleet-html.js';
import { renderReport } from '../report/html.js';
import { fleetComparisonOf, parseRunNoise, parseThreshold, refuseRepeatedRuns } from './compare.js';
import { type CommandIo, readDocument, readInput } from './io.js';

export const REPORT_OPTIONS = {
  base: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  reference: { type: 'string' },
  'run-noise': { type: 'string' },
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const REPORT_HELP = `ipcns-bench report RESULT.json|FLEET.json [flags]
  Writes one self-contained HTML file (inline SVG and CSS, no network): charts of throughput,
  mode comparisons, latency distributions and worker scaling, then the tables; of a fleet
  (ipcns-bench merge), each machine against the reference and the mode verdicts side by side.
  --base PATH            a baseline run (repeatable): adds current/base per scenario, as compare judges it
  --threshold T          compare's practical margin with --base or a fleet (default: 5%)
  --reference LABEL      a fleet's reference machine (default: its first run)
  --run-noise P%         a fleet's run-to-run spread on one machine, added to its intervals (default: 0%)
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
  const threshold = v.threshold !== undefined ? parseThreshold(v.threshold) : DEFAULT_THRESHOLD;
  const runNoise = v['run-noise'] !== undefined ? parseRunNoise(v['run-noise']) : undefined;
  const input = readInput(path);
  if (input.kind === 'fleet') {
    if (v.base !== undefined) throw new UsageError(`--base: ${path} is a fleet document; its machines are compared with --reference LABEL`);
    const f = fleetComparisonOf(input.fleet, path, {
      ...(v.reference !== undefined ? { reference: v.reference } : {}),
      metric: 'throughput',
      threshold,
      ...(runNoise !== undefined ? { runNoise } : {}),
    });
    await writeTarget(target, renderFleetReport(input.fleet, f), io.stdout);
    if (target.kind !== 'stdout') io.stderr.write(`Report: ${target.kind === 'file' ? target.path : out} (reference ${f.reference})\n`);
    return 0;
  }
  if (v.reference !== undefined || runNoise !== undefined)
    throw new UsageError(`--reference and --run-noise apply to a fleet document (ipcns-bench merge); ${path} is one run`);
  const doc = input.doc;
  const basePaths = v.base ?? [];
  let compare: CompareResult | undefined;
  if (basePaths.length > 0) {
    const bases = basePaths.map(readDocument);
    refuseRepeatedRuns('report', [...basePaths, path], [...bases, doc]);
    compare = compareRuns(bases, doc, { metric: 'throughput', threshold, basePaths, currentPath: path });
  }
  await writeTarget(target, renderReport(doc, compare), io.stdout);
  if (target.kind !== 'stdout') io.stderr.write(`Report: ${target.kind === 'file' ? target.path : out}\n`);
  return 0;
}
