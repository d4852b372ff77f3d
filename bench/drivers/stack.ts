/**
 * pdbg's CFI unwinder as a library user drives it, through the package entry (dist/src/index.js):
 * `Session.attach`, then `unwindStack` over the session's registers, memory and symbols with
 * `moduleUnwindTable`, repeatedly at one stop (`Session.frames` would answer from its per-stop
 * cache after the first call). Each backtrace is timed on its own, and its frames formatted as
 * `pdbg bt` prints them (`frameLine`), as gdb's `bt` formats its own.
 */
import type * as Pdbg from '../../src/index.js';
import { hasFunctions, importPackage, type Loaded, notBuilt } from './load.js';
import { median } from '../stats.js';

type Api = typeof Pdbg;

export interface StackDriver {
  /** Median ms of one backtrace of `pid`'s current thread over `n` after `warm` untimed ones; at least `minFrames` frames or an error. */
  backtraceMs(pid: number, n: number, warm: number, minFrames: number): Promise<number>;
}

export async function loadStack(): Promise<Loaded<StackDriver>> {
  const mod = await importPackage();
  if (!mod.ok) return mod;
  const missing = hasFunctions(mod.value, ['openProcFs', 'unwindStack', 'moduleUnwindTable', 'frameLine', 'frameWhere']);
  if (missing) return { ok: false, why: missing };
  const api = mod.value as unknown as Api;
  if (typeof api.Session?.attach !== 'function') return { ok: false, why: notBuilt('Session.attach') };

  return {
    ok: true,
    value: {
      async backtraceMs(pid, n, warm, minFrames) {
        const fs = await api.openProcFs();
        let s: Pdbg.Session | undefined;
        try {
          s = await api.Session.attach(fs, pid);
          const session = s;
          const syms = await session.symbolTable();
          const read = (a: bigint, len: number) => session.readMem(a, len);
          const once = async (): Promise<Pdbg.StackFrame[]> => {
            const regs = await session.regs();
            const frames = await api.unwindStack(regs, read, syms, api.moduleUnwindTable);
            frames.map(api.frameLine);
            return frames;
          };
          for (let i = 0; i < warm; i++) await once();
          const got = await once();
          if (got.length < minFrames) {
            throw new Error(`only ${got.length} frames (want ≥ ${minFrames}): ${got.map((f) => api.frameWhere(f)).join(' < ')}`);
          }
          const ms: number[] = [];
          for (let i = 0; i < n; i++) {
            const t0 = process.hrtime.bigint();
            await once();
            ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          return median(ms);
        } finally {
          try {
            await s?.detach();
          } finally {
            await fs.close();
          }
        }
      },
    },
  };
}
