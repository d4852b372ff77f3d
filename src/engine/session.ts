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
 * - A session installs no process-wide handler: an application that wants its targets released
 *   on any exit of its own passes its exit guard (`SessionOptions.exitGuard`, procfs/exit-guard.ts).
 *
 * This file is the façade; the jobs are parts named for them (session-core.ts lists them).
 */
import { ProcfsError } from '../procfs/errors.js';
import type { Releasable } from '../procfs/exit-guard.js';
import { parseSignal } from '../procfs/signals.js';
import type { ProcFs, SpawnOptions } from '../procfs/source.js';
import { BreakpointOps } from './breakpoint-ops.js';
import type { Breakpoint, PendingBreakpoint } from './breakpoints.js';
import { describeStop, hex, isGone, type StopEvent } from './events.js';
import { ForkChildren } from './fork-children.js';
import { FrameSelection } from './frames.js';
import { Hits } from './hits.js';
import type { Where } from './location.js';
import { PendingBreakpoints } from './pending.js';
import { gdbPolicy, type SessionOptions, type SessionPolicy } from './policy.js';
import { decode, readReg, regName, writeReg, type Registers } from './regfile.js';
import { Resumer } from './resuming.js';
import { RunControl } from './run-control.js';
import { gone, SessionCore } from './session-core.js';
import type { BreakOptions, DetachOptions, FollowFork, Leave, MessageListener, SavedThread, SessionState, StopListener, ThreadInfo } from './session-types.js';
import type { SignalTable } from './signal-table.js';
import type { StackFrame, StackOptions } from './stack.js';
import { Stepper } from './stepping.js';
import { StopDecoder } from './stop-decoder.js';
import { listThreads } from './thread-list.js';
import { SessionRelease } from './session-release.js';
import type { ProcessSymbols } from './symbols/index.js';
import type { Arch } from '../arch/arch.js';

export type { Breakpoint, BreakpointHit, HitAction, PendingBreakpoint } from './breakpoints.js';
export type { StopEvent } from './events.js';
export type { SpawnOptions as LaunchOptions, StdioTarget } from '../procfs/source.js';
export type { Registers } from './regfile.js';
export { gdbPolicy, rawPolicy, SIGNALS_PASSED_SILENTLY, type SessionOptions, type SessionPolicy } from './policy.js';
export { gone };
export type {
  BreakOptions, DetachOptions, FollowFork, Leave, MessageListener, SessionState, StopListener, ThreadInfo,
} from './session-types.js';

export class Session implements Releasable {
  private readonly c: SessionCore;
  private readonly bp: BreakpointOps;
  private readonly stack: FrameSelection;
  private readonly stepper: Stepper;
  private readonly resumer: Resumer;
  private readonly decoder: StopDecoder;
  private readonly run: RunControl;
  private readonly releaser: SessionRelease;
  /** Made by observe(): not traced, so there is nothing to interrupt or release. */
  private observing = false;
  private unguard: (() => void) | undefined;
  /** How the exit guard releases this target (see Leave); clients set it to match their promise. */
  onRelease: Leave = 'as-is';

  private constructor(readonly fs: ProcFs, pid: number, policy: SessionPolicy = gdbPolicy, arch?: Arch) {
    const c = (this.c = new SessionCore(fs, pid, policy, arch));
    c.breakpoints = this.bp = new BreakpointOps(c);
    c.stepper = this.stepper = new Stepper(c);
    c.resumer = this.resumer = new Resumer(c);
    c.decoder = this.decoder = new StopDecoder(c);
    c.hits = new Hits(c);
    c.frames = this.stack = new FrameSelection(c);
    c.onGone = () => this.unguardNow();
    this.run = new RunControl(c, this.bp, this.stack);
    this.releaser = new SessionRelease(c, () => this.interrupt(), () => this.resumer.inFlight !== undefined || this.stepper.inFlight !== undefined);
    c.children = new ForkChildren({
      fs,
      table: c.bps,
      pid: () => c.pid,
      dropAll: async (why) => {
        for (const bp of c.bps.all()) await this.delete(bp.id);
        c.say(`breakpoints deleted: ${why}`);
      },
    });
    c.pending = new PendingBreakpoints({
      pid: () => c.pid,
      table: c.bps,
      resolve: (where) => this.resolve(where),
      reloadSymbols: async () => void (await c.locator.load(true)),
      readByte: (addr) => this.bp.readByte(addr),
      writeByte: (addr, value) => this.bp.writeByte(addr, value),
      plant: (addr, temporary, opts) => this.bp.plant(addr, temporary, opts),
      describe: (addr) => this.describe(addr),
      say: (text) => c.say(text),
      stopped: () => c.state === 'stopped',
    });
  }

