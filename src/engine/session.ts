/**
 * The debugger engine: one traced process, driven only through the procfs nodes of a `ProcFs`
 * (`ctl`, `why`, `regs`, `mem`, `note`), never ptrace itself, so a snapshot source (which refuses
 * `ctl` with an error value) or a remote one plugs in unchanged.
 *
 *   const s = await Session.attach(fs, pid);         // every thread stopped (all-stop)
 *   await s.break('target_fn');                       // int3 planted; <symbol+offset> or an address
 *   let ev = await s.cont();                          // → { kind: 'breakpoint', id, tid, pc }
 *   ev = await s.step();                              // steps off the breakpoint correctly
 *   const r = await s.regs(); await s.setReg('rax', 7n);
 *   await s.writeMem(addr, Buffer.from([0x90]));
 *   await s.detach();                                 // bytes restored, target runs on
 *
 * Model (BSD procfs, extended for Linux threads):
 * - All-stop: `attach` and every stop leave every thread stopped; `step(tid)` moves one thread;
 *   `cont()` resumes all and resolves at the next stop of any thread, which becomes current.
 * - Stops are `StopEvent`s (events.ts); the target's exit is one (`exited`/`killed`), not an error.
 *   A signal stop is passed on by the next `cont()` (not `trap`/`stop`; `signal(name)` chooses).
 * - Breakpoints are `int3` bytes kept in a table (breakpoints.ts). A hit reports the breakpoint
 *   with the pc already moved back; the next `step`/`cont` of that thread lifts the byte, steps
 *   one instruction and plants it again. `readMem` never shows our 0xCC; `writeMem` over one keeps it.
 * - Every session registers with the exit guard (guard.ts): on any exit of pdbg its bytes are
 *   lifted and its target released.
 *
 * The step path is allocation-light on purpose (the benchmark holds it to ≥ 0.9× a C ptrace
 * loop): per-thread preallocated register buffers and node options, the `why` line read into a
 * reused buffer and matched as bytes, the pc read as a number. `stepN(n)` is the tight loop.
 */
import { commText, parseStatusBytes } from '../procfs/status.js';
import { runBatch } from '../procfs/batch.js';
import { ProcfsError } from '../procfs/errors.js';
import type { BatchOp, NodeOptions, ProcFs, SpawnOptions, StepLoopResult } from '../procfs/source.js';
import { parseSignal } from '../procfs/signals.js';
import { isPlainStep, parseWhy, type Why } from '../procfs/why.js';
import { conditionExpr, weighHit, weighPlain, type HitVerdict } from './bpcond.js';
import type { Arch } from '../arch/arch.js';
import { BreakpointTable, type AddOptions, type Breakpoint, type HitAction, type PendingBreakpoint } from './breakpoints.js';
import { applyPlan, planApplies, planFor, type EmulationPlan } from './emulate.js';
import { describeStop, hex, isGone, type StopEvent } from './events.js';
import type { EvalContext } from './expr.js';
import { guard } from './guard.js';
import { Locator, type Where } from './location.js';
import { ForkChildren } from './fork-children.js';
import { PendingBreakpoints } from './pending.js';
import { couldBeLibrarySymbol, HOOK_SYMBOL } from './solib-events.js';
import { unwindStack, type StackFrame, type StackOptions } from './stack.js';
import { moduleUnwindTable } from './unwind/module-table.js';
import { decode, pcNumber, readReg, regName, REGS_SIZE, setPc, writeReg, type Registers } from './regfile.js';
import type { ProcessSymbols } from './symbols/index.js';
import { gdbPolicy, type SessionOptions, type SessionPolicy } from './policy.js';
import { SignalTable } from './signal-table.js';
import type { BreakOptions, DetachOptions, FollowFork, Leave, MessageListener, SavedThread, SessionState, StopListener, ThreadInfo } from './session-types.js';

export type { Breakpoint, BreakpointHit, HitAction, PendingBreakpoint } from './breakpoints.js';
export type { StopEvent } from './events.js';
export type { SpawnOptions as LaunchOptions, StdioTarget } from '../procfs/source.js';
export type { Registers } from './regfile.js';
export { gdbPolicy, rawPolicy, SIGNALS_PASSED_SILENTLY, type SessionOptions, type SessionPolicy } from './policy.js';

export type {
  BreakOptions, DetachOptions, FollowFork, Leave, MessageListener, SessionState, StopListener, ThreadInfo,
} from './session-types.js';

/** Per-thread buffers, allocated once: the step loop reuses them. */
interface Slot {
  readonly tid: number;
  readonly regs: Buffer;
  readonly opts: NodeOptions;
  valid: boolean;
}

const SIGNALS_NOT_PASSED = new Set(['trap', 'stop']);
const FAULTS = new Set(['segv', 'bus', 'ill', 'fpe', 'trap']);
/** Steps a source's own step loop runs per request: a round trip per ~20 ms of stepping. */
const STEP_CHUNK = 1024;

export class Session {
  private _state: SessionState = 'stopped';
  private _current: number;
  private _last: StopEvent;
  private readonly slots = new Map<number, Slot>();
  private readonly bps = new BreakpointTable();
  /** Threads whose last stop was on a breakpoint address: resuming them must step off first. */
  private readonly onBreakpoint = new Set<number>();
  private readonly listeners = new Set<StopListener>();
  private readonly whyBuf = Buffer.alloc(128);
  /** The regs a step batch reads with its why; copied into the slot only when the step completed. */
  private readonly stepRegs = Buffer.alloc(REGS_SIZE);
  private readonly byteBuf = Buffer.alloc(1);
  /** What an action breakpoint's callback is handed: one object, refilled at every hit. */
  private readonly hitInfo: { bp: Breakpoint; tid: number; regs: Buffer } = { bp: undefined as unknown as Breakpoint, tid: 0, regs: this.stepRegs };
  /** Action hits passed since the last turn of the event loop. */
  private actionsSinceYield = 0;
  private locator: Locator;
  private pendingSignal: string | undefined;
  private interrupting = false;
  private unguard: (() => void) | undefined;
  /** A `cont` in flight (the target runs). */
  private running: Promise<StopEvent> | undefined;
  /** A step loop in flight: the target is stopped between its steps, but it is not ours to use. */
  private stepping: Promise<StopEvent> | undefined;
  /** Released (or being released): no command may touch the target any more. */
  private closing = false;
  /** Made by observe(): not traced, so there is nothing to interrupt or release. */
  private observing = false;
  private readonly messageListeners = new Set<MessageListener>();
  /** Forked children held at their first stop, and the vfork bytes lifted for one (fork-children.ts). */
  private readonly children: ForkChildren;
  /** Breakpoints on names no loaded module defines yet, and the dynamic linker's hook they wait on. */
  private readonly pending = new PendingBreakpoints({
    pid: () => this.pid,
    table: this.bps,
    resolve: (where) => this.resolve(where),
    reloadSymbols: async () => {
      await this.locator.load(true);
    },
    readByte: async (addr) => {
      await this.fs.readInto(this.pid, 'mem', this.byteBuf, { offset: addr, length: 1 });
      return this.byteBuf[0]!;
    },
    writeByte: async (addr, value) => {
      await this.fs.write(this.pid, 'mem', Uint8Array.of(value), { offset: addr });
    },
    plant: (addr, temporary, opts) => this.plant(addr, temporary, opts),
    describe: (addr) => this.describe(addr),
    say: (text) => this.say(text),
    stopped: () => this._state === 'stopped',
  });
  /** The current thread's frames at this stop (unwound on first use) and the selected one. */
  private stack: { tid: number; frames: StackFrame[]; pastMain: boolean } | undefined;
  private frameIndex = 0;
  /** The session's signal table (gdb's `handle`), from the policy's defaults. */
  readonly signals: SignalTable;
  /** How the exit guard releases this target (see Leave); clients set it to match their promise. */
  onRelease: Leave = 'as-is';
  /** Which process to go on with after a fork; the other one is released with no breakpoint in it. */
  followFork: FollowFork = 'parent';
  /** Whether a step off a breakpoint executes its instruction in the engine where it can (emulate.ts). */
  emulate = true;
  /** Steps off a breakpoint so far: executed in the engine, or by lifting the byte and single-stepping. */
  readonly stepOffs = { emulated: 0, stepped: 0 };

