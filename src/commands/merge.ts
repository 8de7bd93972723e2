/**
 * `ipcns-bench merge DOC... --out fleet.json`: the runs of several machines
 * (result documents, or fleets made earlier) as one fleet document, each run
 * under its label. What only some runs hold is said on stderr and recorded
 * in the fleet; nothing is dropped.
 */
import { UsageError } from '../common/errors.js';
import { refuseInputAsOutput, resolveTarget, writeTarget } from '../common/files.js';
import { printable } from '../common/text.js';
import { mergeRuns } from '../document/fleet.js';
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
  // Checked before anything is read: the fleet's path must take a file, and not be one of the documents (however it is reached).
  const target = resolveTarget(v.out, '', new Date(), '--out');
  refuseInputAsOutput(target, '--out', v.out, positionals);
  const { fleet, notes } = mergeRuns(
    positionals.map((source) => ({ source, value: readJson(source).value })),
    new Date(),
  );
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
  await writeTarget(target, jsonText(fleet), io.stdout);
  if (!v.quiet && target.kind !== 'stdout') io.stderr.write(`Fleet document: ${target.kind === 'file' ? target.path : v.out}\n`);
  return 0;
}
