/**
 * The latency histogram's bucket scheme, mirrored from native/include/ipcb.h:
 * values below 128 ns are exact; above, each power of two is split into 64
 * sub-buckets, so a bucket spans at most 1/64 (1.6 %) of its lower bound.
 */
import type { LatencyHistogram } from '../common/types.js';

/** The scheme's constants, written into documents with each histogram so that later readers can decode its buckets. */
export const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
export const LINEAR = 128;
export const HIST_BUCKETS = LINEAR + 35 * SUB;

/** Bucket index of a value, as the C side computes it. */
export function bucketIndex(ns: number): number {
  if (ns < LINEAR) return Math.max(0, Math.floor(ns));
  const e = Math.floor(Math.log2(ns));
  const m = Math.floor(ns / 2 ** (e - SUB_BITS));
  return Math.min(HIST_BUCKETS - 1, LINEAR + (e - 7) * SUB + (m - SUB));
}

/** A bucket scheme as a document states it beside its buckets. */
export interface BucketScheme {
  linear: number;
  subBits: number;
}

/** The scheme of this build (and of its C core). */
export const SCHEME: BucketScheme = { linear: LINEAR, subBits: SUB_BITS };

/**
 * [lower, upper) bounds of a bucket in ns, in `scheme` (a document's own,
 * when it was written by a build of other constants; `linear` a power of two).
 */
export function bucketBounds(index: number, scheme: BucketScheme = SCHEME): [number, number] {
  const { linear, subBits } = scheme;
  if (index < linear) return [index, index + 1];
  const sub = 2 ** subBits;
  const e = Math.log2(linear) + Math.floor((index - linear) / sub);
  const m = sub + ((index - linear) % sub);
  const width = 2 ** (e - subBits);
  return [m * width, (m + 1) * width];
}

/** Sparse form of a dense bucket array from the core. */
export function fromDense(dense: ArrayLike<number>, count: number, sumNs: number, minNs: number, maxNs: number): LatencyHistogram {
  const buckets: Array<[number, number]> = [];
  for (let i = 0; i < dense.length; i++) {
    const n = dense[i] ?? 0;
    if (n > 0) buckets.push([i, n]);
  }
  return { count, sumNs, minNs, maxNs, buckets };
}

export function mergeHistograms(list: readonly LatencyHistogram[]): LatencyHistogram {
  const acc = new Map<number, number>();
  let count = 0;
  let sumNs = 0;
  let minNs = Infinity;
  let maxNs = 0;
  for (const h of list) {
    if (h.count === 0) continue;
    count += h.count;
    sumNs += h.sumNs;
    minNs = Math.min(minNs, h.minNs);
    maxNs = Math.max(maxNs, h.maxNs);
    for (const [i, n] of h.buckets) acc.set(i, (acc.get(i) ?? 0) + n);
  }
  const buckets = [...acc.entries()].sort((a, b) => a[0] - b[0]);
  return { count, sumNs, minNs: count ? minNs : 0, maxNs, buckets };
}

/**
 * The value at quantile q (0..1): the midpoint of the bucket holding that
 * rank, clamped to the recorded min and max, so the error is at most half a
 * bucket (0.8 %).
 */
export function quantile(h: LatencyHistogram, q: number): number {
  if (h.count === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * h.count));
  let seen = 0;
  for (const [i, n] of h.buckets) {
    seen += n;
    if (seen >= rank) {
      const [lo, hi] = bucketBounds(i);
      const mid = i < LINEAR ? lo : (lo + hi) / 2;
      return Math.min(h.maxNs, Math.max(h.minNs, mid));
    }
  }
  return h.maxNs;
}
