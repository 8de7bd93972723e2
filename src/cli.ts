#!/usr/bin/env node
/**
 * The entry point: checks the limits that would stop Node from loading the
 * tool at all (too few tasks for its threads, too few open files for the
 * module loader), then loads it; either limit gets one line with the fix
 * instead of an abort or a stack trace from inside Node.
 */
import { loadProblem, readLimits } from './common/resources.js';

let limits: ReturnType<typeof readLimits> | undefined;
try {
  // Read first: once the loader has failed, there may be no descriptor left to read it with.
  limits = readLimits();
} catch {
  // no /proc: nothing to check
}
const problem = limits ? loadProblem(limits) : null;
if (problem) {
  process.stderr.write(`ipcns-bench: ${problem}\n`);
  process.exitCode = 2;
} else {
  try {
    await import('./main.js');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EMFILE' && code !== 'ENFILE') throw e;
    const files = limits?.get('Max open files')?.soft ?? 'too low';
    process.stderr.write(`ipcns-bench: too many open files while loading (${code}): the open-file limit (ulimit -n) is ${files}; raise it (ulimit -n 1024)\n`);
    process.exitCode = 2;
  }
}