  private constructor(
    readonly fs: ProcFs,
    private _pid: number,
    /** What the engine does with signals by itself (policy.ts). */
    readonly policy: SessionPolicy = gdbPolicy,
  ) {
    this._current = _pid;
    this._last = { kind: 'attached', tid: _pid, pc: 0n };
    this.signals = new SignalTable(policy.signals);
    this.children = new ForkChildren({
      fs,
      table: this.bps,
      pid: () => this.pid,
      dropAll: async (why) => {
        for (const bp of this.bps.all()) await this.delete(bp.id);
        this.say(`breakpoints deleted: ${why}`);
      },
    });
    this.locator = new Locator(fs, _pid);
  }

  /** The instruction set the engine plants breakpoints and reads the pc for (its breakpoint table's). */
  get arch(): Arch {
    return this.bps.arch;
  }

  /** The traced process (after `follow-fork child`, the child). */
  get pid(): number {
    return this._pid;
  }

  /**
   * Becomes the target's tracer (`ctl attach` + `wait`): every thread stopped. Errors as the ctl
   * node gives them: ESRCH (no such process or a zombie), EBUSY (already traced), EPERM.
   */
  static async attach(fs: ProcFs, pid: number, opts: SessionOptions = {}): Promise<Session> {
    const s = new Session(fs, pid, opts.policy);
    if (opts.emulate !== undefined) s.emulate = opts.emulate;
    await fs.write(pid, 'ctl', 'attach');
    s.unguard = guard(s);
    try {
      await fs.write(pid, 'ctl', 'wait');
      let ev = await s.collect();
      // Caught in a fork's or vfork's bookkeeping stop: stopped all the same, just not news.
      if (ev === 'resume') ev = { kind: 'attached', tid: s._current, pc: await s.pc(s._current) };
      if (isGone(ev)) throw gone(pid, ev);
      s._last = ev;
      s.pendingSignal = undefined;
    } catch (err) {
      s.releaseSync();
      throw err;
    }
    return s;
  }

  /**
   * A session that reads without tracing: memory and symbols of a running process, with no
   * stop at all (/proc/PID/mem reads a running process, as process_vm_readv does). Nothing is
   * attached, so nothing is released; commands that need registers or control say EBUSY
   * (`pid N is running`). What `pdbg mem` uses for a read, so a dump never pauses a server.
   */
  static async observe(fs: ProcFs, pid: number): Promise<Session> {
    // The status node answers ESRCH for no such process, before anything else is tried.
    await fs.read(pid, 'status');
    const s = new Session(fs, pid);
    s._state = 'running';
    s.observing = true;
    return s;
  }

  /**
   * Starts `argv` stopped at the first instruction of its image (spec §3's protocol: the child
   * stops itself with SIGSTOP before exec, we attach, let it exec, and stop on the exec event).
   * The source starts it (`ProcFs.spawn`): on Linux it is not pdbg's child, so Node never reaps it behind the tracer.
   */
  static async launch(fs: ProcFs, argv: readonly string[], opts: SpawnOptions & SessionOptions = {}): Promise<Session> {
    const { policy, emulate, ...spawnOpts } = opts;
    const pid = await fs.spawn(argv, spawnOpts);
    let s: Session;
    try {
      s = await Session.attach(fs, pid, { ...(policy ? { policy } : {}), ...(emulate !== undefined ? { emulate } : {}) });
    } catch (err) {
      await fs.write(pid, 'note', 'kill').catch(() => undefined);
      throw err;
    }
    // The stopper shell may still be before its own SIGSTOP: resume, dropping that signal, until
    // the exec event.
    for (let i = 0; i < 8; i++) {
      const ev = await s.resume('run');
      if (ev.kind === 'exec') {
        s._last = ev;
        return s;
      }
      if (isGone(ev)) throw new ProcfsError('ENOENT', `cannot start ${argv[0]}: ${describeStop(ev)}`, pid);
    }
    s.releaseSync();
    throw new ProcfsError('EIO', `cannot start ${argv[0]}: no exec after the stopper`, pid);
  }

  /** `running` also while a step loop is in flight: the target is not available to commands. */
  get state(): SessionState {
    return this.stepping && this._state === 'stopped' ? 'running' : this._state;
  }

  /** The thread `step()`/`regs()` use by default. */
  get current(): number {
    return this._current;
  }

  /** The last stop (or exit) event. */
  get lastStop(): StopEvent {
    return this._last;
  }

  /** Called with each notice of something the engine did by itself; returns the unsubscriber. */
  onMessage(fn: MessageListener): () => void {
    this.messageListeners.add(fn);
    return () => this.messageListeners.delete(fn);
  }

  private say(text: string): void {
    for (const fn of this.messageListeners) fn(text);
  }

