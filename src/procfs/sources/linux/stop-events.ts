import { constants } from 'node:os';
import { P, W } from './native.js';
import { closeMem } from './mem.js';
import { signalName } from '../../signals.js';
import type { StopReason, Why } from '../../why.js';
import { recordStop } from './all-stop.js';
import { allStopped, newThread, type Target, type Thread } from './trace-target.js';

/**
 * Decoding what waitpid reports for a traced thread into the target's state: an exit, a stop
 * that is news (recorded, all-stop.ts), or bookkeeping the tracer absorbs (our own interrupts,
 * a new clone's first stop, the SIGCONT that lifted a job-control stop) and resumes past.
 */
const SIGTRAP = constants.signals.SIGTRAP;
const SIGSTOP = constants.signals.SIGSTOP;
const SIGCONT = constants.signals.SIGCONT;
const JOB_CONTROL = new Set([SIGSTOP, constants.signals.SIGTSTP, constants.signals.SIGTTIN, constants.signals.SIGTTOU]);

/** What decoding needs from the tracer: resuming past a stop, adopting a forked child, reading a trap. */
export interface EventOps {
  /** Resumes a thread the way it was last resumed, after a stop that was not news. */
  again(th: Thread): void;
  /** A child forked by a traced thread of `parent`: traced from birth, held at its first stop. */
  adoptChild(child: number, parent: Target): void;
  /** Reads a SIGTRAP stop; a trap on one of the client's int3s is rewound on the spot (planted.ts). */
  classifyTrap(t: Target, th: Thread): StopReason;
}

/** Consumes every event the target's threads have ready; returns how many. */
export function pollTarget(t: Target, ops: EventOps): number {
  let n = 0;
  // Once every thread is stopped nothing more can arrive but a SIGKILL's exit, which the next
  // wait or request collects: one WNOHANG poll per stop, not two.
  for (let again = true; again && !t.ended; ) {
    again = false;
    for (const th of t.threads.values()) {
      const s = W.pollTid(th.tid, t.realChild && th.tid === t.pid);
      if (s === W.NOTHING) continue;
      n++;
      again = true;
      if (s === W.GONE) threadGone(t, th.tid, null);
      else onStatus(t, th, s, ops);
      if (t.ended) break;
    }
    if (again && allStopped(t)) break;
  }
  return n;
}

export function threadGone(t: Target, tid: number, end: Why | null): void {
  t.threads.delete(tid);
  if (tid === t.pid || t.threads.size === 0) {
    t.ended = true;
    t.threads.clear();
    t.pending = [];
    t.why = end ?? { state: 'exited', code: 0 };
    if (t.memFd >= 0) closeMem(t.memFd);
    t.memFd = -1;
  }
}

function onStatus(t: Target, th: Thread, s: number, ops: EventOps): void {
  if (W.WIFEXITED(s)) return threadGone(t, th.tid, { state: 'exited', code: W.WEXITSTATUS(s) });
  if (W.WIFSIGNALED(s)) return threadGone(t, th.tid, { state: 'killed', signal: signalName(W.WTERMSIG(s)) });
  if (!W.WIFSTOPPED(s)) return;
  th.running = false;
  const sig = W.WSTOPSIG(s);
  const event = W.WPTRACEEVENT(s);
  let reason: StopReason | null = null;
  let deliver = 0;
  if (event === P.PTRACE_EVENT_STOP) {
    // An interrupt stop can be reported while the SIGTRAP of a finished step or of an int3 is
    // still queued (the kernel takes job-control traps before it dequeues signals). Detached
    // so, the target would die of that SIGTRAP: take it now. Resumed, the thread dequeues it
    // before it returns to user mode; the single step is there in case nothing was queued.
    if (P.privatePending(th.tid, SIGTRAP)) {
      if (P.ptraceErrno(P.PTRACE_SINGLESTEP, th.tid) === 0) th.running = true;
      return;
    }
    if (JOB_CONTROL.has(sig)) {
      th.interruptAsked = false;
      // The job-control stop it was found in (each thread reports it once): not news.
      if (t.mode === 'attach' || t.jobStopped) return;
      t.jobStopped = true;
      reason = { reason: 'signal', signal: signalName(sig) };
    } else if (th.fresh) {
      // A new thread's first stop: let it join the others.
      th.fresh = false;
      if (t.mode === 'run' && !t.haveStop) ops.again(th);
      return;
    } else if (th.interruptAsked) {
      th.interruptAsked = false;
      return; // our own PTRACE_INTERRUPT: collected, not news
    } else {
      // Nobody asked since its last resume: an interrupt left over from an earlier all-stop,
      // or the notice that a job-control stop ended. No instruction ran; resume it as it was.
      if ((t.mode === 'run' || (t.mode === 'step' && th.tid === t.lastTid)) && !t.haveStop) ops.again(th);
      return;
    }
  } else if (event === P.PTRACE_EVENT_CLONE) {
    const newTid = P.getEventMsg(th.tid);
    if (!t.threads.has(newTid)) t.threads.set(newTid, newThread(newTid, true));
    if (t.mode === 'run' && !t.haveStop) return ops.again(th); // threads come and go while running
    reason = { reason: 'clone', newTid };
  } else if (event === P.PTRACE_EVENT_FORK || event === P.PTRACE_EVENT_VFORK) {
    const child = P.getEventMsg(th.tid);
    ops.adoptChild(child, t);
    reason = { reason: event === P.PTRACE_EVENT_VFORK ? 'vfork' : 'fork', child };
  } else if (event === P.PTRACE_EVENT_VFORK_DONE) {
    reason = { reason: 'vforkdone' };
  } else if (event === P.PTRACE_EVENT_EXEC) {
    // The exec'ing thread took over the leader's tid; every other thread is gone.
    for (const tid of [...t.threads.keys()]) if (tid !== t.pid) t.threads.delete(tid);
    if (!t.threads.has(t.pid)) t.threads.set(t.pid, newThread(t.pid, false));
    th = t.threads.get(t.pid)!;
    th.running = false;
    // A job-control stop we lifted belonged to the old image (pdbg start's stopper shell).
    t.liftedJobStop = false;
    // /proc/PID/mem opened on the old image reads EOF from now on: the next read opens the new one.
    if (t.memFd >= 0) closeMem(t.memFd);
    t.memFd = -1;
    t.planted.clear();
    reason = { reason: 'exec' };
  } else if (event !== 0) {
    return ops.again(th); // an event we did not ask for
  } else if (sig === SIGTRAP) {
    reason = ops.classifyTrap(t, th);
    if (reason.reason === 'signal') deliver = sig;
  } else if (sig !== 0 && sig === t.injected) {
    // The signal a signal word sent: delivered now, as the word asked.
    t.injected = 0;
    if (P.ptraceErrno(P.PTRACE_CONT, th.tid, 0, sig) === 0) th.running = true;
    return;
  } else if (sig === SIGCONT && t.contSent) {
    // The SIGCONT that lifted the job-control stop we found: ours, not the target's.
    t.contSent = false;
    if (!t.haveStop) ops.again(th);
    return;
  } else {
    reason = { reason: 'signal', signal: signalName(sig) };
    deliver = sig;
  }
  recordStop(t, th.tid, { state: 'stopped', tid: th.tid, ...reason } as Why & { state: 'stopped' }, deliver);
}
