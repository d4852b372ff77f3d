/**
 * Start-up: `pdbg --help` as a whole process against `node -e 0`, the floor any Node CLI pays.
 * The difference is pdbg's own start-up cost (module loading, yargs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { notBuilt } from '../drivers/load.js';
import { distSrc, pdbgBin } from '../paths.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row } from '../row.js';

const PDBG = 'pdbg --help';
const NODE = 'node -e 0';

export const startupRow: Row = {
  id: 'startup',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const built = existsSync(join(distSrc, 'cli/main.js'));
    const rounds = Math.max(ctx.rounds, ctx.quick ? 3 : 10);
    const sides = await measureSides(
      ctx,
      [
        built
          ? { name: PDBG, kind: 'pdbg', unit: 's', better: 'lower', sample: async () => timeOk(process.execPath, [pdbgBin, '--help'], { stdout: 'ignore' }).seconds }
          : { name: PDBG, kind: 'pdbg', unit: 's', better: 'lower', missing: notBuilt('dist/src/cli') },
        { name: NODE, kind: 'baseline', unit: 's', better: 'lower', sample: async () => timeOk(process.execPath, ['-e', '0'], { stdout: 'ignore' }).seconds },
      ],
      rounds,
    );
    const own = sideNamed(sides, PDBG).median - sideNamed(sides, NODE).median;
    const notes = Number.isFinite(own) ? [`pdbg's own start-up: ${(own * 1000).toFixed(0)} ms over node -e 0`] : [];
    return [{ id: 'startup', title: 'start-up, whole process', sides, goals: [], notes }];
  },
};
