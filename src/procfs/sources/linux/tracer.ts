import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { ptrace as P, signal as S, wait as W } from '../../../../native/index.js';
import { ctlPrecondition, type CtlWord, type TraceState } from '../../ctl.js';
import { ProcfsError } from '../../errors.js';
import { closeMem, openMem, readMem } from '../../mem.js';
import { signalName } from '../../signals.js';
import type { StopReason, Why } from '../../why.js';

/**
 * The ptrace engine under the `ctl` node, all-stop: when any thread stops, every other thread
 * is interrupted and collected, so a stopped target is stopped whole; `run` resumes them all,
 * `step` moves one. Stops that other threads report while being collected are remembered and
 * handed out by later `wait`s (the next `run` does not resume; it lets `wait` report them).
 *
 * Every ptrace request is issued from the main JS thread (the tracer thread); waiting spins
 * with WNOHANG (a step or a breakpoint round trip takes tens of µs) and then blocks on a worker
 * (native/wait.ts), so a target that runs for long never freezes the event loop.
 */
const SIGTRAP = constants.signals.SIGTRAP;
const SIGSTOP = constants.signals.SIGSTOP;
const SIGCONT = constants.signals.SIGCONT;
const JOB_CONTROL = new Set([SIGSTOP, constants.signals.SIGTSTP, constants.signals.SIGTTIN, constants.signals.SIGTTOU]);
/** Forks are traced so that the debugger can take its breakpoint bytes out of a child before it runs. */
const OPTIONS = P.PTRACE_O_TRACECLONE | P.PTRACE_O_TRACEEXEC | P.PTRACE_O_TRACEFORK | P.PTRACE_O_TRACEVFORK | P.PTRACE_O_TRACEVFORKDONE;
/**
 * How `wait` waits. Measured here (bench `step` row, 2-core VM): a WNOHANG poll loop sees a
 * step's stop in ~16 µs where a blocking waitpid takes ~20 µs (the wake-up crosses CPUs), and
 * checking first whether the next instruction is a blocking syscall (a 2-byte /proc/PID/mem
 * pread) cost 6-9 µs a step. So: poll hot for HOT_SPIN_MS, then poll yielding the CPU (a
 * busy machine must not starve the tracee) until SPIN_MS, then park on a worker thread.
 */
const HOT_SPIN_MS = 0.25;
const SPIN_MS = 2;

interface Thread {
  readonly tid: number;
  running: boolean;
  /** A new clone: its first (PTRACE_EVENT_STOP) stop is bookkeeping, not news. */
  fresh: boolean;
  /** Last resumed with PTRACE_SINGLESTEP: its SIGTRAP is the step's, whatever si_code says. */
  stepping: boolean;
  /**
   * A PTRACE_INTERRUPT went to it since its last resume. An interrupt that reaches a thread
   * already in a ptrace stop stays pending in the kernel (JOBCTL_TRAP_STOP) and is reported
   * on the next resume, before any instruction runs: an interrupt stop nobody asked for since
   * the resume is that leftover (or SIGCONT's notice), never news.
   */
  interruptAsked: boolean;
}

interface Pending {
  readonly tid: number;
  readonly why: Why & { state: 'stopped' };
  /** The signal of a signal-delivery stop, re-delivered if we detach before reporting it. */
  readonly sig: number;
}

type Mode = 'attach' | 'interrupt' | 'step' | 'run';

interface Target {
  readonly pid: number;
  /** Its real parent is this process: leave its zombie for libuv to reap. */
  readonly realChild: boolean;
  /**
   * In a job-control stop we have not lifted (found so at attach). Under PTRACE_SEIZE such a
   * target re-traps whatever it is resumed with, so the first step or run sends it SIGCONT.
   */
  jobStopped: boolean;
  /** We lifted a job-control stop it was found in: `detach` puts it back (left as found). */
  liftedJobStop: boolean;
  /** A SIGCONT we sent is on its way: its delivery stop is ours, not the target's. */
  contSent: boolean;
  /**
   * A signal word written in a stop that was not a signal-delivery stop (attach, step, a
   * trap): the kernel ignores a resume's signal there, so it was sent with kill(2) instead, and
   * its delivery stop is resumed delivering it, not reported (BSD: "resume delivering it").
   */
  injected: number;
  /** Adopted at a fork: forgotten once released (a busy forker would grow the table a child a time). */
  readonly forked: boolean;
  readonly threads: Map<number, Thread>;
  why: Why;
  /** Set once since the last resume: a real stop has been reported into `why`. */
  haveStop: boolean;
  mode: Mode;
  /** `run` while stops were pending: nothing was resumed, `wait` reports the next one. */
  virtualRun: boolean;
  pending: Pending[];
  lastTid: number;
  ended: boolean;
  detached: boolean;
  memFd: number;
}

