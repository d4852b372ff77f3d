import { constants } from 'node:os';
import { USER_REGS_RIP_OFFSET } from '../../../arch/x86-64/registers-linux.js';
import { P, S, W } from './native.js';
import { ctlPrecondition, parseCtl, type CtlWord, type TraceState } from '../../ctl.js';
import { ProcfsError } from '../../errors.js';
import { closeMem, openMem, readMem } from './mem.js';
import { signalName } from '../../signals.js';
import type { StopReason, Why } from '../../why.js';
import { kernelThreadError, otherTracerError } from './attach-refusal.js';
import { askInterrupt, haltAll, takeQueuedStop } from './all-stop.js';
import type { PlantedBytes } from './planted.js';
import { StopRegs } from './reg-cache.js';
import { release } from './release.js';
import { pollTarget, type EventOps } from './stop-events.js';
import { listTasks, readStatus } from './task-list.js';
import { TrapClassifier } from './trap-classify.js';
import { allStopped, exitedError, goneText, newTarget, newThread, pickThread, type Mode, type Target, type Thread } from './trace-target.js';
import { pollUntilSync, sleep, sleepSync, spinUntil, waitUntil } from './wait-strategy.js';
import type { StepLoopRequest } from '../../source.js';

/**
 * The ptrace engine under the `ctl` node, all-stop (all-stop.ts): `run` resumes every thread,
 * `step` moves one, and a stop of any thread stops them all. This file is the ctl words and the
 * queries the nodes make; the rest of the tracer is one concern a file:
 * - trace-target.ts: the bookkeeping of a traced process and its threads;
 * - wait-strategy.ts: how `wait` waits (spin, yield, park on a worker);
 * - stop-events.ts: decoding waitpid statuses into stops, exits and absorbed bookkeeping;
 * - all-stop.ts: interrupting the other threads, the queue of stops collected meanwhile;
 * - release.ts: detaching a target left as found;
 * - reg-cache.ts, trap-classify.ts: the registers read at a trap, kept for the next `regs` read.
 *
 * Every ptrace request is issued from the main JS thread (the tracer thread).
 */
const SIGCONT = constants.signals.SIGCONT;
const SIGKILL = constants.signals.SIGKILL;
/** Forks are traced so that the debugger can take its breakpoint bytes out of a child before it runs. */
const OPTIONS = P.PTRACE_O_TRACECLONE | P.PTRACE_O_TRACEEXEC | P.PTRACE_O_TRACEFORK | P.PTRACE_O_TRACEVFORK | P.PTRACE_O_TRACEVFORKDONE;
const STEP = parseCtl('step');
/** The step loop gives the event loop a turn every YIELD_MASK+1 steps (~6 ms): signals, timers, an interrupt. */
const YIELD_MASK = 255;
const RIP_LO = USER_REGS_RIP_OFFSET;
const RIP_HI = USER_REGS_RIP_OFFSET + 4;

/**
 * How a step loop ended: `done` plain steps before the last one; `regs` when the last one was a
 * plain step and its registers are in the caller's buffer (otherwise `why` tells); `error` when
 * a step or its wait failed (the target died).
 */
export interface StepRun {
  readonly done: number;
  readonly regs: boolean;
  readonly error?: unknown;
}

export class Tracer {
  private readonly targets = new Map<number, Target>();
  private readonly stopRegs = new StopRegs();
  private readonly traps = new TrapClassifier(this.stopRegs);
  private readonly events: EventOps = {
    again: (th) => this.again(th),
    adoptChild: (child, parent) => this.adoptChild(child, parent),
    classifyTrap: (t, th): StopReason => this.traps.classify(th, t.planted),
  };
  private readonly poll = () => this.pollAll();
  /** Step loops in flight, by pid: an `interrupt` word ends one. */
  private readonly loops = new Map<number, { interrupted: boolean }>();

  constructor(private readonly procRoot = '/proc') {}

  // ---- what the nodes ask -------------------------------------------------------------

  /** Fills `into` with the registers read at `tid`'s current stop, if the tracer has them. */
  cachedRegs(tid: number, into: Uint8Array): boolean {
    return this.stopRegs.copyTo(tid, into);
  }

  /** Registers were written (or a thread resumed): the cached set is stale. */
  forgetRegs(): void {
    this.stopRegs.forget();
  }

  /** The client's int3 bytes in a target it traces (undefined: not traced here). */
  planted(pid: number): PlantedBytes | undefined {
    const t = this.live(pid);
    return t && !t.ended ? t.planted : undefined;
  }

