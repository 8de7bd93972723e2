/**
 * `ipcns-bench merge DOC... --out fleet.json`: the runs of several machines
 * (result documents, or fleets made earlier) as one fleet document, each run
 * under its label. What only some runs hold is said on stderr and recorded
 * in the fleet; nothing is dropped.
 */
import { statSync } from 'node:fs';
import { UsageError } from '../common/errors.js';
import { refuseInputAsOutput, resolveTarget, writeTarget } from '../common/files.js';
import { jsonSizes, MAX_JSON_DEPTH } from '../common/json.js';
import { printable } from '../common/text.js';
import { type FleetDocument, MAX_FLEET_BYTES, mergeRuns } from '../document/fleet.js';
import { parse } from '../plan/flags.js';
import { type CommandIo, jsonText, readJson } from './io.js';

export const MERGE_OPTIONS = {
  out: { type: 'string', short: 'o' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const MERGE_HELP = `ipcns-bench merge DOC.json [DOC2.json ...] --out fleet.json
  One fleet document of the runs of several machines (each labelled by run --label), or of fleets.
  Refused: documents of different schema versions, two runs with one label.
  Scenarios only some machines ran are listed (and recorded in the fleet), never dropped.
  --out PATH             where to write the fleet document (required); - for stdout
  --quiet                print nothing but errors
  then: ipcns-bench compare fleet.json --reference LABEL; ipcns-bench report fleet.json --reference LABEL`;

/** At most this many "only on" lines are printed; the fleet document holds them all. */
const MAX_LISTED = 20;

/** A fleet up to this size is written indented, for people to read; a larger one compact, for the tools (indentation can double it). */
export const INDENTED_UP_TO = 16 << 20;

const mb = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(1)} MiB`;

/**
 * A fleet holds its documents whole, so their sizes together bound it: more
 * than a reader takes of a fleet (MAX_FLEET_BYTES) is refused before any is
 * read, with the sizes. (Files that cannot be read are left to the reading,
 * which says why.)
 */
function refuseUnreadableFleet(paths: readonly string[]): void {
  const sizes = paths.map((p) => {
    try {
      return { p, size: statSync(p).size };
    } catch {
      return { p, size: 0 };
    }
  });
  const total = sizes.reduce((a, s) => a + s.size, 0);
  if (total <= MAX_FLEET_BYTES) return;
  const largest = [...sizes].sort((a, b) => b.size - a.size).slice(0, 3);
  throw new UsageError(
    `merge: the documents are ${mb(total)} together (${largest.map((s) => `${s.p} ${mb(s.size)}`).join(', ')}${sizes.length > 3 ? ', ...' : ''}); ` +
      `a fleet holds them whole, and compare and report read a fleet of at most ${mb(MAX_FLEET_BYTES)}: merge fewer runs into each fleet`,
  );
}

/**
 * The fleet as it is written: indented up to INDENTED_UP_TO, compact beyond,
 * and never larger or deeper than a reader takes (MAX_FLEET_BYTES,
 * MAX_JSON_DEPTH): both are counted before the text is built, and a fleet
 * beyond them is refused with the numbers (the lists of scenarios only some
 * machines hold can outgrow the documents themselves).
 */
export function fleetText(fleet: FleetDocument): string {
  const size = jsonSizes(fleet);
  if (size.depth > MAX_JSON_DEPTH) {
    // A document's own depth passes the readers' check; inside a fleet it sits three levels further in.
    throw new UsageError(
      `merge: the fleet would nest ${size.depth} levels deep, more than the ${MAX_JSON_DEPTH} that compare and report read (a document holds fields nested ${size.depth - 3} deep): merge documents as ipcns-bench wrote them`,
    );
  }
  if (size.indented + 1 <= INDENTED_UP_TO) return jsonText(fleet);
  if (size.compact + 1 > MAX_FLEET_BYTES) {
    throw new UsageError(
      `merge: the fleet would be ${mb(size.compact + 1)} even without indentation (${fleet.runs.length} runs, ${fleet.scenarios.partial.length} scenarios only some of them hold); ` +
        `compare and report read a fleet of at most ${mb(MAX_FLEET_BYTES)}: merge fewer runs into each fleet`,
    );
  }
  return jsonText(fleet, 0);
}

export async function mergeCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals } = parse('merge', argv, MERGE_OPTIONS, Infinity);
  if (v.help) {
    io.stdout.write(`${MERGE_HELP}\n`);
    return 0;
  }
  if (v.out === undefined || v.out.trim() === '') throw new UsageError('merge: give --out PATH for the fleet document, e.g. --out fleet.json (- for stdout)');
  if (positionals.length === 0) throw new UsageError('merge: give the result documents to merge: ipcns-bench merge A.json B.json ... --out fleet.json');
  const repeated = positionals.find((p, i) => positionals.indexOf(p) !== i);
  if (repeated !== undefined) throw new UsageError(`merge: ${repeated} is given twice; give each run once`);
  // Checked before anything is read: the fleet's path must take a file, not be one of the documents (however it is reached),
  // and the fleet must be one that can be read back.
  const target = resolveTarget(v.out, '', new Date(), '--out');
  refuseInputAsOutput(target, '--out', v.out, positionals);
  refuseUnreadableFleet(positionals);
  const { fleet, notes } = mergeRuns(
    positionals.map((source) => ({ source, value: readJson(source).value })),
    new Date(),
  );
  const text = fleetText(fleet);
  if (!v.quiet) {
    const s = fleet.scenarios;
    const lines = [
      `Fleet: ${fleet.runs.length} run${fleet.runs.length === 1 ? '' : 's'} (${fleet.runs.map((r) => r.label).join(', ')}), ${s.count} scenarios, ${s.everywhere} on every machine`,
    ];
    const only = notes.filter((n) => n.startsWith('only on '));
    lines.push(...notes.filter((n) => !n.startsWith('only on ')).map((n) => `note: ${n}`));
    lines.push(...only.slice(0, MAX_LISTED).map((n) => `${n}`));
    if (only.length > MAX_LISTED)
      lines.push(`... and ${only.length - MAX_LISTED} more scenarios only some machines hold (the fleet's scenarios.partial lists them all)`);
    io.stderr.write(`${lines.map((l) => printable(l)).join('\n')}\n`);
  }
  await writeTarget(target, text, io.stdout);
  if (!v.quiet && target.kind !== 'stdout') io.stderr.write(`Fleet document: ${target.kind === 'file' ? target.path : v.out}\n`);
  return 0;
}
