/**
 * pdbg's listings as a library user calls them: `listProcesses(source, { fields })` with the
 * columns of the listing row (pid ppid pgid sid jail comm), over the live source or a tree
 * (`openProcFs()` / `openProcFs(DIR)`), opening and closing the source inside the timing.
 */
import type { listProcesses as ListProcesses, PsField, ProcFs, formatStatus as FormatStatus, ProcStatus } from '../../src/index.js';
import { hasFunctions, importPackage, type Loaded } from './load.js';
import { loadOpenProcFs } from './live.js';

export const LISTING_FIELDS: readonly PsField[] = ['pid', 'ppid', 'pgid', 'sid', 'jail', 'comm'];

export interface TimedListing {
  count: number;
  seconds: number;
}

export interface ListingDriver {
  /** Opens the live source, lists every process, closes it: the whole library call, timed. */
  timeLive(): Promise<TimedListing>;
  /** The same over a BSD-layout tree at `root`. */
  timeTree(root: string): Promise<TimedListing>;
  formatStatus(s: ProcStatus): string;
}

export async function loadListing(): Promise<Loaded<ListingDriver>> {
  const api = await importPackage();
  if (!api.ok) return api;
  const missing = hasFunctions(api.value, ['listProcesses', 'formatStatus']);
  if (missing) return { ok: false, why: missing };
  const list = api.value.listProcesses as typeof ListProcesses;
  const format = api.value.formatStatus as typeof FormatStatus;
  const live = await loadOpenProcFs();
  if (!live.ok) return live;

  const timed = async (open: () => ProcFs | Promise<ProcFs>): Promise<TimedListing> => {
    const t0 = process.hrtime.bigint();
    const fs = await open();
    try {
      const procs = await list(fs, { fields: LISTING_FIELDS });
      return { count: procs.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    } finally {
      await fs.close();
    }
  };

  return {
    ok: true,
    value: {
      timeLive: () => timed(() => live.value()),
      timeTree: (root) => timed(() => live.value(root)),
      formatStatus: format,
    },
  };
}
