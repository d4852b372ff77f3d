/**
 * One-shot use of a target, as `pdbg step|regs|mem|run PID` do it: attach, act, release the way
 * the caller promises (default: left in a job-control stop with no breakpoint byte in it, so a
 * shell script's next command finds it where this one left it). The release also happens, the
 * same way, if pdbg is killed or fails meanwhile (the exit guard).
 */
import type { ProcFs } from '../procfs/source.js';
import { Session, type Leave } from './session.js';

export async function withTarget<T>(fs: ProcFs, pid: number, leave: Leave, act: (s: Session) => Promise<T>): Promise<T> {
  const s = await Session.attach(fs, pid);
  s.onRelease = leave;
  let result: T;
  try {
    result = await act(s);
  } catch (err) {
    try {
      await s.detach({ leave });
    } catch {
      s.releaseSync();
    }
    throw err;
  }
  await s.detach({ leave });
  return result;
}
