/**
 * What one window of one scenario measured, as rates: pure functions of the
 * workers' results.
 *
 * The workers of a window start at the same requested time but each records
 * its own loop start and end, so each worker's rate is its ops over the time
 * it actually ran; the window's rate is the sum over workers. A worker that
 * started late (a busy machine) is then measured over what it ran, not
 * charged for the time it was not running.
 */
import type { WindowResult } from '../common/types.js';

/** ops/s of one worker over its own loop; 0 when it ran no time. */
export function workerRate(r: WindowResult): number {
  const span = r.endNs - r.startNs;
  return span > 0 ? r.ops / (span / 1e9) : 0;
}

/** Aggregate ops/s of a window: the sum of its workers' rates. */
export function windowRate(results: readonly WindowResult[]): number {
  return results.reduce((a, r) => a + workerRate(r), 0);
}

/**
 * The part of the window during which every worker was running, as a
 * fraction of the requested window (1 = all started and ended together).
 */
export function overlapFraction(results: readonly WindowResult[], windowNs: number): number {
  if (results.length === 0 || windowNs <= 0) return 0;
  const start = Math.max(...results.map((r) => r.startNs));
  const end = Math.min(...results.map((r) => r.endNs));
  return Math.max(0, end - start) / windowNs;
}

/**
 * Sub-window rates of one worker, by boundary index: mark k sits at the first
 * clock read after start + k * subNs (party A reads the clock 8 to 32 times a
 * sub-window, so within an eighth of one); the rate of sub-window k is the
 * ops between marks k and k + 1 over the time between them. A mark that is
 * not near a boundary (a loop that started late, the window's end) opens or
 * closes no sub-window: sub-windows a worker did not cover whole are left out.
 */
export function workerSubRates(r: WindowResult, startNs: number, subNs: number): Map<number, number> {
  const out = new Map<number, number>();
  if (subNs <= 0) return out;
  const at = r.marks.map(([ops, t]) => {
    const k = Math.floor((t - startNs) / subNs);
    return { ops, t, k: t - (startNs + k * subNs) <= subNs / 8 ? k : NaN };
  });
  for (let j = 1; j < at.length; j++) {
    const a = at[j - 1];
    const b = at[j];
    if (!a || !b || b.k !== a.k + 1 || b.t <= a.t) continue;
    out.set(a.k, (b.ops - a.ops) / ((b.t - a.t) / 1e9));
  }
  return out;
}

/** Aggregate sub-window rates of a window: for each sub-window every worker covered, the sum of their rates. */
export function subWindowRates(results: readonly WindowResult[], startNs: number, subNs: number): number[] {
  const per = results.map((r) => workerSubRates(r, startNs, subNs));
  const first = per[0];
  if (!first) return [];
  const out: number[] = [];
  for (const k of [...first.keys()].sort((a, b) => a - b)) {
    if (per.every((m) => m.has(k))) out.push(per.reduce((a, m) => a + (m.get(k) ?? 0), 0));
  }
  return out;
}

/**
 * The window's robust rate: the median of its sub-window rates, so that a
 * burst of another tenant that takes the CPU for a few ms moves it little;
 * the plain window rate where the window has fewer than 3 whole sub-windows.
 */
export function robustWindowRate(results: readonly WindowResult[], startNs: number, subNs: number): number {
  const subs = subWindowRates(results, startNs, subNs);
  return subs.length >= 3 ? median(subs) : windowRate(results);
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