  /** Called on every stop/exit event; returns the function that unsubscribes. */
  onStop(fn: StopListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Makes `tid` the default thread for step/regs (it must belong to the target). */
  async select(tid: number): Promise<void> {
    const tids = await this.fs.threads(this.pid);
    if (!tids.includes(tid)) throw new ProcfsError('ESRCH', `pid ${this.pid} has no thread ${tid}`, this.pid);
    if (tid !== this._current) this.forgetStack();
    this._current = tid;
  }

  // ---- frames -------------------------------------------------------------------------------

  /**
   * The current thread's call stack, innermost first (unwound once per stop; stack.ts). Ends at
   * `main` unless `pastMain`, as gdb's `backtrace past-main off`.
   */
  async frames(opts: StackOptions = {}): Promise<StackFrame[]> {
    this.assertStopped();
    const pastMain = opts.pastMain === true;
    if (this.stack && this.stack.tid === this._current && this.stack.pastMain === pastMain) return this.stack.frames;
    const regs = await this.regs();
    const syms = await this.locator.load();
    const frames = await unwindStack(regs, (a, n) => this.readMem(a, n), syms, moduleUnwindTable, { ...opts, pastMain });
    this.stack = { tid: this._current, frames, pastMain };
    if (this.frameIndex >= frames.length) this.frameIndex = 0;
    return frames;
  }

  /** The selected frame's number (0 after every stop and thread change). */
  get selectedFrame(): number {
    return this.frameIndex;
  }

  /** Selects frame `n` of the current thread's stack: registers, `x` and `print` then see it. */
  async selectFrame(n: number): Promise<StackFrame> {
    const frames = await this.frames(this.stack?.pastMain ? { pastMain: true } : {});
    if (!Number.isInteger(n) || n < 0 || n >= frames.length) {
      throw new ProcfsError('EINVAL', `no frame ${n}: the stack has ${frames.length} frame${frames.length === 1 ? '' : 's'} (0-${frames.length - 1})`, this.pid);
    }
    this.frameIndex = n;
    return frames[n]!;
  }

  /** The registers as the selected frame sees them (frame 0: the thread's own). */
  async frameRegs(): Promise<Registers> {
    if (this.frameIndex === 0) return this.regs();
    const frames = await this.frames(this.stack?.pastMain ? { pastMain: true } : {});
    return { ...frames[Math.min(this.frameIndex, frames.length - 1)]!.regs };
  }

  /** One register as the selected frame sees it (any spelling `reg` takes: `eax`, `$pc`…). */
  async frameReg(name: string): Promise<bigint> {
    if (this.frameIndex === 0) return this.reg(name);
    const r = await this.frameRegs();
    const raw = Buffer.from(await this.loadRegs(this.slot(this._current)));
    for (const [n, v] of Object.entries(r)) writeReg(raw, n, v);
    return readReg(raw, name);
  }

  private forgetStack(): void {
    this.stack = undefined;
    this.frameIndex = 0;
  }

  // ---- execution ----------------------------------------------------------------------------

  /** Executes one instruction of `tid` (default: current); the others stay stopped. */
  async step(tid = this._current): Promise<StopEvent> {
    return this.stepN(1, tid);
  }

  /**
   * Steps `n` instructions of one thread, stopping early at anything but a plain step (a
   * breakpoint address reached, a signal, the exit, `interrupt()`). The benchmark's loop: no
   * allocation per step. An interrupt ends it at an instruction boundary with no trap pending.
   */
  async stepN(n: number, tid = this._current): Promise<StopEvent> {
    this.assertStopped();
    const run = this.stepLoop(this.slot(tid), n);
    this.stepping = run;
    try {
      return this.emit(await run);
    } finally {
      this.stepping = undefined;
      this.interrupting = false;
    }
  }

  private async stepLoop(slot: Slot, n: number): Promise<StopEvent> {
    if (this.fs.stepLoop && n > 1) return this.stepLoopThere(slot, n);
    let ev: StopEvent | typeof STEPPED = STEPPED;
    if (n <= 0) await this.loadRegs(slot);
    for (let i = 0; i < n; i++) {
      ev = await this.stepOnce(slot);
      if (ev !== STEPPED) break;
      if (this.interrupting) return { kind: 'interrupted', tid: slot.tid, pc: this.pcBig(slot) };
      // A step completes inside the source's short spin, all in microtasks: without a turn of
      // the event loop now and then, timers and signal handlers (SIGTERM, interrupt) never run.
      if ((i & YIELD_MASK) === YIELD_MASK) await new Promise<void>((r) => setImmediate(r));
    }
    return ev === STEPPED ? { kind: 'step', tid: slot.tid, pc: this.pcBig(slot) } : ev;
  }

  /**
   * stepN by the source's own step loop (a remote agent steps next to the target): chunks of
   * steps, one request each, ending where the engine must look (a breakpoint address, a signal,
   * an event, an interrupt). Each chunk's last step goes through afterStep exactly as a single
   * step would; a thread on a breakpoint is stepped off here, its byte lifted for that one step.
   */
  private async stepLoopThere(slot: Slot, n: number): Promise<StopEvent> {
    let ev: StopEvent | typeof STEPPED = STEPPED;
    for (let i = 0; i < n && ev === STEPPED; ) {
      if (this.interrupting) break;
      await this.loadRegs(slot);
      if (n - i === 1 || (this.bps.size !== 0 && this.bps.has(pcNumber(slot.regs)))) {
        ev = await this.stepOnce(slot);
        i++;
        continue;
      }
      this.onBreakpoint.delete(slot.tid);
      this.pendingSignal = undefined;
      const r = await this.fs.stepLoop!(this.pid, {
        ...(slot.opts.tid !== undefined ? { tid: slot.opts.tid } : {}),
        count: Math.min(n - i, STEP_CHUNK),
        stopAt: this.bps.planted().map((p) => p.addr),
      });
      this.invalidateAll();
      i += r.done;
      ev = await this.afterLoop(slot, r);
      if (r.error || !r.last) break;
      i++;
    }
    if (ev === STEPPED && this.interrupting) return { kind: 'interrupted', tid: slot.tid, pc: this.pcBig(slot) };
    return ev === STEPPED ? { kind: 'step', tid: slot.tid, pc: this.pcBig(slot) } : ev;
  }

  /** Resumes every thread; resolves at the next stop (breakpoint, signal, interrupt) or exit. */
  async cont(): Promise<StopEvent> {
    this.assertStopped();
    const sig = this.pendingSignal;
    return this.emit(await this.resume(sig ?? 'run'));
  }

  /** Resumes every thread delivering `name` (`signal 0`/`none`: deliver nothing). */
  async signal(name: string): Promise<StopEvent> {
    this.assertStopped();
    const word = name === '0' || name === 'none' ? 'run' : parseSignal(name).name;
    return this.emit(await this.resume(word));
  }

  /** Runs to `where` with a temporary breakpoint, removed however the run ends. */
  async runUntil(where: Where): Promise<StopEvent> {
    this.assertStopped();
    let temp: Breakpoint | PendingBreakpoint | undefined;
    try {
      const addr = await this.resolve(where);
      if (!this.bps.at(Number(addr))) temp = await this.break(addr, { temporary: true });
    } catch (err) {
      // Stopped in the dynamic linker (the exec stop, a program started stopped): the libraries
      // are not loaded yet, so `--until write` waits for the one that defines it. Anywhere
      // else an unknown name is a typo, and running until the exit would not say so.
      if (typeof where !== 'string' || !this.policy.untilWaitsForLibrary || !isUnknownName(err) || !(await this.inDynamicLinker())) throw err;
      temp = await this.break(where, { temporary: true, pending: true });
    }
    try {
      return await this.cont();
    } finally {
      if (temp && this._state === 'stopped' && (this.bps.get(temp.id) || this.pending.has(temp.id))) await this.delete(temp.id);
    }
  }

  /**
   * gdb's `finish`: runs until the selected frame returns to its caller (a temporary breakpoint
   * on the return address that counts only in this thread and at the caller's stack depth, so a
   * recursive call returning first does not end it). Another stop on the way (a breakpoint, a
   * signal, the exit) ends it there. Resolves with the stop and the frame it returned from.
   *
   * The return breakpoint is the engine's own, as gdb's: it takes no user number, is never
   * listed, and its hit is reported as the return (`returned`), not as a breakpoint. A deeper
   * frame passing by is no stop at all: only the final event reaches the stop listeners.
   */
  async finish(): Promise<{ stop: StopEvent; from: StackFrame; returned: boolean }> {
    const frames = await this.frames();
    const from = frames[this.frameIndex]!;
    const caller = frames[this.frameIndex + 1];
    if (!caller) throw new ProcfsError('EINVAL', `"finish" not meaningful in the outermost frame (#${this.frameIndex})`, this.pid);
    const tid = this._current;
    const ret = caller.pc;
    for (;;) {
      this.assertStopped();
      // A user breakpoint already there stops the return itself (and is what gdb reports).
      const temp = this.bps.at(Number(ret)) ? undefined : await this.plant(ret, true, { internal: true });
      let stop: StopEvent;
      try {
        stop = await this.resume(this.pendingSignal ?? 'run');
      } finally {
        if (temp && this._state === 'stopped' && this.bps.get(temp.id) === temp) await this.delete(temp.id);
      }
      if (stop.kind !== 'breakpoint' || stop.pc !== ret) return { stop: this.emit(stop), from, returned: false };
      // The same address reached by another thread, or by a deeper call of the same function.
      const deeper = stop.tid !== tid || (from.cfa !== undefined && (await this.reg(this.arch.spReg, stop.tid)) !== from.cfa);
      if (!deeper) {
        const ev: StopEvent = temp && stop.id === temp.id ? { kind: 'returned', tid, pc: ret } : stop;
        return { stop: this.emit(ev), from, returned: true };
      }
      if (stop.tid !== tid) this._current = tid;
    }
  }

  /** The pc is in the dynamic linker (the module defining its load hook), not the executable. */
  async inDynamicLinker(): Promise<boolean> {
    const syms = await this.locator.load();
    if (!syms) return false;
    const mod = syms.moduleAt(await this.pc());
    return mod !== undefined && mod !== syms.modules[0] && mod.image.symbols.some((s) => s.name === HOOK_SYMBOL);
  }

  /**
   * Stops a running target (all threads) without a signal; the pending `cont()` resolves
   * `interrupted`. A step loop in flight ends after the instruction it is on (a step blocked in a
   * system call is interrupted; the kernel restarts the call when the thread runs again).
   */
  async interrupt(): Promise<StopEvent> {
    const pending = this.running ?? this.stepping;
    if (!pending) return this._last;
    this.interrupting = true;
    await this.fs.write(this.pid, 'ctl', 'interrupt');
    return pending;
  }

  /**
   * gdb's `kill`: SIGKILL as a ctl signal word (the source knows its stopped threads then die
   * where they are, and its `wait` collects the end; a bare kill(2) through `note` would leave
   * the source believing them stopped). Resolves with the exit event; from then on the session
   * is `exited` and writes nothing (no breakpoint byte goes back into a dead address space).
   */
  async kill(): Promise<StopEvent> {
    this.assertStopped();
    this.invalidateAll();
    this._state = 'running';
    let ev: StopEvent | 'resume' = 'resume';
    try {
      // A stop already on its way (another thread's breakpoint, a clone) may come before the
      // end: the word again, as gdb kills again until the inferior is gone.
      for (let i = 0; i < 8 && (ev === 'resume' || !isGone(ev)); i++) {
        await this.fs.write(this.pid, 'ctl', 'kill');
        await this.fs.write(this.pid, 'ctl', 'wait');
        ev = await this.collect();
      }
    } catch (err) {
      ev = await this.exitOr(err);
    }
    if (ev === 'resume' || !isGone(ev)) {
      this._state = 'stopped';
      throw new ProcfsError('EIO', `pid ${this.pid}: still there after SIGKILL`, this.pid);
    }
    return this.emit(ev);
  }

  /** Sends a signal without resuming (the `note` node); a stopped target sees it when resumed. */
  async note(name: string): Promise<void> {
    this.assertAlive();
    await this.fs.write(this.pid, 'note', parseSignal(name).name);
  }

  // ---- state --------------------------------------------------------------------------------

  async regs(tid = this._current): Promise<Registers> {
    this.assertStopped();
    return decode(await this.loadRegs(this.slot(tid)));
  }

  async reg(name: string, tid = this._current): Promise<bigint> {
    this.assertStopped();
    return readReg(await this.loadRegs(this.slot(tid)), name);
  }

  async pc(tid = this._current): Promise<bigint> {
    return this.reg(this.arch.pcReg, tid);
  }

  /** Read-modify-write of one register (BSD's regs write); EINVAL for an unknown name. */
  async setReg(name: string, value: bigint, tid = this._current): Promise<void> {
    this.assertStopped();
    const n = regName(name);
    const slot = this.slot(tid);
    const raw = await this.loadRegs(slot);
    writeReg(raw, n, value);
    try {
      await this.fs.write(this.pid, 'regs', raw, slot.opts);
    } catch (err) {
      slot.valid = false;
      throw err;
    }
    if (n === this.arch.pcReg) this.onBreakpoint.delete(tid);
  }

  /** A thread's registers and resume state, for an inferior call to put back (inferior-call-x86-64-linux.ts). */
  async saveThread(tid = this._current): Promise<SavedThread> {
    this.assertStopped();
    const raw = Buffer.from(await this.loadRegs(this.slot(tid)));
    return { tid, raw, onBreakpoint: this.onBreakpoint.has(tid), pendingSignal: this.pendingSignal };
  }

  /** Puts back what saveThread took: every register, and whether it stands on a breakpoint. */
  async restoreThread(saved: SavedThread): Promise<void> {
    this.assertStopped();
    const slot = this.slot(saved.tid);
    saved.raw.copy(slot.regs);
    slot.valid = true;
    try {
      await this.fs.write(this.pid, 'regs', slot.regs, slot.opts);
    } catch (err) {
      slot.valid = false;
      throw err;
    }
    if (saved.onBreakpoint) this.onBreakpoint.add(saved.tid);
    else this.onBreakpoint.delete(saved.tid);
    this.pendingSignal = saved.pendingSignal;
    this.forgetStack();
  }

  /** `len` bytes at `addr`, breakpoint bytes shown as the original code. EIO names an unmapped address. */
  async readMem(addr: bigint, len: number): Promise<Buffer> {
    this.assertAlive();
    const buf = await this.fs.read(this.pid, 'mem', { offset: addr, length: len });
    this.bps.unmask(addr, buf);
    return buf;
  }

  /**
   * Fills `into` from `addr` as readMem does (our 0xCC bytes shown as the code), into the caller's
   * buffer: an action breakpoint reading a word per hit allocates nothing. Resolves to the count.
   */
  async readMemInto(addr: bigint, into: Uint8Array): Promise<number> {
    this.assertAlive();
    const n = await this.fs.readInto(this.pid, 'mem', into, { offset: addr, length: into.length });
    this.bps.unmask(addr, n === into.length ? into : into.subarray(0, n));
    return n;
  }

  /** Writes target memory (text too: copy-on-write through `mem`); a breakpoint under it stays planted. */
  async writeMem(addr: bigint, data: Uint8Array): Promise<void> {
    this.assertAlive();
    await this.fs.write(this.pid, 'mem', this.bps.mask(addr, data), { offset: addr });
    await this.replanUnder(addr, data.length);
  }

  /** Every thread, with its pc when stopped. */
  async threads(): Promise<ThreadInfo[]> {
    this.assertAlive();
    const tids = await this.fs.threads(this.pid);
    const out: ThreadInfo[] = [];
    for (const tid of tids) {
      const name = await this.threadName(tid);
      const named = name === undefined ? {} : { name };
      if (this._state !== 'stopped') {
        out.push({ tid, state: 'running', current: tid === this._current, ...named });
        continue;
      }
      let pc: bigint | undefined;
      try {
        pc = readReg(await this.loadRegs(this.slot(tid)), this.arch.pcReg);
      } catch {
        // A thread that is exiting right now has no registers to show.
      }
      out.push(pc === undefined
        ? { tid, state: 'stopped', current: tid === this._current, ...named }
        : { tid, state: 'stopped', pc, where: this.describe(pc), current: tid === this._current, ...named });
    }
    return out;
  }

  /** A thread's command name from its status node; undefined where the source cannot say. */
  private async threadName(tid: number): Promise<string | undefined> {
    try {
      return commText(parseStatusBytes(await this.fs.read(this.pid, 'status', { tid })));
    } catch {
      return undefined;
    }
  }

  // ---- breakpoints --------------------------------------------------------------------------

  /**
   * Plants an int3 at an address or symbol (`main`, `target_fn+4`, `0x401136`). With `pending`,
   * a name no loaded module defines yet (at the exec stop only the executable and the dynamic
   * linker are mapped; a library may come by dlopen) gives a pending breakpoint instead.
   */
  async break(where: Where, opts?: BreakOptions & { pending?: false }): Promise<Breakpoint>;
  async break(where: Where, opts: BreakOptions): Promise<Breakpoint | PendingBreakpoint>;
  async break(where: Where, opts: BreakOptions = {}): Promise<Breakpoint | PendingBreakpoint> {
    this.assertAlive();
    // A condition that does not parse is refused before anything is planted.
    if (opts.condition !== undefined) conditionExpr(opts.condition);
    let addr: bigint;
    try {
      addr = await this.resolve(where);
    } catch (err) {
      if (!opts.pending || typeof where !== 'string' || !isUnknownName(err) || !couldBeLibrarySymbol(where)) throw err;
      return this.pending.add(where, opts.temporary ?? false, err as ProcfsError, opts.condition, opts.onHit);
    }
    return this.plant(addr, opts.temporary ?? false, {
      ...(typeof where === 'string' ? { spec: where } : {}),
      ...(opts.internal ? { internal: true } : {}),
      ...(opts.condition !== undefined ? { condition: opts.condition } : {}),
      ...(opts.onHit !== undefined ? { onHit: opts.onHit } : {}),
    });
  }

  private async plant(addr: bigint, temporary: boolean, opts: AddOptions & { readonly condition?: string; readonly onHit?: HitAction }): Promise<Breakpoint> {
    const dup = this.bps.at(Number(addr));
    if (dup) throw new ProcfsError('EEXIST', `breakpoint ${dup.id} is already at ${this.describe(addr)}`, this.pid);
    await this.fs.readInto(this.pid, 'mem', this.byteBuf, { offset: addr, length: 1 });
    const original = this.byteBuf[0]!;
    await this.fs.write(this.pid, 'mem', this.bps.arch.breakpoint, { offset: addr });
    const bp = this.bps.add(addr, original, temporary, opts);
    if (opts.condition !== undefined) bp.condition = opts.condition;
    if (opts.onHit !== undefined) bp.onHit = opts.onHit;
    await this.plan(bp);
    return bp;
  }

  /** Breakpoints waiting for a library that defines their name. */
  pendingBreakpoints(): PendingBreakpoint[] {
    return this.pending.list();
  }

  /** gdb `condition N [COND]`: a syntax error is refused now, not at the hit; undefined removes it. */
  setCondition(id: number, condition: string | undefined): Breakpoint {
    const bp = this.userBreakpoint(id);
    if (condition === undefined) delete bp.condition;
    else {
      conditionExpr(condition);
      bp.condition = condition;
    }
    return bp;
  }

  /** gdb `ignore N COUNT`: the next COUNT hits (whose condition holds) pass without stopping. */
  setIgnore(id: number, count: number): Breakpoint {
    const bp = this.userBreakpoint(id);
    bp.ignoreCount = count;
    return bp;
  }

  /** gdb `disable`/`enable`: the original byte goes back, or the 0xCC is planted again. */
  async setEnabled(id: number, enabled: boolean): Promise<Breakpoint> {
    this.assertStopped();
    const bp = this.userBreakpoint(id);
    if (bp.enabled === enabled) return bp;
    if (!enabled) {
      const original = this.bps.disable(id)!;
      await this.fs.write(this.pid, 'mem', Uint8Array.of(original), { offset: bp.addr });
      return bp;
    }
    const other = this.bps.at(Number(bp.addr));
    if (other) throw new ProcfsError('EEXIST', `breakpoint ${other.id} is already at ${this.describe(bp.addr)}`, this.pid);
    await this.fs.readInto(this.pid, 'mem', this.byteBuf, { offset: bp.addr, length: 1 });
    const original = this.byteBuf[0]!;
    await this.fs.write(this.pid, 'mem', this.bps.arch.breakpoint, { offset: bp.addr });
    this.bps.enable(id, original);
    await this.plan(bp);
    return bp;
  }

  private userBreakpoint(id: number): Breakpoint {
    const bp = this.bps.get(id);
    if (!bp || bp.internal) throw new ProcfsError('ENOENT', `no breakpoint number ${id}`, this.pid);
    return bp;
  }

  /** Removes breakpoint `id`, writing its original byte back. */
  async delete(id: number): Promise<void> {
    if (await this.pending.remove(id)) return;
    const bp = this.bps.get(id);
    if (!bp) throw new ProcfsError('ENOENT', `no breakpoint ${id}`, this.pid);
    const original = bp.enabled ? this.bps.originalByte(Number(bp.addr))! : undefined;
    this.bps.remove(id);
    if (original !== undefined && (this._state === 'stopped' || this._state === 'running')) {
      await this.fs.write(this.pid, 'mem', Uint8Array.of(original), { offset: bp.addr });
    }
  }

  breakpoints(): Breakpoint[] {
    return this.bps.list();
  }

  // ---- symbols ------------------------------------------------------------------------------

  /** An address, `SYMBOL`, `SYMBOL+OFF` or `0xHEX`, as an address; ENOENT for an unknown name. */
  async resolve(where: Where): Promise<bigint> {
    return this.locator.resolve(where);
  }

  /** `0x401136 <main+4>`, or just `0x401136` where no symbol is known (symbols load lazily). */
  describe(addr: bigint): string {
    return this.locator.describe(addr);
  }

  /**
   * The process's symbols (loaded on first use; `reload`: read the maps again, for libraries
   * mapped since), or undefined when there are none to read.
   */
  async symbolTable(reload = false): Promise<ProcessSymbols | undefined> {
    return this.locator.load(reload);
  }

  /**
   * The executable's entry point (ELF e_entry plus its load bias), undefined where its module
   * cannot be read. At the exec stop only the dynamic linker has run: by the entry every library
   * the program links is mapped.
   */
  async entryPoint(): Promise<bigint | undefined> {
    return this.locator.entry();
  }

  /** Loads symbols now (else the first `resolve` of a name does); failures only mean "no names". */
  async loadSymbols(): Promise<void> {
    await this.locator.load();
  }

  // ---- release ------------------------------------------------------------------------------

  /**
   * Lifts every breakpoint byte and releases the target: it runs on (or stays stopped, see
   * Leave). A step or continue in flight is interrupted first and ends at an instruction
   * boundary; from the moment this is called no other command may touch the target.
   */
  async detach(opts: DetachOptions = {}): Promise<void> {
    const leave = opts.leave ?? (opts.leaveStopped ? 'stopped' : 'as-is');
    this.closing = true;
    if (this.observing) this._state = 'detached';
    if (this._state === 'exited' || this._state === 'detached') {
      this.unguardNow();
      return;
    }
    if (this.running || this.stepping) await this.interrupt().catch(() => undefined);
    if (this._state === 'stopped') {
      await this.children.releaseAll();
      for (const { addr, original } of this.bps.planted()) {
        await this.fs.write(this.pid, 'mem', Uint8Array.of(original), { offset: addr });
      }
      this.bps.clear();
      this.pending.forget();
      // A signal the target stopped on and nobody passed yet: queue it again so it is not lost.
      // Not a fault: the faulting instruction runs again on resume and raises it afresh.
      if (this.policy.redeliverOnDetach && this.pendingSignal && !FAULTS.has(this.pendingSignal)) await this.fs.write(this.pid, 'note', this.pendingSignal);
      this.pendingSignal = undefined;
      // `detach` leaves it as found: a job-control stop it was in at attach stays (BSD).
      await this.fs.write(this.pid, 'ctl', leave === 'stopped' ? 'detach-stopped' : 'detach');
      if (leave === 'running') await this.fs.write(this.pid, 'note', 'cont');
      this._state = 'detached';
      this.emit({ kind: 'detached' });
    }
    this.unguardNow();
  }

  /** The exit guard's orderly path: detach as `onRelease` says. */
  async release(): Promise<void> {
    await this.detach({ leave: this.onRelease });
  }

  /**
   * The exit guard's last resort: synchronous, never throws. A live source writes the bytes back
   * (into held fork children too) and detaches (LinuxProcFs.releaseSync); a source without that
   * has nothing traced to release.
   */
  releaseSync(): void {
    this.closing = true;
    const src = this.fs.capabilities.syncRelease;
    try {
      const stop = this.onRelease === 'stopped';
      const planted = this.bps.planted();
      src?.releaseSync(this.pid, planted, stop, [...this.children.held]);
      if (this.onRelease === 'running' && this._state !== 'exited') src?.signalSync?.(this.pid, 'cont');
    } catch {
      // Dying anyway; nothing better to do with the error.
    }
    if (this._state !== 'exited') this._state = 'detached';
    this.unguardNow();
  }

  /** How the exit guard's release leaves the target, for its closing line. */
  get leaves(): string {
    return this.onRelease === 'stopped' ? 'left stopped' : this.onRelease === 'running' ? 'running' : 'left as found';
  }

  /** True once `detach`/`release` began: a client stops issuing commands. */
  get released(): boolean {
    return this.closing;
  }

  // ---- internals ----------------------------------------------------------------------------

  private unguardNow(): void {
    this.unguard?.();
    this.unguard = undefined;
  }

  private assertAlive(): void {
    if (this._state === 'exited') throw gone(this.pid, this._last);
    if (this._state === 'detached') throw new ProcfsError('ESRCH', `pid ${this.pid}: detached`, this.pid);
    if (this.closing) throw new ProcfsError('EINTR', `pid ${this.pid}: being released`, this.pid);
  }

  private assertStopped(): void {
    this.assertAlive();
    if (this._state === 'running') throw new ProcfsError('EBUSY', `pid ${this.pid} is running`, this.pid);
  }

  private slot(tid: number): Slot {
    let s = this.slots.get(tid);
    if (!s) {
      s = { tid, regs: Buffer.alloc(REGS_SIZE), opts: { tid }, valid: false };
      this.slots.set(tid, s);
    }
    return s;
  }

  private async loadRegs(slot: Slot): Promise<Buffer> {
    if (!slot.valid) {
      await this.fs.readInto(this.pid, 'regs', slot.regs, slot.opts);
      slot.valid = true;
    }
    return slot.regs;
  }

  private pcBig(slot: Slot): bigint {
    return BigInt(pcNumber(slot.regs));
  }

  private invalidateAll(): void {
    for (const s of this.slots.values()) s.valid = false;
  }

  /** One instruction of one thread. A plain step is STEPPED, so the step loop builds no event objects. */
  private async stepOnce(slot: Slot): Promise<StopEvent | typeof STEPPED> {
    const tid = slot.tid;
    if (this.bps.size !== 0) {
      await this.loadRegs(slot);
      const at = pcNumber(slot.regs);
      if (this.bps.has(at)) return this.stepOffBreakpoint(slot, at);
    }
    this.onBreakpoint.delete(tid);
    this.pendingSignal = undefined;
    return this.stepAndWait(slot);
  }

  /** A resume that failed because the target died (killed from outside) is its exit event. */
  private async exitOr(err: unknown): Promise<StopEvent> {
    if (!(err instanceof ProcfsError) || err.code !== 'ESRCH') throw err;
    let w: Why;
    try {
      w = parseWhy((await this.fs.read(this.pid, 'why')).toString('latin1'));
    } catch {
      throw err;
    }
    if (w.state !== 'exited' && w.state !== 'killed') throw err;
    const ev = await this.interpret(w);
    return ev === 'resume' ? Promise.reject(err) : ev;
  }

  /**
   * Moves a thread off the breakpoint it sits on: by executing the displaced instruction in the
   * engine where its plan allows (one regs write, plus one stack write for a push; no step, no
   * second stop), else by lifting the byte, stepping the thread and planting the byte again.
   *
   * The lifted byte is never missed by another thread: `ctl step` of the Linux source resumes
   * only the one thread (tracer.ts `step`: one resumeThread, the others stay in their ptrace
   * stops), which is gdb's all-stop step-over; a thread that stopped meanwhile is queued
   * (all-stop.ts) and no other thread runs until the byte is back. An emulated step lifts nothing.
   */
  private async stepOffBreakpoint(slot: Slot, at: number): Promise<StopEvent | typeof STEPPED> {
    this.onBreakpoint.delete(slot.tid);
    this.pendingSignal = undefined;
    const plan = this.emulate ? this.bps.at(at)?.emulation : undefined;
    if (plan) {
      const ev = await this.emulateOff(slot, plan);
      if (ev !== DECLINED) return ev;
    }
    const original = this.bps.originalByte(at)!;
    const addr = BigInt(at);
    this.stepOffs.stepped++;
    await this.fs.write(this.pid, 'mem', Uint8Array.of(original), { offset: addr });
    try {
      return await this.stepAndWait(slot);
    } finally {
      if (this.bps.has(at) && this._state === 'stopped' && !this.children.bytesLifted) await this.fs.write(this.pid, 'mem', this.bps.arch.breakpoint, { offset: addr });
    }
  }

  /**
   * The instruction under a breakpoint executed by its plan: the stack write first (a push), then
   * the registers, so a refused write leaves the thread as it was and the step-over takes it.
   * The new registers are built in the scratch buffer and taken only once written.
   */
  private async emulateOff(slot: Slot, plan: EmulationPlan): Promise<StopEvent | typeof STEPPED | typeof DECLINED> {
    await this.loadRegs(slot);
    if (!planApplies(plan, slot.regs)) return DECLINED;
    const regs = this.stepRegs;
    regs.set(slot.regs);
    const write = applyPlan(plan, regs);
    if (this.fs.batch) {
      // One round trip to a remote source; the batch ends at a failed write, so the regs are not
      // written when the stack was not.
      const ops: BatchOp[] = [{ op: 'write', pid: this.pid, node: 'regs', data: regs, opts: slot.opts }];
      if (write) ops.unshift({ op: 'write', pid: this.pid, node: 'mem', data: write.data, opts: { offset: write.addr } });
      const results = await runBatch(this.fs, ops);
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) {
        if (write && !results[0]!.ok) return this.declineOr(failed.error);
        slot.valid = false;
        return this.exitOr(failed.error);
      }
    } else {
      if (write) {
        try {
          await this.fs.write(this.pid, 'mem', write.data, { offset: write.addr });
        } catch (err) {
          return this.declineOr(err);
        }
      }
      try {
        await this.fs.write(this.pid, 'regs', regs, slot.opts);
      } catch (err) {
        slot.valid = false;
        return this.exitOr(err);
      }
    }
    slot.regs.set(regs);
    slot.valid = true;
    this.stepOffs.emulated++;
    return this.landed(slot);
  }

