/**
 * Breakpoint hits per second: an int3 on `hot_fn`, which a `hot break` target calls in a loop;
 * each hit is a full round trip of a persistent breakpoint (continue, trap, rewind the pc, step
 * over the original instruction, re-plant). gdb does the same with an ignore count (gdb.ts).
 * pdbg runs with its emulation off here, so the row keeps measuring the step-over that every
 * instruction outside emulate.ts's table takes; the `emulated` row measures the one-stop hit.
 */
import { parseCResult } from '../c-result.js';
import { loadSession } from '../drivers/session.js';
import { gdbBreakContinue, gdbRate } from '../gdb.js';
import { ratioGoal } from '../goals.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { perSecond } from '../stats.js';
import { withHot } from '../target.js';

const C = 'C ptrace loop';
const GDB = 'gdb ignore+continue';
const SESSION = 'Session.cont';

export const breakpointRow: Row = {
  id: 'breakpoint',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 2_000 : 20_000;
    const gdbN = ctx.quick ? 1_000 : 5_000;
    const session = await loadSession();
    const defs: SideDef[] = [
      {
        name: C,
        kind: 'baseline',
        unit: 'hits/s',
        better: 'higher',
        sample: () =>
          withHot('break', async (t) => {
            const r = parseCResult(timeOk(ctx.bins.breakpoint, [String(t.pid), `0x${t.addr.toString(16)}`, String(n)]).stdout);
            return perSecond(r.ops, r.ns);
          }),
      },
      {
        name: GDB,
        kind: 'baseline',
        unit: 'hits/s',
        better: 'higher',
        note: `ignore ${gdbN}, continue`,
        sample: () => withHot('break', async (t) => gdbRate(t.pid, gdbBreakContinue('hot_fn', gdbN))),
      },
      session.ok
        ? { name: SESSION, kind: 'pdbg', unit: 'hits/s', better: 'higher', sample: () => withHot('break', (t) => session.value.hitRate(t.pid, t.addr, n, false)) }
        : { name: SESSION, kind: 'pdbg', unit: 'hits/s', better: 'higher', missing: session.why },
    ];
    const sides = await measureSides(ctx, defs);
    const engine = sideNamed(sides, SESSION);
    return [
      {
        id: 'breakpoint',
        title: `breakpoint hits/s (int3 in a hot function), ${n / 1000}k hits`,
        sides,
        goals: [ratioGoal(engine, sideNamed(sides, C), 0.8), ratioGoal(engine, sideNamed(sides, GDB), 3)],
        notes: [],
      },
    ];
  },
};
