/**
 * Listing a generated 10,000-process snapshot (snapshot-tree.ts) with the library call, in
 * processes per second. The tree is written once and removed after, on tmpfs (/dev/shm) when
 * there is one: writing 20,000 small files on this VM's ext4 takes ~25 s (journal), on tmpfs
 * under 1 s; reads come from the page cache either way, so the listing's number is the same.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadListing } from '../drivers/listing.js';
import { boundGoal } from '../goals.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row } from '../row.js';
import { syntheticStatuses, writeTree } from '../snapshot-tree.js';

const LIB = 'listProcesses(tree)';
const COUNT = 10_000;

export const snapshotRow: Row = {
  id: 'snapshot',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const listing = await loadListing();
    const title = `listing, generated ${COUNT / 1000}k-process snapshot`;
    if (!listing.ok) {
      const sides = await measureSides(ctx, [{ name: LIB, kind: 'pdbg', unit: 'procs/s', better: 'higher', missing: listing.why }]);
      return [{ id: 'snapshot', title, sides, goals: [boundGoal(sides[0]!, 'rate', NaN, '>=', 100_000, 'procs/s')], notes: [] }];
    }
    const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'pdbg-bench-snapshot-'));
    try {
      writeTree(root, syntheticStatuses(COUNT), listing.value.formatStatus);
      const sides = await measureSides(ctx, [
        {
          name: LIB,
          kind: 'pdbg',
          unit: 'procs/s',
          better: 'higher',
          sample: async () => {
            const r = await listing.value.timeTree(root);
            if (r.count !== COUNT) throw new Error(`listed ${r.count} of ${COUNT} processes`);
            return r.count / r.seconds;
          },
        },
      ]);
      const side = sideNamed(sides, LIB);
      return [{ id: 'snapshot', title, sides, goals: [boundGoal(side, 'rate', side.median, '>=', 100_000, 'procs/s')], notes: [] }];
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
