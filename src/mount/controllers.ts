/**
 * Who controls which target through the mount, and the release when a controller is gone.
 *
 * The process that wrote `attach` to a target's ctl controls it (BSD: it became the tracer;
 * here the daemon is the tracer on its behalf). When that process exits the daemon releases the
 * target as the exit guard would: a `wait` in flight is ended (interrupt, then the wait
 * settles), then `detach`: no trap pending, left as found (running if it was running; the
 * daemon plants no breakpoint bytes, so there are none to lift).
 *
 * Not "when it closes its last handle": `echo attach > ctl` writes from the shell's own pid
 * and closes at once, the next `echo step > ctl` opens again. Detecting the exit: a look at
 * /proc/PID/stat (pid + start time: a reused pid is a different process) every CHECK_MS while
 * anything is controlled, and at once on every RELEASE of a handle (a process's exit closes its
 * files, which is when the kernel sends RELEASE). A pidfd per controller polled on a worker
 * would be immediate, but would hold a thread per blocking poll and need koffi for what one
 * small read a quarter second does; a controller's exit is not a hot path.
 *
 * Words from another uid than the controller's get EBUSY (BSD: "traced by another process"),
 * root's included; words from another process of the same uid are taken (a shell script's
 * `echo step > ctl` may come from a subshell).
 */
import { ProcfsError } from '../procfs/errors.js';
import type { ProcFs } from '../procfs/source.js';
import { stillAlive, type ProcIdentity } from './local-procs.js';
import type { Waits } from './waits.js';
import { ReleaseJournal } from '../procfs/release-journal.js';
import { releaseTarget, withTimeout } from '../procfs/release.js';

export interface Controller {
  /** The process that wrote `attach` (undefined: it was gone before the attach returned). */
  readonly proc: ProcIdentity | undefined;
  readonly uid: number;
}

export interface ControllerOptions {
  /** Is this controller process still alive? Default: its /proc/PID/stat, same start time. */
  readonly alive?: (p: ProcIdentity) => boolean;
  /** How often controllers are looked at while any target is controlled. */
  readonly checkMs?: number;
  /** The /proc the default `alive` reads (the callers' machine's). */
  readonly procRoot?: string;
  readonly log?: (line: string) => void;
}

const CHECK_MS = 250;
/** A wait that an interrupt does not end (a target in D state) must not hold the release for ever. */
const SETTLE_MS = 1500;
const DETACH_MS = 3000;


export class Controllers {
  private readonly byPid = new Map<number, Controller>();
  /**
   * The int3 bytes callers wrote through `mem`, with what they replaced (the agent's journal):
   * a debugger over the mount that dies (SIGKILL) leaves them planted, and the release puts
   * them back, as the exit guard would have.
   */
  readonly journal = new ReleaseJournal();
  private timer: NodeJS.Timeout | undefined;
  /** Checks run one at a time; this is the last one. */
  private checking: Promise<number> = Promise.resolve(0);
  private released = 0;

  constructor(
    private readonly fs: ProcFs,
    private readonly waits: Waits,
    private readonly opts: ControllerOptions = {},
  ) {}

  of(pid: number): Controller | undefined {
    return this.byPid.get(pid);
  }

  /** Targets controlled now. */
  pids(): number[] {
    return [...this.byPid.keys()];
  }

  /** Targets released because their controller went away (stats). */
  get releasedCount(): number {
    return this.released;
  }

  /** EBUSY when `uid` may not send words to `pid` because another user's process controls it. */
  refuse(pid: number, uid: number): ProcfsError | null {
    const c = this.byPid.get(pid);
    if (!c || c.uid === uid) return null;
    return new ProcfsError('EBUSY', `pid ${pid}: traced by another user's process${c.proc ? ` (pid ${c.proc.pid})` : ''}`, pid, 'ctl');
  }

  /** After a successful `attach`. */
  claim(pid: number, c: Controller): void {
    this.byPid.set(pid, c);
    this.timer ??= setInterval(() => void this.check(), this.opts.checkMs ?? CHECK_MS).unref();
    if (!c.proc) void this.check();
  }

  /** After a successful `detach` (the target is no one's any more). */
  drop(pid: number): void {
    this.byPid.delete(pid);
    if (this.byPid.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Releases every target whose controller is gone; resolves to how many. */
  check(): Promise<number> {
    return (this.checking = this.checking.then(() => this.checkNow()));
  }

  private async checkNow(): Promise<number> {
    const alive = this.opts.alive ?? ((p: ProcIdentity) => stillAlive(p, this.opts.procRoot));
    let n = 0;
    for (const [pid, c] of [...this.byPid]) {
      if (c.proc && alive(c.proc)) continue;
      if (this.byPid.get(pid) !== c) continue;
      await this.release(pid);
      this.opts.log?.(`released pid ${pid}: its controller${c.proc ? ` (pid ${c.proc.pid})` : ''} exited`);
      n++;
    }
    this.released += n;
    return n;
  }

  /** Releases every controlled target (the daemon is stopping); resolves to how many. */
  async releaseAll(): Promise<number> {
    await this.checking.catch(() => undefined);
    const pids = this.pids();
    for (const pid of pids) await this.release(pid);
    return pids.length;
  }

  /**
   * As the exit guard would: end a wait in flight without a stop left behind, then the one
   * release (procfs/release.ts): the int3 bytes the controller left put back (a thread stopped
   * just past one rewound onto its instruction), then detach.
   */
  private async release(pid: number): Promise<void> {
    this.drop(pid);
    const wait = this.waits.pending(pid);
    if (wait) {
      await withTimeout(this.fs.write(pid, 'ctl', 'interrupt').catch(() => undefined), SETTLE_MS);
      await withTimeout(wait.catch(() => undefined), SETTLE_MS);
    }
    const restore = this.journal.restores(pid);
    const pcIsClients = (tid: number) => this.journal.regsSetSinceStop(pid, tid);
    await releaseTarget(this.fs, pid, { restore, forClient: { ms: SETTLE_MS, stopFirst: true, pcIsClients, detachMs: DETACH_MS } });
    this.journal.detachedFrom(pid);
  }
}
