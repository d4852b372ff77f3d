/**
 * The engine's vocabulary as its clients see it: where a session's target stands, how it is let
 * go, what a breakpoint may be asked to be. Session (session.ts) implements them.
 */
import type { Leave } from '../procfs/release.js';
import type { HitAction } from './breakpoints.js';
import type { StopEvent } from './events.js';

/** Where the session's target stands. */
export type SessionState = 'stopped' | 'running' | 'exited' | 'detached';

export interface ThreadInfo {
  readonly tid: number;
  readonly state: 'stopped' | 'running';
  /** Next instruction (stopped threads only). */
  readonly pc?: bigint;
  /** `0x401136 <main+4>`. */
  readonly where?: string;
  /** The thread `step`/`regs` act on by default: the one that stopped last, or `select`ed. */
  readonly current: boolean;
  /** The thread's name (its `comm`: pthread_setname_np's, `io_thd_1`), where the source has it. */
  readonly name?: string;
}

/** After a fork, which process the session goes on with (gdb's `follow-fork-mode`). */
export type FollowFork = 'parent' | 'child';

export interface BreakOptions {
  /**
   * A name no loaded module defines yet becomes a pending breakpoint, planted when a library
   * defining it is loaded (gdb's `set breakpoint pending on`), instead of ENOENT.
   */
  pending?: boolean;
  /** Deleted by its first hit (gdb `tbreak`). */
  temporary?: boolean;
  /** Stops only when this expression (expr.ts) is non-zero (gdb `break LOC if COND`). */
  condition?: string;
  /** The engine's own, numbered below zero and not listed (nexti's step over a call). */
  internal?: boolean;
  /**
   * An action breakpoint: each hit (whose condition holds) runs this with the thread and its
   * registers, then the thread steps off and the resume goes on without reporting a stop
   * (gdb's dprintf). See HitAction.
   */
  onHit?: HitAction;
}

/** How a released target goes on (the one release routine's, procfs/release.ts). */
export type { Leave };

export interface DetachOptions {
  leave?: Leave;
  /** Shorthand for `leave: 'stopped'`. */
  leaveStopped?: boolean;
}

export type StopListener = (ev: StopEvent) => void;
/** Things the engine did on its own that a person should hear of (`detached after fork from child 812`). */
export type MessageListener = (text: string) => void;

/** A thread's state as an inferior call found it (Session.saveThread), put back after the call. */
export interface SavedThread {
  readonly tid: number;
  /** The raw register block. */
  readonly raw: Buffer;
  /** It stood on one of our breakpoints: the next resume steps off it first. */
  readonly onBreakpoint: boolean;
  /** The signal the next resume would deliver (gdb's `pass`). */
  readonly pendingSignal: string | undefined;
}
