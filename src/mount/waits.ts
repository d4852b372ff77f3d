/**
 * `echo wait > ctl` through the mount: the source's `ctl wait` is asynchronous (it parks on a
 * worker thread, the daemon's JS thread keeps serving), so it can outlive the write that asked
 * for it. A caller interrupted meanwhile (Ctrl-C: the kernel sends INTERRUPT, the request's
 * signal aborts) gets EINTR at once and the target is not touched, it keeps running; the wait
 * itself stays in flight, and the next `wait` for that pid joins it instead of starting a
 * second one on the same tracee (two waits would race for the same stop).
 */
import { ProcfsError } from '../procfs/errors.js';

export class Waits {
  private readonly inFlight = new Map<number, Promise<number>>();

  /**
   * Resolves when the wait for `pid` (the one in flight, or a new one `start` begins) settles;
   * rejects with EINTR as soon as `signal` aborts, leaving that wait running.
   */
  join(pid: number, start: () => Promise<number>, signal: AbortSignal): Promise<number> {
    if (signal.aborted) return Promise.reject(interrupted(pid));
    let wait = this.inFlight.get(pid);
    if (!wait) {
      wait = start();
      this.inFlight.set(pid, wait);
      const done = () => {
        if (this.inFlight.get(pid) === wait) this.inFlight.delete(pid);
      };
      // Nobody may be left listening (every caller interrupted): its end is not an unhandled rejection.
      wait.then(done, done);
    }
    const w = wait;
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => reject(interrupted(pid));
      signal.addEventListener('abort', onAbort, { once: true });
      w.then(
        (n) => {
          signal.removeEventListener('abort', onAbort);
          resolve(n);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** The wait in flight for `pid`, if any (a release ends it first). */
  pending(pid: number): Promise<number> | undefined {
    return this.inFlight.get(pid);
  }
}

function interrupted(pid: number): ProcfsError {
  return new ProcfsError('EINTR', `pid ${pid}: ctl wait interrupted (the target keeps running; a later wait joins the one in flight)`, pid, 'ctl');
}