  /**
   * Becomes the target's tracer (`ctl attach` + `wait`): every thread stopped. Errors as the ctl
   * node gives them: ESRCH (no such process or a zombie), EBUSY (already traced), EPERM.
   */
  static async attach(fs: ProcFs, pid: number, opts: SessionOptions = {}): Promise<Session> {
    const s = new Session(fs, pid, opts.policy, opts.arch);
    if (opts.emulate !== undefined) s.emulate = opts.emulate;
    await fs.write(pid, 'ctl', 'attach');
    // Registered between the attach and its wait: an exit while waiting still releases it.
    s.unguard = opts.exitGuard?.(s);
    try {
      await fs.write(pid, 'ctl', 'wait');
      let ev = await s.decoder.collect();
      // Caught in a fork's or vfork's bookkeeping stop: stopped all the same, just not news.
      if (ev === 'resume') ev = { kind: 'attached', tid: s.c.current, pc: await s.pc(s.c.current) };
      if (isGone(ev)) throw gone(pid, ev);
      s.c.last = ev;
      s.c.pendingSignal = undefined;
    } catch (err) {
      s.releaseSync();
      throw err;
    }
    return s;
  }

  /**
   * A session that reads without tracing: memory and symbols of a running process, with no
   * stop at all. Nothing is attached, so nothing is released; commands that need registers or
   * control say EBUSY (`pid N is running`). What `pdbg mem` uses, so a dump never pauses a server.
   */
  static async observe(fs: ProcFs, pid: number): Promise<Session> {
    // The status node answers ESRCH for no such process, before anything else is tried.
    await fs.read(pid, 'status');
    const s = new Session(fs, pid);
    s.c.state = 'running';
    s.observing = true;
    return s;
  }

  /**
   * Starts `argv` stopped at the first instruction of its image (the source starts it stopped
   * before its exec; we attach, let it exec, and stop on the exec event).
   */
  static async launch(fs: ProcFs, argv: readonly string[], opts: SpawnOptions & SessionOptions = {}): Promise<Session> {
    const { policy, emulate, exitGuard, ...spawnOpts } = opts;
    const pid = await fs.spawn(argv, spawnOpts);
    let s: Session;
    try {
      s = await Session.attach(fs, pid, { ...(policy ? { policy } : {}), ...(emulate !== undefined ? { emulate } : {}), ...(exitGuard ? { exitGuard } : {}) });
    } catch (err) {
      await fs.write(pid, 'note', 'kill').catch(() => undefined);
      throw err;
    }
    // The stopper shell may still be before its own SIGSTOP: resume, dropping that signal, until the exec event.
    for (let i = 0; i < 8; i++) {
      const ev = await s.resumer.resume('run');
      if (ev.kind === 'exec') {
        s.c.last = ev;
        return s;
      }
      if (isGone(ev)) throw new ProcfsError('ENOENT', `cannot start ${argv[0]}: ${describeStop(ev)}`, pid);
    }
    s.releaseSync();
    throw new ProcfsError('EIO', `cannot start ${argv[0]}: no exec after the stopper`, pid);
  }

