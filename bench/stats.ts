/**
 * The bench's arithmetic: medians, percentiles and the ratios the goals are stated in.
 * Pure functions over plain numbers, so the test can check them without running anything.
 */

/** Median of the samples; NaN for none (a side that never ran has no median). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks, the definition
 * numpy and most benchmark tools use; p50 of an even count is the mean of the middle two.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not within 0..100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Whether a bigger number is the better one (a rate) or the smaller (a time). */
export type Better = 'higher' | 'lower';

/**
 * How many times better pdbg is than a baseline: >1 means pdbg wins, whatever the unit.
 * For rates that is pdbg / baseline, for times baseline / pdbg. NaN when either is missing.
 */
export function speedRatio(pdbg: number, baseline: number, better: Better): number {
  if (!Number.isFinite(pdbg) || !Number.isFinite(baseline) || pdbg <= 0 || baseline <= 0) return NaN;
  return better === 'higher' ? pdbg / baseline : baseline / pdbg;
}

/** Operations per second from a count and nanoseconds. */
export function perSecond(ops: number, ns: number): number {
  return ns > 0 ? (ops * 1e9) / ns : NaN;
}
