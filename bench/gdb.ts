import { timeOk } from './procs.js';

/**
 * gdb as a baseline: `gdb -batch -nx -p PID -ex …`. Like the C and pdbg loops, only the work is
 * timed, not gdb's start, attach, symbol loading and detach (~0.35 s, and very noisy on a busy
 * machine): gdb's own Python takes the monotonic clock right before and after the timed command
 * and prints the difference. gdb detaches (the target runs on) when the batch ends.
 */
const MARK = 'PDBG_BENCH_NS';

export interface GdbScript {
  /** Commands before the clock starts (`break hot_fn`, `ignore 1 N`). */
  setup: string[];
  /** The timed command. */
  timed: string;
  /** How many operations the timed command performs. */
  ops: number;
}

/** Operations per second of the timed command. */
export function gdbRate(pid: number, script: GdbScript): number {
  const args = ['-batch', '-nx', '-p', String(pid)];
  for (const cmd of [
    ...script.setup,
    'python import time; pdbg_t0 = time.monotonic_ns()',
    script.timed,
    `python print("${MARK}", time.monotonic_ns() - pdbg_t0)`,
  ]) {
    args.push('-ex', cmd);
  }
  const out = timeOk('gdb', args, { timeoutMs: 300_000 }).stdout;
  return (script.ops * 1e9) / parseGdbNs(out);
}

/** The nanoseconds line the script prints; an error when gdb printed none (no Python?). */
export function parseGdbNs(stdout: string): number {
  const m = new RegExp(`^${MARK} (\\d+)$`, 'm').exec(stdout);
  if (!m || Number(m[1]) <= 0) throw new Error(`gdb: no timing line (is gdb built with Python?): ${JSON.stringify(stdout.slice(-200))}`);
  return Number(m[1]);
}

/** `stepi N`: N single steps of the current thread. */
export const gdbStepi = (n: number): GdbScript => ({ setup: [], timed: `stepi ${n}`, ops: n });

/**
 * A breakpoint with an ignore count: gdb takes every hit (stop, step over, re-insert) but only
 * stops the session at hit N+1, so `continue` runs N+1 round trips at gdb's own speed.
 */
export const gdbBreakContinue = (fn: string, n: number): GdbScript => ({
  setup: [`break ${fn}`, `ignore 1 ${n}`],
  timed: 'continue',
  ops: n + 1,
});
