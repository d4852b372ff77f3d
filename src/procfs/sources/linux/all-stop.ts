import { P } from './native.js';
import type { Why } from '../../why.js';
import { allStopped, type Target, type Thread } from './trace-target.js';

/**
 * All-stop: when any thread stops, every other thread is interrupted and collected, so a stopped
 * target is stopped whole. Stops that other threads report while being collected are queued and
 * handed out by later `wait`s (the next `run` does not resume; it lets `wait` report them).
 */

export function askInterrupt(th: Thread): void {
  th.interruptAsked = true;
  P.ptraceErrno(P.PTRACE_INTERRUPT, th.tid);
}

/** Interrupts every running thread (not new clones: their first stop is on its way). */
export function interruptAll(t: Target): void {
  for (const th of t.threads.values()) if (th.running && !th.fresh) askInterrupt(th);
}

/**
 * The one way the tracer stops a running target on its own account (the `interrupt` word,
 * `detach` of a running target, the exit guard): every thread is asked, and their stops are
 * our interrupts, not news. False when every thread was stopped already (nothing to collect).
 */
export function haltAll(t: Target): boolean {
  if (allStopped(t)) return false;
  t.mode = 'interrupt';
  interruptAll(t);
  return true;
}

/**
 * A stop worth reporting: the first since the resume becomes the target's `why` and stops the
 * others; later ones (collected meanwhile) wait in the queue.
 */
export function recordStop(t: Target, tid: number, why: Why & { state: 'stopped' }, sig: number): void {
  if (t.haveStop) {
    t.pending.push({ tid, why, sig });
    return;
  }
  t.why = why;
  t.lastTid = tid;
  t.haveStop = true;
  interruptAll(t);
}

/** `run` while stops were queued: `wait` reports the next one and nothing is resumed. True if it did. */
export function takeQueuedStop(t: Target): boolean {
  if (!t.virtualRun) return false;
  t.virtualRun = false;
  const p = t.pending.shift();
  if (!p) return false;
  t.why = p.why;
  t.lastTid = p.tid;
  t.haveStop = true;
  return true;
}
