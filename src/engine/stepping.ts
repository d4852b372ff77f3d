/**
 * One thread's steps: the step loop (`stepN`), one step waited for and classified, and the step
 * off a breakpoint the thread stands on (its instruction executed in the engine where its plan
 * allows, else the byte lifted for one step). How each step reaches the source is the
 * transport's (transport.ts); what a stop means is the decoder's (stop-decoder.ts).
 *
 * The step path is allocation-light on purpose (the benchmark holds it to ≥ 0.9× a C ptrace
 * loop): the `why` line read into a reused buffer and matched as bytes, the pc read as a number.
 */
import { ProcfsError } from '../procfs/errors.js';
import { isPlainStep, parseWhy } from '../procfs/why.js';
import { applyPlan, planApplies, type EmulationPlan } from './emulate.js';
import type { StopEvent } from './events.js';
import { pcNumber, REGS_SIZE } from './regfile.js';
import { STEPPED, type SessionCore, type StepPart, type Stepped } from './session-core.js';
import type { Slot } from './thread-regs.js';
import { fromLoop, type Sent } from './transport.js';

/** Steps a source's own step loop runs per request: a round trip per ~20 ms of stepping. */
const STEP_CHUNK = 1024;
/** stepN yields to the event loop every YIELD_MASK+1 steps (~10 ms). */
const YIELD_MASK = 255;
/** An emulation plan that does not apply here (a push leaving its page, a stack write refused): step over instead. */
const DECLINED = Symbol('declined');

export class Stepper implements StepPart {
  /** A step loop in flight: the target is stopped between its steps, but it is not ours to use. */
  inFlight: Promise<StopEvent> | undefined;

  constructor(private readonly core: SessionCore) {}

  /**
   * Steps `n` instructions of one thread, stopping early at anything but a plain step. An
   * interrupt ends it at an instruction boundary with no trap pending.
   */
  async stepN(n: number, tid: number): Promise<StopEvent> {
    const c = this.core;
    c.assertStopped();
    const run = this.loop(c.regs.slot(tid), n);
    this.inFlight = run;
    try {
      return c.emit(await run);
    } finally {
      this.inFlight = undefined;
      c.interrupting = false;
    }
  }

  private async loop(slot: Slot, n: number): Promise<StopEvent> {
    const c = this.core;
    if (c.transport.loops && n > 1) return this.loopThere(slot, n);
    let ev: StopEvent | Stepped = STEPPED;
    if (n <= 0) await c.regs.load(slot);
    for (let i = 0; i < n; i++) {
      ev = await this.stepOnce(slot);
      if (ev !== STEPPED) break;
      if (c.interrupting) return { kind: 'interrupted', tid: slot.tid, pc: c.regs.pc(slot) };
      // A step completes inside the source's short spin, all in microtasks: without a turn of
      // the event loop now and then, timers and signal handlers (SIGTERM, interrupt) never run.
      if ((i & YIELD_MASK) === YIELD_MASK) await new Promise<void>((r) => setImmediate(r));
    }
    return ev === STEPPED ? { kind: 'step', tid: slot.tid, pc: c.regs.pc(slot) } : ev;
  }

  /**
   * stepN by the source's own step loop: chunks of steps, one request each, ending where the
   * engine must look (a breakpoint address, a signal, an event, an interrupt). Each chunk's last
   * step goes through afterStep exactly as a single step would; a thread on a breakpoint is
   * stepped off here, its byte lifted for that one step.
   */
  private async loopThere(slot: Slot, n: number): Promise<StopEvent> {
    const c = this.core;
    let ev: StopEvent | Stepped = STEPPED;
    for (let i = 0; i < n && ev === STEPPED; ) {
      if (c.interrupting) break;
      await c.regs.load(slot);
      if (n - i === 1 || (c.bps.size !== 0 && c.bps.has(pcNumber(slot.regs)))) {
        ev = await this.stepOnce(slot);
        i++;
        continue;
      }
      c.onBreakpoint.delete(slot.tid);
      c.pendingSignal = undefined;
      const r = await c.transport.loop(c, {
        ...(slot.opts.tid !== undefined ? { tid: slot.opts.tid } : {}),
        count: Math.min(n - i, STEP_CHUNK),
        stopAt: c.bps.planted().map((p) => p.addr),
      });
      c.regs.invalidateAll();
      i += r.done;
      ev = await this.afterStep(slot, fromLoop(c, r));
      if (r.error || !r.last) break;
      i++;
    }
    if (ev === STEPPED && c.interrupting) return { kind: 'interrupted', tid: slot.tid, pc: c.regs.pc(slot) };
    return ev === STEPPED ? { kind: 'step', tid: slot.tid, pc: c.regs.pc(slot) } : ev;
  }

