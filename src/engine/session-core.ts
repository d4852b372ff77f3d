/**
 * What the parts of a session share: the target's state (stopped, running, gone), the current
 * thread, the signal a resume would deliver, which threads stand on a breakpoint, and the parts
 * themselves, so one part can ask another (a stop decoded as a breakpoint hit may step off it).
 * Session (session.ts) is the façade over it; each part is a file named for its job:
 *
 *   thread-regs.ts     the per-thread register cache
 *   breakpoint-ops.ts  planting, lifting, enabling breakpoints; memory with our bytes hidden
 *   stepping.ts        one thread's steps, the step off a breakpoint (emulated or stepped)
 *   resuming.ts        the resume loop and its signal policy
 *   stop-decoder.ts    `why` → StopEvent, fork following
 *   hits.ts            a breakpoint's hit: condition, ignore count, action, report
 *   frames.ts          the stack and the selected frame
 *   run-control.ts     runUntil, finish, interrupt, kill
 *   thread-list.ts     the threads as a client lists them
 *   session-release.ts detach and the exit guard's synchronous release (procfs/release.ts)
 *   transport.ts       how a step or a resume reaches the source (its declared transport)
 */
import { ProcfsError } from '../procfs/errors.js';
import type { ProcFs } from '../procfs/source.js';
import { BreakpointTable } from './breakpoints.js';
import { isGone, type StopEvent } from './events.js';
import type { ForkChildren } from './fork-children.js';
import { Locator } from './location.js';
import type { PendingBreakpoints } from './pending.js';
import type { SessionPolicy } from './policy.js';
import { REGS_SIZE } from './regfile.js';
import type { FollowFork, MessageListener, SessionState, StopListener } from './session-types.js';
import { SignalTable } from './signal-table.js';
import { ThreadRegisters, type Slot } from './thread-regs.js';
import type { Why } from '../procfs/why.js';
import type { Breakpoint } from './breakpoints.js';
import { transportOf, type Transport } from './transport.js';
import type { Arch } from '../arch/arch.js';

/** A plain step done: no event object is built for it (the step loop's hot path). */
export const STEPPED = Symbol('stepped');
export type Stepped = typeof STEPPED;

/*
 * What the parts ask of each other, as the core holds them (the classes implement these; the
 * core names no part's file, so the parts depend on the core and never the other way round).
 */

/** breakpoint-ops.ts */
export interface BreakpointPart {
  readMem(addr: bigint, len: number): Promise<Buffer>;
  delete(id: number): Promise<void>;
}
/** stepping.ts */
export interface StepPart {
  readonly inFlight: Promise<StopEvent> | undefined;
  stepOff(slot: Slot, at: number): Promise<StopEvent | Stepped>;
}
/** resuming.ts */
export interface ResumePart {
  readonly inFlight: Promise<StopEvent> | undefined;
  resume(word: string): Promise<StopEvent>;
}
/** stop-decoder.ts */
export interface DecodePart {
  collect(): Promise<StopEvent | 'resume'>;
  exitOr(err: unknown): Promise<StopEvent>;
  interpret(w: Why): Promise<StopEvent | 'resume'>;
}
/** hits.ts */
export interface HitPart {
  landed(slot: Slot): Promise<StopEvent | Stepped>;
  hitOrPass(slot: Slot, bp: Breakpoint): Promise<StopEvent | 'resume'>;
}
/** frames.ts */
export interface FramePart {
  forget(): void;
}

export class SessionCore {
  state: SessionState = 'stopped';
  current: number;
  last: StopEvent;
  /** The signal the next `cont` delivers (gdb's `pass`), until a step or a resume takes it. */
  pendingSignal: string | undefined;
  interrupting = false;
  /** Released (or being released): no command may touch the target any more. */
  closing = false;
  /** Threads whose last stop was on a breakpoint address: resuming them must step off first. */
  readonly onBreakpoint = new Set<number>();
  readonly bps: BreakpointTable;
  readonly regs: ThreadRegisters;
  locator: Locator;
  readonly signals: SignalTable;
  /** How a step or resume reaches the source: what the source declares (transport.ts). */
  readonly transport: Transport;
  /** The `why` line, read into the same buffer at every stop. */
  readonly whyBuf = Buffer.alloc(128);
  /** The regs a step batch reads with its why; copied into the slot only when the step completed. */
  readonly stepRegs = Buffer.alloc(REGS_SIZE);
  /** Which process to go on with after a fork; the other one is released with no breakpoint in it. */
  followFork: FollowFork = 'parent';
  /** Whether a step off a breakpoint executes its instruction in the engine where it can (emulate.ts). */
  emulate = true;
  /** Steps off a breakpoint so far: executed in the engine, or by lifting the byte and single-stepping. */
  readonly stepOffs = { emulated: 0, stepped: 0 };
  readonly listeners = new Set<StopListener>();
  readonly messageListeners = new Set<MessageListener>();
  /** Called when the target is gone (the exit guard lets the session go). */
  onGone: () => void = () => undefined;

  // The parts, set once by the session that builds them.
  children!: ForkChildren;
  pending!: PendingBreakpoints;
  breakpoints!: BreakpointPart;
  stepper!: StepPart;
  resumer!: ResumePart;
  decoder!: DecodePart;
  hits!: HitPart;
  frames!: FramePart;

  constructor(
    readonly fs: ProcFs,
    public pid: number,
    readonly policy: SessionPolicy,
    arch?: Arch,
  ) {
    this.bps = new BreakpointTable(arch);
    this.current = pid;
    this.last = { kind: 'attached', tid: pid, pc: 0n };
    this.signals = new SignalTable(policy.signals);
    this.regs = new ThreadRegisters(this);
    this.locator = new Locator(fs, pid);
    this.transport = transportOf(fs);
  }

  say(text: string): void {
    for (const fn of this.messageListeners) fn(text);
  }

  /** Records and reports a stop: it becomes the last one, listeners hear of it. */
  emit(ev: StopEvent): StopEvent {
    this.last = ev;
    this.frames.forget();
    if (isGone(ev)) {
      this.bps.clear();
      this.pending.forget();
      this.onGone();
    }
    for (const fn of this.listeners) fn(ev);
    return ev;
  }

  assertAlive(): void {
    if (this.state === 'exited') throw gone(this.pid, this.last);
    if (this.state === 'detached') throw new ProcfsError('ESRCH', `pid ${this.pid}: detached`, this.pid);
    if (this.closing) throw new ProcfsError('EINTR', `pid ${this.pid}: being released`, this.pid);
  }

  assertStopped(): void {
    this.assertAlive();
    if (this.state === 'running') throw new ProcfsError('EBUSY', `pid ${this.pid} is running`, this.pid);
  }
}

/** The error a command gets when the target is gone: `process 812 exited (code 3)`. */
export function gone(pid: number, ev: StopEvent): ProcfsError {
  const how = ev.kind === 'exited' ? `exited (code ${ev.code})` : ev.kind === 'killed' ? `was killed by signal ${ev.signal}` : 'is gone';
  return new ProcfsError('ESRCH', `process ${pid} ${how}`, pid);
}

/** ENOENT for a name that resolves nowhere (as opposed to a malformed address). */
export function isUnknownName(err: unknown): boolean {
  return err instanceof ProcfsError && err.code === 'ENOENT';
}

