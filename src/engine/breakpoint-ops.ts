/**
 * Breakpoints as the target sees them: the int3 byte planted and lifted through `mem`, the
 * table (breakpoints.ts) kept in step, each breakpoint's emulation plan decided from the code
 * under it; and memory as clients see it, with our bytes hidden (a read shows the original
 * code, a write over a breakpoint keeps it planted).
 */
import { ProcfsError } from '../procfs/errors.js';
import { conditionExpr } from './bpcond.js';
import { type AddOptions, type Breakpoint, type HitAction, type PendingBreakpoint } from './breakpoints.js';
import { planFor } from './emulate.js';
import type { Where } from './location.js';
import { isUnknownName, type BreakpointPart, type SessionCore } from './session-core.js';
import type { BreakOptions } from './session-types.js';
import { couldBeLibrarySymbol } from './solib-events.js';

/** The longest x86-64 instruction: what a breakpoint's plan is decoded from. */
export const MAX_INSN = 15;

export type PlantOptions = AddOptions & { readonly condition?: string; readonly onHit?: HitAction };

export class BreakpointOps implements BreakpointPart {
  private readonly byteBuf = Buffer.alloc(1);

  constructor(private readonly core: SessionCore) {}

  /** See Session.break. */
  async break(where: Where, opts: BreakOptions): Promise<Breakpoint | PendingBreakpoint> {
    const c = this.core;
    c.assertAlive();
    // A condition that does not parse is refused before anything is planted.
    if (opts.condition !== undefined) conditionExpr(opts.condition);
    let addr: bigint;
    try {
      addr = await c.locator.resolve(where);
    } catch (err) {
      if (!opts.pending || typeof where !== 'string' || !isUnknownName(err) || !couldBeLibrarySymbol(where)) throw err;
      return c.pending.add(where, opts.temporary ?? false, err as ProcfsError, opts.condition, opts.onHit);
    }
    return this.plant(addr, opts.temporary ?? false, {
      ...(typeof where === 'string' ? { spec: where } : {}),
      ...(opts.internal ? { internal: true } : {}),
      ...(opts.condition !== undefined ? { condition: opts.condition } : {}),
      ...(opts.onHit !== undefined ? { onHit: opts.onHit } : {}),
    });
  }

  async plant(addr: bigint, temporary: boolean, opts: PlantOptions): Promise<Breakpoint> {
    const c = this.core;
    const dup = c.bps.at(Number(addr));
    if (dup) throw new ProcfsError('EEXIST', `breakpoint ${dup.id} is already at ${c.locator.describe(addr)}`, c.pid);
    const original = await this.readByte(addr);
    await c.fs.write(c.pid, 'mem', c.bps.arch.breakpoint, { offset: addr });
    const bp = c.bps.add(addr, original, temporary, opts);
    if (opts.condition !== undefined) bp.condition = opts.condition;
    if (opts.onHit !== undefined) bp.onHit = opts.onHit;
    await this.plan(bp);
    return bp;
  }

  async readByte(addr: bigint): Promise<number> {
    await this.core.fs.readInto(this.core.pid, 'mem', this.byteBuf, { offset: addr, length: 1 });
    return this.byteBuf[0]!;
  }

  async writeByte(addr: bigint, value: number): Promise<void> {
    await this.core.fs.write(this.core.pid, 'mem', Uint8Array.of(value), { offset: addr });
  }

  /** gdb `condition N [COND]`: a syntax error is refused now, not at the hit; undefined removes it. */
  setCondition(id: number, condition: string | undefined): Breakpoint {
    const bp = this.user(id);
    if (condition === undefined) delete bp.condition;
    else {
      conditionExpr(condition);
      bp.condition = condition;
    }
    return bp;
  }

  /** gdb `ignore N COUNT`. */
  setIgnore(id: number, count: number): Breakpoint {
    const bp = this.user(id);
    bp.ignoreCount = count;
    return bp;
  }

  /** gdb `disable`/`enable`: the original byte goes back, or the 0xCC is planted again. */
  async setEnabled(id: number, enabled: boolean): Promise<Breakpoint> {
    const c = this.core;
    c.assertStopped();
    const bp = this.user(id);
    if (bp.enabled === enabled) return bp;
    if (!enabled) {
      await this.writeByte(bp.addr, c.bps.disable(id)!);
      return bp;
    }
    const other = c.bps.at(Number(bp.addr));
    if (other) throw new ProcfsError('EEXIST', `breakpoint ${other.id} is already at ${c.locator.describe(bp.addr)}`, c.pid);
    const original = await this.readByte(bp.addr);
    await c.fs.write(c.pid, 'mem', c.bps.arch.breakpoint, { offset: bp.addr });
    c.bps.enable(id, original);
    await this.plan(bp);
    return bp;
  }

  private user(id: number): Breakpoint {
    const bp = this.core.bps.get(id);
    if (!bp || bp.internal) throw new ProcfsError('ENOENT', `no breakpoint number ${id}`, this.core.pid);
    return bp;
  }

  /** Removes breakpoint `id`, writing its original byte back. */
  async delete(id: number): Promise<void> {
    const c = this.core;
    if (await c.pending.remove(id)) return;
    const bp = c.bps.get(id);
    if (!bp) throw new ProcfsError('ENOENT', `no breakpoint ${id}`, c.pid);
    const original = bp.enabled ? c.bps.originalByte(Number(bp.addr))! : undefined;
    c.bps.remove(id);
    if (original !== undefined && (c.state === 'stopped' || c.state === 'running')) await this.writeByte(bp.addr, original);
  }

  /** `len` bytes at `addr`, breakpoint bytes shown as the original code. */
  async readMem(addr: bigint, len: number): Promise<Buffer> {
    const c = this.core;
    c.assertAlive();
    const buf = await c.fs.read(c.pid, 'mem', { offset: addr, length: len });
    c.bps.unmask(addr, buf);
    return buf;
  }

  /** readMem into the caller's buffer; resolves to the count. */
  async readMemInto(addr: bigint, into: Uint8Array): Promise<number> {
    const c = this.core;
    c.assertAlive();
    const n = await c.fs.readInto(c.pid, 'mem', into, { offset: addr, length: into.length });
    c.bps.unmask(addr, n === into.length ? into : into.subarray(0, n));
    return n;
  }

  /** Writes target memory; a breakpoint under it stays planted, and its plan is decided again. */
  async writeMem(addr: bigint, data: Uint8Array): Promise<void> {
    const c = this.core;
    c.assertAlive();
    await c.fs.write(c.pid, 'mem', c.bps.mask(addr, data), { offset: addr });
    if (c.bps.size === 0) return;
    for (const bp of c.bps.all()) {
      if (bp.enabled && bp.addr + BigInt(MAX_INSN) > addr && bp.addr < addr + BigInt(data.length)) await this.plan(bp);
    }
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
}
