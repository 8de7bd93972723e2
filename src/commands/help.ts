/**
 * The commands as a user asks about them: one line each for the top-level
 * help, each command's own help (`ipcns-bench CMD --help`, `-h`, or
 * `ipcns-bench help CMD`), and --version.
 */
import { packageVersion } from '../common/paths.js';
import { UsageError } from '../common/errors.js';
import { didYouMean } from '../common/suggest.js';
import { fitted } from '../common/fit.js';
import { asksForHelp } from '../plan/flags.js';
import { CLEAN_HELP } from './clean.js';
import { COMPARE_HELP } from './compare.js';
import { DOCTOR_HELP } from './doctor.js';
import { EXPORT_HELP } from './export.js';
import { HISTORY_HELP } from './history.js';
import { LIST_HELP } from './list.js';
import { MERGE_HELP } from './merge.js';
import { REPORT_HELP } from './report.js';
import { RUN_HELP } from './run.js';

export interface CommandHelp {
  name: string;
  /** Its line in the top-level help. */
  summary: string;
  help: string;
}

export const COMMANDS: readonly CommandHelp[] = [
  { name: 'run', summary: 'measure a suite of scenarios (npm run bench: the default suite)', help: RUN_HELP },
  { name: 'list', summary: 'workloads, their parameters and the limits that apply', help: LIST_HELP },
  { name: 'compare', summary: 'a run against a baseline: improved, regressed or unchanged', help: COMPARE_HELP },
  { name: 'history', summary: 'a series of runs: change points, and the CI gate on the newest runs', help: HISTORY_HELP },
  { name: 'report', summary: 'a run as one self-contained HTML page of charts and tables', help: REPORT_HELP },
  { name: 'export', summary: 'a result document for github-action-benchmark or Bencher', help: EXPORT_HELP },
  { name: 'merge', summary: 'runs of several machines as one fleet document', help: MERGE_HELP },
  { name: 'doctor', summary: 'what this machine allows and how busy it is, with fixes', help: DOCTOR_HELP },
  { name: 'clean', summary: 'remove what killed runs left in the host namespace', help: CLEAN_HELP },
];

const width = Math.max(...COMMANDS.map((c) => c.name.length));

/** One screen: the commands, one line each; their flags are in each command's help. */
export const USAGE = `usage: ipcns-bench <command> [flags]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

ipcns-bench CMD --help    a command's flags (also: ipcns-bench help CMD)
ipcns-bench --version     the version

exit codes: 0 done, 1 failed (run: nothing completed; compare, history: a
regression), 2 bad input, 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM`;

const HELP_WORDS = ['help', '--help', '-h'];
const VERSION_WORDS = ['--version', '-V', 'version'];

/**
 * What to print instead of running anything: the top-level help, a
 * command's help (fitted to `columns`), or the version; undefined when argv
 * asks for none of them.
 */
export function helpOrVersion(argv: readonly string[], columns = 80): string | undefined {
  const [first, ...rest] = argv;
  if (first === undefined) return undefined;
  if (VERSION_WORDS.includes(first)) return `ipcns-bench ${packageVersion()}`;
  if (HELP_WORDS.includes(first)) {
    const topic = rest.find((a) => !HELP_WORDS.includes(a));
    return fitted(topic === undefined ? USAGE : commandHelp(topic).help, columns);
  }
  const command = COMMANDS.find((c) => c.name === first);
  return command && asksForHelp(rest) ? fitted(command.help, columns) : undefined;
}

function commandHelp(name: string): CommandHelp {
  const found = COMMANDS.find((c) => c.name === name);
  if (!found) throw unknownCommand(name);
  return found;
}

/** The error for a word that is not a command, with the nearest command when one is close. */
export function unknownCommand(word: string): UsageError {
  const names = COMMANDS.map((c) => c.name);
  const shown = JSON.stringify(word.length > 40 ? `${word.slice(0, 37)}...` : word);
  if (word.startsWith('-')) {
    return new UsageError(`${shown} is not a command: the command comes first, e.g. ipcns-bench run ${shown.slice(1, -1)}; commands: ${names.join(', ')}`);
  }
  const guess = didYouMean(word, names);
  return new UsageError(`unknown command ${shown}; ${guess || `use one of ${names.join(', ')}`} (ipcns-bench help)`);
}
