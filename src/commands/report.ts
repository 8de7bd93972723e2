/**
 * `ipcns-bench report RESULT.json [--base BASE.json ...] [--out report.html]`:
 * the HTML report of a run (report/html.ts), with its comparison against
 * baselines when given; `report --history DOC.json ... | DIR`: the trend
 * charts of a history (report/history-html.ts).
 */
import { type CompareResult, compareRuns, DEFAULT_THRESHOLD } from '../analyze/baseline.js';
import { UsageError } from '../common/errors.js';
import { refuseInputAsOutput, resolveTarget, writeTarget } from '../common/files.js';
import { parse } from '../plan/flags.js';
import { renderFleetReport } from '../report/fleet-html.js';
import { renderHistoryReport } from '../report/history-html.js';
import { renderReport } from '../report/html.js';
import { DEFAULT_CONFIRM, DEFAULT_HISTORY_METRIC, DEFAULT_MIN_SIZE, DEFAULT_SEED, HISTORY_ALPHA, HISTORY_METRICS, HISTORY_ORDERS } from '../analyze/history.js';
import { oneOf } from '../plan/flags.js';
import { DEFAULT_LAST, historyOf, parseLast } from './history.js';
import { fleetComparisonOf, parseRunNoise, parseThreshold, refuseRepeatedRuns } from './compare.js';
import { type CommandIo, readDocument, readInput } from './io.js';

export const REPORT_OPTIONS = {
  base: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  reference: { type: 'string' },
  'run-noise': { type: 'string' },
  history: { type: 'boolean' },
  metric: { type: 'string' },
  relative: { type: 'boolean' },
  order: { type: 'string' },
  last: { type: 'string' },
  out: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const REPORT_HELP = `ipcns-bench report RESULT.json|FLEET.json [flags]
ipcns-bench report --history DOC.json [DOC2.json ...] | DIR [--metric M] [--relative] [--order O] [--last N] [--out PATH]
  Writes one self-contained HTML file (inline SVG and CSS, no network): charts of throughput,
  mode comparisons, latency distributions and worker scaling, then the tables; of a fleet
  (ipcns-bench merge), each machine against the reference and the mode verdicts side by side.
  --base PATH            a baseline run (repeatable): adds current/base per scenario, as compare judges it
  --threshold T          compare's practical margin with --base or a fleet (default: 5%)
  --reference LABEL      a fleet's reference machine (default: its first run)
  --run-noise P%[:DF]    a fleet's run-to-run spread on one machine, added to its intervals (default: 0%),
                         and its degrees of freedom (runs - 1 of the series that measured it)
  --history              a series of runs instead (as ipcns-bench history reads them): per scenario its
                         trend, each segment's mean and interval, the change points marked;
                         --metric, --relative, --order, --last and --threshold as history takes them
  --out PATH             where to write it (default: RESULT.html beside RESULT.json, history.html
                         with --history); - for stdout`;

/** RESULT.json's report beside it: RESULT.html. */
const besideDocument = (path: string): string => `${path.replace(/\.json$/i, '')}.html`;

export async function reportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals } = parse('report', argv, REPORT_OPTIONS, Infinity);
  if (v.help) {
    io.stdout.write(`${REPORT_HELP}\n`);
    return 0;
  }
  if (v.history) return historyReport(v, positionals, io);
  for (const flag of ['metric', 'relative', 'order', 'last'] as const)
    if (v[flag] !== undefined) throw new UsageError(`--${flag}: applies to a history: ipcns-bench report --history DOC.json ... --${flag} ...`);
  if (positionals.length > 1)
    throw new UsageError(`report: unexpected argument ${JSON.stringify(positionals[1])}; for the trends of several runs, give --history`);
  const path = positionals[0];
  if (path === undefined) throw new UsageError('report: give a result document: ipcns-bench report RESULT.json [--base BASE.json] [--out report.html]');
  const out = v.out ?? besideDocument(path);
  // Checked before anything is read: where the report goes must be writable, and not a folder or another user's link.
  const target = resolveTarget(out, '', new Date(), '--out');
  refuseInputAsOutput(target, '--out', out, [path, ...(v.base ?? [])]);
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

/** `report --history`: the trend page of the runs the positionals name, analysed as `history` does with its defaults. */
async function historyReport(v: ReturnType<typeof parse<typeof REPORT_OPTIONS>>['values'], paths: string[], io: CommandIo): Promise<number> {
  if (paths.length === 0) throw new UsageError('report --history: give the runs: ipcns-bench report --history DOC.json DOC2.json ... or DIR');
  for (const flag of ['base', 'reference', 'run-noise'] as const)
    if (v[flag] !== undefined) throw new UsageError(`--${flag}: does not apply to a history; it reads a series of runs of one machine`);
  const out = v.out ?? 'history.html';
  if (!out.endsWith('.html') && out !== '-') throw new UsageError(`--out ${out}: a history's page is HTML; give a path ending in .html, or - for stdout`);
  const target = resolveTarget(out, '', new Date(), '--out');
  const r = historyOf(
    {
      paths,
      metric: v.metric !== undefined ? oneOf('--metric', v.metric, HISTORY_METRICS) : DEFAULT_HISTORY_METRIC,
      relative: v.relative ?? false,
      order: v.order !== undefined ? oneOf('--order', v.order, HISTORY_ORDERS) : 'time',
      last: v.last !== undefined ? parseLast(v.last) : DEFAULT_LAST,
      threshold: v.threshold !== undefined ? parseThreshold(v.threshold) : DEFAULT_THRESHOLD,
      alpha: HISTORY_ALPHA,
      confirm: DEFAULT_CONFIRM,
      minSize: DEFAULT_MIN_SIZE,
      seed: DEFAULT_SEED,
    },
    io,
  );
  await writeTarget(target, renderHistoryReport(r), io.stdout);
  if (target.kind !== 'stdout') io.stderr.write(`Report: ${target.kind === 'file' ? target.path : out} (${r.runs.length} runs, ${r.regressed} regressed)\n`);
  return 0;
}
