/** `ipcns-bench list`: each workload, its parameters, and the limits that apply in each namespace. */
import { parse } from '../plan/flags.js';
import { defaultRoute } from '../measure/env.js';
import { PoolExecutor, type Executor } from '../measure/executor.js';
import { limitText } from '../plan/limits.js';
import { WORKLOADS } from '../plan/workloads.js';
import { suiteNames } from '../plan/suite.js';

export const LIST_HELP = `ipcns-bench list
  Each workload: what one op is, what its latency times, its parameters (the flags of run,
  with their defaults and bounds) and the limits that apply to it in the host namespace and
  in a fresh one; then the suites (bench/*.json). Takes no flags.`;

export async function listCommand(argv: string[], out: NodeJS.WriteStream, makeExecutor: () => Executor = () => new PoolExecutor(1)): Promise<number> {
  parse('list', argv, {});
  const executor = makeExecutor();
  try {
    const route = defaultRoute();
    const host = await executor.limits(false, route, {});
    const fresh = await executor.limits(true, route, {});
    const lines: string[] = [];
    for (const w of WORKLOADS) {
      lines.push(`${w.name}  (${w.parties === 2 ? 'a pair of processes' : 'one process'})`);
      lines.push(`  op: ${w.op}`);
      lines.push(`  latency: ${w.latency}`);
      if (w.caveat) lines.push(`  note: ${w.caveat}`);
      for (const p of w.params) {
        lines.push(
          `  --${p.name}  ${p.description}, default ${p.default}${p.unit ? ` ${p.unit}` : ''}${p.choices ? ` (${p.choices.join(', ')})` : ''}${p.min !== undefined ? `, at least ${p.min}` : ''}`,
        );
      }
      for (const name of w.limitNames) {
        lines.push(
          `  limit ${name}: host ${limitText(host.ok ? host.value : undefined, name)}, fresh namespace ${limitText(fresh.ok ? fresh.value : undefined, name)}`,
        );
      }
      lines.push('');
    }
    if (!fresh.ok) lines.push(`Fresh namespaces are unavailable here: ${fresh.failure.message}`, '');
    lines.push(`Suites: ${suiteNames().join(', ')} (bench/*.json)`);
    lines.push('Raise a limit inside fresh namespaces with --sysctl NAME=VALUE; the host namespace is never changed.');
    out.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await executor.close();
  }
}
