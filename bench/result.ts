import type { Better } from './stats.js';

/**
 * What one row of the table measured. A row has one or more pdbg sides and zero or more
 * baselines, all measured in the same run, alternating; goals compare a pdbg side with a
 * baseline by their medians.
 */
export interface Side {
  /** `pdbg Session`, `C ptrace loop`, `gdb stepi`, … */
  name: string;
  kind: 'pdbg' | 'baseline';
  /** Unit of the samples: `steps/s`, `GB/s`, `s`, `ms`. */
  unit: string;
  better: Better;
  samples: number[];
  /** The median of the samples, or NaN when the side could not run (see `note`). */
  median: number;
  /** Why there is no number (`n/a (not built)`), or how the number was obtained. */
  note?: string;
  /** Extra statistics a row reports, e.g. p95 for latencies. */
  extra?: Record<string, number>;
}

export interface Goal {
  /** `ratio`: pdbg against a baseline, in "times better"; `bound`: one statistic against a fixed number. */
  kind: 'ratio' | 'bound';
  /** What is compared: `vs C ptrace loop`, `p95`. */
  label: string;
  /** The requirement: `≥ 0.9×`, `> 1×`, `< 16 ms`. */
  requirement: string;
  /** Unit of `value` for bound goals (`ms`, `procs/s`); `×` for ratios. */
  unit: string;
  pdbg: string;
  baseline: string | null;
  /** pdbg / baseline in "times better" terms (stats.speedRatio), or the raw value for absolute goals. */
  value: number;
  /** The threshold the value must reach (ratio goals) or stay below/above (absolute goals). */
  target: number;
  /** null when a side is missing. */
  met: boolean | null;
}

export interface RowResult {
  id: string;
  title: string;
  sides: Side[];
  goals: Goal[];
  notes: string[];
}

/** A side with no number, and the reason printed in its place. */
export function missingSide(name: string, unit: string, better: Better, note: string, kind: Side['kind'] = 'pdbg'): Side {
  return { name, kind, unit, better, samples: [], median: NaN, note };
}
