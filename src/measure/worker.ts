/**
 * The piscina worker: one thread per concurrent worker of a scenario. It loads
 * the native core on first use and calls it synchronously; the thread blocks
 * for the window while the measured processes run.
 */
import { loadNativeCore } from './native.js';
import type { Core } from '../common/types.js';
import type { Task, TaskResult } from './executor.js';

let core: Core | undefined;

export default function handle(task: Task): TaskResult {
  core ??= loadNativeCore();
  switch (task.kind) {
    case 'run':
      return core.run(task.spec);
    case 'limits':
      return core.limits(task.fresh, task.route, task.sysctls);
    case 'nsOpen':
      return core.nsOpen(task.route, task.sysctls);
    case 'nsClose':
      core.nsClose(task.ns);
      return null;
    case 'probe':
      return core.isolationProbe(task.route, task.key);
    case 'now':
      return core.nowNs();
    case 'workloads':
      return core.workloads();
    case 'flock':
      return core.flock(task.fd, task.op);
  }
}
