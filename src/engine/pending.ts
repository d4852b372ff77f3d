/**
 * Pending breakpoints and the dynamic linker's hook they wait on (solib-events.ts): a name no
 * loaded module defines yet is kept with its number; the engine plants one internal breakpoint
 * on `_dl_debug_state` while any wait, and at each RT_CONSISTENT hit plants those whose library
 * came. The session owns the bytes and the table; this keeps the waiting list and the hook.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { AddOptions, Breakpoint, BreakpointTable, HitAction, PendingBreakpoint } from './breakpoints.js';
import { HOOK_SYMBOL, R_DEBUG_SYMBOL, rStateAddress, RT_CONSISTENT } from './solib-events.js';

/** What the waiting list needs of its session. */
export interface PendingHost {
  /** The traced process (it changes after `follow-fork child`). */
  pid(): number;
  readonly table: BreakpointTable;
  resolve(where: string): Promise<bigint>;
  /** Reads the process's modules again (a library was loaded). */
  reloadSymbols(): Promise<void>;
  readByte(addr: bigint): Promise<number>;
  writeByte(addr: bigint, value: number): Promise<void>;
  /** Plants a user breakpoint (the session's own checks and bookkeeping). */
  plant(addr: bigint, temporary: boolean, opts: AddOptions & { readonly condition?: string; readonly onHit?: HitAction }): Promise<Breakpoint>;
  describe(addr: bigint): string;
  say(text: string): void;
  /** The target is stopped (bytes can be written now). */
  stopped(): boolean;
}

export class PendingBreakpoints {
  private waiting: PendingBreakpoint[] = [];
  private hook: { readonly addr: bigint; readonly rDebug: bigint } | undefined;

  constructor(private readonly host: PendingHost) {}

  list(): PendingBreakpoint[] {
    return [...this.waiting];
  }

  has(id: number): boolean {
    return this.waiting.some((p) => p.id === id);
  }

  /** The trap at `at` is the dynamic linker's hook. */
  isHook(at: number): boolean {
    return this.hook !== undefined && Number(this.hook.addr) === at;
  }

  async add(spec: string, temporary: boolean, why: ProcfsError, condition?: string, onHit?: HitAction): Promise<PendingBreakpoint> {
    if (!(await this.ensureHook())) {
      throw new ProcfsError('ENOENT', `${why.message} (and no dynamic linker to load a library that defines it later)`, this.host.pid());
    }
    const p: PendingBreakpoint = {
      id: this.host.table.reserveId(),
      spec,
      temporary,
      ...(condition !== undefined ? { condition } : {}),
      ...(onHit !== undefined ? { onHit } : {}),
    };
    this.waiting.push(p);
    return p;
  }

  /** Removes pending breakpoint `id`; false when it is not one. */
  async remove(id: number): Promise<boolean> {
    const p = this.waiting.find((q) => q.id === id);
    if (!p) return false;
    this.waiting = this.waiting.filter((q) => q !== p);
    await this.dropHookIfIdle();
    return true;
  }

  /**
   * The hook hit: when the list of objects is stable again, read the new libraries' symbols and
   * plant every pending breakpoint whose name they define. Nothing is reported as a stop.
   */
  async onHook(): Promise<void> {
    const hook = this.hook;
    if (!hook) return;
    if ((await this.host.readByte(rStateAddress(hook.rDebug))) !== RT_CONSISTENT) return;
    await this.host.reloadSymbols();
    for (const p of [...this.waiting]) {
      let addr: bigint;
      try {
        addr = await this.host.resolve(p.spec);
      } catch {
        continue;
      }
      this.waiting = this.waiting.filter((q) => q !== p);
      const there = this.host.table.at(Number(addr));
      if (there) {
        this.host.say(`breakpoint ${p.id} (${p.spec}) is at ${this.host.describe(addr)}, where breakpoint ${there.id} already is: dropped`);
        continue;
      }
      const bp = await this.host.plant(addr, p.temporary, {
        spec: p.spec,
        id: p.id,
        ...(p.condition !== undefined ? { condition: p.condition } : {}),
        ...(p.onHit !== undefined ? { onHit: p.onHit } : {}),
      });
      this.host.say(`breakpoint ${bp.id} (${p.spec}) planted at ${this.host.describe(addr)}: its library is loaded`);
    }
    await this.dropHookIfIdle();
  }

  /** A new image (exec): the old hook went with the old address space; the names still wait. */
  async afterExec(): Promise<void> {
    this.hook = undefined;
    if (this.waiting.length > 0 && !(await this.ensureHook())) this.host.say('pending breakpoints wait in vain: the new image has no dynamic linker');
  }

  /** The table was cleared under us (a vfork child took the bytes): the hook is gone too. */
  hookLost(): void {
    this.hook = undefined;
  }

  /** Released or gone: nothing waits any more (the session writes the bytes back). */
  forget(): void {
    this.waiting = [];
    this.hook = undefined;
  }

  /** Plants the hook once; false when there is none (a static program without dlopen support). */
  private async ensureHook(): Promise<boolean> {
    if (this.hook) return true;
    let addr: bigint;
    let rDebug: bigint;
    try {
      addr = await this.host.resolve(HOOK_SYMBOL);
      rDebug = await this.host.resolve(R_DEBUG_SYMBOL);
    } catch {
      return false;
    }
    if (!this.host.table.has(Number(addr))) {
      const original = await this.host.readByte(addr);
      await this.host.writeByte(addr, this.host.table.trapByte);
      this.host.table.add(addr, original, false, { internal: true });
    }
    this.hook = { addr, rDebug };
    return true;
  }

  /** Lifts the hook once nothing waits: one stop fewer per dlopen. */
  private async dropHookIfIdle(): Promise<void> {
    if (!this.hook || this.waiting.length > 0) return;
    const { addr } = this.hook;
    this.hook = undefined;
    const at = Number(addr);
    const entry = this.host.table.at(at);
    if (!entry?.internal) return;
    const original = this.host.table.originalByte(at)!;
    this.host.table.remove(entry.id);
    if (this.host.stopped()) await this.host.writeByte(addr, original);
  }
}
