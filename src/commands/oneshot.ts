/**
 * One-shot use of a target, as `pdbg step|regs|mem|run PID` do it: attach, act, release the way
 * the caller promises (default: left in a job-control stop with no breakpoint byte in it, so a
 * shell script's next command finds it where this one left it). A command that fails releases
 * the target as it found it (running if it ran). The release also happens if pdbg is killed or
 * fails meanwhile, when the application passes its exit guard (`exitGuard`).
 */
import type { ProcFs } from '../procfs/source.js';
import { Session, type Leave, type SessionOptions } from '../engine/session.js';

export interface OneShotOptions {
  /** How a failed command leaves the target (default `as-is`: as found). */
  onFailure?: Leave;
  /** Called once the session exists, before `act` (to subscribe to its messages). */
  onSession?: (s: Session) => void;
  /** The application's exit guard, handed to Session.attach (see SessionOptions.exitGuard). */
  exitGuard?: SessionOptions['exitGuard'];
}

export async function withTarget<T>(fs: ProcFs, pid: number, leave: Leave, act: (s: Session) => Promise<T>, opts: OneShotOptions = {}): Promise<T> {
  const s = await Session.attach(fs, pid, opts.exitGuard ? { exitGuard: opts.exitGuard } : {});
  s.onRelease = leave;
  opts.onSession?.(s);
  let result: T;
  try {
    result = await act(s);
  } catch (err) {
    const onFailure = opts.onFailure ?? 'as-is';
    s.onRelease = onFailure;
    try {
      await s.detach({ leave: onFailure });
    } catch {
      s.releaseSync();
    }
    throw err;
  }
  await s.detach({ leave: s.onRelease });
  return result;
}
