/**
 * The stack walk: from a thread's registers, frame by frame, each caller's registers recovered by
 * the CFI row of the callee's pc (DWARF 5 §6.4.4), or by the frame-pointer rule where no FDE
 * covers the pc. Never scans the stack for things that look like return addresses: a frame that
 * cannot be unwound ends the walk.
 */
import { DWARF_CALLEE_SAVED, DWARF_RBP, DWARF_REG_NAMES, DWARF_RIP, DWARF_RSP } from '../../arch/x86-64/dwarf.js';
import type { ReadMemory } from '../../arch/x86-64/disasm.js';
import type { CfaRow, RegRule } from '../../dwarf/cfa-program.js';
import { evaluate, type ExprContext } from '../../dwarf/expr.js';
import type { UnwindTable } from '../../dwarf/cfi-table.js';

/** A mapped image's table and where it is placed: runtime pc = link-time pc + bias. */
export interface UnwindModule {
  readonly bias: bigint;
  readonly table: UnwindTable;
  readonly name: string;
}

/** Registers by DWARF number (System V x86-64 psABI, Figure 3.36): see DWARF_REG_NAMES. */
export type DwarfRegs = Map<number, bigint>;

const RSP = DWARF_RSP;
const RBP = DWARF_RBP;
const RIP = DWARF_RIP;
const CALLEE_SAVED = DWARF_CALLEE_SAVED;

/** One frame of the walk. */
export interface UnwoundFrame {
  readonly index: number;
  /** Frame 0: the thread's pc; callers: the return address (or, above a signal frame, the exact pc). */
  readonly pc: bigint;
  /** This frame's Canonical Frame Address (the caller's rsp), when its row or rbp gave one. */
  readonly cfa?: bigint;
  /** The registers known in this frame, by Linux name; frame 0 has all the thread's, callers fewer. */
  readonly regs: Readonly<Record<string, bigint>>;
  /**
   * How this frame was found: 'cfi' from its callee's CFI row (frame 0: read from the thread),
   * 'fp' by the frame-pointer rule because the callee had no FDE (less trustworthy).
   * 'guess' is reserved for heuristics; this unwinder does not produce it.
   */
  readonly how: 'cfi' | 'fp' | 'guess';
  /** The frame is a signal trampoline (`__restore_rt`): its caller is the interrupted code. */
  readonly signalFrame?: boolean;
}

export interface UnwindOptions {
  /** Most frames to return; default 64. */
  readonly max?: number;
  /** Stop after the frame at this pc (e.g. after `main`, as gdb's default `backtrace past-main off`). */
  readonly isOuterFrame?: (pc: bigint) => boolean;
}

/**
 * Reads of 8-byte slots through aligned blocks: a walk touches a few hundred bytes of stack, and
 * each ReadMemory may be a system call. An aligned block never crosses a page, so if the slot is
 * mapped, so is its block.
 */
class SlotReader {
  private readonly blocks = new Map<bigint, DataView>();
  private static readonly BLOCK = 256;
  private static readonly MASK = ~255n;

  constructor(private readonly read: ReadMemory) {}

  /** An 8-byte slot already in a fetched block, without a round trip through a promise. */
  cached(addr: bigint): bigint | undefined {
    const base = addr & SlotReader.MASK;
    const off = Number(addr - base);
    if (off + 8 > SlotReader.BLOCK) return undefined;
    return this.blocks.get(base)?.getBigUint64(off, true);
  }

  async value(addr: bigint, size: number): Promise<bigint> {
    const base = addr & SlotReader.MASK;
    const off = Number(addr - base);
    if (off + size <= SlotReader.BLOCK) {
      let view = this.blocks.get(base);
      if (!view) {
        const b = await this.read(base, SlotReader.BLOCK).catch(() => undefined);
        if (b && b.length === SlotReader.BLOCK) {
          view = new DataView(b.buffer, b.byteOffset, b.length);
          this.blocks.set(base, view);
        }
      }
      if (view) return size === 8 ? view.getBigUint64(off, true) : little(new Uint8Array(view.buffer, view.byteOffset + off, size));
    }
    const b = await this.read(addr, size);
    if (b.length < size) throw new Error(`cannot read ${size} bytes at 0x${addr.toString(16)}`);
    return little(b.subarray(0, size));
  }

  async tryValue(addr: bigint): Promise<bigint | undefined> {
    return this.cached(addr) ?? this.value(addr, 8).catch(() => undefined);
  }
}

function little(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function namedRegs(regs: DwarfRegs): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [n, v] of regs) {
    const name = DWARF_REG_NAMES[n];
    if (name) out[name] = v;
  }
  return out;
}

/** The caller's registers by a CFI row, or undefined when the CFA itself cannot be computed. */
async function byRow(row: CfaRow, regs: DwarfRegs, mem: SlotReader): Promise<{ cfa: bigint; caller: DwarfRegs } | undefined> {
  const ctx: ExprContext = { reg: (n) => regs.get(n), readMem: (a, size) => mem.value(a, size) };
  let cfa: bigint;
  if (row.cfa.kind === 'reg') {
    const base = regs.get(row.cfa.reg);
    if (base === undefined) return undefined;
    cfa = BigInt.asUintN(64, base + BigInt(row.cfa.offset));
  } else {
    try {
      cfa = await evaluate(row.cfa.expr, ctx);
    } catch {
      return undefined;
    }
  }
  const caller: DwarfRegs = new Map();
  for (const n of CALLEE_SAVED) {
    const v = regs.get(n);
    if (v !== undefined && !row.regs.has(n)) caller.set(n, v);
  }
  for (const [n, rule] of row.regs) {
    const v = await applyRule(rule, n, cfa, regs, mem, ctx);
    if (v !== undefined) caller.set(n, v);
  }
  // The CFA is by definition the caller's rsp, unless a rule says otherwise (signal frames).
  if (!row.regs.has(RSP)) caller.set(RSP, cfa);
  return { cfa, caller };
}

