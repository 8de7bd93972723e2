/**
 * The piscina worker: one thread per concurrent worker of a scenario. It loads
 * the native core on first use and calls it synchronously; the thread blocks
 * for the window while the measured processes run.
 */
import { loadNativeCore } from './native.js';
import type { Core } from '../common/types.js';
import { callCore, type Task } from './core-call.js';

let core: Core | undefined;

export default function handle(task: Task): unknown {
  core ??= loadNativeCore();
  return callCore(core, task.method, task.args as never);
}
