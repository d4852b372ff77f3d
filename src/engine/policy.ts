/**
 * What the engine does on its own with signals, as one option of a Session: a person at a
 * prompt wants gdb's habits (a shell's SIGCHLD is not news, a signal stopped on is passed on by
 * the next `cont`, nothing is lost on detach); a protocol server (gdb remote, a script driving
 * the engine as a library) wants none of them: its client sees every stop and says itself which
 * signal a resume delivers.
 */
import type { Releasable } from '../procfs/exit-guard.js';
import { GDB_QUIET, gdbDisposition, rawDisposition, type SignalDisposition } from './signal-table.js';
import type { Arch } from '../arch/arch.js';

export interface SessionPolicy {
  /**
   * Each signal's disposition when the session starts (gdb's `handle` table: stop, print,
   * pass); `handle` changes the session's own copy (Session.signals).
   */
  readonly signals: (name: string) => SignalDisposition;
  /**
   * On detach, a signal stopped on and not passed yet is queued again so it is not lost. Faults
   * are never re-queued: the faulting instruction runs again and raises it afresh.
   */
  readonly redeliverOnDetach: boolean;
  /**
   * `runUntil(NAME)` with NAME unknown while stopped in the dynamic linker (the exec stop) sets a
   * pending breakpoint and runs until the library defining it is loaded, instead of ENOENT.
   */
  readonly untilWaitsForLibrary: boolean;
}

/**
 * Signals a running target gets all the time that a person does not want to stop for (a
 * shell's SIGCHLD every time a command ends, a timer's SIGALRM, a resize's SIGWINCH).
 */
export const SIGNALS_PASSED_SILENTLY: ReadonlySet<string> = GDB_QUIET;

/** The default: gdb's habits, what pdbg's CLI and TUI have always done. */
export const gdbPolicy: SessionPolicy = {
  signals: gdbDisposition,
  redeliverOnDetach: true,
  untilWaitsForLibrary: true,
};

/** Every signal stop is reported, nothing is delivered or re-queued unless the client says so. */
export const rawPolicy: SessionPolicy = {
  signals: rawDisposition,
  redeliverOnDetach: false,
  untilWaitsForLibrary: false,
};

/** Options of `Session.attach` and `Session.launch` besides the program's own. */
export interface SessionOptions {
  /** Default: gdbPolicy. */
  readonly policy?: SessionPolicy;
  /**
   * Execute the instruction under a breakpoint in the engine where emulate.ts's table has it
   * (one stop a hit) instead of stepping over it (two). Default true; the bench turns it off to
   * measure the step-over.
   */
  readonly emulate?: boolean;
  /**
   * The application's exit guard (procfs/exit-guard.ts `guard`): the session registers with it
   * from its attach until it is released, so any exit of the application releases the target.
   * Absent (a library user, a server holding many sessions): no process-wide handler at all.
   */
  readonly exitGuard?: (r: Releasable) => () => void;
  /** The target's instruction set (breakpoint bytes, the pc after a trap, register roles). Default: the host's. */
  readonly arch?: Arch;
}
