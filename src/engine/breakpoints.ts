/**
 * Software breakpoints: an `int3` (0xCC) written over the first byte of an instruction through
 * the `mem` node, the original byte kept here. When the thread executes it the kernel reports a
 * SIGTRAP with the pc one past the 0xCC (`why`: `trap ADDR`), so a hit is "trap at an address
 * one past a planted byte", and the engine moves the pc back.
 *
 * This table does no I/O; the session plants and lifts bytes. Addresses are kept as numbers
 * (x86-64 user space fits in 47 bits) so the per-stop lookup allocates nothing.
 */

import type { Arch } from '../arch/arch.js';
import { HOST_ARCH } from '../arch/host.js';
import type { EmulationPlan } from './emulate.js';

/**
 * What stops the target at a stop point: an instruction executed at an address (a breakpoint,
 * an int3 here); later a data address accessed (a watchpoint, a debug register) or an event (a
 * catchpoint: a system call, a fork, an exec).
 */
export type StopPointKind = 'breakpoint' | 'watchpoint' | 'catchpoint';

/**
 * What every kind of stop point has, whatever triggers it: one number space (gdb's `info
 * breakpoints` lists all kinds together), hit counting, condition, ignore count, enabled, and an
 * action (bpcond.ts weighs a hit of any kind). A kind adds its trigger: Breakpoint its address.
 * A watchpoint is one more member with its address, length and access; the table keeps every
 * kind by number and each kind's own index (breakpoints by address).
 */
export interface StopPoint {
  readonly id: number;
  readonly kind: StopPointKind;
  /** Removed by its first hit (gdb `tbreak`, pdbg `run --until`). */
  readonly temporary: boolean;
  /** Hits that stopped or were ignored (gdb's count: a hit whose condition is false is not one). */
  hits: number;
  /** gdb's `condition N COND`: the hit stops only when it is non-zero (the text as typed). */
  condition?: string;
  /** gdb's `ignore N COUNT`: so many more hits pass without stopping. */
  ignoreCount: number;
  /** A disabled stop point keeps its number but does not trigger (a breakpoint: no byte planted). */
  enabled: boolean;
  /** The engine's own (nexti's step-over): a negative id, never listed, no condition. */
  readonly internal: boolean;
  /**
   * An action (gdb's dprintf): a hit whose condition holds runs this instead of stopping, and
   * the resume goes on; it stops only when the action answers `'stop'`.
   */
  onHit?: HitAction;
}

/** A stop point on an executed address: an int3 (0xCC) over the first byte of the instruction. */
export interface Breakpoint extends StopPoint {
  readonly kind: 'breakpoint';
  readonly addr: bigint;
  /** What the user typed, when it was a symbol (`main`, `target_fn+4`). */
  readonly spec?: string;
  /**
   * How the instruction under the 0xCC is executed in place of a step over it (emulate.ts),
   * decided from its bytes when planted; undefined: it is stepped over.
   */
  emulation?: EmulationPlan;
}

/**
 * What an action gets at a hit. One object per session, reused for every hit (the hot path of
 * `pdbg trace` allocates nothing for it): valid only until the action returns.
 */
export interface BreakpointHit {
  readonly bp: Breakpoint;
  readonly tid: number;
  /**
   * The thread's raw `user_regs_struct` (regfile.ts reads it by name), already read for the
   * hit, with the pc back on the breakpoint's address. Read-only: write registers through the
   * session.
   */
  readonly regs: Buffer;
}

/**
 * An action breakpoint's callback. It may read memory and plant or delete breakpoints through
 * the session (the target is stopped while it runs), but must not resume it. Answering `'stop'`
 * makes this hit a stop reported as a breakpoint, as a plain breakpoint's would be.
 */
export type HitAction = (hit: BreakpointHit) => void | 'stop' | Promise<void | 'stop'>;

/**
 * A breakpoint on a name no loaded module defines yet (`break SSL_read` before libssl is
 * loaded): it has its number, and is planted when the dynamic linker reports a library whose
 * symbols define the name (solib-events.ts).
 */
export interface PendingBreakpoint {
  readonly id: number;
  readonly spec: string;
  readonly temporary: boolean;
  /** Its `if COND`, kept for when it is planted. */
  readonly condition?: string;
  /** Its action (an action breakpoint waiting for its library). */
  readonly onHit?: HitAction;
}

interface Entry extends Breakpoint {
  /** The byte the 0xCC replaced (kept current when a client writes over it). */
  original: number;
  /** The engine's own (the dynamic linker's hook): never listed, never reported as a stop. */
  readonly internal: boolean;
}

export interface AddOptions {
  readonly spec?: string;
  /** Reuse a number handed out before (a pending breakpoint being planted). */
  readonly id?: number;
  readonly internal?: boolean;
}

