/**
 * Start-up: `pdbg --help` and `pdbg ps` (the system as it is, ~100 processes) as whole
 * processes against `node -e 0`, the floor any Node CLI pays. The difference is pdbg's own
 * start-up cost (module loading, yargs) plus, for ps, the listing. Issue 12: `pdbg ps` within
 * 1.4× `node -e 0`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notBuilt } from '../drivers/load.js';
import { withinGoal } from '../goals.js';
import { distSrc, pdbgBin } from '../paths.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';

const HELP = 'pdbg --help';
const PS = 'pdbg ps';
const NODE = 'node -e 0';

export const startupRow: Row = {
  id: 'startup',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const built = existsSync(join(distSrc, 'cli/main.js'));
    const rounds = Math.max(ctx.rounds, ctx.quick ? 3 : 10);
    const pdbg = (name: string, args: string[]): SideDef =>
      built
        ? { name, kind: 'pdbg', unit: 's', better: 'lower', sample: async () => timeOk(process.execPath, [pdbgBin, ...args], { stdout: 'ignore' }).seconds }
        : { name, kind: 'pdbg', unit: 's', better: 'lower', missing: notBuilt('dist/src/cli') };
    const sides = await measureSides(
      ctx,
      [
        pdbg(HELP, ['--help']),
        pdbg(PS, ['ps']),
        { name: NODE, kind: 'baseline', unit: 's', better: 'lower', sample: async () => timeOk(process.execPath, ['-e', '0'], { stdout: 'ignore' }).seconds },
      ],
      rounds,
    );
    const node = sideNamed(sides, NODE).median;
    const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
    const own = (name: string) => sideNamed(sides, name).median - node;
    const procs = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
    const notes = Number.isFinite(own(HELP))
      ? [`pdbg's own start-up: --help ${ms(own(HELP))}, ps ${ms(own(PS))} over node -e 0 (${procs} processes listed)`]
      : [];
    return [{ id: 'startup', title: 'start-up, whole process', sides, goals: [withinGoal(sideNamed(sides, PS), sideNamed(sides, NODE), 1.4)], notes }];
  },
};
