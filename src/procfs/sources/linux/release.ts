import { INT3, USER_REGS_RIP_OFFSET } from '../../../arch/x86-64.js';
import { constants } from 'node:os';
import { P, S } from './native.js';
import { closeMem, openMem, readMem } from './mem.js';
import type { StopRegs } from './reg-cache.js';
import { readStatus } from './task-list.js';
import type { Target } from './trace-target.js';
import { sleepSync } from './wait-strategy.js';

const SIGSTOP = constants.signals.SIGSTOP;
/** The rip offset in user_regs_struct. */

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
  // A thread stopped on an int3 whose byte is gone (a breakpoint lifted before anyone saw that
  // stop) must re-execute the original instruction, not resume one byte into it. Not one whose
  // registers the client wrote since: it saw the stop, and its pc is the client's (an engine
  // that executed a 1-byte `push` in place of a step leaves it exactly one past the int3).
  const seen = t.pending.map((p) => p.why).concat(t.why.state === 'stopped' ? [t.why] : []);
  for (const w of seen) if (w.reason === 'trap' && !t.threads.get(w.tid)?.regsWritten) rewindLiftedTrap(t, w.tid, w.addr, procRoot);
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

const scratch = Buffer.alloc(P.USER_REGS_SIZE);
const oneByte = Buffer.alloc(1);

function rewindLiftedTrap(t: Target, tid: number, after: bigint, procRoot: string): void {
  let fd = -1;
  try {
    fd = t.memFd >= 0 ? t.memFd : openMem(procRoot, t.pid);
    readMem(fd, t.pid, after - 1n, oneByte, 1);
    if (oneByte[0] === INT3) return; // still an int3: the program's own, its SIGTRAP stands
    P.getRegs(tid, scratch);
    if (scratch.readBigUInt64LE(USER_REGS_RIP_OFFSET) !== after) return; // already put back
    scratch.writeBigUInt64LE(after - 1n, USER_REGS_RIP_OFFSET);
    P.setRegs(tid, scratch);
  } catch {
    /* the thread or process is gone: nothing to put back */
  } finally {
    if (fd >= 0 && fd !== t.memFd) closeMem(fd);
  }
}
