/**
 * Function-call tracing over a Session, as gdb's dprintf: an action breakpoint on each traced
 * name (a hit runs `Tracer`'s handler with the thread's registers, then the thread steps off and
 * the resume goes on, no stop reported), so every call is handled before its thread runs on, in
 * every thread, and none is missed or counted twice.
 *
 *   const t = new Tracer(session, (line) => out.write(line + '\n'), { args: 2, ret: true });
 *   await t.add(['write', 'tf']);        // pending names wait for their library with `pending`
 *   await session.cont();                // lines come as the calls happen
 *
 * With `ret`, each call is paired with its return: at the entry the return address is read at
 * [rsp] and an internal action breakpoint planted there (once per return site, reused by every
 * later call through it); the call is kept on its thread's stack of active calls with its stack
 * pointer. A hit at a return site matches the innermost active call of that thread whose
 * stack pointer, after the `ret` popped the return address, is the current one: recursion and
 * threads pair correctly, a thread passing a return site for a call not traced is let go, and a
 * call a longjmp abandoned (a shallower stack pointer comes back) ends as `= ?`.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { BreakpointHit, HitAction } from './breakpoints.js';
import { pcNumber } from './regfile.js';
import type { Session } from './session.js';
import {
  callJson, callLine, formatArgs, MAX_ARGS, returnValue, stackPointer, threadPrefix, traceName, type CallCount, type TraceName,
} from './trace-format.js';

export interface TraceOptions {
  /** Argument registers shown per call, System V order (rdi rsi rdx rcx r8 r9): 0–6, default 3. */
  readonly args?: number;
  /** Pair each call with its return and show `= rax` (signed decimal). */
  readonly ret?: boolean;
  /** One JSON object a call instead of a line. */
  readonly json?: boolean;
  /** Count the calls only, write nothing per call (`--count`, as `strace -c`). */
  readonly countOnly?: boolean;
  /** A name no loaded module defines waits for a library that does (else ENOENT, one line). */
  readonly pending?: boolean;
}

/** Where one traced name went. */
export interface TracedSymbol {
  readonly spec: string;
  /** The breakpoint's number (a pending one's too). */
  readonly id: number;
  /** Its address, once planted; undefined while pending. */
  readonly addr?: bigint;
}

/** Receives each call as one line (no newline): text or JSON as the options say. */
export type TraceSink = (line: string) => void;

interface Traced {
  readonly spec: string;
  readonly name: TraceName;
  calls: number;
}

/** A call whose return is awaited (`ret`): its text so far, and where its return will land. */
interface ActiveCall {
  readonly sym: Traced;
  readonly args: string;
  /** The stack pointer at the entry; after the `ret`, it is this + 8. */
  readonly sp: number;
  /** The return address read at [rsp] at the entry. */
  readonly ra: number;
}

const DEFAULT_ARGS = 3;

export class Tracer {
  private readonly nArgs: number;
  private readonly withRet: boolean;
  private readonly json: boolean;
  private readonly countOnly: boolean;
  private readonly pending: boolean;
  /** Every name asked for, in order (a pending one is here before it has an address). */
  private readonly syms: Traced[] = [];
  /** Planted entry addresses → their name. */
  private readonly entries = new Map<number, Traced>();
  /** Names by breakpoint number, to find a pending one's name once it is planted. */
  private readonly byId = new Map<number, Traced>();
  /** Return sites with a breakpoint of ours (planted, or an entry breakpoint that is one too). */
  private readonly sites = new Set<number>();
  /** Breakpoint numbers this tracer planted, entries and return sites: what `remove` deletes. */
  private readonly owned = new Set<number>();
  /** Per thread, its active calls, innermost last. */
  private readonly active = new Map<number, ActiveCall[]>();
  private several = false;
  private stopping = false;
  private total = 0;
  /** The return-address word read at each entry (`ret`): one buffer for every read. */
  private readonly word = Buffer.alloc(8);
  /** The one callback every breakpoint of this tracer runs. */
  private readonly action: HitAction = (hit) => this.onHit(hit);