  /** A stack write refused (unmapped: a fake's target without a stack) is the CPU's to do; a dead target is its exit. */
  private async declineOr(err: unknown): Promise<StopEvent | typeof DECLINED> {
    if (err instanceof ProcfsError && err.code === 'ESRCH') return this.exitOr(err);
    return DECLINED;
  }

  /** Decodes the instruction under a breakpoint (its original bytes) into its emulation plan, once. */
  private async plan(bp: Breakpoint): Promise<void> {
    let code: Buffer | undefined;
    try {
      code = await this.readMem(bp.addr, MAX_INSN);
    } catch {
      // Near the end of a mapping, or not readable: stepped over, as before.
    }
    const plan = code ? planFor(code) : undefined;
    if (plan) bp.emulation = plan;
    else delete bp.emulation;
  }

  /** A client wrote code: the plans of breakpoints whose instruction the bytes may cover are decided again. */
  private async replanUnder(addr: bigint, len: number): Promise<void> {
    if (this.bps.size === 0) return;
    for (const bp of this.bps.all()) {
      if (bp.enabled && bp.addr + BigInt(MAX_INSN) > addr && bp.addr < addr + BigInt(len)) await this.plan(bp);
    }
  }

  /**
   * ctl `step` then `wait` for one thread, then why and the thread's regs, as one batch (one
   * round trip to a remote source); a target that died meanwhile is its exit event. The regs
   * land in a scratch buffer: they are only taken if why says the step completed.
   */
  private async stepAndWait(slot: Slot): Promise<StopEvent | typeof STEPPED> {
    // A local source with its own step loop: step, wait, why and regs in one call of one step.
    if (!this.fs.batch && this.fs.stepLoop) {
      const r = await this.fs.stepLoop(this.pid, { tid: slot.tid, count: 1, stopAt: NO_STOPS });
      this.invalidateAll();
      return this.afterLoop(slot, r);
    }
    // A source with neither: the four calls as they are, nothing allocated per step.
    if (!this.fs.batch) {
      try {
        await this.fs.write(this.pid, 'ctl', 'step', slot.opts);
        await this.fs.write(this.pid, 'ctl', 'wait');
      } catch (err) {
        return this.exitOr(err);
      }
      return this.afterStep(slot, await this.readWhyInto(), -1);
    }
    const [step, wait, why, regs] = await runBatch(this.fs, [
      { op: 'write', pid: this.pid, node: 'ctl', data: 'step', opts: slot.opts },
      { op: 'write', pid: this.pid, node: 'ctl', data: 'wait' },
      { op: 'readInto', pid: this.pid, node: 'why', into: this.whyBuf },
      { op: 'readInto', pid: this.pid, node: 'regs', into: this.stepRegs, opts: slot.opts },
    ]);
    if (!step!.ok) return this.exitOr(step!.error);
    if (!wait!.ok) return this.exitOr(wait!.error);
    if (!why!.ok) throw why!.error;
    return this.afterStep(slot, why!.value, regs!.ok ? regs!.value : -1);
  }