  /** The target's state as the ctl errno rules see it. */
  state(pid: number): TraceState {
    if (pid === process.pid) return 'self';
    const t = this.live(pid);
    if (t) {
      if (t.ended) return 'exited';
      return allStopped(t) ? 'trace-wait' : 'running';
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
    if (t.ended) throw exitedError(t, node);
    if (!allStopped(t) || t.virtualRun) throw new ProcfsError('EBUSY', `pid ${pid}: ${node}: the target is running`, pid, node);
    return pickThread(t, node, tid);
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
    const exitNote = t0?.ended ? goneText(t0) : undefined;
    const state = this.state(pid);
    const err = ctlPrecondition(word, state, pid, exitNote);
    // The model's words cannot name the other tracer; /proc can.
    if (err) throw (state === 'other-tracer' && word.kind === 'verb' && word.verb === 'attach' && otherTracerError(this.procRoot, pid)) || err;
    if (word.kind === 'signal') return this.signal(pid, word.signal.number);
    switch (word.verb) {
      case 'attach': return this.attach(pid);
      case 'wait': return this.wait(pid);
      case 'step': return this.step(this.live(pid)!, tid);
      case 'run': return this.resume(this.live(pid)!, 0);
      case 'interrupt': {
        // A step loop between two steps has nothing running to interrupt: it ends after the step.
        const loop = this.loops.get(pid);
        if (loop) loop.interrupted = true;
        return void haltAll(this.live(pid)!);
      }
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
    const t = newTarget(pid, Number(st.get('PPid')) === process.pid, state === 'T');
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
        askInterrupt(th);
      }
    }
    this.targets.set(pid, t);
  }

  private attachError(pid: number, e: unknown): ProcfsError {
    if (!(e instanceof ProcfsError)) return new ProcfsError('EIO', `pid ${pid}: attach: ${String(e)}`, pid, 'ctl');
    switch (e.code) {
      case 'ESRCH': return new ProcfsError('ESRCH', `no process ${pid}`, pid, 'ctl');
      case 'EPERM': {
        return otherTracerError(this.procRoot, pid) ?? kernelThreadError(this.procRoot, pid)
          ?? new ProcfsError('EPERM', `pid ${pid}: attach: permission denied`, pid, 'ctl');
      }
      default: return new ProcfsError(e.code, `pid ${pid}: attach: ${e.message}`, pid, 'ctl');
    }
  }

  private async wait(pid: number): Promise<void> {
    const t = this.live(pid);
    if (!t) return this.waitUntraced(pid);
    if (t.ended) return;
    if (takeQueuedStop(t)) return;
    await waitUntil(this.poll, () => t.ended || allStopped(t));
    this.settled(t);
  }

  /** `wait` without a promise when the stop comes within the spin (a step's does): false if it did not. */
  private waitNow(t: Target, stopped: () => boolean): boolean {
    if (t.ended || takeQueuedStop(t)) return true;
    if (!spinUntil(this.poll, stopped)) return false;
    this.settled(t);
    return true;
  }

  private settled(t: Target): void {
    if (!t.ended && !t.haveStop) {
      // Only our own interrupt stops came back: say why we stopped it.
      const tid = t.threads.has(t.lastTid) ? t.lastTid : t.pid;
      t.why = { state: 'stopped', tid, reason: t.mode === 'attach' ? 'attach' : 'interrupt' };
      t.haveStop = true;
    }
  }

