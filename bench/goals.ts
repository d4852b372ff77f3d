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
