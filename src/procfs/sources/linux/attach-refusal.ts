import { readFileSync } from 'node:fs';
import { ProcfsError } from '../../errors.js';
import { tracedByText, type Tracer } from '../../source.js';
import { parseLinuxStat, PF_KTHREAD } from './stat.js';

/**
 * Why ptrace will not have a process, in words that name the cause. The kernel answers EPERM
 * for a kernel thread, for another tracer's tracee and for a lack of privilege alike; a user
 * told "permission denied" about kthreadd, or about a process strace holds, looks in the
 * wrong place.
 */

/** TracerPid from /proc/PID/status, and the tracer's comm when it is printable. */
export function tracerOf(procRoot: string, pid: number): Tracer | null {
  let tracer = 0;
  try {
    const m = /^TracerPid:\s*(\d+)$/m.exec(readFileSync(`${procRoot}/${pid}/status`, 'latin1'));
    tracer = m ? Number(m[1]) : 0;
  } catch {
    // Unreadable: untraced as far as we can tell; the ctl write then decides.
  }
  if (tracer === 0) return null;
  let comm: string | null = null;
  try {
    const c = readFileSync(`${procRoot}/${tracer}/comm`, 'latin1').trim();
    // A comm is the tracer's own choice (prctl PR_SET_NAME): no control bytes into a message.
    if (/^[\x20-\x7e]+$/.test(c)) comm = c;
  } catch {
    // The tracer's name cannot be read: the message names its pid only.
  }
  return { pid: tracer, comm };
}

/** EBUSY `pid N is traced by pid M (strace)`; null when nobody (readable) traces it. */
export function otherTracerError(procRoot: string, pid: number): ProcfsError | null {
  const t = tracerOf(procRoot, pid);
  return t ? new ProcfsError('EBUSY', tracedByText(pid, t), pid, 'ctl') : null;
}

/** EPERM `pid 2 (kthreadd) is a kernel thread: …` when PF_KTHREAD is set; null otherwise. */
export function kernelThreadError(procRoot: string, pid: number): ProcfsError | null {
  let st;
  try {
    const buf = readFileSync(`${procRoot}/${pid}/stat`);
    st = parseLinuxStat(buf, buf.length);
  } catch {
    return null;
  }
  if ((st.flags & PF_KTHREAD) === 0) return null;
  const comm = Buffer.from(st.comm).toString('latin1');
  const name = /^[\x20-\x7e]+$/.test(comm) ? ` (${comm})` : '';
  return new ProcfsError('EPERM', `pid ${pid}${name} is a kernel thread: it has no user space to debug`, pid, 'ctl');
}