export class BreakpointTable {
  /** The byte planted: the arch's breakpoint instruction (one byte: the table keeps one original byte per address). */
  readonly trapByte: number;
  private nextId = 1;
  private nextInternal = -1;
  private readonly byAddr = new Map<number, Entry>();
  private readonly byId = new Map<number, Entry>();
  /** Every address that ever held a breakpoint: a late trap from one is still ours. */
  private readonly everPlanted = new Set<number>();

  /** The engine's architecture: every part that plants or recognizes a breakpoint asks the table. */
  constructor(readonly arch: Arch = HOST_ARCH) {
    if (arch.breakpoint.length !== 1) throw new Error(`${arch.name}: a ${arch.breakpoint.length}-byte breakpoint; this table keeps one original byte per address`);
    this.trapByte = arch.breakpoint[0]!;
  }

  get size(): number {
    return this.byAddr.size;
  }

  at(addr: number): Breakpoint | undefined {
    return this.byAddr.get(addr);
  }

  has(addr: number): boolean {
    return this.byAddr.has(addr);
  }

  get(id: number): Breakpoint | undefined {
    return this.byId.get(id);
  }

  wasPlanted(addr: number): boolean {
    return this.everPlanted.has(addr);
  }

  originalByte(addr: number): number | undefined {
    return this.byAddr.get(addr)?.original;
  }

  /** A number for a breakpoint not planted yet (pending): user numbers stay in creation order. */
  reserveId(): number {
    return this.nextId++;
  }

  add(addr: bigint, original: number, temporary: boolean, opts: AddOptions = {}): Breakpoint {
    // Internal entries take negative numbers: they never collide with, or use up, user numbers.
    const internal = opts.internal === true;
    const id = opts.id ?? (internal ? this.nextInternal-- : this.nextId++);
    const base = { id, kind: 'breakpoint' as const, addr, temporary, hits: 0, original, ignoreCount: 0, enabled: true, internal };
    const e: Entry = opts.spec === undefined ? base : { ...base, spec: opts.spec };
    this.byAddr.set(Number(addr), e);
    this.byId.set(e.id, e);
    this.everPlanted.add(Number(addr));
    return e;
  }

  remove(id: number): Breakpoint | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    this.byId.delete(id);
    if (this.byAddr.get(Number(e.addr)) === e) this.byAddr.delete(Number(e.addr));
    return e;
  }

  /** Forgets every breakpoint, internal and disabled ones too (exec: their address space is gone). */
  clear(): void {
    this.byAddr.clear();
    this.byId.clear();
  }

  /**
   * Takes a breakpoint out of the planted set (its byte is the caller's to write back) and
   * returns that byte; it keeps its number. Undefined when it was not planted.
   */
  disable(id: number): number | undefined {
    const e = this.byId.get(id);
    if (!e || !e.enabled) return undefined;
    e.enabled = false;
    this.byAddr.delete(Number(e.addr));
    return e.original;
  }

  /** Back into the planted set with `original` (read afresh: the code may have changed meanwhile). */
  enable(id: number, original: number): void {
    const e = this.byId.get(id);
    if (!e || e.enabled) return;
    e.enabled = true;
    e.original = original;
    this.byAddr.set(Number(e.addr), e);
  }

  /** Every breakpoint, internal ones included, by id. */
  all(): Breakpoint[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  /** The user's breakpoints (not the engine's internal ones), by number. */
  list(): Breakpoint[] {
    return this.all().filter((b) => !b.internal);
  }

  /** `{addr, original}` of every planted byte: what a release must write back. */
  planted(): { addr: bigint; original: number }[] {
    return [...this.byAddr.values()].map((e) => ({ addr: e.addr, original: e.original }));
  }

  /** Puts the original bytes into `buf`, a copy of memory read at `base`, so clients never see a 0xCC of ours. */
  unmask(base: bigint, buf: Uint8Array): void {
    if (this.byAddr.size === 0) return;
    const lo = Number(base);
    const hi = lo + buf.length;
    for (const [a, e] of this.byAddr) if (a >= lo && a < hi) buf[a - lo] = e.original;
  }

  /**
   * Before writing `data` at `base`: records the new bytes under our breakpoints as their
   * originals and returns the data to really write (0xCC kept where a breakpoint stays).
   */
  mask(base: bigint, data: Uint8Array): Uint8Array {
    if (this.byAddr.size === 0) return data;
    const lo = Number(base);
    const hi = lo + data.length;
    let out: Uint8Array | undefined;
    for (const [a, e] of this.byAddr) {
      if (a < lo || a >= hi) continue;
      out ??= Uint8Array.from(data);
      e.original = data[a - lo]!;
      out[a - lo] = this.trapByte;
    }
    return out ?? data;
  }
}
