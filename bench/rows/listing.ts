/**
 * Listing the live system, with ~2,000 extra processes (`sleep 600`s started for this row only).
 * Whole processes, stdout to /dev/null: procps `ps -e -o pid,ppid,pgid,sid,utsns,comm` (its
 * closest to "every process with its jail": the UTS namespace inode) against
 * `pdbg ps -o pid,ppid,pgid,sid,jail,comm` (Node start-up included); and the library call in this
 * process, with the same columns.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LISTING_FIELDS, loadListing } from '../drivers/listing.js';
import { fasterGoal } from '../goals.js';
import { notBuilt } from '../drivers/load.js';
import { distSrc, pdbgBin } from '../paths.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { withSleepers } from '../sleepers.js';

const PS = 'ps -e -o pid,ppid,pgid,sid,utsns,comm';
const PDBG_PS = `pdbg ps -o ${LISTING_FIELDS.join(',')}`;
const LIB = 'listProcesses(openProcFs())';

export const listingRow: Row = {
  id: 'listing',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const extra = ctx.quick ? 500 : 2000;
    const listing = await loadListing();
    const cliBuilt = existsSync(join(distSrc, 'cli/commands/ps.js'));
    return withSleepers(extra, async () => {
      const total = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
      ctx.log(` listing: ${total} processes on the system`);
      let lastCount = 0;
      const defs: SideDef[] = [
        {
          name: PS,
          kind: 'baseline',
          unit: 's',
          better: 'lower',
          sample: async () => timeOk('ps', ['-e', '-o', 'pid,ppid,pgid,sid,utsns,comm'], { stdout: 'ignore' }).seconds,
        },
        cliBuilt
          ? { name: PDBG_PS, kind: 'pdbg', unit: 's', better: 'lower', sample: async () => timeOk(process.execPath, [pdbgBin, 'ps', '-o', LISTING_FIELDS.join(',')], { stdout: 'ignore' }).seconds }
          : { name: PDBG_PS, kind: 'pdbg', unit: 's', better: 'lower', missing: notBuilt('cli/commands/ps') },
        listing.ok
          ? {
              name: LIB,
              kind: 'pdbg',
              unit: 's',
              better: 'lower',
              sample: async () => {
                const r = await listing.value.timeLive();
                lastCount = r.count;
                return r.seconds;
              },
            }
          : { name: LIB, kind: 'pdbg', unit: 's', better: 'lower', missing: listing.why },
      ];
      const sides = await measureSides(ctx, defs);
      const notes = [`${total} processes (${extra} extra sleepers)${lastCount ? `; the library listed ${lastCount}` : ''}`];
      return [
        {
          id: 'listing',
          title: `listing, live system, ${total} processes (${extra} extra), jail column`,
          sides,
          goals: [fasterGoal(sideNamed(sides, PDBG_PS), sideNamed(sides, PS))],
          notes,
        },
      ];
    });
  },
};
