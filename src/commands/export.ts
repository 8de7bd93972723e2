/**
 * `ipcns-bench export FILE --to FORMAT`: a result document as input for a CI
 * tracker (github-action-benchmark or Bencher). Writes to stdout, or to
 * --output PATH. Only completed scenarios are exported; the others are
 * listed on stderr. A fleet is exported one run at a time (--label).
 */
import { parse, oneOf, parseLabel } from '../plan/flags.js';
import { UsageError } from '../common/errors.js';
import { refuseInputAsOutput, resolveTarget, type Target, writeTarget } from '../common/files.js';
import { EXPORT_FORMATS, exportDocument, type ExportFormat } from '../document/export.js';
import type { ResultDocument } from '../document/result.js';
import { jsonText, readInput, type CommandIo } from './io.js';

export const EXPORT_OPTIONS = {
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
  label: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const EXPORT_HELP = `ipcns-bench export FILE --to FORMAT [--output PATH] [--label LABEL]
  --to gab-bigger        github-action-benchmark customBiggerIsBetter: throughput, ops/s
  --to gab-smaller       github-action-benchmark customSmallerIsBetter: latency p50/p99 (ns), CPU per op (ns/op)
  --to bmf               Bencher Metric Format, three measures per scenario: throughput (ops/s,
                         with its 95% interval as lower_value and upper_value), latency-p50 and
                         latency-p99 (ns, each a measure of its own)
  --output PATH          write there instead of stdout (- for stdout)
  --label LABEL          of a fleet (ipcns-bench merge), export the run of this machine
  Only completed scenarios are exported; the others are listed on stderr.`;

export function parseExportFormat(text: string): ExportFormat {
  return oneOf('--to', text, EXPORT_FORMATS);
}

export async function exportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals } = parse('export', argv, EXPORT_OPTIONS, 1);
  if (v.help) {
    io.stdout.write(`${EXPORT_HELP}\n`);
    return 0;
  }
  const file = positionals[0];
  if (file === undefined) throw new UsageError('export: give a result document: ipcns-bench export FILE --to gab-bigger|gab-smaller|bmf');
  if (v.to === undefined) throw new UsageError(`export: --to is required; one of ${EXPORT_FORMATS.join(', ')}`);
  const format = parseExportFormat(v.to);
  if (v.output !== undefined && v.output.trim() === '') throw new UsageError('--output: give a file path, e.g. --output bmf.json');
  // Checked before anything is read: the path must take a file, and not be the document itself.
  let target: Target = { kind: 'stdout' };
  if (v.output !== undefined) {
    target = resolveTarget(v.output, '', new Date(), '--output');
    refuseInputAsOutput(target, '--output', v.output, [file]);
  }
  const doc = runOf(file, v.label !== undefined ? parseLabel('--label', v.label) : undefined);
  const { data, skipped } = exportDocument(doc, format);
  if (skipped.length === doc.scenarios.length) {
    throw new UsageError(`${file}: no completed scenario to export (${doc.scenarios.length} scenario${doc.scenarios.length === 1 ? '' : 's'}, none completed)`);
  }
  for (const s of skipped) io.stderr.write(`ipcns-bench: export: skipped ${s.id} (${s.reason})\n`);
  const text = jsonText(data);
  await writeTarget(target, text, io.stdout);
  if (target.kind !== 'stdout') io.stderr.write(`Exported: ${target.path}\n`);
  return 0;
}

/** The run to export: the document itself, or the run of a fleet that --label names (trackers take one run at a time). */
function runOf(file: string, label: string | undefined): ResultDocument {
  const input = readInput(file);
  if (input.kind === 'run') {
    const own = input.doc.env.label;
    if (label !== undefined && own !== label) {
      throw new UsageError(`--label ${label}: ${file} is one run${own !== undefined ? `, of ${own}` : ''}; --label picks a run out of a fleet`);
    }
    return input.doc;
  }
  const labels = input.fleet.runs.map((r) => r.label);
  if (label === undefined) {
    throw new UsageError(
      `${file} is a fleet of ${labels.length} runs (${labels.join(', ')}); trackers take one run at a time: ipcns-bench export ${file} --label ${labels[0]} --to FORMAT`,
    );
  }
  const run = input.fleet.runs.find((r) => r.label === label);
  if (!run) throw new UsageError(`--label ${label}: no run of that label in ${file}; its runs: ${labels.join(', ')}`);
  return run.document;
}
