/**
 * Software breakpoints: an `int3` (0xCC) written over the first byte of an instruction through
 * the `mem` node, the original byte kept here. When the thread executes it the kernel reports a
 * SIGTRAP with the pc one past the 0xCC (`why`: `trap ADDR`), so a hit is "trap at an address
 * one past a planted byte", and the engine moves the pc back.
 *
 * This table does no I/O; the session plants and lifts bytes. Addresses are kept as numbers
 * (x86-64 user space fits in 47 bits) so the per-stop lookup allocates nothing.
 */

export const INT3 = 0xcc;

export interface Breakpoint {
  readonly id: number;
  readonly addr: bigint;
  /** Removed by its first hit (gdb `tbreak`, pdbg `run --until`). */
  readonly temporary: boolean;
  /** What the user typed, when it was a symbol (`main`, `target_fn+4`). */
  readonly spec?: string;
  hits: number;
}

/**
 * A breakpoint on a name no loaded module defines yet (`break SSL_read` before libssl is
 * loaded): it has its number, and is planted when the dynamic linker reports a library whose
 * symbols define the name (solib-events.ts).
 */
export interface PendingBreakpoint {
  readonly id: number;
  readonly spec: string;
  readonly temporary: boolean;
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
  private nextId = 1;
  private nextInternal = 1;
  private readonly byAddr = new Map<number, Entry>();
  private readonly byId = new Map<number, Entry>();
  /** Every address that ever held a breakpoint: a late trap from one is still ours. */
  private readonly everPlanted = new Set<number>();

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

  /** Whether the breakpoint at `addr` is the engine's own. */
  isInternal(addr: number): boolean {
    return this.byAddr.get(addr)?.internal === true;
  }

  add(addr: bigint, original: number, temporary: boolean, opts: AddOptions = {}): Breakpoint {
    // Internal entries take negative numbers: they never collide with, or use up, user numbers.
    const id = opts.id ?? (opts.internal ? -this.nextInternal++ : this.nextId++);
    const e: Entry = { id, addr, temporary, hits: 0, original, internal: opts.internal === true, ...(opts.spec === undefined ? {} : { spec: opts.spec }) };
    this.byAddr.set(Number(addr), e);
    this.byId.set(e.id, e);
    this.everPlanted.add(Number(addr));
    return e;
  }

  remove(id: number): Breakpoint | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    this.byId.delete(id);
    this.byAddr.delete(Number(e.addr));
    return e;
  }

  /** Forgets every breakpoint, internal ones too (exec: the address space they were in is gone). */
  clear(): void {
    this.byAddr.clear();
    this.byId.clear();
  }

  /** The user's breakpoints, by number (internal ones are not listed). */
  list(): Breakpoint[] {
    return [...this.byId.values()].filter((e) => !e.internal).sort((a, b) => a.id - b.id);
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
      out[a - lo] = INT3;
    }
    return out ?? data;
  }
}
