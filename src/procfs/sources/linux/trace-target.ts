import { ProcfsError } from '../../errors.js';
import type { Why } from '../../why.js';
import { PlantedBytes } from './planted.js';

/**
 * What the tracer knows about one traced process and its threads: the bookkeeping every other
 * part of the tracer (all-stop.ts, stop-events.ts, release.ts, tracer.ts) reads and updates.
 */
export interface Thread {
  readonly tid: number;
  running: boolean;
  /** A new clone: its first (PTRACE_EVENT_STOP) stop is bookkeeping, not news. */
  fresh: boolean;
  /** Last resumed with PTRACE_SINGLESTEP: its SIGTRAP is the step's, whatever si_code says. */
  stepping: boolean;
  /**
   * A PTRACE_INTERRUPT went to it since its last resume. An interrupt that reaches a thread
   * already in a ptrace stop stays pending in the kernel (JOBCTL_TRAP_STOP) and is reported
   * on the next resume, before any instruction runs: an interrupt stop nobody asked for since
   * the resume is that leftover (or SIGCONT's notice), never news.
   */
  interruptAsked: boolean;
}

export interface Pending {
  readonly tid: number;
  readonly why: Why & { state: 'stopped' };
  /** The signal of a signal-delivery stop, re-delivered if we detach before reporting it. */
  readonly sig: number;
}

export type Mode = 'attach' | 'interrupt' | 'step' | 'run';

export interface Target {
  readonly pid: number;
  /** Its real parent is this process: leave its zombie for libuv to reap. */
  readonly realChild: boolean;
  /**
   * In a job-control stop we have not lifted (found so at attach). Under PTRACE_SEIZE such a
   * target re-traps whatever it is resumed with, so the first step or run sends it SIGCONT.
   */
  jobStopped: boolean;
  /** We lifted a job-control stop it was found in: `detach` puts it back (left as found). */
  liftedJobStop: boolean;
  /** A SIGCONT we sent is on its way: its delivery stop is ours, not the target's. */
  contSent: boolean;
  /**
   * A signal word written in a stop that was not a signal-delivery stop (attach, step, a
   * trap): the kernel ignores a resume's signal there, so it was sent with kill(2) instead, and
   * its delivery stop is resumed delivering it, not reported (BSD: "resume delivering it").
   */
  injected: number;
  /** Adopted at a fork: forgotten once released (a busy forker would grow the table a child a time). */
  readonly forked: boolean;
  readonly threads: Map<number, Thread>;
  why: Why;
  /** Set once since the last resume: a real stop has been reported into `why`. */
  haveStop: boolean;
  mode: Mode;
  /** `run` while stops were pending: nothing was resumed, `wait` reports the next one. */
  virtualRun: boolean;
  pending: Pending[];
  lastTid: number;
  ended: boolean;
  detached: boolean;
  memFd: number;
  /** The client's int3 bytes: a trap on one is rewound as it is collected (planted.ts). */
  readonly planted: PlantedBytes;
}

export function newThread(tid: number, fresh: boolean): Thread {
  return { tid, running: true, fresh, stepping: false, interruptAsked: false };
}

export function newTarget(pid: number, realChild: boolean, jobStopped: boolean, forked = false): Target {
  return {
    pid,
    realChild,
    jobStopped,
    liftedJobStop: false,
    contSent: false,
    injected: 0,
    forked,
    threads: new Map(),
    why: { state: 'running' },
    haveStop: false,
    mode: 'attach',
    virtualRun: false,
    pending: [],
    lastTid: pid,
    ended: false,
    detached: false,
    memFd: -1,
    planted: new PlantedBytes(),
  };
}

export function allStopped(t: Target): boolean {
  for (const th of t.threads.values()) if (th.running) return false;
  return true;
}

/**
 * The thread a per-thread node (regs, step) means: `tid` if given and traced, else the thread
 * that last stopped, else the main thread.
 */
export function pickThread(t: Target, node: string, tid?: number): number {
  if (tid !== undefined) {
    if (!t.threads.has(tid)) throw new ProcfsError('ESRCH', `pid ${t.pid} has no traced thread ${tid}`, t.pid, node);
    return tid;
  }
  if (t.threads.has(t.lastTid)) return t.lastTid;
  if (t.threads.has(t.pid)) return t.pid;
  const first = t.threads.keys().next();
  if (first.done) throw exitedError(t, node);
  return first.value;
}

/** Worded as the engine words a gone target (session.ts `gone`). */
export function goneText(t: Target): string {
  if (t.why.state === 'killed') return `was killed by signal ${t.why.signal}`;
  return t.why.state === 'exited' ? `exited (code ${t.why.code})` : 'exited';
}

export function exitedError(t: Target, node: string): ProcfsError {
  return new ProcfsError('ESRCH', `process ${t.pid} ${goneText(t)}`, t.pid, node);
}
