/**
 * A call of the core by name, as it crosses from the main thread to a worker
 * thread (a Task) and as either side makes it. Kept apart from executor.ts so
 * that a worker thread loads neither piscina nor anything else it does not use.
 */
import type { Core } from '../common/types.js';

/** The core's calls an executor carries as they are; a window's run goes through runWindow, one spec per worker. */
export type CoreCall = 'limits' | 'nsOpen' | 'nsClose' | 'isolationProbe' | 'nowNs' | 'workloads' | 'flock';
export type Method = CoreCall | 'run';

/** A call of the core for a worker thread to make: its name and its arguments, as the Core interface types them. */
export type Task = { [K in Method]: { method: K; args: Parameters<Core[K]> } }[Method];

/** Makes one call of the core by name: what the worker thread does with a Task, and the inline executor in this thread. */
export function callCore<K extends Method>(core: Core, method: K, args: Parameters<Core[K]>): ReturnType<Core[K]> {
  return (core[method] as (...a: Parameters<Core[K]>) => ReturnType<Core[K]>).apply(core, args);
}
