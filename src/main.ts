/** ipcns-bench: parse the command, run it, map errors to exit codes (2: bad input, 1: failure). */
import { cleanCommand } from './commands/clean.js';
import { compareCommand } from './commands/compare.js';
import { doctorCommand } from './commands/doctor.js';
import { exportCommand } from './commands/export.js';
import { helpOrVersion, unknownCommand, USAGE } from './commands/help.js';
import { historyCommand } from './commands/history.js';
import { listCommand } from './commands/list.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { UsageError } from './common/errors.js';
import { fitted } from './common/fit.js';
import { printable } from './common/text.js';
import { HelpRequest } from './plan/flags.js';

/** 128 + the signal's number, as a shell reports a process the signal killed. */
const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

async function main(argv: string[]): Promise<number> {
  // Asked for help or the version: answered before anything else, whatever the other flags are.
  const answer = helpOrVersion(argv, process.stdout.columns);
  if (answer !== undefined) {
    process.stdout.write(`${answer}\n`);
    return 0;
  }
  const [command, ...rest] = argv;
  const abort = new AbortController();
  /** Aborted by a signal once the run is complete: what is still being written to a FIFO or a terminal is given up. */
  const outputs = new AbortController();
  let received: keyof typeof SIGNAL_EXIT | undefined;
  /** Set once the run is marked complete: a signal after that no longer makes it interrupted. */
  let completed = false;
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => () => {
    if (received) {
      // Second signal: stop waiting for the window in flight. Die by the signal itself
      // (the shell reports 128 + signo): process.exit() while a worker thread is inside
      // a native call can crash in the exit handlers. The measured processes see their
      // caller die and remove what they made in the host namespace.
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.removeAllListeners(sig);
      process.kill(process.pid, sig);
      return;
    }
    received = sig;
    if (completed) {
      // The document says complete and stays so; but the process still ends now, with the signal's code,
      // even if a reader of a FIFO holds up the last write.
      process.stderr.write(`\n${sig}: the run is complete; stopping what is still being written (Ctrl-C again to force)\n`);
      outputs.abort();
      return;
    }
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
        outputSignal: outputs.signal,
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
    case 'history':
      return historyCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'report':
      return reportCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'merge':
      return mergeCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case 'export':
      return exportCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    case undefined:
      process.stdout.write(`${USAGE}\n`);
      return 2;
    default:
      throw unknownCommand(command);
  }
}

export const done = main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof HelpRequest) {
      process.stdout.write(`${fitted(e.message, process.stdout.columns)}\n`);
      process.exitCode = 0;
      return;
    }
    const usage = e instanceof UsageError;
    // Any error, not only bad input, may quote a path or a document: printed as the tables print text.
    process.stderr.write(`ipcns-bench: ${printable((e as Error).message)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