  /** The traced process (after `follow-fork child`, the child). */
  /** The instruction set the engine plants breakpoints and reads the pc for (its breakpoint table's). */
  get arch(): Arch { return this.c.bps.arch; }
  /** The traced process (after `follow-fork child`, the child). */
  get pid(): number { return this.c.pid; }
  /** What the engine does with signals by itself (policy.ts). */
  get policy(): SessionPolicy { return this.c.policy; }
  /** The session's signal table (gdb's `handle`), from the policy's defaults. */
  get signals(): SignalTable { return this.c.signals; }
  /** Which process to go on with after a fork; the other one is released with no breakpoint in it. */
  get followFork(): FollowFork { return this.c.followFork; }
  set followFork(v: FollowFork) { this.c.followFork = v; }
  /** Whether a step off a breakpoint executes its instruction in the engine where it can (emulate.ts). */
  get emulate(): boolean { return this.c.emulate; }
  set emulate(v: boolean) { this.c.emulate = v; }
  /** Steps off a breakpoint so far: executed in the engine, or by lifting the byte and single-stepping. */
  get stepOffs(): { readonly emulated: number; readonly stepped: number } { return this.c.stepOffs; }
  /** `running` also while a step loop is in flight: the target is not available to commands. */
  get state(): SessionState { return this.stepper.inFlight && this.c.state === 'stopped' ? 'running' : this.c.state; }
  /** The thread `step()`/`regs()` use by default. */
  get current(): number { return this.c.current; }
  /** The last stop (or exit) event. */
  get lastStop(): StopEvent { return this.c.last; }

  /** Called with each notice of something the engine did by itself; returns the unsubscriber. */
  onMessage(fn: MessageListener): () => void {
    this.c.messageListeners.add(fn);
    return () => this.c.messageListeners.delete(fn);
  }

  /** Called on every stop/exit event; returns the function that unsubscribes. */
  onStop(fn: StopListener): () => void {
    this.c.listeners.add(fn);
    return () => this.c.listeners.delete(fn);
  }

  /** Makes `tid` the default thread for step/regs (it must belong to the target). */
  async select(tid: number): Promise<void> {
    const tids = await this.fs.threads(this.pid);
    if (!tids.includes(tid)) throw new ProcfsError('ESRCH', `pid ${this.pid} has no thread ${tid}`, this.pid);
    if (tid !== this.c.current) this.stack.forget();
    this.c.current = tid;
  }

  // ---- frames (frames.ts) ----

  /** The current thread's call stack, innermost first; ends at `main` unless `pastMain`. */
  frames(opts: StackOptions = {}): Promise<StackFrame[]> { return this.stack.frames(opts); }
  /** The selected frame's number (0 after every stop and thread change). */
  get selectedFrame(): number { return this.stack.selected; }
  /** Selects frame `n` of the current thread's stack: registers, `x` and `print` then see it. */
  selectFrame(n: number): Promise<StackFrame> { return this.stack.select(n); }
  /** The registers as the selected frame sees them (frame 0: the thread's own). */
  async frameRegs(): Promise<Registers> { return (await this.stack.regs()) ?? this.regs(); }
  /** One register as the selected frame sees it (any spelling `reg` takes: `eax`, `$pc`…). */
  frameReg(name: string): Promise<bigint> { return this.stack.selected === 0 ? this.reg(name) : this.stack.reg(name); }

  // ---- execution (stepping.ts, resuming.ts, run-control.ts) ----

