/** ipcns-bench: parse the command, run it, map errors to exit codes (2: bad input, 1: failure). */
import { cleanCommand } from './commands/clean.js';
import { COMPARE_HELP, compareCommand } from './commands/compare.js';
import { doctorCommand } from './commands/doctor.js';
import { EXPORT_HELP, exportCommand } from './commands/export.js';
import { listCommand } from './commands/list.js';
import { MERGE_HELP, mergeCommand } from './commands/merge.js';
import { REPORT_HELP, reportCommand } from './commands/report.js';
import { RUN_HELP, runCommand } from './commands/run.js';
import { UsageError } from './common/errors.js';
import { printable } from './common/text.js';

const USAGE = `usage: ipcns-bench <command> [flags]

commands:
  run      measure a suite of scenarios (npm run bench = run --suite default)
  list     workloads, their parameters and the limits that apply
  clean    remove what killed runs left in the host namespace [--dry-run] [--json]
  doctor   what this machine allows, each item with its fix [--json]
  compare  a run against a baseline: improved, regressed or unchanged
  export   a result document for github-action-benchmark or Bencher
  report   a run as one self-contained HTML page of charts and tables [--base BASE.json]
  merge    runs of several machines as one fleet document, for compare and report --reference

${RUN_HELP}

${COMPARE_HELP}

${EXPORT_HELP}

${REPORT_HELP}

${MERGE_HELP}

exit codes: 0 done, 1 failed (run: no scenario completed; compare: something regressed or failed), 2 bad input,
129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM`;

/** 128 + the signal's number, as a shell reports a process the signal killed. */
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const abort = new AbortController();
  let received: keyof typeof SIGNAL_EXIT | undefined;
  /** Set once the complete document is written: a signal after that (during shutdown) changes nothing. */
  let completed = false;
  let lateSignal = false;
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => () => {
    if (received || lateSignal) {
      // Second signal: stop waiting for the window in flight. Die by the signal itself
      // (the shell reports 128 + signo): process.exit() while a worker thread is inside
      // a native call can crash in the exit handlers. The measured processes see their
      // caller die and remove what they made in the host namespace.
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.removeAllListeners(sig);
      process.kill(process.pid, sig);
      return;
    }
    if (completed && !lateSignal) {
      // The document already says complete: let the shutdown finish with the run's own exit code.
      lateSignal = true;
      return;
    }
    received = sig;
    process.stderr.write(`\n${sig}: stopping after the window in flight; the result document keeps what was measured (Ctrl-C again to force)\n`);
    abort.abort();
  };
  switch (command) {
    case 'run': {
      // Only a run has windows to finish and a document to write; other commands keep the default.
      // SIGHUP too: a closed terminal or ssh session stops a run like Ctrl-C does.
      for (const sig of Object.keys(SIGNAL_EXIT) as Array<keyof typeof SIGNAL_EXIT>) process.on(sig, onSignal(sig));
      const code = await runCommand(rest, {
        stdout: process.stdout,
        stderr: process.stderr,
        signal: abort.signal,
        onComplete: () => {
          completed = true;
        },
      });
      return received ? SIGNAL_EXIT[received] : code;
    }
    case 'list':
      return listCommand(rest, process.stdout);
    case 'clean':
      return cleanCommand(rest, process.stdout);
    case 'doctor':
      return doctorCommand(rest, process.stdout);
    case 'compare':
      return compareCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'report':
      return reportCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'merge':
      return mergeCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'export':
      return exportCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; use run, list, compare, export, report, merge, clean or doctor (ipcns-bench help)`);
  }
}

export const done = main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const usage = e instanceof UsageError;
    // Any error, not only bad input, may quote a path or a document: printed as the tables print text.
    process.stderr.write(`ipcns-bench: ${printable((e as Error).message)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
