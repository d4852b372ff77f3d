import { W } from './native.js';
import { ProcfsError } from '../../errors.js';

/**
 * How `wait` waits. Measured here (bench `step` row, 2-core VM): a WNOHANG poll loop sees a
 * step's stop in ~16 µs where a blocking waitpid takes ~20 µs (the wake-up crosses CPUs), and
 * checking first whether the next instruction is a blocking syscall (a 2-byte /proc/PID/mem
 * pread) cost 6-9 µs a step. So: poll hot for HOT_SPIN_MS, then poll yielding the CPU (a
 * busy machine must not starve the tracee) until SPIN_MS, then park on a worker thread
 * (native/wait.ts), so a target that runs for long never freezes the event loop.
 */
const HOT_SPIN_MS = 0.25;
const SPIN_MS = 2;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The spinning part of a wait, synchronously: polls (`poll` consumes every ready event, returns
 * how many) until `done()` or SPIN_MS. False when the target still runs: the caller parks.
 * The step loop (tracer.ts) waits through this alone, so a step costs no promise.
 */
export function spinUntil(poll: () => number, done: () => boolean): boolean {
  if (done()) return true;
  const start = performance.now();
  for (let i = 0; ; i++) {
    poll();
    if (done()) return true;
    // Read the clock every 16 polls: a poll is ~0.5 µs, the clock is not free either.
    if ((i & 15) === 15) {
      const spent = performance.now() - start;
      if (spent >= SPIN_MS) return false;
      if (spent >= HOT_SPIN_MS) W.yieldCpu();
    }
  }
}

/** Polls until `done()`: spinning first (spinUntil), then parked on a worker thread. */
export async function waitUntil(poll: () => number, done: () => boolean): Promise<void> {
  if (spinUntil(poll, done)) return;
  // koffi's worker call does not keep Node's event loop alive; this timer does, so a CLI
  // awaiting `wait` is not ended by an empty loop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await waitBlocking(poll, done);
  } finally {
    clearInterval(keepAlive);
  }
}

async function waitBlocking(poll: () => number, done: () => boolean): Promise<void> {
  for (let idle = 0; ; ) {
    const r = await W.waitAnyAsync();
    const n = poll();
    if (done()) return;
    if (r === -10 && n === 0) throw new ProcfsError('ECHILD', 'wait: no traced process left to wait for');
    // Woken by a child that is not ours (a zombie libuv has yet to reap): back off.
    idle = n === 0 ? Math.min(idle + 1, 10) : 0;
    if (idle) await sleep(idle);
  }
}

/** The same synchronously, for process 'exit' and signal handlers: false when `ms` ran out first. */
export function pollUntilSync(poll: () => number, done: () => boolean, ms: number): boolean {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() >= until) return false;
    if (poll() === 0) sleepSync(1);
  }
  return true;
}