  constructor(
    private readonly s: Session,
    private readonly sink: TraceSink,
    opts: TraceOptions = {},
  ) {
    const n = opts.args ?? DEFAULT_ARGS;
    if (!Number.isInteger(n) || n < 0 || n > MAX_ARGS) throw new ProcfsError('EINVAL', `--args: 0 to ${MAX_ARGS} argument registers, not ${n}`);
    this.nArgs = n;
    this.withRet = opts.ret === true && opts.countOnly !== true;
    this.json = opts.json === true;
    this.countOnly = opts.countOnly === true;
    this.pending = opts.pending === true;
  }

  /** The options as they were given, for a client that wants to tell whether a second `trace` agrees. */
  get options(): Required<Pick<TraceOptions, 'args' | 'ret'>> {
    return { args: this.nArgs, ret: this.withRet };
  }

  /**
   * Plants an action breakpoint on each name (`SYM`, `SYM+OFF`, an address). An unknown name is
   * ENOENT (with `pending`, it waits for its library instead); a name already traced, or an
   * alias at an address already traced (`write` and `__write`), is skipped. On an error nothing
   * of this call stays planted.
   */
  async add(specs: readonly string[]): Promise<TracedSymbol[]> {
    // A target already multi-threaded names threads from the first line.
    if (!this.several) this.several = (await this.s.fs.threads(this.s.pid)).length > 1;
    const out: TracedSymbol[] = [];
    const planted: number[] = [];
    try {
      for (const spec of specs) {
        if (this.syms.some((t) => t.spec === spec)) continue;
        const addr = await this.s.resolve(spec).catch((err: unknown) => {
          if (this.pending && err instanceof ProcfsError && err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (addr !== undefined && this.entries.has(Number(addr))) continue;
        const t: Traced = { spec, name: traceName(spec), calls: 0 };
        const bp = await this.s.break(spec, { pending: true, onHit: this.action });
        planted.push(bp.id);
        this.owned.add(bp.id);
        this.syms.push(t);
        this.byId.set(bp.id, t);
        if ('addr' in bp) {
          this.entries.set(Number(bp.addr), t);
          out.push({ spec, id: bp.id, addr: bp.addr });
        } else out.push({ spec, id: bp.id });
      }
    } catch (err) {
      for (const id of planted) await this.forget(id);
      throw err;
    }
    return out;
  }

  /**
   * After an exec of the target: the old image's breakpoints went with its address space, so
   * the same names are traced in the new one, each pending until a module defines it (at the
   * exec stop only the dynamic linker is mapped). Counts go on; a name the new image can never
   * define stays listed at its count. Calls in flight ended with the old image (`= ?`).
   */
  async afterExec(): Promise<void> {
    this.endUnfinished();
    // Names still pending when the image changed wait on in the session, under their numbers.
    const waiting = new Map<Traced, number>();
    for (const p of this.s.pendingBreakpoints()) {
      const t = this.byId.get(p.id);
      if (t) waiting.set(t, p.id);
    }
    this.entries.clear();
    this.byId.clear();
    this.sites.clear();
    this.owned.clear();
    this.several = false;
    for (const t of this.syms) {
      const id = waiting.get(t);
      if (id !== undefined) {
        this.owned.add(id);
        this.byId.set(id, t);
        continue;
      }
      try {
        const bp = await this.s.break(t.spec, { pending: true, onHit: this.action });
        this.owned.add(bp.id);
        this.byId.set(bp.id, t);
        if ('addr' in bp) this.entries.set(Number(bp.addr), t);
      } catch {
        // Not a name a library could bring (an address of the old image): not traced any more.
      }
    }
  }

  /** The calls so far, per name asked for (pending names included, at 0). */
  counts(): CallCount[] {
    return this.syms.map((t) => ({ sym: t.spec, calls: t.calls }));
  }

  /** Calls seen, all names together. */
  get calls(): number {
    return this.total;
  }

  /**
   * The next hit (in any thread) is handled and then stops the resume, reported as that
   * breakpoint: how a client ends a trace from inside it (its reader went away) without an
   * interrupt racing the hits.
   */
  requestStop(): void {
    this.stopping = true;
  }

  get stopRequested(): boolean {
    return this.stopping;
  }

  /**
   * Writes every call still waiting for its return as `= ?` (the trace ends, or the target
   * exited) and forgets them; innermost first within a thread, as they would have returned.
   */
  endUnfinished(): void {
    for (const [tid, stack] of this.active) {
      while (stack.length > 0) this.emitReturn(tid, stack.pop()!, null);
    }
    this.active.clear();
  }

  /**
   * Deletes every breakpoint this tracer planted (entries, pending names, return sites), writing
   * their bytes back; the target must be stopped. Calls in flight end as `= ?`.
   */
  async remove(): Promise<void> {
    this.endUnfinished();
    for (const id of [...this.owned]) await this.forget(id);
    this.syms.length = 0;
    this.entries.clear();
    this.byId.clear();
    this.sites.clear();
  }

  private async forget(id: number): Promise<void> {
    this.owned.delete(id);
    try {
      await this.s.delete(id);
    } catch (err) {
      // Deleted by the user meanwhile (a script's `delete N`): nothing of ours left there.
      if (!(err instanceof ProcfsError && err.code === 'ENOENT')) throw err;
    }
  }

  // ---- the hot path -------------------------------------------------------------------------

  private onHit(hit: BreakpointHit): void | 'stop' | Promise<void | 'stop'> {
    const regs = hit.regs;
    const pc = pcNumber(regs);
    if (!this.several && hit.tid !== this.s.pid) this.several = true;
    if (this.withRet && this.sites.has(pc)) this.returned(hit.tid, regs, pc);
    let t = this.entries.get(pc);
    // A pending name planted since: learn its address from the breakpoint that hit.
    if (t === undefined && !this.sites.has(pc)) t = this.learn(hit.bp.id, pc);
    if (t !== undefined) {
      t.calls++;
      this.total++;
      if (this.withRet) return this.entered(t, hit.tid, regs);
      if (!this.countOnly) this.sink(this.line(hit.tid, t, formatArgs(regs, this.nArgs, this.json)));
    }
    return this.stopping ? 'stop' : undefined;
  }

  private learn(id: number, pc: number): Traced | undefined {
    const t = this.byId.get(id);
    if (t) this.entries.set(pc, t);
    return t;
  }

  private async entered(t: Traced, tid: number, regs: Buffer): Promise<void | 'stop'> {
    const sp = stackPointer(regs);
    const args = formatArgs(regs, this.nArgs, this.json);
    await this.s.readMemInto(BigInt(sp), this.word);
    const ra = this.word.readUInt32LE(4) * 0x1_0000_0000 + this.word.readUInt32LE(0);
    if (!this.sites.has(ra) && !(await this.plantSite(ra))) {
      // Somebody else's breakpoint is there (a script's own): the return cannot be told apart.
      this.sink(this.line(tid, t, args, null));
      return this.stopping ? 'stop' : undefined;
    }
    let stack = this.active.get(tid);
    if (stack === undefined) this.active.set(tid, (stack = []));
    stack.push({ sym: t, args, sp, ra });
    return this.stopping ? 'stop' : undefined;
  }

  /** A breakpoint of ours at a return site; false when another one holds the address. */
  private async plantSite(ra: number): Promise<boolean> {
    if (this.entries.has(ra)) {
      // A traced function starts right after a call (one to a noreturn function): its entry
      // breakpoint is the return site's too, the handler checks both.
      this.sites.add(ra);
      return true;
    }
    try {
      const bp = await this.s.break(BigInt(ra), { internal: true, onHit: this.action });
      this.owned.add(bp.id);
      this.sites.add(ra);
      return true;
    } catch (err) {
      if (err instanceof ProcfsError && err.code === 'EEXIST') return false;
      throw err;
    }
  }

  private returned(tid: number, regs: Buffer, pc: number): void {
    const stack = this.active.get(tid);
    if (stack === undefined || stack.length === 0) return;
    const sp = stackPointer(regs);
    let ret: string | undefined;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const after = top.sp + 8;
      if (after === sp && top.ra === pc) {
        // Several entries can end at once: a traced function tail-calling another traced one.
        stack.pop();
        this.emitReturn(tid, top, (ret ??= returnValue(regs)));
        continue;
      }
      // A call below the current stack pointer never returned (longjmp, an exception): gone.
      if (after < sp) {
        stack.pop();
        this.emitReturn(tid, top, null);
        continue;
      }
      return;
    }
  }

  private emitReturn(tid: number, c: ActiveCall, ret: string | null): void {
    this.sink(this.line(tid, c.sym, c.args, ret));
  }

  private line(tid: number, t: Traced, args: string, ret?: string | null): string {
    return this.json ? callJson(tid, t.name, args, ret) : callLine(threadPrefix(tid, this.several), t.name, args, ret);
  }
}
