/**
 * Listing the live system, first as it is, then with 5,000 extra processes (`sleep 600`s
 * started for this row only). Whole processes, stdout to /dev/null: procps
 * `ps -e -o pid,ppid,pgid,sid,utsns,comm` (its closest to "every process with its jail": the UTS
 * namespace inode) against `pdbg ps -o pid,ppid,pgid,sid,jail,comm` (Node start-up included);
 * and the library call in this process, with the same columns. Issue 12: with the crowd, `pdbg ps`
 * in at most ps's time, and each extra process costing pdbg no more than it costs procps
 * ((time with the crowd − time without) / extra, both measured in this row).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LISTING_FIELDS, loadListing } from '../drivers/listing.js';
import { perProcessMicros, withinGoal } from '../goals.js';
import { notBuilt } from '../drivers/load.js';
import { distSrc, pdbgBin } from '../paths.js';
import { timeOk } from '../procs.js';
import type { RowResult, Side } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { withSleepers } from '../sleepers.js';

const PS = 'ps -e -o pid,ppid,pgid,sid,utsns,comm';
const PDBG_PS = `pdbg ps -o ${LISTING_FIELDS.join(',')}`;
const LIB = 'listProcesses(openProcFs())';

function processCount(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
}

/** A derived side: one number computed from the medians of others. */
function derived(name: string, kind: Side['kind'], value: number, note: string): Side {
  return { name, kind, unit: 'µs', better: 'lower', samples: Number.isFinite(value) ? [value] : [], median: value, note };
}

export const listingRow: Row = {
  id: 'listing',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const extra = ctx.quick ? 500 : 5000;
    const listing = await loadListing();
    const cliBuilt = existsSync(join(distSrc, 'cli/commands/ps.js'));
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
    const few = processCount();
    ctx.log(` listing: ${few} processes on the system, before the crowd`);
    const before = await measureSides(ctx, defs);
    return withSleepers(extra, async () => {
      const total = processCount();
      ctx.log(` listing: ${total} processes on the system`);
      const sides = await measureSides(ctx, defs);
      const added = total - few;
      const per = (name: string) => perProcessMicros(sideNamed(sides, name).median, sideNamed(before, name).median, added);
      const perPs = derived(`${PS}, per extra process`, 'baseline', per(PS), `(with − without the crowd) / ${added}`);
      const perPdbg = derived(`${PDBG_PS}, per extra process`, 'pdbg', per(PDBG_PS), `(with − without the crowd) / ${added}`);
      const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
      const notes = [
        `${total} processes (${extra} extra sleepers)${lastCount ? `; the library listed ${lastCount}` : ''}`,
        `without the crowd (${few} processes): ${PS} ${ms(sideNamed(before, PS).median)}, pdbg ps ${ms(sideNamed(before, PDBG_PS).median)}, library ${ms(sideNamed(before, LIB).median)}`,
      ];
      return [
        {
          id: 'listing',
          title: `listing, live system, ${total} processes (${extra} extra), jail column`,
          sides: [...sides, perPdbg, perPs],
          goals: [withinGoal(sideNamed(sides, PDBG_PS), sideNamed(sides, PS), 1.0), withinGoal(perPdbg, perPs, 1.0)],
          notes,
        },
      ];
    });
  },
};
