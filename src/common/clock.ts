/**
 * CLOCK_MONOTONIC in ns, read in this thread. libuv's hrtime is
 * clock_gettime(CLOCK_MONOTONIC) on Linux, the clock the core's windows use,
 * so the main thread can set absolute start times without calling the core.
 */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}