async function applyRule(rule: RegRule, n: number, cfa: bigint, regs: DwarfRegs, mem: SlotReader, ctx: ExprContext): Promise<bigint | undefined> {
  try {
    switch (rule.kind) {
      case 'undefined':
        return undefined;
      case 'same':
        return regs.get(n);
      case 'offset': {
        const at = BigInt.asUintN(64, cfa + BigInt(rule.offset));
        return mem.cached(at) ?? (await mem.value(at, 8));
      }
      case 'valOffset':
        return BigInt.asUintN(64, cfa + BigInt(rule.offset));
      case 'register':
        return regs.get(rule.reg);
      case 'expr':
        return await mem.value(await evaluate(rule.expr, ctx, [cfa]), 8);
      case 'valExpr':
        return await evaluate(rule.expr, ctx, [cfa]);
    }
  } catch {
    // An unreadable save slot loses that register, not the walk (unless it is the return address).
    return undefined;
  }
}

/** The frame-pointer rule: CFA = rbp+16, RA = [rbp+8], rbp = [rbp]; only for a plausible rbp. */
async function byFramePointer(regs: DwarfRegs, mem: SlotReader): Promise<{ cfa: bigint; caller: DwarfRegs } | undefined> {
  const rbp = regs.get(RBP);
  const rsp = regs.get(RSP);
  if (rbp === undefined || rsp === undefined || (rbp & 7n) !== 0n || rbp <= rsp) return undefined;
  const savedRbp = await mem.tryValue(rbp);
  const ra = await mem.tryValue(rbp + 8n);
  if (savedRbp === undefined || ra === undefined) return undefined;
  const cfa = rbp + 16n;
  return { cfa, caller: new Map([[RSP, cfa], [RBP, savedRbp], [RIP, ra]]) };
}

/**
 * Walks the stack of a stopped thread. `regs` are Linux names (rip, rsp, rbp, rbx, …); `moduleAt`
 * gives the unwind table of the image mapped at a runtime pc. Ends cleanly where the CFI says the
 * return address is undefined (`_start`, `clone3`), at pc 0, when the CFA stops growing (a loop
 * guard), when a frame can be unwound neither by CFI nor by a plausible frame pointer, or at
 * opts.max frames.
 */
export async function unwind(
  regs: Readonly<Record<string, bigint>>,
  read: ReadMemory,
  moduleAt: (pc: bigint) => UnwindModule | undefined | Promise<UnwindModule | undefined>,
  opts: UnwindOptions = {},
): Promise<UnwoundFrame[]> {
  const max = opts.max ?? 64;
  const mem = new SlotReader(read);
  let cur: DwarfRegs = new Map();
  DWARF_REG_NAMES.forEach((name, n) => {
    const v = regs[name];
    if (v !== undefined) cur.set(n, v);
  });
  const frames: UnwoundFrame[] = [];
  const pc0 = cur.get(RIP);
  if (pc0 === undefined) return frames;
  let pc: bigint = pc0;
  let how: UnwoundFrame['how'] = 'cfi';
  // Frame 0's pc is where the thread is; a caller's is a return address, which may lie past the
  // end of the call's function (a noreturn call last in it), so its row is looked up at pc-1.
  let exact = true;
  let prev: { cfa: bigint; signalFrame: boolean } | undefined;
  while (frames.length < max) {
    const lookup: bigint = exact ? pc : pc - 1n;
    const mod = await moduleAt(lookup);
    let row: CfaRow | undefined;
    try {
      row = mod?.table.rowAt(lookup - mod.bias);
    } catch {
      // Corrupt CFI for this pc: as if there were none.
      row = undefined;
    }
    const step = row ? await byRow(row, cur, mem) : await byFramePointer(cur, mem);
    const frame: UnwoundFrame = {
      index: frames.length,
      pc,
      ...(step ? { cfa: step.cfa } : {}),
      regs: namedRegs(cur),
      how,
      ...(row?.signalFrame ? { signalFrame: true } : {}),
    };
    frames.push(frame);
    // The stack grows down, so each caller's CFA is above its callee's; across a signal frame the
    // interrupted code may be on another stack (sigaltstack), so only equality is refused there.
    // This frame is real (its pc came from the callee's rules); what it would give next is not.
    if (prev && step && (prev.signalFrame ? step.cfa === prev.cfa : step.cfa <= prev.cfa)) break;
    if (!step || opts.isOuterFrame?.(pc)) break;
    const raRule = row?.regs.get(row.raReg);
    // No rule, or DW_CFA_undefined, for the return address: the outermost frame.
    if (row && (!raRule || raRule.kind === 'undefined')) break;
    const ra = step.caller.get(row ? row.raReg : RIP);
    if (ra === undefined || ra === 0n) break;
    // CFI is the compiler's word; a frame pointer may be any register holding any stack word.
    // A return address found through one must at least land in a mapped image, or the "frame"
    // is stack bytes (ASCII, a saved value) and printing it would be inventing it.
    if (!row && !(await moduleAt(ra - 1n))) break;
    step.caller.set(RIP, ra);
    prev = { cfa: step.cfa, signalFrame: row?.signalFrame === true };
    exact = row?.signalFrame === true;
    how = row ? 'cfi' : 'fp';
    cur = step.caller;
    pc = ra;
  }
  return frames;
}