  /** The last step of a source's step loop, taken as a single step's (its failure: the exit, or the error). */
  private async afterLoop(slot: Slot, r: StepLoopResult): Promise<StopEvent | typeof STEPPED> {
    if (r.error || !r.last) {
      return this.exitOr(new ProcfsError((r.error?.code ?? 'EIO') as ProcfsError['code'], r.error?.message ?? 'step loop ended without a step', this.pid, 'ctl'));
    }
    const whyLen = r.last.why.copy(this.whyBuf, 0, 0, Math.min(r.last.why.length, this.whyBuf.length));
    const regsRead = r.last.regs ? r.last.regs.copy(this.stepRegs, 0, 0, Math.min(r.last.regs.length, this.stepRegs.length)) : -1;
    return this.afterStep(slot, whyLen, regsRead);
  }

  /** `n`: the why bytes already read; `regsRead`: the bytes of stepRegs read with it (-1: none). */
  private async afterStep(slot: Slot, n: number, regsRead: number): Promise<StopEvent | typeof STEPPED> {
    if (isPlainStep(this.whyBuf, n)) {
      this.invalidateAll();
      if (regsRead === REGS_SIZE) slot.regs.set(this.stepRegs);
      else await this.fs.readInto(this.pid, 'regs', slot.regs, slot.opts);
      slot.valid = true;
      return this.landed(slot);
    }
    const w = parseWhy(this.whyBuf.toString('latin1', 0, n));
    const ev = await this.interpret(w);
    // A clone or fork event stops the step before it finishes: finish it.
    if (ev === 'resume') return this.stepAndWait(slot);
    return ev;
  }

