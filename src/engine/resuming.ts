/**
 * Resuming every thread until a stop worth reporting: threads on a breakpoint step off it first,
 * stops that are not news (a clone, a fork's clean-up, a passing breakpoint, the dynamic linker's
 * hook) resume again, and a signal the session's table says not to stop for is delivered (or
 * not) by the next resume, said when its `print` is on (gdb's `handle`).
 */
import { parseWhy } from '../procfs/why.js';
import type { StopEvent } from './events.js';
import { pcNumber } from './regfile.js';
import { STEPPED, type ResumePart, type SessionCore, type Stepped } from './session-core.js';
import { SignalTable } from './signal-table.js';

export class Resumer implements ResumePart {
  /** A resume in flight (the target runs). */
  inFlight: Promise<StopEvent> | undefined;

  constructor(private readonly core: SessionCore) {}

  /** Resumes every thread with `word` (`run` or a signal name) until a stop worth reporting. */
  async resume(word: string): Promise<StopEvent> {
    const c = this.core;
    // `running` covers the whole resume, the steps off breakpoints included: a release that
    // comes meanwhile must wait for it, not write the bytes back under a step in flight.
    const run = this.loop(word);
    this.inFlight = run;
    try {
      return await run;
    } catch (err) {
      // A failed wait (target vanished under us) must not leave the session "running" forever.
      if (c.state === 'running') c.state = 'stopped';
      throw err;
    } finally {
      this.inFlight = undefined;
      c.interrupting = false;
    }
  }

  private async loop(word: string): Promise<StopEvent> {
    const c = this.core;
    c.pendingSignal = undefined;
    let w = word;
    for (;;) {
      // Threads sitting on a breakpoint must execute the original instruction first: the ones
      // the last stop left there, and those a stop not reported (the library hook) did.
      const off = await this.stepOffAll();
      if (off !== STEPPED) return off;
      // An interrupt that came while nothing ran (a step off a breakpoint, a fork's clean-up).
      if (c.interrupting) return this.interruptedHere();
      c.regs.invalidateAll();
      c.state = 'running';
      const sent = await c.transport.resume(c, w);
      if (!sent.ok) return await c.decoder.exitOr(sent.error);
      c.state = 'stopped';
      const ev = await c.decoder.interpret(parseWhy(c.whyBuf.toString('latin1', 0, sent.whyLen)));
      if (ev === 'resume') {
        w = 'run';
        continue;
      }
      if (ev.kind === 'signal' && !c.signals.get(ev.signal).stop) {
        // Interrupted meanwhile: that is the stop to report; the signal stays pending for
        // the next resume (or is queued again by detach).
        if (c.interrupting) return { kind: 'interrupted', tid: ev.tid, pc: ev.pc };
        const { print, pass } = c.signals.get(ev.signal);
        if (print) c.say(`thread ${ev.tid} received signal ${SignalTable.describe(ev.signal)}${pass ? '' : ' (not passed)'}`);
        c.pendingSignal = undefined;
        w = pass ? ev.signal : 'run';
        continue;
      }
      return ev;
    }
  }

  private async stepOffAll(): Promise<StopEvent | Stepped> {
    const c = this.core;
    for (const tid of [...c.onBreakpoint]) {
      const slot = c.regs.slot(tid);
      await c.regs.load(slot);
      const at = pcNumber(slot.regs);
      if (!c.bps.has(at)) {
        c.onBreakpoint.delete(tid);
        continue;
      }
      const ev = await c.stepper.stepOff(slot, at);
      if (ev !== STEPPED) return ev;
    }
    return STEPPED;
  }

  private async interruptedHere(): Promise<StopEvent> {
    const c = this.core;
    const slot = c.regs.slot(c.current);
    await c.regs.load(slot);
    return { kind: 'interrupted', tid: slot.tid, pc: c.regs.pc(slot) };
  }
}