function readStatus(procRoot: string, pid: number): Map<string, string> | null {
  try {
    const m = new Map<string, string>();
    for (const line of readFileSync(`${procRoot}/${pid}/status`, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
    }
    return m;
  } catch {
    return null;
  }
}

function listTasks(procRoot: string, pid: number): number[] {
  try {
    return readdirSync(`${procRoot}/${pid}/task`).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

function newThread(tid: number, fresh: boolean): Thread {
  return { tid, running: true, fresh, stepping: false, interruptAsked: false };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export class Tracer {
  private readonly targets = new Map<number, Target>();
  private readonly siginfo = Buffer.alloc(P.SIGINFO_SIZE);
  private readonly siginfoView = new Int32Array(this.siginfo.buffer, this.siginfo.byteOffset, 32);
  private readonly scratchRegs = Buffer.alloc(P.USER_REGS_SIZE);
  /**
   * The registers read to classify a trap, kept for the `regs` read every client makes next
   * (the breakpoint round trip: one PTRACE_GETREGS instead of two). Valid for `stopRegsTid`
   * until anything resumes a thread or writes registers.
   */
  private readonly stopRegs = Buffer.alloc(P.USER_REGS_SIZE);
  private stopRegsTid = 0;

  constructor(private readonly procRoot = '/proc') {}

  // ---- what the nodes ask -------------------------------------------------------------

  /** Fills `into` with the registers read at `tid`'s current stop, if the tracer has them. */
  cachedRegs(tid: number, into: Uint8Array): boolean {
    if (tid !== this.stopRegsTid || into.byteLength < P.USER_REGS_SIZE) return false;
    this.stopRegs.copy(into, 0, 0, P.USER_REGS_SIZE);
    return true;
  }

  /** Registers were written (or a thread resumed): the cached set is stale. */
  forgetRegs(): void {
    this.stopRegsTid = 0;
  }

  /** The target's state as the ctl errno rules see it. */
  state(pid: number): TraceState {
    if (pid === process.pid) return 'self';
    const t = this.live(pid);
    if (t) {
      if (t.ended) return 'exited';
      return this.allStopped(t) ? 'trace-wait' : 'running';
    }
    const st = readStatus(this.procRoot, pid);
    if (st && Number(st.get('TracerPid') ?? 0) !== 0) return 'other-tracer';
    return 'untraced';
  }

  why(pid: number): Why {
    const t = this.targets.get(pid);
    if (t) return t.why;
    if (!readStatus(this.procRoot, pid)) throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'why');
    return { state: 'untraced' };
  }

  /** Traced thread ids, ascending; empty when pid is not traced by us. */
  threads(pid: number): number[] {
    const t = this.live(pid);
    return t ? [...t.threads.keys()].sort((a, b) => a - b) : [];
  }

  isTraced(pid: number): boolean {
    const t = this.live(pid);
    return !!t && !t.ended;
  }

  /**
   * The thread a per-thread node (regs, step) means: `tid` if given and traced, else the
   * thread that last stopped, else the main thread. Throws EBUSY unless in trace-wait.
   */
  stoppedThread(pid: number, node: string, tid?: number): number {
    const t = this.live(pid);
    if (!t) throw new ProcfsError('EBUSY', `pid ${pid}: ${node}: not traced by this debugger (write attach, wait to ctl first)`, pid, node);
    if (t.ended) throw this.exitedError(t, node);
    if (!this.allStopped(t) || t.virtualRun) throw new ProcfsError('EBUSY', `pid ${pid}: ${node}: the target is running`, pid, node);
    return this.pickThread(t, node, tid);
  }

  /** An open /proc/PID/mem of a traced target (kept open while traced), or undefined. */
  memFd(pid: number): number | undefined {
    const t = this.live(pid);
    if (!t || t.ended) return undefined;
    if (t.memFd < 0) t.memFd = openMem(this.procRoot, pid);
    return t.memFd;
  }

  // ---- ctl ------------------------------------------------------------------------------

  async ctl(pid: number, word: CtlWord, tid?: number): Promise<void> {
    const t0 = this.live(pid);
    const exitNote = t0?.ended ? this.goneText(t0) : undefined;
    const err = ctlPrecondition(word, this.state(pid), pid, exitNote);
    if (err) throw err;
    if (word.kind === 'signal') return this.signal(pid, word.signal.number);
    switch (word.verb) {
      case 'attach': return this.attach(pid);
      case 'wait': return this.wait(pid);
      case 'step': return this.step(this.live(pid)!, tid);
      case 'run': return this.resume(this.live(pid)!, 0);
      case 'interrupt': return this.interrupt(this.live(pid)!);
      case 'detach': return this.detach(pid, false);
      case 'detach-stopped': return this.detach(pid, true);
    }
  }

  private attach(pid: number): void {
    const st = readStatus(this.procRoot, pid);
    if (!st) throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'ctl');
    if (Number(st.get('Tgid')) === process.pid) throw new ProcfsError('EINVAL', `pid ${pid}: a process cannot attach to itself`, pid, 'ctl');
    const state = (st.get('State') ?? '?')[0];
    if (state === 'Z' || state === 'X') throw new ProcfsError('ESRCH', `pid ${pid}: process is a zombie (exited, not yet reaped)`, pid, 'ctl');
    if (Number(st.get('Tgid')) !== pid) throw new ProcfsError('EINVAL', `pid ${pid} is a thread of ${st.get('Tgid')}: attach to the process`, pid, 'ctl');
    if (Number(st.get('PPid')) === process.pid) {
      // libuv reaps the children Node spawned with waitpid(pid) on every SIGCHLD, and for a
      // traced child that call takes the ptrace stops too (Node then reports a bogus exit 0).
      throw new ProcfsError(
        'EINVAL',
        `pid ${pid} is a child of this Node process: Node's child reaper would steal its ptrace stops; start it through an intermediate process (e.g. sh -c 'PROG & echo $!; wait')`,
        pid,
        'ctl',
      );
    }
    const old = this.targets.get(pid);
    if (old) this.forget(old);
    const t = this.newTarget(pid, Number(st.get('PPid')) === process.pid, state === 'T');
    // Threads may be created while we seize: list again until no new one appears. A thread that
    // exits meanwhile is not an error: seizing it fails (ESRCH, or EPERM once it is exiting), and
    // the next listing no longer has it. Only the leader's failure fails the attach.
    const tries = new Map<number, number>();
    for (let round = 0; round < 100; round++) {
      // The leader first: thread ids wrap around pid_max, so a thread's may be below the pid.
      const fresh = listTasks(this.procRoot, pid)
        .filter((tid) => !t.threads.has(tid) && (tries.get(tid) ?? 0) < 3)
        .sort((a, b) => (a === pid ? -1 : b === pid ? 1 : a - b));
      if (fresh.length === 0) break;
      for (const tid of fresh) {
        try {
          P.seize(tid, OPTIONS);
        } catch (e) {
          if (tid !== pid && e instanceof ProcfsError && (e.code === 'ESRCH' || e.code === 'EPERM')) {
            tries.set(tid, (tries.get(tid) ?? 0) + 1);
            continue;
          }
          for (const th of t.threads.values()) P.ptraceErrno(P.PTRACE_DETACH, th.tid);
          throw this.attachError(pid, e);
        }
        const th = newThread(tid, false);
        t.threads.set(tid, th);
        this.askInterrupt(th);
      }
    }
    this.targets.set(pid, t);
  }

  private newTarget(pid: number, realChild: boolean, jobStopped: boolean, forked = false): Target {
    return {
      pid,
      realChild,
      jobStopped,
      liftedJobStop: false,
      contSent: false,
      injected: 0,
      forked,
      threads: new Map(),
      why: { state: 'running' },
      haveStop: false,
      mode: 'attach',
      virtualRun: false,
      pending: [],
      lastTid: pid,
      ended: false,
      detached: false,
      memFd: -1,
    };
  }

  private attachError(pid: number, e: unknown): ProcfsError {
    if (!(e instanceof ProcfsError)) return new ProcfsError('EIO', `pid ${pid}: attach: ${String(e)}`, pid, 'ctl');
    switch (e.code) {
      case 'ESRCH': return new ProcfsError('ESRCH', `no process ${pid}`, pid, 'ctl');
      case 'EPERM': {
        const tracer = Number(readStatus(this.procRoot, pid)?.get('TracerPid') ?? 0);
        if (tracer) return new ProcfsError('EBUSY', `pid ${pid}: already traced by pid ${tracer}`, pid, 'ctl');
        return new ProcfsError('EPERM', `pid ${pid}: attach: permission denied`, pid, 'ctl');
      }
      default: return new ProcfsError(e.code, `pid ${pid}: attach: ${e.message}`, pid, 'ctl');
    }
  }

  private async wait(pid: number): Promise<void> {
    const t = this.live(pid);
    if (!t) return this.waitUntraced(pid);
    if (t.ended) return;
    if (t.virtualRun) {
      t.virtualRun = false;
      const p = t.pending.shift();
      if (p) {
        t.why = p.why;
        t.lastTid = p.tid;
        t.haveStop = true;
        return;
      }
    }
    await this.waitUntil(() => t.ended || this.allStopped(t));
    if (!t.ended && !t.haveStop) {
      // Only our own interrupt stops came back: say why we stopped it.
      const tid = t.threads.has(t.lastTid) ? t.lastTid : t.pid;
      t.why = { state: 'stopped', tid, reason: t.mode === 'attach' ? 'attach' : 'interrupt' };
      t.haveStop = true;
    }
  }

  /** BSD's wait on a process we do not trace: sleep until it stops, then EBUSY (not ours). */
  private async waitUntraced(pid: number): Promise<void> {
    for (let ms = 1; ; ms = Math.min(ms * 2, 50)) {
      const st = readStatus(this.procRoot, pid);
      const s = st?.get('State')?.[0];
      if (!st || s === 'Z' || s === 'X') throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'ctl');
      if (s === 'T' || s === 't') {
        throw new ProcfsError('EBUSY', `pid ${pid}: stopped, but not traced by this debugger`, pid, 'ctl');
      }
      await sleep(ms);
    }
  }

  private step(t: Target, tid?: number): void {
    const tid1 = this.pickThread(t, 'ctl', tid);
    this.beginResume(t, 'step');
    t.lastTid = tid1;
    this.liftJobStop(t);
    this.resumeThread(t, t.threads.get(tid1)!, true, 0);
  }

  /** `run` (sig 0) or a signal word in trace-wait: resume every thread; `sig` goes to the last stopped one. */
  private resume(t: Target, sig: number): void {
    if (t.pending.length > 0 && sig === 0) {
      t.virtualRun = true;
      t.why = { state: 'running' };
      t.haveStop = false;
      return;
    }
    this.beginResume(t, 'run');
    this.liftJobStop(t);
    for (const th of t.threads.values()) {
      if (th.running) continue;
      this.resumeThread(t, th, false, th.tid === t.lastTid ? sig : 0);
      th.fresh = false;
    }
  }

  /**
   * A target found in a job-control stop does not run under PTRACE_SEIZE, whatever it is resumed
   * with: the kernel re-traps it until the stop ends. So its first resume sends SIGCONT (like
   * `fg`); the stops that brings (each thread's notice, the SIGCONT's delivery) come before any
   * instruction runs and are absorbed here. `detach` puts the stop back.
   */
  private liftJobStop(t: Target): void {
    if (!t.jobStopped) return;
    t.jobStopped = false;
    t.liftedJobStop = true;
    t.contSent = true;
    S.kill(t.pid, SIGCONT);
  }

  /** The one place a thread is resumed on a client's word; a target that died meanwhile is its exit. */
  private resumeThread(t: Target, th: Thread, step: boolean, sig: number): void {
    th.stepping = step;
    th.interruptAsked = false;
    if (th.tid === this.stopRegsTid) this.stopRegsTid = 0;
    this.guard(t, () => (step ? P.singleStep(th.tid, sig) : P.cont(th.tid, sig)));
    th.running = true;
  }

  /** Resumes a thread the way it was last resumed, after a stop that was not news (errors: it is gone). */
  private again(th: Thread): void {
    if (th.tid === this.stopRegsTid) this.stopRegsTid = 0;
    if (P.ptraceErrno(th.stepping ? P.PTRACE_SINGLESTEP : P.PTRACE_CONT, th.tid) === 0) th.running = true;
  }

  private askInterrupt(th: Thread): void {
    th.interruptAsked = true;
    P.ptraceErrno(P.PTRACE_INTERRUPT, th.tid);
  }

  /** Interrupts every running thread (not new clones: their first stop is on its way). */
  private interruptAll(t: Target): void {
    for (const th of t.threads.values()) if (th.running && !th.fresh) this.askInterrupt(th);
  }

  private signal(pid: number, sig: number): void {
    const t = this.live(pid);
    if (t && !t.ended && this.allStopped(t) && !t.virtualRun) {
      const w = t.why;
      if (w.state === 'stopped' && w.reason === 'signal' && w.tid === t.lastTid) return this.resume(t, sig);
      // Any other ptrace stop drops a resume's signal (ptrace(2)): send it, and pass it on when it arrives.
      this.sendSignal(pid, sig);
      // SIGKILL needs no resume: the stopped threads die where they are, `wait` collects the end.
      if (sig === constants.signals.SIGKILL) {
        this.beginResume(t, 'run');
        for (const th of t.threads.values()) th.running = true;
        return;
      }
      t.injected = sig;
      return this.resume(t, 0);
    }
    this.sendSignal(pid, sig);
  }

  private sendSignal(pid: number, sig: number): void {
    try {
      S.kill(pid, sig);
    } catch (e) {
      if (e instanceof ProcfsError && e.code === 'ESRCH') throw new ProcfsError('ESRCH', `no process ${pid}`, pid, 'ctl');
      if (e instanceof ProcfsError && e.code === 'EPERM') throw new ProcfsError('EPERM', `pid ${pid}: signal ${signalName(sig)}: permission denied`, pid, 'ctl');
      throw e;
    }
  }

  private interrupt(t: Target): void {
    if (this.allStopped(t)) return;
    t.mode = 'interrupt';
    this.interruptAll(t);
  }

  private async detach(pid: number, leaveStopped: boolean): Promise<void> {
    const t = this.live(pid);
    if (!t) return; // not traced: BSD's detach is a no-op success
    if (t.ended) return this.forget(t);
    if (!this.allStopped(t)) {
      t.mode = 'interrupt';
      this.interruptAll(t);
      await this.waitUntil(() => t.ended || this.allStopped(t));
      if (t.ended) return this.forget(t);
    }
    this.release(t, leaveStopped);
  }

  /**
   * Detach every thread of a stopped target, left as found: a job-control stop we lifted goes
   * back, and `leaveStopped` puts it in one (a SIGSTOP queued first, taken before any
   * instruction runs). No trap stays pending: every interrupt stop with a SIGTRAP queued behind
   * it was drained before the thread counted as stopped (onStatus).
   */
  private release(t: Target, leaveStopped: boolean): void {
    this.stopRegsTid = 0;
    const stop = leaveStopped || t.liftedJobStop;
    // A job-control stop never lifted stays by itself (the kernel puts a detached thread back
    // into it), but /proc shows it running until it is back: wait for that too.
    const settle = stop || t.jobStopped;
    // Queued now, dequeued after the detach: the group stops as if someone had sent it.
    if (stop) S.kill(t.pid, SIGSTOP);
    // A thread stopped on an int3 whose byte is gone (a breakpoint lifted before anyone saw that
    // stop) must re-execute the original instruction, not resume one byte into it.
    const seen = t.pending.map((p) => p.why).concat(t.why.state === 'stopped' ? [t.why] : []);
    for (const w of seen) if (w.reason === 'trap') this.rewindLiftedTrap(t, w.tid, w.addr);
    const undelivered = new Map<number, number>();
    for (const p of t.pending) if (p.sig && !undelivered.has(p.tid)) undelivered.set(p.tid, p.sig);
    for (const th of t.threads.values()) P.ptraceErrno(P.PTRACE_DETACH, th.tid, 0, undelivered.get(th.tid) ?? 0);
    t.threads.clear();
    t.pending = [];
    t.detached = true;
    t.why = { state: 'detached' };
    if (t.memFd >= 0) closeMem(t.memFd);
    t.memFd = -1;
    if (settle) this.awaitJobStop(t.pid);
    if (t.forked) this.targets.delete(t.pid);
  }

  /**
   * The SIGSTOP queued before the detach is taken on the way back to user mode (no instruction
   * runs), but /proc shows `R` until it is: a one-shot command that promised "left stopped" must
   * not return before the next command can see `T` (a script's next step reads that state).
   */
  private awaitJobStop(pid: number): void {
    for (const until = performance.now() + 1000; performance.now() < until; ) {
      const st = readStatus(this.procRoot, pid)?.get('State')?.[0];
      if (st === undefined || st === 'T' || st === 'Z' || st === 'X') return;
      sleepSync(0.2);
    }
  }

  private rewindLiftedTrap(t: Target, tid: number, after: bigint): void {
    let fd = -1;
    try {
      fd = t.memFd >= 0 ? t.memFd : openMem(this.procRoot, t.pid);
      const b = Buffer.alloc(1);
      readMem(fd, t.pid, after - 1n, b, 1);
      if (b[0] === 0xcc) return; // still an int3: the program's own, its SIGTRAP stands
      P.getRegs(tid, this.scratchRegs);
      if (this.scratchRegs.readBigUInt64LE(128) !== after) return; // already put back
      this.scratchRegs.writeBigUInt64LE(after - 1n, 128);
      this.stopRegsTid = 0;
      P.setRegs(tid, this.scratchRegs);
    } catch {
      /* the thread or process is gone: nothing to put back */
    } finally {
      if (fd >= 0 && fd !== t.memFd) closeMem(fd);
    }
  }

  /**
   * Detaches everything now, synchronously (process 'exit' and signal handlers): running
   * targets are interrupted and collected by polling, then released. Targets attached in a
   * job-control stop stay stopped; the others run on.
   */
  releaseAllSync(leaveStopped: ReadonlySet<number> = new Set()): void {
    for (const t of this.targets.values()) {
      if (t.ended || t.detached) continue;
      try {
        t.mode = 'interrupt';
        this.interruptAll(t);
        const until = Date.now() + 2000;
        while (!t.ended && !this.allStopped(t) && Date.now() < until) {
          if (this.pollTarget(t) === 0) sleepSync(1);
        }
        if (!t.ended) this.release(t, leaveStopped.has(t.pid));
      } catch {
        /* best effort: the process is exiting */
      }
    }
    this.targets.clear();
  }

  // ---- events ---------------------------------------------------------------------------

  private live(pid: number): Target | undefined {
    const t = this.targets.get(pid);
    return t && !t.detached ? t : undefined;
  }

  private forget(t: Target): void {
    if (t.memFd >= 0) closeMem(t.memFd);
    t.memFd = -1;
    if (!t.ended && !t.detached) this.release(t, false);
    this.targets.delete(t.pid);
  }

  private allStopped(t: Target): boolean {
    for (const th of t.threads.values()) if (th.running) return false;
    return true;
  }

  private pickThread(t: Target, node: string, tid?: number): number {
    if (tid !== undefined) {
      if (!t.threads.has(tid)) throw new ProcfsError('ESRCH', `pid ${t.pid} has no traced thread ${tid}`, t.pid, node);
      return tid;
    }
    if (t.threads.has(t.lastTid)) return t.lastTid;
    if (t.threads.has(t.pid)) return t.pid;
    const first = t.threads.keys().next();
    if (first.done) throw this.exitedError(t, node);
    return first.value;
  }

  private beginResume(t: Target, mode: Mode): void {
    this.stopRegsTid = 0;
    t.mode = mode;
    t.haveStop = false;
    t.virtualRun = false;
    t.why = { state: 'running' };
  }

  /** A ptrace resume that fails because the target died turns into "process N exited (...)". */
  private guard(t: Target, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      throw this.diedUnder(t.pid, 'ctl', e);
    }
  }

  /**
   * A request on a stopped thread failed with ESRCH: the target was killed (SIGKILL needs no
   * resume) between its stop and this request. Collect its end and say that, not the errno.
   */
  diedUnder(pid: number, node: string, e: unknown): unknown {
    const t = this.live(pid);
    if (!t || !(e instanceof ProcfsError) || e.code !== 'ESRCH') return e;
    for (let i = 0; i < 200 && !t.ended; i++) if (this.pollTarget(t) === 0) sleepSync(1);
    return t.ended ? this.exitedError(t, node) : e;
  }

  /** Worded as the engine words a gone target (session.ts `gone`). */
  private goneText(t: Target): string {
    if (t.why.state === 'killed') return `was killed by signal ${t.why.signal}`;
    return t.why.state === 'exited' ? `exited (code ${t.why.code})` : 'exited';
  }

  private exitedError(t: Target, node: string): ProcfsError {
    return new ProcfsError('ESRCH', `process ${t.pid} ${this.goneText(t)}`, t.pid, node);
  }

  private async waitUntil(done: () => boolean): Promise<void> {
    if (done()) return;
    const start = performance.now();
    for (let i = 0; ; i++) {
      this.pollAll();
      if (done()) return;
      // Read the clock every 16 polls: a poll is ~0.5 µs, the clock is not free either.
      if ((i & 15) === 15) {
        const spent = performance.now() - start;
        if (spent >= SPIN_MS) break;
        if (spent >= HOT_SPIN_MS) W.yieldCpu();
      }
    }
    // koffi's worker call does not keep Node's event loop alive; this timer does, so a CLI
    // awaiting `wait` is not ended by an empty loop.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      await this.waitBlocking(done);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async waitBlocking(done: () => boolean): Promise<void> {
    for (let idle = 0; ; ) {
      const r = await W.waitAnyAsync();
      const n = this.pollAll();
      if (done()) return;
      if (r === -10 && n === 0) throw new ProcfsError('ECHILD', 'wait: no traced process left to wait for');
      // Woken by a child that is not ours (a zombie libuv has yet to reap): back off.
      idle = n === 0 ? Math.min(idle + 1, 10) : 0;
      if (idle) await sleep(idle);
    }
  }

  private pollAll(): number {
    let n = 0;
    for (const t of this.targets.values()) if (!t.ended && !t.detached) n += this.pollTarget(t);
    return n;
  }

  /** Consumes every event the target's threads have ready; returns how many. */
  private pollTarget(t: Target): number {
    let n = 0;
    // Once every thread is stopped nothing more can arrive but a SIGKILL's exit, which the next
    // wait or request collects: one WNOHANG poll per stop, not two.
    for (let again = true; again && !t.ended; ) {
      again = false;
      for (const th of t.threads.values()) {
        const s = W.pollTid(th.tid, t.realChild && th.tid === t.pid);
        if (s === W.NOTHING) continue;
        n++;
        again = true;
        if (s === W.GONE) this.threadGone(t, th.tid, null);
        else this.onStatus(t, th, s);
        if (t.ended) break;
      }
      if (again && this.allStopped(t)) break;
    }
    return n;
  }

  private threadGone(t: Target, tid: number, end: Why | null): void {
    t.threads.delete(tid);
    if (tid === t.pid || t.threads.size === 0) {
      t.ended = true;
      t.threads.clear();
      t.pending = [];
      t.why = end ?? { state: 'exited', code: 0 };
      if (t.memFd >= 0) closeMem(t.memFd);
      t.memFd = -1;
    }
  }

  private onStatus(t: Target, th: Thread, s: number): void {
    if (W.WIFEXITED(s)) return this.threadGone(t, th.tid, { state: 'exited', code: W.WEXITSTATUS(s) });
    if (W.WIFSIGNALED(s)) return this.threadGone(t, th.tid, { state: 'killed', signal: signalName(W.WTERMSIG(s)) });
    if (!W.WIFSTOPPED(s)) return;
    th.running = false;
    const sig = W.WSTOPSIG(s);
    const event = W.WPTRACEEVENT(s);
    let reason: StopReason | null = null;
    let deliver = 0;
    if (event === P.PTRACE_EVENT_STOP) {
      // An interrupt stop can be reported while the SIGTRAP of a finished step or of an int3 is
      // still queued (the kernel takes job-control traps before it dequeues signals). Detached
      // so, the target would die of that SIGTRAP: take it now. Resumed, the thread dequeues it
      // before it returns to user mode; the single step is there in case nothing was queued.
      if (P.privatePending(th.tid, SIGTRAP)) {
        if (P.ptraceErrno(P.PTRACE_SINGLESTEP, th.tid) === 0) th.running = true;
        return;
      }
      if (JOB_CONTROL.has(sig)) {
        th.interruptAsked = false;
        // The job-control stop it was found in (each thread reports it once): not news.
        if (t.mode === 'attach' || t.jobStopped) return;
        t.jobStopped = true;
        reason = { reason: 'signal', signal: signalName(sig) };
      } else if (th.fresh) {
        // A new thread's first stop: let it join the others.
        th.fresh = false;
        if (t.mode === 'run' && !t.haveStop) this.again(th);
        return;
      } else if (th.interruptAsked) {
        th.interruptAsked = false;
        return; // our own PTRACE_INTERRUPT: collected, not news
      } else {
        // Nobody asked since its last resume: an interrupt left over from an earlier all-stop,
        // or the notice that a job-control stop ended. No instruction ran; resume it as it was.
        if ((t.mode === 'run' || (t.mode === 'step' && th.tid === t.lastTid)) && !t.haveStop) this.again(th);
        return;
      }
    } else if (event === P.PTRACE_EVENT_CLONE) {
      const newTid = P.getEventMsg(th.tid);
      if (!t.threads.has(newTid)) t.threads.set(newTid, newThread(newTid, true));
      if (t.mode === 'run' && !t.haveStop) return this.again(th); // threads come and go while running
      reason = { reason: 'clone', newTid };
    } else if (event === P.PTRACE_EVENT_FORK || event === P.PTRACE_EVENT_VFORK) {
      const child = P.getEventMsg(th.tid);
      this.adoptChild(child);
      reason = { reason: event === P.PTRACE_EVENT_VFORK ? 'vfork' : 'fork', child };
    } else if (event === P.PTRACE_EVENT_VFORK_DONE) {
      reason = { reason: 'vforkdone' };
    } else if (event === P.PTRACE_EVENT_EXEC) {
      // The exec'ing thread took over the leader's tid; every other thread is gone.
      for (const tid of [...t.threads.keys()]) if (tid !== t.pid) t.threads.delete(tid);
      if (!t.threads.has(t.pid)) t.threads.set(t.pid, newThread(t.pid, false));
      th = t.threads.get(t.pid)!;
      th.running = false;
      // A job-control stop we lifted belonged to the old image (pdbg start's stopper shell).
      t.liftedJobStop = false;
      reason = { reason: 'exec' };
    } else if (event !== 0) {
      return this.again(th); // an event we did not ask for
    } else if (sig === SIGTRAP) {
      reason = this.classifyTrap(th);
      if (reason.reason === 'signal') deliver = sig;
    } else if (sig !== 0 && sig === t.injected) {
      // The signal a signal word sent: delivered now, as the word asked.
      t.injected = 0;
      if (P.ptraceErrno(P.PTRACE_CONT, th.tid, 0, sig) === 0) th.running = true;
      return;
    } else if (sig === SIGCONT && t.contSent) {
      // The SIGCONT that lifted the job-control stop we found: ours, not the target's.
      t.contSent = false;
      if (!t.haveStop) this.again(th);
      return;
    } else {
      reason = { reason: 'signal', signal: signalName(sig) };
      deliver = sig;
    }
    const why = { state: 'stopped', tid: th.tid, ...reason } as Why & { state: 'stopped' };
    if (t.haveStop) {
      t.pending.push({ tid: th.tid, why, sig: deliver });
      return;
    }
    t.why = why;
    t.lastTid = th.tid;
    t.haveStop = true;
    // All-stop: everyone else stops too; their stops are collected by the same polling.
    this.interruptAll(t);
  }

  /**
   * A forked child is traced from its birth (PTRACE_O_TRACEFORK) and held at its first stop, so
   * the debugger can take its breakpoint bytes out of it before it runs.
   */
  private adoptChild(child: number): void {
    if (this.targets.has(child) && !this.targets.get(child)!.detached) return;
    const c = this.newTarget(child, false, false, true);
    c.threads.set(child, newThread(child, true));
    this.targets.set(child, c);
  }

  /**
   * si_code tells a finished single step (TRAP_TRACE) from an int3 (SI_KERNEL) from a SIGTRAP
   * somebody sent. A step over `syscall` is reported at the syscall's exit as TRAP_BRKPT: for a
   * stepping thread that is its step, and its pc is the one after the instruction.
   */
  private classifyTrap(th: Thread): StopReason {
    const tid = th.tid;
    try {
      P.getSigInfo(tid, this.siginfo);
    } catch {
      return { reason: 'signal', signal: 'trap' };
    }
    const code = this.siginfoView[2]!;
    if (code === P.TRAP_TRACE || (code === P.TRAP_BRKPT && th.stepping)) return { reason: 'step' };
    if (code === P.SI_KERNEL || code === P.TRAP_BRKPT || code === P.TRAP_HWBKPT) {
      try {
        P.getRegs(tid, this.stopRegs);
        this.stopRegsTid = tid;
      } catch {
        return { reason: 'signal', signal: 'trap' }; // killed meanwhile: its exit is collected next
      }
      return { reason: 'trap', addr: this.stopRegs.readBigUInt64LE(128) };
    }
    return { reason: 'signal', signal: 'trap' };
  }
}