  /** A completed step (or emulated instruction) of `slot`, whose regs are current: did it land on a breakpoint? */
  private async landed(slot: Slot): Promise<StopEvent | typeof STEPPED> {
    const pc = pcNumber(slot.regs);
    const bp = this.bps.size !== 0 ? this.bps.at(pc) : undefined;
    if (bp) {
      const v = weighPlain(bp) ?? (await weighHit(bp, this.condContext(slot)));
      // A step that lands on an action breakpoint is its hit: the action runs now, once (the
      // instruction there runs on the next resume, which steps off without trapping).
      if (v.stop && !(await this.actionPasses(slot, bp, v))) return this.hit(slot, bp, v.conditionError);
      // The step is done, on a breakpoint that does not stop: the next resume steps off it.
      this.onBreakpoint.add(slot.tid);
    }
    return STEPPED;
  }

  /** Resumes every thread with `word` (`run` or a signal name) until a stop worth reporting. */
  private async resume(word: string): Promise<StopEvent> {
    // `running` covers the whole resume, the steps off breakpoints included: a release that
    // comes meanwhile must wait for it, not write the bytes back under a step in flight.
    const run = this.resumeLoop(word);
    this.running = run;
    try {
      return await run;
    } catch (err) {
      // A failed wait (target vanished under us) must not leave the session "running" forever.
      if (this._state === 'running') this._state = 'stopped';
      throw err;
    } finally {
      this.running = undefined;
      this.interrupting = false;
    }
  }

