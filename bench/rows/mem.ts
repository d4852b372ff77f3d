/**
 * `mem` read throughput: the 64 MiB buffer of a `hot mem` target read front to back in chunks
 * of 4 KiB and of 1 MiB. The C baselines read with process_vm_readv and with pread on
 * /proc/PID/mem into ordinary memory; pdbg reads its `mem` node into one reused Buffer (the
 * library path a dump uses). A third C side reads into a huge-page buffer, for information only
 * (memread.c says why). One target serves every side: reading does not change it.
 */
import { parseCResult } from '../c-result.js';
import { loadNodes } from '../drivers/nodes.js';
import { betterOf, ratioGoal } from '../goals.js';
import { timeOk } from '../procs.js';
import type { RowResult } from '../result.js';
import { measureSides, sideNamed, type BenchContext, type Row, type SideDef } from '../row.js';
import { withHot } from '../target.js';

const VM = 'C process_vm_readv';
const PREAD = 'C pread /proc/PID/mem';
const VM_HUGE = 'C process_vm_readv, huge-page buffer (info)';
const NODE = 'mem node readInto';

/** Issue 12: 4 KiB reads at 0.9× the faster C method (a promise per read was the gap); 1 MiB at 0.8× as before. */
const CHUNKS: readonly { size: number; label: string; goal: number }[] = [
  { size: 4096, label: '4 KiB', goal: 0.9 },
  { size: 1 << 20, label: '1 MiB', goal: 0.8 },
];

export const memRow: Row = {
  id: 'mem',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const passes = ctx.quick ? 1 : 4;
    const nodes = await loadNodes();
    return withHot('mem', async (t) => {
      const results: RowResult[] = [];
      for (const chunk of CHUNKS) {
        const c = (method: 'vm' | 'pread', huge = false) => async () => {
          const args = [String(t.pid), `0x${t.addr.toString(16)}`, String(t.size), String(chunk.size), method, String(passes)];
          const out = timeOk(ctx.bins.memread, huge ? [...args, 'huge'] : args).stdout;
          const r = parseCResult(out);
          return r.bytes / r.ns; // bytes per ns = GB/s
        };
        const defs: SideDef[] = [
          { name: VM, kind: 'baseline', unit: 'GB/s', better: 'higher', sample: c('vm') },
          { name: PREAD, kind: 'baseline', unit: 'GB/s', better: 'higher', sample: c('pread') },
          { name: VM_HUGE, kind: 'baseline', unit: 'GB/s', better: 'higher', sample: c('vm', true) },
          nodes.ok
            ? { name: NODE, kind: 'pdbg', unit: 'GB/s', better: 'higher', sample: () => nodes.value.memReadRate(t.pid, t.addr, t.size, chunk.size, passes) }
            : { name: NODE, kind: 'pdbg', unit: 'GB/s', better: 'higher', missing: nodes.why },
        ];
        ctx.log(` mem, ${chunk.label} chunks`);
        const sides = await measureSides(ctx, defs);
        results.push({
          id: `mem-${chunk.size}`,
          title: `mem read, 64 MiB × ${passes} in ${chunk.label} chunks`,
          sides,
          goals: [ratioGoal(sideNamed(sides, NODE), betterOf(sideNamed(sides, VM), sideNamed(sides, PREAD)), chunk.goal)],
          notes: [],
        });
      }
      return results;
    });
  },
};
