/**
 * A stop as the `why` node tells it, turned into what the session reports: a StopEvent, or
 * `'resume'` for a stop that is not news (a clone, a fork handled, a trap from a breakpoint
 * deleted since, the dynamic linker's hook). A trap one past a breakpoint byte is the hit
 * (hits.ts); a fork is followed as `followFork` says.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseWhy, type Why } from '../procfs/why.js';
import type { StopEvent } from './events.js';
import { Locator } from './location.js';
import { pcNumber, setPc } from './regfile.js';
import type { DecodePart, SessionCore } from './session-core.js';

/** Signals a resume never delivers by itself: the stop itself was the news. */
const SIGNALS_NOT_PASSED = new Set(['trap', 'stop']);

export class StopDecoder implements DecodePart {
  constructor(private readonly core: SessionCore) {}

  /** Reads `why` after a `wait` and turns it into an event ('resume': nothing to report). */
  async collect(): Promise<StopEvent | 'resume'> {
    const c = this.core;
    const n = await c.fs.readInto(c.pid, 'why', c.whyBuf);
    return this.interpret(parseWhy(c.whyBuf.toString('latin1', 0, n)));
  }

  /** A resume that failed because the target died (killed from outside) is its exit event. */
  async exitOr(err: unknown): Promise<StopEvent> {
    const c = this.core;
    if (!(err instanceof ProcfsError) || err.code !== 'ESRCH') throw err;
    let w: Why;
    try {
      w = parseWhy((await c.fs.read(c.pid, 'why')).toString('latin1'));
    } catch {
      throw err;
    }
    if (w.state !== 'exited' && w.state !== 'killed') throw err;
    const ev = await this.interpret(w);
    return ev === 'resume' ? Promise.reject(err) : ev;
  }

  async interpret(w: Why): Promise<StopEvent | 'resume'> {
    const c = this.core;
    switch (w.state) {
      case 'exited':
        c.state = 'exited';
        return { kind: 'exited', code: w.code };
      case 'killed':
        c.state = 'exited';
        return { kind: 'killed', signal: w.signal };
      case 'detached':
      case 'untraced':
        c.state = 'detached';
        return { kind: 'detached' };
      case 'running':
        throw new ProcfsError('EIO', `pid ${c.pid}: still running after wait`, c.pid, 'why');
      case 'stopped':
        break;
    }
    c.state = 'stopped';
    c.regs.invalidateAll();
    const slot = c.regs.slot(w.tid);
    c.current = w.tid;
    const pcOf = async () => {
      await c.regs.load(slot);
      return c.regs.pc(slot);
    };
    switch (w.reason) {
      case 'clone':
        c.regs.slot(w.newTid);
        return 'resume';
      case 'attach':
        return { kind: c.interrupting ? 'interrupted' : 'attached', tid: w.tid, pc: await pcOf() };
      case 'interrupt':
        return { kind: 'interrupted', tid: w.tid, pc: await pcOf() };
      case 'fork':
      case 'vfork':
        return this.forked(w.child, w.reason === 'vfork');
      case 'vforkdone':
        await c.children.vforkDone();
        return 'resume';
      case 'step':
        return { kind: 'step', tid: w.tid, pc: await pcOf() };
      case 'exec':
        // A new image: the old breakpoints went with the old address space, and so did its symbols.
        // Pending breakpoints are names: they wait for the new image's libraries (as gdb's do).
        c.bps.clear();
        c.onBreakpoint.clear();
        c.locator.invalidate();
        await c.pending.afterExec();
        return { kind: 'exec', tid: w.tid, pc: await pcOf() };
      case 'signal':
        if (w.signal === 'stop' && c.interrupting) return { kind: 'interrupted', tid: w.tid, pc: await pcOf() };
        if (c.signals.get(w.signal).pass && !SIGNALS_NOT_PASSED.has(w.signal)) c.pendingSignal = w.signal;
        return { kind: 'signal', tid: w.tid, signal: w.signal, pc: await pcOf() };
      case 'trap': {
        const at = Number(w.addr) - 1;
        const bp = c.bps.at(at);
        if (bp || c.bps.wasPlanted(at)) {
          // The kernel leaves the pc one past the int3. The live source puts it back on the
          // instruction as it collects the stop (a SIGKILL of pdbg must not leave a thread one
          // byte into the code); a source that did not, the engine rewinds now.
          await c.regs.load(slot);
          if (pcNumber(slot.regs) !== at) {
            setPc(slot.regs, at);
            await c.fs.write(c.pid, 'regs', slot.regs, slot.opts);
          }
          // A trap from a breakpoint deleted since (another thread hit it at the same time): not ours to report.
          if (!bp) return 'resume';
          if (c.pending.isHook(at)) {
            c.onBreakpoint.add(slot.tid);
            await c.pending.onHook();
            return 'resume';
          }
          return c.hits.hitOrPass(slot, bp);
        }
        return { kind: 'signal', tid: w.tid, signal: 'trap', pc: await pcOf() };
      }
    }
  }

  /**
   * A fork or vfork of the target: the child is held at its first instruction with a copy of
   * every breakpoint byte (a vfork child even shares the bytes). gdb's default, detach-on-fork
   * with follow-fork parent: take the bytes out of the child and let it go before it runs. A
   * vfork child borrows our memory until it execs or exits: the bytes stay out until then.
   */
  private async forked(child: number, vfork: boolean): Promise<StopEvent | 'resume'> {
    const c = this.core;
    await c.children.hold(child);
    if (c.followFork === 'child') return this.followChild(child, vfork);
    await c.children.release(child, vfork);
    c.say(`detached after ${vfork ? 'vfork' : 'fork'} from child ${child}`);
    return 'resume';
  }

  /** follow-fork child: the parent is released without our bytes, the session goes on with the child. */
  private async followChild(child: number, vfork: boolean): Promise<StopEvent> {
    const c = this.core;
    const parent = c.pid;
    const planted = c.bps.planted();
    for (const { addr, original } of planted) await c.fs.write(parent, 'mem', Uint8Array.of(original), { offset: addr });
    await c.fs.write(parent, 'ctl', 'detach');
    c.children.adopt(child);
    c.pid = child;
    c.current = child;
    c.regs.clear();
    c.onBreakpoint.clear();
    c.pendingSignal = undefined;
    // A vfork child shares the parent's memory: our bytes left it with the parent's. A forked
    // child has its own copy of them, still planted.
    if (vfork) {
      c.bps.clear();
      c.pending.hookLost();
    }
    c.locator = new Locator(c.fs, child);
    await c.locator.load().catch(() => undefined);
    c.say(`following ${vfork ? 'vfork' : 'fork'} child ${child}; detached from parent ${parent}${vfork && planted.length ? ' (breakpoints deleted: the vfork child shares its memory)' : ''}`);
    const slot = c.regs.slot(child);
    await c.regs.load(slot);
    c.state = 'stopped';
    return { kind: 'forked', tid: child, parent, pc: c.regs.pc(slot) };
  }
}
