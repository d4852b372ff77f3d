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

const FRAMES_MARK = 'PDBG_BENCH_FRAMES';
const FLUSH = "gdb.execute('maintenance flush register-cache', to_string=True)";
const BT = "gdb.execute('bt', to_string=True)";

/**
 * A warm `bt`, `k` times, each after `maintenance flush register-cache` (the old `flushregs`:
 * it also drops gdb's frame cache, so every `bt` unwinds again; symbols and the unwind tables
 * stay loaded). `warm` untimed ones first, then one whose frames are counted; gdb's Python times
 * each timed `bt` on its own (perf_counter_ns) and prints the median, as the pdbg side reports.
 */
export function gdbBacktraceCommands(k: number, warm: number): string[] {
  return [
    'python import time',
    `python for _ in range(${warm}): ${FLUSH}; ${BT}`,
    `python ${FLUSH}; print("${FRAMES_MARK}", sum(1 for l in ${BT}.splitlines() if l.startswith('#')))`,
    'python pdbg_ts = []',
    `python for _ in range(${k}): pdbg_t0 = time.perf_counter_ns(); ${FLUSH}; ${BT}; pdbg_ts.append(time.perf_counter_ns() - pdbg_t0)`,
    `python pdbg_ts.sort(); print("${MARK}", pdbg_ts[len(pdbg_ts) // 2])`,
  ];
}

/** The frame count the backtrace script prints. */
export function parseGdbFrames(stdout: string): number {
  const m = new RegExp(`^${FRAMES_MARK} (\\d+)$`, 'm').exec(stdout);
  if (!m) throw new Error(`gdb: no frame count line: ${JSON.stringify(stdout.slice(-200))}`);
  return Number(m[1]);
}

/** gdb's median time of one flushed `bt` of PID, in ms, and how many frames it printed. */
export function gdbBacktrace(pid: number, k: number, warm: number): { ms: number; frames: number } {
  const args = ['-batch', '-nx', '-p', String(pid)];
  for (const cmd of gdbBacktraceCommands(k, warm)) args.push('-ex', cmd);
  const out = timeOk('gdb', args, { timeoutMs: 300_000 }).stdout;
  return { ms: parseGdbNs(out) / 1e6, frames: parseGdbFrames(out) };
}