  /** Executes one instruction of `tid` (default: current); the others stay stopped. */
  step(tid = this.c.current): Promise<StopEvent> { return this.stepper.stepN(1, tid); }
  /** Steps `n` instructions of one thread, stopping early at anything but a plain step. */
  stepN(n: number, tid = this.c.current): Promise<StopEvent> { return this.stepper.stepN(n, tid); }
  /** Resumes every thread; resolves at the next stop (breakpoint, signal, interrupt) or exit. */
  cont(): Promise<StopEvent> { return this.run.cont(this.c.pendingSignal ?? 'run'); }
  /** Resumes every thread delivering `name` (`signal 0`/`none`: deliver nothing). */
  signal(name: string): Promise<StopEvent> {
    this.c.assertStopped();
    return this.run.cont(name === '0' || name === 'none' ? 'run' : parseSignal(name).name);
  }
  /** Runs to `where` with a temporary breakpoint, removed however the run ends. */
  runUntil(where: Where): Promise<StopEvent> { return this.run.runUntil(where); }
  /** gdb's `finish` (run-control.ts): the stop, the frame it returned from, and whether it returned. */
  finish(): Promise<{ stop: StopEvent; from: StackFrame; returned: boolean }> {
    return this.run.finish();
  }
  /** The pc is in the dynamic linker (the module defining its load hook), not the executable. */
  inDynamicLinker(): Promise<boolean> { return this.run.inDynamicLinker(); }
  /** Stops a running target (all threads) without a signal; the pending run resolves `interrupted`. */
  interrupt(): Promise<StopEvent> { return this.run.interrupt(); }
  /** gdb's `kill`: resolves with the exit event; from then on the session writes nothing. */
  kill(): Promise<StopEvent> { return this.run.kill(); }
  /** Sends a signal without resuming (the `note` node); a stopped target sees it when resumed. */
  async note(name: string): Promise<void> {
    this.c.assertAlive();
    await this.fs.write(this.pid, 'note', parseSignal(name).name);
  }

  // ---- state (thread-regs.ts, breakpoint-ops.ts) ----

  async regs(tid = this.c.current): Promise<Registers> { return decode(await this.raw(tid)); }
  async reg(name: string, tid = this.c.current): Promise<bigint> {
    return readReg(await this.raw(tid), name);
  }
  async pc(tid = this.c.current): Promise<bigint> { return this.reg(this.arch.pcReg, tid); }
  private async raw(tid: number): Promise<Buffer> {
    this.c.assertStopped();
    return this.c.regs.load(this.c.regs.slot(tid));
  }

  /** Read-modify-write of one register (BSD's regs write); EINVAL for an unknown name. */
  async setReg(name: string, value: bigint, tid = this.c.current): Promise<void> {
    this.c.assertStopped();
    const n = regName(name);
    writeReg(await this.raw(tid), n, value);
    await this.c.regs.store(this.c.regs.slot(tid));
    if (n === this.arch.pcReg) this.c.onBreakpoint.delete(tid);
  }

  /** A thread's registers and resume state, for an inferior call to put back (inferior-call.ts). */
  async saveThread(tid = this.c.current): Promise<SavedThread> {
    const raw = Buffer.from(await this.raw(tid));
    return { tid, raw, onBreakpoint: this.c.onBreakpoint.has(tid), pendingSignal: this.c.pendingSignal };
  }

  /** Puts back what saveThread took: every register, and whether it stands on a breakpoint. */
  async restoreThread(saved: SavedThread): Promise<void> {
    this.c.assertStopped();
    const slot = this.c.regs.slot(saved.tid);
    saved.raw.copy(slot.regs);
    slot.valid = true;
    await this.c.regs.store(slot);
    if (saved.onBreakpoint) this.c.onBreakpoint.add(saved.tid);
    else this.c.onBreakpoint.delete(saved.tid);
    this.c.pendingSignal = saved.pendingSignal;
    this.stack.forget();
  }

  /** `len` bytes at `addr`, breakpoint bytes shown as the original code. EIO names an unmapped address. */
  readMem(addr: bigint, len: number): Promise<Buffer> { return this.bp.readMem(addr, len); }
  /** readMem into the caller's buffer (an action breakpoint reading a word per hit allocates nothing); the count. */
  readMemInto(addr: bigint, into: Uint8Array): Promise<number> { return this.bp.readMemInto(addr, into); }
  /** Writes target memory (text too: copy-on-write through `mem`); a breakpoint under it stays planted. */
  writeMem(addr: bigint, data: Uint8Array): Promise<void> { return this.bp.writeMem(addr, data); }

  /** Every thread, with its pc when stopped. */
  threads(): Promise<ThreadInfo[]> { return listThreads(this.c); }

