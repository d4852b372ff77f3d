import type { CProgram } from './build.js';
import type { RowResult, Side } from './result.js';
import { alternate } from './rounds.js';
import type { Better } from './stats.js';
import { median } from './stats.js';

export type RowId = 'step' | 'breakpoint' | 'emulated' | 'trace' | 'backtrace' | 'mem' | 'listing' | 'snapshot' | 'startup' | 'tui' | 'remote' | 'ssh' | 'fanout' | 'fuse' | 'mount';
export const ROW_IDS: readonly RowId[] = ['step', 'breakpoint', 'emulated', 'trace', 'backtrace', 'mem', 'listing', 'snapshot', 'startup', 'tui', 'remote', 'ssh', 'fanout', 'fuse', 'mount'];

export interface BenchContext {
  /** A short smoke run: small counts, two rounds. Numbers are for "does it work", not for the README. */
  quick: boolean;
  rounds: number;
  /** Progress, on stderr. */
  log(line: string): void;
  bins: Record<CProgram, string>;
}

/** One line of the table (or several: `mem` reports each chunk size). */
export interface Row {
  id: RowId;
  run(ctx: BenchContext): Promise<RowResult[]>;
}

/** A side to measure, or the reason it cannot be (`n/a (not built)` when its layer is missing). */
export interface SideDef {
  name: string;
  kind: Side['kind'];
  unit: string;
  better: Better;
  sample?: () => Promise<number>;
  missing?: string;
  note?: string;
}

/** Measures every runnable side in alternating rounds and returns them in definition order. */
export async function measureSides(ctx: BenchContext, defs: readonly SideDef[], rounds = ctx.rounds): Promise<Side[]> {
  const runnable = defs.filter((d) => d.sample).map((d) => ({ name: d.name, sample: d.sample! }));
  const outcomes = await alternate(runnable, rounds, ctx.log);
  return defs.map((d) => {
    const o = outcomes.get(d.name);
    const samples = o?.samples ?? [];
    const side: Side = { name: d.name, kind: d.kind, unit: d.unit, better: d.better, samples, median: median(samples) };
    const note = !d.sample ? d.missing ?? 'n/a' : o?.error && samples.length === 0 ? `failed: ${o.error}` : o?.error ? `${samples.length} of ${rounds} rounds; then: ${o.error}` : d.note;
    if (note) side.note = note;
    return side;
  });
}

export function sideNamed(sides: readonly Side[], name: string): Side {
  const s = sides.find((x) => x.name === name);
  if (!s) throw new Error(`bench: no side named ${name}`);
  return s;
}
