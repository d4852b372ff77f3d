import { constants } from 'node:os';
import { P, S } from './native.js';
import { closeMem } from './mem.js';
import type { StopRegs } from './reg-cache.js';
import { readStatus } from './task-list.js';
import type { Target } from './trace-target.js';
import { sleepSync } from './wait-strategy.js';

const SIGSTOP = constants.signals.SIGSTOP;
/**
 * Detach every thread of a stopped target, left as found: a job-control stop we lifted goes
 * back, and `leaveStopped` puts it in one (a SIGSTOP queued first, taken before any
 * instruction runs). No trap stays pending: every interrupt stop with a SIGTRAP queued behind
 * it was drained before the thread counted as stopped (stop-events.ts).
 */
export function release(t: Target, leaveStopped: boolean, regs: StopRegs, procRoot: string): void {
  regs.forget();
  const stop = leaveStopped || t.liftedJobStop;
  // A job-control stop never lifted stays by itself (the kernel puts a detached thread back
  // into it), but /proc shows it running until it is back: wait for that too.
  const settle = stop || t.jobStopped;
  // Queued now, dequeued after the detach: the group stops as if someone had sent it.
  if (stop) S.kill(t.pid, SIGSTOP);
  // No pc to put back: a trap on the client's int3 was rewound when it was collected (planted.ts),
  // whether or not anyone saw it, so every thread is at an instruction boundary of the code.
  const undelivered = new Map<number, number>();
  for (const p of t.pending) if (p.sig && !undelivered.has(p.tid)) undelivered.set(p.tid, p.sig);
  for (const th of t.threads.values()) P.ptraceErrno(P.PTRACE_DETACH, th.tid, 0, undelivered.get(th.tid) ?? 0);
  t.threads.clear();
  t.pending = [];
  t.detached = true;
  t.why = { state: 'detached' };
  if (t.memFd >= 0) closeMem(t.memFd);
  t.memFd = -1;
  if (settle) awaitJobStop(t.pid, procRoot);
}

/**
 * The SIGSTOP queued before the detach is taken on the way back to user mode (no instruction
 * runs), but /proc shows `R` until it is: a one-shot command that promised "left stopped" must
 * not return before the next command can see `T` (a script's next step reads that state).
 */
function awaitJobStop(pid: number, procRoot: string): void {
  for (const until = performance.now() + 1000; performance.now() < until; ) {
    const st = readStatus(procRoot, pid)?.get('State')?.[0];
    if (st === undefined || st === 'T' || st === 'Z' || st === 'X') return;
    sleepSync(0.2);
  }
}
