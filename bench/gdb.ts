import { timeOk } from './procs.js';
import { differentialRate } from './stats.js';

/**
 * gdb as a baseline: `gdb -batch -nx -p PID -ex …`, timed as a whole process. Attaching, reading
 * symbols and detaching cost gdb ~0.3 s whatever the work, so each sample runs the same script
 * twice, with a small and a large count, and takes the rate of the difference:
 * (n2 − n1) / (t2 − t1). gdb detaches (the target runs on) when the batch ends.
 */
export function gdbRate(pid: number, script: (n: number) => string[], n1: number, n2: number): number {
  const run = (n: number) => {
    const args = ['-batch', '-nx', '-p', String(pid)];
    for (const cmd of script(n)) args.push('-ex', cmd);
    return timeOk('gdb', args, { timeoutMs: 300_000 }).seconds;
  };
  const t1 = run(n1);
  const t2 = run(n2);
  const rate = differentialRate(n1, t1, n2, t2);
  if (!Number.isFinite(rate)) throw new Error(`gdb: no usable difference (${n1} in ${t1} s, ${n2} in ${t2} s)`);
  return rate;
}

/** `stepi N`: N single steps of the current thread. */
export const gdbStepi = (n: number): string[] => [`stepi ${n}`];

/**
 * A breakpoint with an ignore count: gdb still takes every hit (stop, step over, re-insert)
 * but does not stop the session until hit N+1, so `continue` measures gdb's own round trip.
 */
export const gdbBreakContinue = (fn: string) => (n: number): string[] => [`break ${fn}`, `ignore 1 ${n}`, 'continue'];
