/**
 * A warm backtrace through libc: a `deep` target (bench/c/deep.c, -O2 without frame pointers)
 * blocked in clock_nanosleep 28 calls below main: 31 frames on both sides (clock_nanosleep,
 * nanosleep, depth × 28, main), at least 30 or the side fails. Both sides stop at main (gdb's
 * `backtrace past-main off`, pdbg's default). Symbols and unwind tables are loaded before the
 * clock starts; each timed backtrace unwinds again from the registers. pdbg: `unwindStack` at one
 * stop (drivers/stack.ts); gdb: `bt` after `maintenance flush register-cache` (gdb.ts). Each
 * side reports its median backtrace of the sample; each sample gets a fresh target.
 */
import { loadStack } from '../drivers/stack.js';
import { gdbBacktrace } from '../gdb.js';
import { boundGoal, ratioGoal } from '../goals.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { withDeep } from '../target.js';

const GDB = 'gdb bt (flushed)';
const PDBG = 'unwindStack';
const DEPTH = 28;
const MIN_FRAMES = 30;
const WARM = 5;

export const backtraceRow: Row = {
  id: 'backtrace',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 20 : 200;
    const stack = await loadStack();
    const defs: SideDef[] = [
      {
        name: GDB,
        kind: 'baseline',
        unit: 'ms',
        better: 'lower',
        note: `median of ${n}`,
        sample: () =>
          withDeep(DEPTH, async (t) => {
            const r = gdbBacktrace(t.pid, n, WARM);
            if (r.frames < MIN_FRAMES) throw new Error(`gdb bt: only ${r.frames} frames (want ≥ ${MIN_FRAMES})`);
            return r.ms;
          }),
      },
      stack.ok
        ? { name: PDBG, kind: 'pdbg', unit: 'ms', better: 'lower', note: `median of ${n}`, sample: () => withDeep(DEPTH, (t) => stack.value.backtraceMs(t.pid, n, WARM, MIN_FRAMES)) }
        : { name: PDBG, kind: 'pdbg', unit: 'ms', better: 'lower', missing: stack.why },
    ];
    const sides = await measureSides(ctx, defs);
    const engine = sideNamed(sides, PDBG);
    return [
      {
        id: 'backtrace',
        title: `warm backtrace, ${DEPTH + 3} frames through libc (CFI, no frame pointers)`,
        sides,
        goals: [boundGoal(engine, 'warm 30-frame backtrace', engine.median, '<', 1, 'ms'), ratioGoal(engine, sideNamed(sides, GDB), 1)],
        notes: [
          `one sample: median of ${n} backtraces after ${WARM} warm-up ones, at one stop of a fresh target; gdb times each flushed bt in its own Python (perf_counter_ns) in one \`gdb -batch -p\`, pdbg each unwindStack + frameLine in the bench's process`,
        ],
      },
    ];
  },
};
