/**
 * Running to a place and ending a run: `runUntil` (a temporary breakpoint, removed however the
 * run ends), gdb's `finish` (the engine's own breakpoint on the return address, told apart from
 * a deeper call of the same function), `interrupt` and `kill`.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { BreakpointOps } from './breakpoint-ops.js';
import type { Breakpoint, PendingBreakpoint } from './breakpoints.js';
import type { FrameSelection } from './frames.js';
import { isGone, type StopEvent } from './events.js';
import type { Where } from './location.js';
import { readReg } from './regfile.js';
import { isUnknownName, type SessionCore } from './session-core.js';
import { HOOK_SYMBOL } from './solib-events.js';
import type { StackFrame } from './stack.js';

export class RunControl {
  constructor(
    private readonly core: SessionCore,
    private readonly bps: BreakpointOps,
    private readonly frames: FrameSelection,
  ) {}

  /** Resumes every thread with `word`, reporting the stop it ends at. */
  async cont(word: string): Promise<StopEvent> {
    this.core.assertStopped();
    return this.core.emit(await this.core.resumer.resume(word));
  }

  /** Runs to `where` with a temporary breakpoint, removed however the run ends. */
  async runUntil(where: Where): Promise<StopEvent> {
    const c = this.core;
    c.assertStopped();
    let temp: Breakpoint | PendingBreakpoint | undefined;
    try {
      const addr = await c.locator.resolve(where);
      if (!c.bps.at(Number(addr))) temp = (await this.bps.break(addr, { temporary: true })) as Breakpoint;
    } catch (err) {
      // Stopped in the dynamic linker (the exec stop, a program started stopped): the libraries
      // are not loaded yet, so `--until write` waits for the one that defines it. Anywhere
      // else an unknown name is a typo, and running until the exit would not say so.
      if (typeof where !== 'string' || !c.policy.untilWaitsForLibrary || !isUnknownName(err) || !(await this.inDynamicLinker())) throw err;
      temp = await this.bps.break(where, { temporary: true, pending: true });
    }
    try {
      return await this.cont(c.pendingSignal ?? 'run');
    } finally {
      if (temp && c.state === 'stopped' && (c.bps.get(temp.id) || c.pending.has(temp.id))) await c.breakpoints.delete(temp.id);
    }
  }

  /**
   * gdb's `finish`: runs until the selected frame returns to its caller (a temporary breakpoint
   * on the return address that counts only in this thread and at the caller's stack depth, so a
   * recursive call returning first does not end it). Another stop on the way ends it there.
   *
   * The return breakpoint is the engine's own, as gdb's: it takes no user number, is never
   * listed, and its hit is reported as the return (`returned`), not as a breakpoint. A deeper
   * frame passing by is no stop at all: only the final event reaches the stop listeners.
   */
  async finish(): Promise<{ stop: StopEvent; from: StackFrame; returned: boolean }> {
    const c = this.core;
    const frames = await this.frames.frames();
    const from = frames[this.frames.selected]!;
    const caller = frames[this.frames.selected + 1];
    if (!caller) throw new ProcfsError('EINVAL', `"finish" not meaningful in the outermost frame (#${this.frames.selected})`, c.pid);
    const tid = c.current;
    const ret = caller.pc;
    for (;;) {
      c.assertStopped();
      // A user breakpoint already there stops the return itself (and is what gdb reports).
      const temp = c.bps.at(Number(ret)) ? undefined : await this.bps.plant(ret, true, { internal: true });
      let stop: StopEvent;
      try {
        stop = await c.resumer.resume(c.pendingSignal ?? 'run');
      } finally {
        if (temp && c.state === 'stopped' && c.bps.get(temp.id) === temp) await c.breakpoints.delete(temp.id);
      }
      if (stop.kind !== 'breakpoint' || stop.pc !== ret) return { stop: c.emit(stop), from, returned: false };
      // The same address reached by another thread, or by a deeper call of the same function.
      const deeper = stop.tid !== tid || (from.cfa !== undefined && (await this.rsp(stop.tid)) !== from.cfa);
      if (!deeper) {
        const ev: StopEvent = temp && stop.id === temp.id ? { kind: 'returned', tid, pc: ret } : stop;
        return { stop: c.emit(ev), from, returned: true };
      }
      if (stop.tid !== tid) c.current = tid;
    }
  }

  private async rsp(tid: number): Promise<bigint> {
    this.core.assertStopped();
    return readReg(await this.core.regs.load(this.core.regs.slot(tid)), this.core.bps.arch.spReg);
  }

  /** The pc is in the dynamic linker (the module defining its load hook), not the executable. */
  async inDynamicLinker(): Promise<boolean> {
    const c = this.core;
    const syms = await c.locator.load();
    if (!syms) return false;
    c.assertStopped();
    const slot = c.regs.slot(c.current);
    await c.regs.load(slot);
    const mod = syms.moduleAt(c.regs.pc(slot));
    return mod !== undefined && mod !== syms.modules[0] && mod.image.symbols.some((s) => s.name === HOOK_SYMBOL);
  }

  /** Stops a running target (all threads) without a signal; the run in flight resolves `interrupted`. */
  async interrupt(): Promise<StopEvent> {
    const c = this.core;
    const pending = c.resumer.inFlight ?? c.stepper.inFlight;
    if (!pending) return c.last;
    c.interrupting = true;
    await c.fs.write(c.pid, 'ctl', 'interrupt');
    return pending;
  }

  /**
   * gdb's `kill`: SIGKILL as a ctl signal word (the source knows its stopped threads then die
   * where they are, and its `wait` collects the end; a bare kill(2) through `note` would leave
   * the source believing them stopped). From then on the session writes nothing.
   */
  async kill(): Promise<StopEvent> {
    const c = this.core;
    c.assertStopped();
    c.regs.invalidateAll();
    c.state = 'running';
    let ev: StopEvent | 'resume' = 'resume';
    try {
      // A stop already on its way (another thread's breakpoint, a clone) may come before the
      // end: the word again, as gdb kills again until the inferior is gone.
      for (let i = 0; i < 8 && (ev === 'resume' || !isGone(ev)); i++) {
        await c.fs.write(c.pid, 'ctl', 'kill');
        await c.fs.write(c.pid, 'ctl', 'wait');
        ev = await c.decoder.collect();
      }
    } catch (err) {
      ev = await c.decoder.exitOr(err);
    }
    if (ev === 'resume' || !isGone(ev)) {
      c.state = 'stopped';
      throw new ProcfsError('EIO', `pid ${c.pid}: still there after SIGKILL`, c.pid);
    }
    return c.emit(ev);
  }
}