  /** One instruction of one thread. A plain step is STEPPED, so the step loop builds no event objects. */
  async stepOnce(slot: Slot): Promise<StopEvent | Stepped> {
    const c = this.core;
    if (c.bps.size !== 0) {
      await c.regs.load(slot);
      const at = pcNumber(slot.regs);
      if (c.bps.has(at)) return this.stepOff(slot, at);
    }
    c.onBreakpoint.delete(slot.tid);
    c.pendingSignal = undefined;
    return this.stepAndWait(slot);
  }

  /**
   * Moves a thread off the breakpoint it sits on: by executing the displaced instruction in the
   * engine where its plan allows (one regs write, plus one stack write for a push; no step, no
   * second stop), else by lifting the byte, stepping the thread and planting the byte again.
   *
   * The lifted byte is never missed by another thread: `ctl step` of the Linux source resumes
   * only the one thread (tracer.ts `step`: one resumeThread, the others stay in their ptrace
   * stops), which is gdb's all-stop step-over; a thread that stopped meanwhile is queued
   * (all-stop.ts) and no other thread runs until the byte is back. An emulated step lifts nothing.
   */
  async stepOff(slot: Slot, at: number): Promise<StopEvent | Stepped> {
    const c = this.core;
    c.onBreakpoint.delete(slot.tid);
    c.pendingSignal = undefined;
    const plan = c.emulate ? c.bps.at(at)?.emulation : undefined;
    if (plan) {
      const ev = await this.emulateOff(slot, plan);
      if (ev !== DECLINED) return ev;
    }
    const original = c.bps.originalByte(at)!;
    const addr = BigInt(at);
    c.stepOffs.stepped++;
    await c.fs.write(c.pid, 'mem', Uint8Array.of(original), { offset: addr });
    try {
      return await this.stepAndWait(slot);
    } finally {
      if (c.bps.has(at) && c.state === 'stopped' && !c.children.bytesLifted) await c.fs.write(c.pid, 'mem', c.bps.arch.breakpoint, { offset: addr });
    }
  }

  /**
   * The instruction under a breakpoint executed by its plan: the stack write first (a push), then
   * the registers, so a refused write leaves the thread as it was and the step-over takes it.
   * The new registers are built in the scratch buffer and taken only once written.
   */
  private async emulateOff(slot: Slot, plan: EmulationPlan): Promise<StopEvent | Stepped | typeof DECLINED> {
    const c = this.core;
    await c.regs.load(slot);
    if (!planApplies(plan, slot.regs)) return DECLINED;
    const regs = c.stepRegs;
    regs.set(slot.regs);
    const w = await c.transport.writeEmulated(c, slot, regs, applyPlan(plan, regs));
    if (w !== 'ok') {
      // A stack write refused (unmapped: a fake's target without a stack) is the CPU's to do; a dead target is its exit.
      if (w.failed === 'mem') return w.error instanceof ProcfsError && w.error.code === 'ESRCH' ? c.decoder.exitOr(w.error) : DECLINED;
      slot.valid = false;
      return c.decoder.exitOr(w.error);
    }
    slot.regs.set(regs);
    slot.valid = true;
    c.stepOffs.emulated++;
    return c.hits.landed(slot);
  }

  /**
   * ctl `step` then `wait` for one thread, then why (and, where the transport reads them with it,
   * the thread's regs); a target that died meanwhile is its exit event.
   */
  private async stepAndWait(slot: Slot): Promise<StopEvent | Stepped> {
    return this.afterStep(slot, await this.core.transport.step(this.core, slot));
  }

  /** A step sent: a plain step lands (regs taken from the step's read when it made one); anything else is decoded. */
  private async afterStep(slot: Slot, sent: Sent): Promise<StopEvent | Stepped> {
    const c = this.core;
    if (!sent.ok) return c.decoder.exitOr(sent.error);
    if (isPlainStep(c.whyBuf, sent.whyLen)) {
      c.regs.invalidateAll();
      if (sent.regsRead === REGS_SIZE) slot.regs.set(c.stepRegs);
      else await c.fs.readInto(c.pid, 'regs', slot.regs, slot.opts);
      slot.valid = true;
      return c.hits.landed(slot);
    }
    const ev = await c.decoder.interpret(parseWhy(c.whyBuf.toString('latin1', 0, sent.whyLen)));
    // A clone or fork event stops the step before it finishes: finish it.
    if (ev === 'resume') return this.stepAndWait(slot);
    return ev;
  }
}
