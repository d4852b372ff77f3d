/**
 * pdbg one layer down: the live source's nodes written and read directly, the way a program
 * would use BSD procfs files (`ctl` words, `regs` into a reused buffer, `mem` at an offset).
 * Shows what the engine adds on top of the nodes.
 */
import type { ProcFs } from '../../src/index.js';
import type { Loaded } from './load.js';
import { loadOpenProcFs } from './live.js';

export interface NodesDriver {
  /** Steps per second of `ctl step` + `ctl wait` + `regs` read. */
  stepRate(pid: number, n: number): Promise<number>;
  /** GB/s reading `size` bytes at `addr` from the `mem` node in `chunk`-byte reads, `passes` times. */
  memReadRate(pid: number, addr: bigint, size: number, chunk: number, passes: number): Promise<number>;
}

const REGS_SIZE = 216; // Linux x86-64 user_regs_struct

export async function loadNodes(): Promise<Loaded<NodesDriver>> {
  const live = await loadOpenProcFs();
  if (!live.ok) return live;
  const open = live.value;

  async function withFs<T>(fn: (fs: ProcFs) => Promise<T>): Promise<T> {
    const fs = await open();
    try {
      return await fn(fs);
    } finally {
      await fs.close();
    }
  }

  return {
    ok: true,
    value: {
      stepRate: (pid, n) =>
        withFs(async (fs) => {
          const regs = Buffer.alloc(REGS_SIZE);
          await fs.write(pid, 'ctl', 'attach');
          try {
            await fs.write(pid, 'ctl', 'wait');
            const loop = async (count: number) => {
              for (let i = 0; i < count; i++) {
                await fs.write(pid, 'ctl', 'step');
                await fs.write(pid, 'ctl', 'wait');
                await fs.readInto(pid, 'regs', regs);
              }
            };
            await loop(Math.max(100, Math.floor(n / 50)));
            const t0 = process.hrtime.bigint();
            await loop(n);
            return (n * 1e9) / Number(process.hrtime.bigint() - t0);
          } finally {
            await fs.write(pid, 'ctl', 'detach');
          }
        }),
      memReadRate: (pid, addr, size, chunk, passes) =>
        withFs(async (fs) => {
          const buf = Buffer.alloc(chunk);
          const opts = { offset: addr, length: chunk };
          // Warm-up: one pass over the first 8 MiB, untimed.
          for (let off = 0; off < Math.min(size, 8 << 20); off += chunk) {
            opts.offset = addr + BigInt(off);
            await fs.readInto(pid, 'mem', buf, opts);
          }
          let bytes = 0;
          const t0 = process.hrtime.bigint();
          for (let p = 0; p < passes; p++) {
            for (let off = 0; off < size; off += chunk) {
              opts.offset = addr + BigInt(off);
              const got = await fs.readInto(pid, 'mem', buf, opts);
              if (got !== chunk) throw new Error(`mem: short read of ${got} at 0x${opts.offset.toString(16)}`);
              bytes += got;
            }
          }
          return bytes / Number(process.hrtime.bigint() - t0);
        }),
    },
  };
}