  // ---- breakpoints (breakpoint-ops.ts, pending.ts) ----

  /**
   * Plants an int3 at an address or symbol (`main`, `target_fn+4`, `0x401136`). With `pending`,
   * a name no loaded module defines yet gives a pending breakpoint instead.
   */
  async break(where: Where, opts?: BreakOptions & { pending?: false }): Promise<Breakpoint>;
  async break(where: Where, opts: BreakOptions): Promise<Breakpoint | PendingBreakpoint>;
  async break(where: Where, opts: BreakOptions = {}): Promise<Breakpoint | PendingBreakpoint> {
    return this.bp.break(where, opts);
  }
  /** Breakpoints waiting for a library that defines their name. */
  pendingBreakpoints(): PendingBreakpoint[] { return this.c.pending.list(); }
  /** gdb `condition N [COND]`: a syntax error is refused now, not at the hit; undefined removes it. */
  setCondition(id: number, condition: string | undefined): Breakpoint { return this.bp.setCondition(id, condition); }
  /** gdb `ignore N COUNT`: the next COUNT hits (whose condition holds) pass without stopping. */
  setIgnore(id: number, count: number): Breakpoint { return this.bp.setIgnore(id, count); }
  /** gdb `disable`/`enable`: the original byte goes back, or the 0xCC is planted again. */
  setEnabled(id: number, enabled: boolean): Promise<Breakpoint> { return this.bp.setEnabled(id, enabled); }
  /** Removes breakpoint `id`, writing its original byte back. */
  delete(id: number): Promise<void> { return this.bp.delete(id); }
  breakpoints(): Breakpoint[] {
    return this.c.bps.list();
  }

  // ---- symbols (location.ts) ----

  /** An address, `SYMBOL`, `SYMBOL+OFF` or `0xHEX`, as an address; ENOENT for an unknown name. */
  resolve(where: Where): Promise<bigint> { return this.c.locator.resolve(where); }
  /** `0x401136 <main+4>`, or just `0x401136` where no symbol is known (symbols load lazily). */
  describe(addr: bigint): string { return this.c.locator.describe(addr); }
  /** The process's symbols (`reload`: read the maps again), or undefined when there are none to read. */
  symbolTable(reload = false): Promise<ProcessSymbols | undefined> { return this.c.locator.load(reload); }
  /** The executable's entry point (ELF e_entry plus its load bias), undefined where its module cannot be read. */
  entryPoint(): Promise<bigint | undefined> { return this.c.locator.entry(); }
  /** Loads symbols now (else the first `resolve` of a name does); failures only mean "no names". */
  async loadSymbols(): Promise<void> {
    await this.c.locator.load();
  }

  // ---- release (procfs/release.ts) ----

  /**
   * Lifts every breakpoint byte and releases the target: it runs on (or stays stopped, see
   * Leave). A step or continue in flight is interrupted first and ends at an instruction
   * boundary; from the moment this is called no other command may touch the target.
   */
  async detach(opts: DetachOptions = {}): Promise<void> {
    if (this.observing) this.c.state = 'detached';
    await this.releaser.detach(opts.leave ?? (opts.leaveStopped ? 'stopped' : 'as-is'));
    this.unguardNow();
  }

  /** The exit guard's orderly path: detach as `onRelease` says. */
  async release(): Promise<void> {
    await this.detach({ leave: this.onRelease });
  }

  /** The exit guard's last resort (session-release.ts): synchronous, never throws. */
  releaseSync(): void {
    this.releaser.releaseSync(this.onRelease);
    this.unguardNow();
  }

  /** How the exit guard's release leaves the target, for its closing line. */
  get leaves(): string { return this.onRelease === 'stopped' ? 'left stopped' : this.onRelease === 'running' ? 'running' : 'left as found'; }
  /** True once `detach`/`release` began: a client stops issuing commands. */
  get released(): boolean { return this.c.closing; }

  private unguardNow(): void {
    this.unguard?.();
    this.unguard = undefined;
  }
}

export { hex };
