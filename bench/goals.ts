import type { Goal, Side } from './result.js';
import { speedRatio } from './stats.js';
import { formatTarget } from './table.js';

/** `pdbg ≥ k × baseline` in "times better" terms, from the two medians. */
export function ratioGoal(pdbg: Side, baseline: Side, atLeast: number): Goal {
  const value = speedRatio(pdbg.median, baseline.median, pdbg.better);
  return {
    kind: 'ratio',
    unit: '×',
    label: `vs ${baseline.name}`,
    requirement: `≥ ${atLeast}×`,
    pdbg: pdbg.name,
    baseline: baseline.name,
    value,
    target: atLeast,
    met: Number.isNaN(value) ? null : value >= atLeast,
  };
}

/** Strictly faster than the baseline (ratio > 1), e.g. `pdbg ps` against `ps`. */
export function fasterGoal(pdbg: Side, baseline: Side): Goal {
  const value = speedRatio(pdbg.median, baseline.median, pdbg.better);
  return {
    kind: 'ratio',
    unit: '×',
    label: `vs ${baseline.name}`,
    requirement: '> 1×',
    pdbg: pdbg.name,
    baseline: baseline.name,
    value,
    target: 1,
    met: Number.isNaN(value) ? null : value > 1,
  };
}

/** An absolute bound on one statistic of a side: `≥ 100000 procs/s`, `p95 < 16 ms`. */
export function boundGoal(side: Side, label: string, value: number, op: '>=' | '<', target: number, unit: string): Goal {
  return {
    kind: 'bound',
    unit,
    label,
    requirement: `${op === '>=' ? '≥' : '<'} ${formatTarget(target, unit)}`,
    pdbg: side.name,
    baseline: null,
    value,
    target,
    met: Number.isNaN(value) ? null : op === '>=' ? value >= target : value < target,
  };
}

/** Of two baselines measured in the same run, the one that did better (a goal is against the faster C method). */
export function betterOf(a: Side, b: Side): Side {
  if (!Number.isFinite(b.median)) return a;
  if (!Number.isFinite(a.median)) return b;
  const bBetter = a.better === 'higher' ? b.median > a.median : b.median < a.median;
  return bBetter ? b : a;
}

/**
 * At most `k` times the baseline's time (`pdbg ps` within 1.4× `node -e 0`): the value is the
 * slowdown pdbg / baseline, not "times better", so the cell reads as the issue states it.
 */
export function withinGoal(pdbg: Side, baseline: Side, atMost: number): Goal {
  const value = Number.isFinite(pdbg.median) && Number.isFinite(baseline.median) && baseline.median > 0 ? pdbg.median / baseline.median : NaN;
  return {
    kind: 'ratio',
    unit: '×',
    label: `time / ${baseline.name}`,
    requirement: `≤ ${atMost}×`,
    pdbg: pdbg.name,
    baseline: baseline.name,
    value,
    target: atMost,
    met: Number.isNaN(value) ? null : value <= atMost,
  };
}

/**
 * The cost of one more process, from two listings of the same tool (few processes, then
 * `extra` more): (time with the crowd − time without) / extra, in µs.
 */
export function perProcessMicros(withCrowd: number, without: number, extra: number): number {
  return extra > 0 && Number.isFinite(withCrowd) && Number.isFinite(without) ? ((withCrowd - without) * 1e6) / extra : NaN;
}
