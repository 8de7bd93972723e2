/**
 * `ipcns-bench export FILE --to FORMAT`: a result document as input for a CI
 * tracker (github-action-benchmark or Bencher). Writes to stdout, or to
 * --output PATH. Only completed scenarios are exported; the others are
 * listed on stderr.
 */
import { parse, oneOf } from '../plan/flags.js';
import { UsageError } from '../common/errors.js';
import { refuseInputAsOutput, resolveTarget, type Target, writeTarget } from '../common/files.js';
import { EXPORT_FORMATS, exportDocument, type ExportFormat } from '../document/export.js';
import { jsonText, readDocument, type CommandIo } from './io.js';

export const EXPORT_OPTIONS = {
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const EXPORT_HELP = `ipcns-bench export FILE --to FORMAT [--output PATH]
  --to gab-bigger        github-action-benchmark customBiggerIsBetter: throughput, ops/s
  --to gab-smaller       github-action-benchmark customSmallerIsBetter: latency p50/p99 (ns), CPU per op (ns/op)
  --to bmf               Bencher Metric Format: measures throughput (ops/s, 95% CI bounds) and latency (ns: p50, upper p99)
  --output PATH          write there instead of stdout (- for stdout)
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
  const doc = readDocument(file);
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