  private async resumeLoop(word: string): Promise<StopEvent> {
    this.pendingSignal = undefined;
    let w = word;
    for (;;) {
      // Threads sitting on a breakpoint must execute the original instruction first: the ones
      // the last stop left there, and those a stop not reported (the library hook) did.
      const off = await this.stepOffAll();
      if (off !== STEPPED) return off;
      // An interrupt that came while nothing ran (a step off a breakpoint, a fork's clean-up).
      if (this.interrupting) return this.interruptedHere();
      this.invalidateAll();
      this._state = 'running';
      let whyLen: number;
      if (!this.fs.batch) {
        try {
          await this.fs.write(this.pid, 'ctl', w);
          await this.fs.write(this.pid, 'ctl', 'wait');
        } catch (err) {
          return await this.exitOr(err);
        }
        whyLen = await this.readWhyInto();
      } else {
        // One batch: a remote source sends the resume, the wait and the why read in one burst.
        const [run, wait, why] = await runBatch(this.fs, [
          { op: 'write', pid: this.pid, node: 'ctl', data: w },
          { op: 'write', pid: this.pid, node: 'ctl', data: 'wait' },
          { op: 'readInto', pid: this.pid, node: 'why', into: this.whyBuf },
        ]);
        if (!run!.ok) return await this.exitOr(run!.error);
        if (!wait!.ok) return await this.exitOr(wait!.error);
        if (!why!.ok) throw why!.error;
        whyLen = why!.value;
      }
      this._state = 'stopped';
      const ev = await this.interpret(parseWhy(this.whyBuf.toString('latin1', 0, whyLen)));
      if (ev === 'resume') {
        w = 'run';
        continue;
      }
      if (ev.kind === 'signal' && !this.signals.get(ev.signal).stop) {
        // Interrupted meanwhile: that is the stop to report; the signal stays pending for
        // the next resume (or is queued again by detach).
        if (this.interrupting) return { kind: 'interrupted', tid: ev.tid, pc: ev.pc };
        const { print, pass } = this.signals.get(ev.signal);
        if (print) this.say(`thread ${ev.tid} received signal ${SignalTable.describe(ev.signal)}${pass ? '' : ' (not passed)'}`);
        this.pendingSignal = undefined;
        w = pass ? ev.signal : 'run';
        continue;
      }
      return ev;
    }
  }

  private async stepOffAll(): Promise<StopEvent | typeof STEPPED> {
    for (const tid of [...this.onBreakpoint]) {
      const slot = this.slot(tid);
      await this.loadRegs(slot);
      const at = pcNumber(slot.regs);
      if (!this.bps.has(at)) {
        this.onBreakpoint.delete(tid);
        continue;
      }
      const ev = await this.stepOffBreakpoint(slot, at);
      if (ev !== STEPPED) return ev;
    }
    return STEPPED;
  }

  private async interruptedHere(): Promise<StopEvent> {
    const slot = this.slot(this._current);
    await this.loadRegs(slot);
    return { kind: 'interrupted', tid: slot.tid, pc: this.pcBig(slot) };
  }

  /** Reads `why` after a `wait` and turns it into an event ('resume': nothing to report). */
  private async collect(): Promise<StopEvent | 'resume'> {
    const n = await this.readWhyInto();
    return this.interpret(parseWhy(this.whyBuf.toString('latin1', 0, n)));
  }

  private async readWhyInto(): Promise<number> {
    return this.fs.readInto(this.pid, 'why', this.whyBuf);
  }

  private async interpret(w: Why): Promise<StopEvent | 'resume'> {
    switch (w.state) {
      case 'exited':
        this._state = 'exited';
        return { kind: 'exited', code: w.code };
      case 'killed':
        this._state = 'exited';
        return { kind: 'killed', signal: w.signal };
      case 'detached':
      case 'untraced':
        this._state = 'detached';
        return { kind: 'detached' };
      case 'running':
        throw new ProcfsError('EIO', `pid ${this.pid}: still running after wait`, this.pid, 'why');
      case 'stopped':
        break;
    }
    this._state = 'stopped';
    this.invalidateAll();
    const slot = this.slot(w.tid);
    this._current = w.tid;
    const pcOf = async () => {
      await this.loadRegs(slot);
      return BigInt(pcNumber(slot.regs));
    };
    switch (w.reason) {
      case 'clone':
        this.slot(w.newTid);
        return 'resume';
      case 'attach':
        return { kind: this.interrupting ? 'interrupted' : 'attached', tid: w.tid, pc: await pcOf() };
      case 'interrupt':
        return { kind: 'interrupted', tid: w.tid, pc: await pcOf() };
      case 'fork':
      case 'vfork':
        return this.forked(w.child, w.reason === 'vfork');
      case 'vforkdone':
        await this.children.vforkDone();
        return 'resume';
      case 'step':
        return { kind: 'step', tid: w.tid, pc: await pcOf() };
      case 'exec':
        // A new image: the old breakpoints went with the old address space, and so did its symbols.
        // Pending breakpoints are names: they wait for the new image's libraries (as gdb's do).
        this.bps.clear();
        this.onBreakpoint.clear();
        this.locator.invalidate();
        await this.pending.afterExec();
        return { kind: 'exec', tid: w.tid, pc: await pcOf() };
      case 'signal':
        if (w.signal === 'stop' && this.interrupting) return { kind: 'interrupted', tid: w.tid, pc: await pcOf() };
        if (this.signals.get(w.signal).pass && !SIGNALS_NOT_PASSED.has(w.signal)) this.pendingSignal = w.signal;
        return { kind: 'signal', tid: w.tid, signal: w.signal, pc: await pcOf() };
      case 'trap': {
        const at = Number(w.addr) - 1;
        const bp = this.bps.at(at);
        if (bp || this.bps.wasPlanted(at)) {
          // The kernel leaves the pc one past the int3. The live source puts it back on the
          // instruction as it collects the stop (a SIGKILL of pdbg must not leave a thread one
          // byte into the code); a source that did not, the engine rewinds now.
          await this.loadRegs(slot);
          if (pcNumber(slot.regs) !== at) {
            setPc(slot.regs, at);
            await this.fs.write(this.pid, 'regs', slot.regs, slot.opts);
          }
          // A trap from a breakpoint deleted since (another thread hit it at the same time): not ours to report.
          if (!bp) return 'resume';
          if (this.pending.isHook(at)) {
            this.onBreakpoint.add(slot.tid);
            await this.pending.onHook();
            return 'resume';
          }
          return this.hitOrPass(slot, bp);
        }
        return { kind: 'signal', tid: w.tid, signal: 'trap', pc: await pcOf() };
      }
    }
  }

