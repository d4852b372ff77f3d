/**
 * The live source's own step loop (LinuxProcFs.stepLoop: the tracer steps, waits, classifies
 * and reads the registers with no promise per step): it ends where the engine must look, on a
 * signal, on the exit, on a stopAt address, and N steps of it reach exactly the registers N
 * plain `ctl step` + `ctl wait` writes reach.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { USER_REGS_RIP_OFFSET } from '../src/arch/x86-64/registers-linux.js';
import { Session } from '../src/engine/session.js';
import { LinuxProcFs } from '../src/procfs/sources/linux/index.js';
import { killPids, releaseSessions } from './helpers/cleanup.js';
import { liveOk } from './helpers/root.js';
import { buildTarget } from './helpers/targets.js';

const sessions: Session[] = [];
const pids: number[] = [];
const fs = new LinuxProcFs();
afterEach(async () => {
  await releaseSessions(sessions);
  killPids(pids);
});
afterAll(() => fs.close());

const QUIET = { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' } as const;

/** A fresh target started at its exec stop and run to `where` (through any further exec). */
async function at(argv: string[], where: string): Promise<Session> {
  const s = await Session.launch(fs, argv, QUIET);
  sessions.push(s);
  pids.push(s.pid);
  for (let i = 0; i < 4; i++) {
    const ev = await s.runUntil(where);
    if (ev.kind === 'breakpoint') return s;
    expect(ev.kind).toBe('exec');
  }
  throw new Error(`never reached ${where}`);
}

const why = (b: Buffer | undefined) => b?.toString('latin1').trim();
const rip = (regs: Buffer) => regs.readBigUInt64LE(USER_REGS_RIP_OFFSET);

describe.skipIf(!liveOk('live step loop'))('live step loop', () => {
  it('ends on a signal: the faulting step is the last, reported by its why line, no registers', async () => {
    const s = await at([buildTarget('exiter'), '0', 'segv'], 'before_exit');
    const r = await fs.stepLoop(s.pid, { count: 100_000, stopAt: [] });
    expect(r.error).toBeUndefined();
    expect(why(r.last?.why)).toBe(`stopped ${s.pid} signal segv`);
    expect(r.last?.regs).toBeUndefined();
    expect(r.done).toBeGreaterThan(0);
    expect(r.done).toBeLessThan(100_000);
  });

  it('ends on the exit: the why line says the code', async () => {
    const s = await at([buildTarget('exiter'), '7'], 'before_exit');
    const r = await fs.stepLoop(s.pid, { count: 100_000, stopAt: [] });
    expect(r.error).toBeUndefined();
    expect(why(r.last?.why)).toBe('exited 7');
    expect(r.last?.regs).toBeUndefined();
    // Then the target is gone: another loop is an error, not a hang.
    const again = await fs.stepLoop(s.pid, { count: 10, stopAt: [] });
    expect(again.error?.code).toBe('ESRCH');
    expect(again.last).toBeUndefined();
  });

  it('ends after the step that lands on a stopAt address, with that step\'s registers', async () => {
    const s = await at([buildTarget('breakme'), '1000000'], 'main');
    const bp = await s.break('target_fn');
    await s.delete(bp.id);
    const r = await fs.stepLoop(s.pid, { count: 1_000_000, stopAt: [0x1000n, bp.addr] });
    expect(r.error).toBeUndefined();
    expect(why(r.last?.why)).toBe(`stopped ${s.pid} step`);
    expect(rip(r.last!.regs!)).toBe(bp.addr);
    expect(r.done).toBeGreaterThan(0);
    expect(r.done).toBeLessThan(1_000_000 - 1);
  });

  it('N steps of one loop reach the registers N ctl step + wait writes reach', async () => {
    // Two runs of the same program from the same place: address randomization off, so every
    // register (pointers included) must come out equal.
    const argv = ['/usr/bin/setarch', 'x86_64', '-R', buildTarget('breakme'), '1000000'];
    const n = 2500;
    const one = await at(argv, 'target_fn');
    for (let i = 0; i < n; i++) {
      await fs.write(one.pid, 'ctl', 'step');
      await fs.write(one.pid, 'ctl', 'wait');
    }
    const byOne = Buffer.alloc(216);
    await fs.readInto(one.pid, 'regs', byOne);
    expect(why(await fs.read(one.pid, 'why'))).toBe(`stopped ${one.pid} step`);

    const loop = await at(argv, 'target_fn');
    const r = await fs.stepLoop(loop.pid, { count: n, stopAt: [] });
    expect(r.error).toBeUndefined();
    expect(r.done).toBe(n - 1);
    expect(why(r.last?.why)).toBe(`stopped ${loop.pid} step`);
    expect(rip(r.last!.regs!)).toBe(rip(byOne));
    expect(Buffer.from(r.last!.regs!).equals(byOne)).toBe(true);
    // The source's regs node agrees with what the loop handed back.
    const node = Buffer.alloc(216);
    await fs.readInto(loop.pid, 'regs', node);
    expect(node.equals(byOne)).toBe(true);
  });

  it('Session.stepN over it stops on a breakpoint on the way and steps on one by one after', async () => {
    const s = await at([buildTarget('breakme'), '1000000'], 'main');
    const bp = await s.break('target_fn');
    expect(await s.stepN(1_000_000)).toMatchObject({ kind: 'breakpoint', id: bp.id, pc: bp.addr });
    const ev = await s.step();
    expect(ev.kind).toBe('step');
    expect((ev as { pc: bigint }).pc).not.toBe(bp.addr);
    // The int3 is planted again under the breakpoint after the step off it.
    expect((await fs.read(s.pid, 'mem', { offset: bp.addr, length: 1 }))[0]).toBe(0xcc);
  });

  it('an interrupt ends a long local stepN at an instruction boundary, steppable after', async () => {
    const s = await at([buildTarget('breakme'), '1000000'], 'target_fn');
    const run = s.stepN(50_000_000);
    await new Promise((r) => setTimeout(r, 200));
    expect((await s.interrupt()).kind).toBe('interrupted');
    expect(await run).toMatchObject({ kind: 'interrupted' });
    expect(why(await fs.read(s.pid, 'why'))).toBe(`stopped ${s.pid} step`);
    expect((await s.step()).kind).toBe('step');
  });
});
