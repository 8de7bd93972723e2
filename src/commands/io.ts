/** What the commands share: their output streams, output formats, the step summary, and reading result documents. */
import { oneOf } from '../plan/flags.js';
import { appendToFile, readBounded } from '../common/files.js';
import { UsageError } from '../common/errors.js';
import { printableStrings } from '../common/text.js';
import type { ResultDocument } from '../document/result.js';
import { MAX_DOCUMENT_BYTES, parseJson, parseResultDocument, resultDocumentOf } from '../document/parse.js';
import { type FleetDocument, fleetDocumentOf, isFleetValue, MAX_FLEET_BYTES } from '../document/fleet.js';

/** What a command may touch: its output streams and the environment. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const OUTPUT_FORMATS = ['table', 'markdown', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Parses --format. */
export function parseFormat(text: string): OutputFormat {
  return oneOf('--format', text, OUTPUT_FORMATS);
}

/** Colour only on a terminal, and never with NO_COLOR or TERM=dumb. */
export function colorFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/** JSON text with non-finite numbers as null (JSON has no NaN or Infinity); `indent` 0: compact. */
export function jsonText(value: unknown, indent = 2): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent)}\n`;
}

/**
 * --summary: appends `markdown` to the file $GITHUB_STEP_SUMMARY names (the
 * job summary of a GitHub Actions step). Without the variable, a one-line
 * note on stderr and nothing else.
 */
export function appendStepSummary(markdown: string, io: CommandIo): void {
  const file = io.env['GITHUB_STEP_SUMMARY'];
  if (file === undefined || file === '') {
    io.stderr.write('ipcns-bench: --summary: GITHUB_STEP_SUMMARY is not set (not in GitHub Actions?); no summary written\n');
    return;
  }
  appendToFile(file, `${markdown}\n`, '--summary: cannot append to GITHUB_STEP_SUMMARY ');
}

/**
 * Reads and checks a result document (version 1 or 2, read as 2); every
 * problem is a UsageError naming the file. Only a regular file, and at most
 * MAX_DOCUMENT_BYTES of it: a device or a FIFO is refused, not read forever.
 * Control characters in its strings come back escaped (common/text.ts).
 */
export function readDocument(path: string): ResultDocument {
  const doc = parseResultDocument(
    readBounded(path, MAX_DOCUMENT_BYTES, '', 'a result document', 'give the path of an ipcns-bench result document (run --json PATH writes one)'),
    path,
  );
  // Everything a command prints from it (ids, names, messages) is safe for a terminal and an editor.
  return printableStrings(doc);
}

/** What a file given to compare, report or merge holds: one run, or a fleet of runs. */
export type Input = { kind: 'run'; doc: ResultDocument } | { kind: 'fleet'; fleet: FleetDocument };

/**
 * Reads a result document or a fleet document (told apart by its `kind`),
 * checked like readDocument; a result document is held to its own bound.
 */
export function readInput(path: string): Input {
  const { text, value } = readJson(path);
  if (isFleetValue(value)) return { kind: 'fleet', fleet: printableStrings(fleetDocumentOf(value, path)) };
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) throw new UsageError(`${path}: larger than a result document can be (${MAX_DOCUMENT_BYTES >> 20} MiB)`);
  return { kind: 'run', doc: printableStrings(resultDocumentOf(value, path)) };
}

/** A result or fleet document's text and its JSON value, unchecked (merge checks each against the others). */
export function readJson(path: string): { text: string; value: unknown } {
  const text = readBounded(path, MAX_FLEET_BYTES, '', 'a result or fleet document', 'give the path of an ipcns-bench result document or fleet document');
  return { text, value: parseJson(text, path) };
}