  /**
   * ProcFs.stepLoop on the live source: the words `step` and `wait` as the ctl node runs them,
   * the trap classified (GETSIGINFO) as for any stop, and PTRACE_GETREGS into `regs`, with no
   * promise per step: the wait spins synchronously and parks (as `wait` does) only for a step
   * that blocks, in a system call say. Ends after a step that is not a plain one (its `why`
   * says what), that lands on `stopAt`, after `count` steps, or when an `interrupt` word comes
   * (the event loop gets a turn every YIELD_MASK+1 steps).
   */
  async stepLoop(pid: number, req: StepLoopRequest, regs: Buffer): Promise<StepRun> {
    const t = this.live(pid);
    const pre = ctlPrecondition(STEP, this.state(pid), pid, t?.ended ? goneText(t) : undefined);
    if (pre) return { done: 0, regs: false, error: pre };
    const target = t!;
    const stops = new Set<number>();
    for (const a of req.stopAt) stops.add(Number(a));
    const stopped = () => target.ended || allStopped(target);
    const loop = { interrupted: false };
    this.loops.set(pid, loop);
    try {
      for (let i = 0; i < req.count; i++) {
        try {
          this.step(target, req.tid);
          if (!this.waitNow(target, stopped)) await this.wait(pid);
        } catch (e) {
          return { done: i, regs: false, error: e };
        }
        const w = target.why;
        if (w.state !== 'stopped' || w.reason !== 'step') return { done: i, regs: false };
        try {
          P.getRegs(w.tid, regs);
        } catch (e) {
          return { done: i, regs: false, error: this.diedUnder(pid, 'regs', e) };
        }
        if (i === req.count - 1 || loop.interrupted) return { done: i, regs: true };
        if (stops.size !== 0 && stops.has(regs.readUInt32LE(RIP_LO) + regs.readUInt32LE(RIP_HI) * 2 ** 32)) return { done: i, regs: true };
        if ((i & YIELD_MASK) === YIELD_MASK) {
          await new Promise<void>((r) => setImmediate(r));
          // Released meanwhile (the exit guard), or interrupted: this step is the last.
          if (loop.interrupted || this.live(pid) !== target || !allStopped(target) || target.virtualRun) return { done: i, regs: true };
        }
      }
      return { done: 0, regs: false };
    } finally {
      if (this.loops.get(pid) === loop) this.loops.delete(pid);
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
    const tid1 = pickThread(t, 'ctl', tid);
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
   * instruction runs and are absorbed (stop-events.ts). `detach` puts the stop back.
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
    this.stopRegs.forgetThread(th.tid);
    this.guard(t, () => (step ? P.singleStep(th.tid, sig) : P.cont(th.tid, sig)));
    th.running = true;
  }

  /** Resumes a thread the way it was last resumed, after a stop that was not news (errors: it is gone). */
  private again(th: Thread): void {
    this.stopRegs.forgetThread(th.tid);
    if (P.ptraceErrno(th.stepping ? P.PTRACE_SINGLESTEP : P.PTRACE_CONT, th.tid) === 0) th.running = true;
  }

  private signal(pid: number, sig: number): void {
    const t = this.live(pid);
    if (t && !t.ended && allStopped(t) && !t.virtualRun) {
      const w = t.why;
      if (w.state === 'stopped' && w.reason === 'signal' && w.tid === t.lastTid) return this.resume(t, sig);
      // Any other ptrace stop drops a resume's signal (ptrace(2)): send it, and pass it on when it arrives.
      this.sendSignal(pid, sig);
      // SIGKILL needs no resume: the stopped threads die where they are, `wait` collects the end.
      if (sig === SIGKILL) {
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

  private async detach(pid: number, leaveStopped: boolean): Promise<void> {
    const t = this.live(pid);
    if (!t) return; // not traced: BSD's detach is a no-op success
    if (t.ended) return this.forget(t);
    if (haltAll(t)) {
      await waitUntil(this.poll, () => t.ended || allStopped(t));
      if (t.ended) return this.forget(t);
    }
    this.release(t, leaveStopped);
  }

  private release(t: Target, leaveStopped: boolean): void {
    release(t, leaveStopped, this.stopRegs, this.procRoot);
    if (t.forked) this.targets.delete(t.pid);
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
        haltAll(t);
        pollUntilSync(() => pollTarget(t, this.events), () => t.ended || allStopped(t), 2000);
        if (!t.ended) this.release(t, leaveStopped.has(t.pid));
      } catch {
        /* best effort: the process is exiting */
      }
    }
    this.targets.clear();
  }

  // ---- bookkeeping ------------------------------------------------------------------------

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

  private beginResume(t: Target, mode: Mode): void {
    this.stopRegs.forget();
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
    for (let i = 0; i < 200 && !t.ended; i++) if (pollTarget(t, this.events) === 0) sleepSync(1);
    return t.ended ? exitedError(t, node) : e;
  }

  private pollAll(): number {
    let n = 0;
    for (const t of this.targets.values()) if (!t.ended && !t.detached) n += pollTarget(t, this.events);
    return n;
  }

  /**
   * A forked child is traced from its birth (PTRACE_O_TRACEFORK) and held at its first stop, so
   * the debugger can take its breakpoint bytes out of it before it runs.
   */
  private adoptChild(child: number, parent: Target): void {
    if (this.targets.has(child) && !this.targets.get(child)!.detached) return;
    const c = newTarget(child, false, false, true);
    // Its copy of the parent's int3s (a vfork child: the same bytes) traps as the parent's do.
    c.planted.copyFrom(parent.planted);
    c.threads.set(child, newThread(child, true));
    this.targets.set(child, c);
  }
}
