/**
 * A thread reaching a breakpoint, by a trap during a resume or by a step landing on it: its
 * condition and ignore count weighed (bpcond.ts), its action run (gdb's dprintf), and either
 * the stop reported or the thread stepped off it so the resume goes on.
 */
import { weighHit, weighPlain, type HitVerdict } from './bpcond.js';
import type { Breakpoint } from './breakpoints.js';
import type { StopEvent } from './events.js';
import type { EvalContext } from './expr.js';
import { pcNumber, readReg } from './regfile.js';
import { STEPPED, type HitPart, type SessionCore, type Stepped } from './session-core.js';
import type { Slot } from './thread-regs.js';

/** A resume passing action breakpoints yields every so many hits (~10 ms at 20k hits/s). */
const ACTION_YIELD_EVERY = 256;

export class Hits implements HitPart {
  /** What an action breakpoint's callback is handed: one object, refilled at every hit. */
  private readonly info: { bp: Breakpoint; tid: number; regs: Buffer };
  /** Action hits passed since the last turn of the event loop. */
  private actionsSinceYield = 0;

  constructor(private readonly core: SessionCore) {
    this.info = { bp: undefined as unknown as Breakpoint, tid: 0, regs: core.stepRegs };
  }

  /** A completed step (or emulated instruction) of `slot`, whose regs are current: did it land on a breakpoint? */
  async landed(slot: Slot): Promise<StopEvent | Stepped> {
    const c = this.core;
    const pc = pcNumber(slot.regs);
    const bp = c.bps.size !== 0 ? c.bps.at(pc) : undefined;
    if (bp) {
      const v = weighPlain(bp) ?? (await weighHit(bp, this.condContext(slot)));
      // A step that lands on an action breakpoint is its hit: the action runs now, once (the
      // instruction there runs on the next resume, which steps off without trapping).
      if (v.stop && !(await this.actionPasses(slot, bp, v))) return this.hit(slot, bp, v.conditionError);
      // The step is done, on a breakpoint that does not stop: the next resume steps off it.
      c.onBreakpoint.add(slot.tid);
    }
    return STEPPED;
  }

  /**
   * A trap on a breakpoint during a resume: it stops, or (a false condition, an ignore count)
   * the thread steps off it, over any further passing breakpoint, and the resume goes on.
   */
  async hitOrPass(slot: Slot, bp: Breakpoint): Promise<StopEvent | 'resume'> {
    const c = this.core;
    const v = weighPlain(bp) ?? (await weighHit(bp, this.condContext(slot)));
    let at = Number(bp.addr);
    if (v.stop) {
      if (!(await this.actionPasses(slot, bp, v))) return this.hit(slot, bp, v.conditionError);
      // The action (or a temporary action breakpoint's end) took the byte out: the pc is back
      // on the original instruction, nothing to step off.
      if (!c.bps.has(at)) return 'resume';
    }
    for (;;) {
      const ev = await c.stepper.stepOff(slot, at);
      if (ev !== STEPPED) return ev;
      at = pcNumber(slot.regs);
      if (!c.onBreakpoint.has(slot.tid) || !c.bps.has(at)) break;
    }
    // Hits handled without a report come in a tight loop of system calls and microtasks: let the
    // event loop turn now and then (signals, timers, an interrupt, the client's output).
    if (bp.onHit !== undefined && ++this.actionsSinceYield >= ACTION_YIELD_EVERY) {
      this.actionsSinceYield = 0;
      await new Promise<void>((r) => setImmediate(r));
    }
    return 'resume';
  }

  /**
   * Runs an action breakpoint's callback for a hit that would stop; true when the hit then
   * passes (the resume goes on), false when it is a stop after all: a plain breakpoint, a
   * condition that failed to evaluate, or the action answering `'stop'`. A temporary action
   * breakpoint is deleted by the hit that ran it.
   */
  private async actionPasses(slot: Slot, bp: Breakpoint, v: HitVerdict): Promise<boolean> {
    const action = bp.onHit;
    if (action === undefined || (v.stop && v.conditionError !== undefined)) return false;
    const info = this.info;
    info.bp = bp;
    info.tid = slot.tid;
    info.regs = slot.regs;
    const r = action(info);
    const verdict = r !== undefined && typeof r === 'object' ? await r : r;
    if (verdict === 'stop') return false;
    if (bp.temporary && this.core.bps.get(bp.id) === bp) await this.core.breakpoints.delete(bp.id);
    return true;
  }

  /** Registers and memory of the thread that hit, for a breakpoint's condition. */
  private condContext(slot: Slot): EvalContext {
    const c = this.core;
    return {
      reg: async (name) => readReg(await c.regs.load(slot), name),
      read: (addr, len) => c.breakpoints.readMem(addr, len),
      symbol: (name) => c.locator.resolve(name).catch(() => undefined),
    };
  }

  private async hit(slot: Slot, bp: Breakpoint, conditionError?: string): Promise<StopEvent> {
    const c = this.core;
    if (conditionError !== undefined) c.say(conditionError);
    c.onBreakpoint.add(slot.tid);
    if (bp.temporary) await c.breakpoints.delete(bp.id);
    return { kind: 'breakpoint', id: bp.id, temporary: bp.temporary, tid: slot.tid, pc: bp.addr };
  }
}