  /**
   * A fork or vfork of the target: the child is held at its first instruction with a copy of
   * every breakpoint byte (a vfork child even shares the bytes). gdb's default, detach-on-fork
   * with follow-fork parent: take the bytes out of the child and let it go before it runs. A
   * vfork child borrows our memory until it execs or exits: the bytes stay out until then.
   */
  private async forked(child: number, vfork: boolean): Promise<StopEvent | 'resume'> {
    await this.children.hold(child);
    if (this.followFork === 'child') return this.followChild(child, vfork);
    await this.children.release(child, vfork);
    this.say(`detached after ${vfork ? 'vfork' : 'fork'} from child ${child}`);
    return 'resume';
  }

  /** follow-fork child: the parent is released without our bytes, the session goes on with the child. */
  private async followChild(child: number, vfork: boolean): Promise<StopEvent> {
    const parent = this._pid;
    const planted = this.bps.planted();
    for (const { addr, original } of planted) await this.fs.write(parent, 'mem', Uint8Array.of(original), { offset: addr });
    await this.fs.write(parent, 'ctl', 'detach');
    this.children.adopt(child);
    this._pid = child;
    this._current = child;
    this.slots.clear();
    this.onBreakpoint.clear();
    this.pendingSignal = undefined;
    // A vfork child shares the parent's memory: our bytes left it with the parent's. A forked
    // child has its own copy of them, still planted.
    if (vfork) {
      this.bps.clear();
      this.pending.hookLost();
    }
    this.locator = new Locator(this.fs, child);
    await this.locator.load().catch(() => undefined);
    this.say(`following ${vfork ? 'vfork' : 'fork'} child ${child}; detached from parent ${parent}${vfork && planted.length ? ' (breakpoints deleted: the vfork child shares its memory)' : ''}`);
    const slot = this.slot(child);
    await this.loadRegs(slot);
    this._state = 'stopped';
    return { kind: 'forked', tid: child, parent, pc: this.pcBig(slot) };
  }

  /**
   * A trap on a breakpoint during a resume: it stops, or (a false condition, an ignore count)
   * the thread steps off it, over any further passing breakpoint, and the resume goes on.
   */
  private async hitOrPass(slot: Slot, bp: Breakpoint): Promise<StopEvent | 'resume'> {
    const v = weighPlain(bp) ?? (await weighHit(bp, this.condContext(slot)));
    let at = Number(bp.addr);
    if (v.stop) {
      if (!(await this.actionPasses(slot, bp, v))) return this.hit(slot, bp, v.conditionError);
      // The action (or a temporary action breakpoint's end) took the byte out: the pc is back
      // on the original instruction, nothing to step off.
      if (!this.bps.has(at)) return 'resume';
    }
    for (;;) {
      const ev = await this.stepOffBreakpoint(slot, at);
      if (ev !== STEPPED) return ev;
      at = pcNumber(slot.regs);
      if (!this.onBreakpoint.has(slot.tid) || !this.bps.has(at)) break;
    }
    // Hits handled without a report come in a tight loop of system calls and microtasks: let the
    // event loop turn now and then (signals, timers, an interrupt, the client's output).
    if (bp.onHit !== undefined && ++this.actionsSinceYield >= ACTION_YIELD_EVERY) {
      this.actionsSinceYield = 0;
      await new Promise<void>((r) => setImmediate(r));
    }
    return 'resume';
  }

  /**
   * Runs an action breakpoint's callback for a hit that would stop; true when the hit then
   * passes (the resume goes on), false when it is a stop after all: a plain breakpoint, a
   * condition that failed to evaluate, or the action answering `'stop'`. A temporary action
   * breakpoint is deleted by the hit that ran it.
   */
  private async actionPasses(slot: Slot, bp: Breakpoint, v: HitVerdict): Promise<boolean> {
    const action = bp.onHit;
    if (action === undefined || (v.stop && v.conditionError !== undefined)) return false;
    const info = this.hitInfo;
    info.bp = bp;
    info.tid = slot.tid;
    info.regs = slot.regs;
    const r = action(info);
    const verdict = r !== undefined && typeof r === 'object' ? await r : r;
    if (verdict === 'stop') return false;
    if (bp.temporary && this.bps.get(bp.id) === bp) await this.delete(bp.id);
    return true;
  }

  /** Registers and memory of the thread that hit, for a breakpoint's condition. */
  private condContext(slot: Slot): EvalContext {
    return {
      reg: async (name) => readReg(await this.loadRegs(slot), name),
      read: (addr, len) => this.readMem(addr, len),
      symbol: (name) => this.locator.resolve(name).catch(() => undefined),
    };
  }

  private async hit(slot: Slot, bp: Breakpoint, conditionError?: string): Promise<StopEvent> {
    if (conditionError !== undefined) this.say(conditionError);
    this.onBreakpoint.add(slot.tid);
    if (bp.temporary) await this.delete(bp.id);
    return { kind: 'breakpoint', id: bp.id, temporary: bp.temporary, tid: slot.tid, pc: bp.addr };
  }

  private emit(ev: StopEvent): StopEvent {
    this._last = ev;
    this.forgetStack();
    if (isGone(ev)) {
      this.bps.clear();
      this.pending.forget();
      this.unguardNow();
    }
    for (const fn of this.listeners) fn(ev);
    return ev;
  }
}

const STEPPED = Symbol('stepped');
const NO_STOPS: readonly bigint[] = [];
/** An emulation plan that does not apply here (a push leaving its page, a stack write refused): step over instead. */
const DECLINED = Symbol('declined');
/** The longest x86-64 instruction: what a breakpoint's plan is decoded from. */
const MAX_INSN = 15;
/** stepN yields to the event loop every YIELD_MASK+1 steps (~10 ms). */
const YIELD_MASK = 255;
/** A resume passing action breakpoints yields every so many hits (~10 ms at 20k hits/s). */
const ACTION_YIELD_EVERY = 256;


/** The error a command gets when the target is gone: `process 812 exited (code 3)`. */
/** ENOENT for a name that resolves nowhere (as opposed to a malformed address). */
function isUnknownName(err: unknown): boolean {
  return err instanceof ProcfsError && err.code === 'ENOENT';
}

export function gone(pid: number, ev: StopEvent): ProcfsError {
  const how = ev.kind === 'exited' ? `exited (code ${ev.code})` : ev.kind === 'killed' ? `was killed by signal ${ev.signal}` : 'is gone';
  return new ProcfsError('ESRCH', `process ${pid} ${how}`, pid);
}

export { hex };
