/** `ipcns-bench clean`: removes exactly what killed runs of this tool left behind, never anyone else's. */
import { parse } from '../plan/flags.js';
import { releaseScan, removeLeftovers, scanLeftovers, type Leftover } from '../measure/clean.js';
import { errnoCode } from '../common/errors.js';
import { loadNativeCore } from '../measure/native.js';

const describe = (l: Leftover): string =>
  l.kind === 'mq' ? `mq /${l.name ?? ''} (run ${l.pid})` : `${l.kind} id ${l.id} key 0x${l.key.toString(16)} (run ${l.pid})`;

export const CLEAN_OPTIONS = { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const CLEAN_HELP = `ipcns-bench clean [--dry-run] [--json]
  Removes the IPC objects that runs killed before they could clean up (SIGKILL, a crash) left in
  the host namespace, found through their journals; never an object of anyone else, and never
  one of a run still going.
  --dry-run              list what would be removed, remove nothing
  --json                 print the outcome as JSON
  exit codes: 0 done (or nothing to remove), 1 an object could not be removed`;

export function cleanCommand(argv: string[], out: NodeJS.WritableStream): number {
  const { values } = parse('clean', argv, CLEAN_OPTIONS);
  // This process runs no worker threads, so it may load the core itself.
  const core = loadNativeCore();
  // A journal is a dead run's only if its lock can be taken: a live run holds it, wherever it runs.
  const scan = scanLeftovers((fd, op) => core.flock(fd, op));
  if (values['dry-run']) {
    releaseScan(scan);
    if (values.json)
      out.write(
        `${JSON.stringify({ leftovers: scan.leftovers, foreign: scan.foreign, live: scan.live, journals: scan.journals.map((j) => j.path) }, null, 2)}\n`,
      );
    else if (scan.leftovers.length === 0) out.write('nothing to remove\n');
    else out.write(`would remove ${scan.leftovers.length}:\n${scan.leftovers.map((l) => `  ${describe(l)}`).join('\n')}\n`);
    return 0;
  }
  const result = removeLeftovers(scan, (kind, id) => core.remove(kind, id));
  if (values.json) {
    out.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines: string[] = [];
    if (result.removed.length === 0 && result.failed.length === 0) lines.push('nothing to remove');
    for (const l of result.removed) lines.push(`removed ${describe(l)}`);
    for (const l of result.failed)
      lines.push(`could not remove ${describe(l)}: ${errnoCode(l.errno)}${l.errno === 1 ? ' (run clean as the user who ran the benchmark, or as root)' : ''}`);
    for (const l of result.foreign) lines.push(`left alone ${describe(l)}: that id now belongs to another object`);
    for (const j of result.live) lines.push(`left alone ${j}: its run is still running (it holds the journal's lock)`);
    for (const j of result.journals) lines.push(`removed journal ${j}`);
    out.write(`${lines.join('\n')}\n`);
  }
  return result.failed.length > 0 ? 1 : 0;
}
