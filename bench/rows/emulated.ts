/**
 * Breakpoint hits per second when the engine executes the displaced instruction itself
 * (emulate.ts): the same int3 on `hot_fn` as the `breakpoint` row, whose entry is `push %rbp`
 * (the target is built at -O0), so a hit is one stop (continue, trap, rewind the pc, push in
 * the engine) instead of two. Baselines: the naive C step-over loop (the goal is 1.5× it),
 * and a C loop that emulates the same push (the fair bound: one stop, no JavaScript). pdbg with
 * its emulation off is measured in the same rounds, to show what the emulation saves.
 * The notes give the share of function entries the table covers in libc, python3 and bash
 * (bench/entry-share.ts).
 */
import { parseCResult } from '../c-result.js';
import { loadSession } from '../drivers/session.js';
import { entryShare, DEFAULT_FILES, missingLine, shareLine } from '../entry-share.js';
import { ratioGoal } from '../goals.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { oneLine } from '../rounds.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { perSecond } from '../stats.js';
import { withHot } from '../target.js';

const NAIVE = 'C ptrace loop, step over';
const C_EMULATED = 'C ptrace loop, push emulated';
const EMULATED = 'Session.cont, emulated';
const STEPPED = 'Session.cont, stepped over (info)';

export const emulatedRow: Row = {
  id: 'emulated',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 2_000 : 20_000;
    const session = await loadSession();
    const cLoop = (bin: string) => () =>
      withHot('break', async (t) => {
        const r = parseCResult(timeOk(bin, [String(t.pid), `0x${t.addr.toString(16)}`, String(n)]).stdout);
        return perSecond(r.ops, r.ns);
      });
    const pdbg = (name: string, emulate: boolean): SideDef =>
      session.ok
        ? { name, kind: 'pdbg', unit: 'hits/s', better: 'higher', sample: () => withHot('break', (t) => session.value.hitRate(t.pid, t.addr, n, emulate)) }
        : { name, kind: 'pdbg', unit: 'hits/s', better: 'higher', missing: session.why };
    const defs: SideDef[] = [
      { name: NAIVE, kind: 'baseline', unit: 'hits/s', better: 'higher', sample: cLoop(ctx.bins.breakpoint) },
      { name: C_EMULATED, kind: 'baseline', unit: 'hits/s', better: 'higher', sample: cLoop(ctx.bins.emulate) },
      pdbg(EMULATED, true),
      pdbg(STEPPED, false),
    ];
    const sides = await measureSides(ctx, defs);
    const engine = sideNamed(sides, EMULATED);
    const notes: string[] = [];
    for (const file of DEFAULT_FILES) {
      try {
        const s = await entryShare(file);
        notes.push(shareLine(s), missingLine(s));
      } catch (err) {
        notes.push(`${file}: entry share not measured: ${oneLine(err)}`);
      }
    }
    return [
      {
        id: 'emulated',
        title: `breakpoint hits/s, displaced instruction emulated (push %rbp), ${n / 1000}k hits`,
        sides,
        goals: [ratioGoal(engine, sideNamed(sides, NAIVE), 1.5), ratioGoal(engine, sideNamed(sides, C_EMULATED), 0.8)],
        notes,
      },
    ];
  },
};
