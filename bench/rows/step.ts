/**
 * Single steps per second: step + wait + read the registers, the loop a debugger's `stepi N`
 * or a tracer runs. Every side attaches to its own fresh `hot step` target (a user-space loop)
 * and only the loop is timed (attach excluded); gdb times its `stepi N` itself (gdb.ts). The C
 * loop waits both ways, blocking and polling (step.c): the goal is against the faster one.
 */
import { parseCResult } from '../c-result.js';
import { gdbRate, gdbStepi } from '../gdb.js';
import { betterOf, ratioGoal } from '../goals.js';
import { loadNodes } from '../drivers/nodes.js';
import { loadSession } from '../drivers/session.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { perSecond } from '../stats.js';
import { withHot } from '../target.js';

const C = 'C ptrace loop';
const C_POLL = 'C ptrace loop, polling wait';
const GDB = 'gdb stepi';
const SESSION = 'Session.stepN';
const NODES = 'ctl step+wait, regs node';

export const stepRow: Row = {
  id: 'step',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 10_000 : 100_000;
    const gdbN = ctx.quick ? 2_000 : 20_000;
    const session = await loadSession();
    const nodes = await loadNodes();
    const defs: SideDef[] = [
      {
        name: C,
        kind: 'baseline',
        unit: 'steps/s',
        better: 'higher',
        sample: () =>
          withHot('step', async (t) => {
            const r = parseCResult(timeOk(ctx.bins.step, [String(t.pid), String(n)]).stdout);
            return perSecond(r.ops, r.ns);
          }),
      },
      {
        name: C_POLL,
        kind: 'baseline',
        unit: 'steps/s',
        better: 'higher',
        sample: () =>
          withHot('step', async (t) => {
            const r = parseCResult(timeOk(ctx.bins.step, [String(t.pid), String(n), 'poll']).stdout);
            return perSecond(r.ops, r.ns);
          }),
      },
      {
        name: GDB,
        kind: 'baseline',
        unit: 'steps/s',
        better: 'higher',
        note: `stepi ${gdbN}`,
        sample: () => withHot('step', async (t) => gdbRate(t.pid, gdbStepi(gdbN))),
      },
      session.ok
        ? { name: SESSION, kind: 'pdbg', unit: 'steps/s', better: 'higher', sample: () => withHot('step', (t) => session.value.stepRate(t.pid, n)) }
        : { name: SESSION, kind: 'pdbg', unit: 'steps/s', better: 'higher', missing: session.why },
      nodes.ok
        ? { name: NODES, kind: 'pdbg', unit: 'steps/s', better: 'higher', sample: () => withHot('step', (t) => nodes.value.stepRate(t.pid, n)) }
        : { name: NODES, kind: 'pdbg', unit: 'steps/s', better: 'higher', missing: nodes.why },
    ];
    const sides = await measureSides(ctx, defs);
    const engine = sideNamed(sides, SESSION);
    return [
      {
        id: 'step',
        title: `single steps/s (step + wait + regs), ${n / 1000}k steps`,
        sides,
        goals: [ratioGoal(engine, betterOf(sideNamed(sides, C), sideNamed(sides, C_POLL)), 0.9), ratioGoal(engine, sideNamed(sides, GDB), 5)],
        notes: [],
      },
    ];
  },
};
