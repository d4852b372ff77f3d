/**
 * pdbg's engine as the bench drives it: `Session.attach` over the live source, then the loops a
 * debugger user runs: `stepN` (step + wait + regs per instruction) and `cont()` to a persistent
 * breakpoint. Only the loop is timed; a short untimed warm-up first lets V8 compile the path
 * (the C loop needs none).
 */
import type { Session as SessionClass, ProcFs } from '../../src/index.js';
import { hasFunctions, importPackage, type Loaded, notBuilt } from './load.js';
import { loadOpenProcFs } from './live.js';

type SessionStatic = typeof SessionClass;

export interface SessionDriver {
  /** Steps per second of `stepN(n)` on a running target. */
  stepRate(pid: number, n: number): Promise<number>;
  /**
   * Breakpoint hits per second: `n` × `cont()` onto an int3 at `addr`. `emulate`: the engine
   * executes the instruction under it (it must be in emulate.ts's table: checked), or false:
   * every hit steps over it.
   */
  hitRate(pid: number, addr: bigint, n: number, emulate: boolean): Promise<number>;
}

export async function loadSession(): Promise<Loaded<SessionDriver>> {
  const mod = await importPackage();
  if (!mod.ok) return mod;
  const Session = mod.value.Session as SessionStatic | undefined;
  if (!Session) return { ok: false, why: notBuilt('Session') };
  const missing = hasFunctions(Session as unknown as Record<string, unknown>, ['attach']);
  if (missing) return { ok: false, why: missing };
  const live = await loadOpenProcFs();
  if (!live.ok) return live;
  const open = live.value;

  async function withSession<T>(pid: number, fn: (s: SessionClass) => Promise<T>, emulate = true): Promise<T> {
    const fs: ProcFs = await open();
    let s: SessionClass | undefined;
    try {
      s = await Session!.attach(fs, pid, { emulate });
      return await fn(s);
    } finally {
      try {
        await s?.detach();
      } finally {
        await fs.close();
      }
    }
  }

  return {
    ok: true,
    value: {
      stepRate: (pid, n) =>
        withSession(pid, async (s) => {
          await s.stepN(Math.max(100, Math.floor(n / 50)));
          const t0 = process.hrtime.bigint();
          const ev = await s.stepN(n);
          const ns = Number(process.hrtime.bigint() - t0);
          if (ev.kind !== 'step') throw new Error(`stepN stopped early: ${ev.kind}`);
          return (n * 1e9) / ns;
        }),
      hitRate: (pid, addr, n, emulate) =>
        withSession(pid, async (s) => {
          const bp = await s.break(addr);
          if (emulate && !bp.emulation) throw new Error(`the instruction at 0x${addr.toString(16)} is not one the engine emulates`);
          const expectHit = async () => {
            const ev = await s.cont();
            if (ev.kind !== 'breakpoint') throw new Error(`cont stopped by ${ev.kind}, not the breakpoint`);
          };
          for (let i = 0, w = Math.max(20, Math.floor(n / 50)); i < w; i++) await expectHit();
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) await expectHit();
          const ns = Number(process.hrtime.bigint() - t0);
          // Older builds have no counts: then nothing can be checked.
          const offs = (s as { stepOffs?: { emulated: number; stepped: number } }).stepOffs;
          if (offs && (emulate ? offs.stepped : offs.emulated) !== 0) throw new Error(`expected every step-off ${emulate ? 'emulated' : 'stepped'}: ${offs.emulated} emulated, ${offs.stepped} stepped`);
          return (n * 1e9) / ns;
        }, emulate),
    },
  };
}
