/**
 * Breakpoint hits in one stop: the instruction a breakpoint's 0xCC displaced is executed by the
 * engine, on the thread's register file (and one 8-byte stack write for a push), instead of
 * lifting the byte, single-stepping the thread and planting the byte again. A naive hit costs two
 * stops (the trap, then the step); an emulated one costs the trap alone.
 *
 * Only a small table of forms is emulated, each with its exact architectural effect (Intel SDM
 * vol. 2, the instruction's "Operation" and "Flags Affected"): the forms that open functions in
 * real libraries (bench/entry-share.ts measures libc's, python3's and bash's entries). Anything
 * else, and any form whose flags the SDM leaves undefined (`test`, `xor`: AF), or that reads
 * memory, is refused and steps over as before. The decision uses iced-x86's instruction info:
 * the exact form (`Instruction.code`), the registers, `stackPointerIncrement`, the flags it
 * modifies and leaves undefined, and the memory it uses (InstructionInfoFactory).
 *
 * Pure: `planFor(bytes)` decides once per breakpoint (the session caches the plan on the
 * breakpoint at plant time), `applyPlan(plan, regs)` changes a raw `user_regs_struct` and
 * returns the stack write to make. No I/O here; the session does it (stepping.ts stepOff).
 */
import { Code, Decoder, DecoderOptions, Instruction, InstructionInfoFactory, Mnemonic, OpKind, Register, RflagsBits } from 'iced-x86';
import { GPR_ENCODING_ORDER, PAGE_SIZE, RFLAGS_AF, RFLAGS_CF, RFLAGS_OF, RFLAGS_PF, RFLAGS_SF, RFLAGS_ZF } from '../arch/x86-64/instructions.js';
import { USER_REGS_NAMES } from '../arch/x86-64/registers-linux.js';

/** One row of the exact-semantics table: an instruction form and what executing it does. */
export interface EmulatedForm {
  readonly id: FormId;
  /** AT&T syntax of the form (`push %r64`). */
  readonly syntax: string;
  /** Its encodings, as the SDM writes them. */
  readonly encodings: string;
  /** The whole effect besides `rip += length`. */
  readonly effect: string;
  /** rflags bits written (`-` for none); every other bit is unchanged. */
  readonly flags: string;
}

export type FormId = 'endbr64' | 'nop' | 'push' | 'mov64' | 'mov32' | 'mov32imm' | 'mov64imm32' | 'movabs' | 'sub' | 'add' | 'lea' | 'store' | 'jmp';

/** The table README shows: one row per form; every other instruction is single-stepped. */
export const EMULATED_FORMS: readonly EmulatedForm[] = [
  { id: 'endbr64', syntax: 'endbr64', encodings: 'f3 0f 1e fa', effect: '-', flags: '-' },
  { id: 'nop', syntax: 'nop, nopw/nopl/nopq m, xchg %ax,%ax', encodings: '90, 66 90, REX.W 90, 0f 1f /0 (any ModRM, prefixes 66/2e)', effect: '- (the memory operand is not accessed)', flags: '-' },
  { id: 'push', syntax: 'push %r64', encodings: '50+r, 41 50+r (r8–r15)', effect: 'rsp −= 8; 8 bytes at the new rsp = the register before the push (push %rsp stores the old rsp); only when those 8 bytes are in the page holding [rsp]', flags: '-' },
  { id: 'mov64', syntax: 'mov %r64,%r64', encodings: 'REX.W 89 /r, REX.W 8b /r (mod 11): 48 89 e5 and 48 8b ec are mov %rsp,%rbp, 49 89 ca mov %rcx,%r10', effect: 'dst = src', flags: '-' },
  { id: 'mov32', syntax: 'mov %r32,%r32', encodings: '89 /r, 8b /r (mod 11)', effect: 'dst = zero-extended low 32 bits of src', flags: '-' },
  { id: 'mov32imm', syntax: 'mov $imm32,%r32', encodings: 'b8+r id', effect: 'dst = zero-extended imm32', flags: '-' },
  { id: 'mov64imm32', syntax: 'mov $imm32,%r64', encodings: 'REX.W c7 /0 id (mod 11)', effect: 'dst = sign-extended imm32', flags: '-' },
  { id: 'movabs', syntax: 'movabs $imm64,%r64', encodings: 'REX.W b8+r io', effect: 'dst = imm64', flags: '-' },
  { id: 'sub', syntax: 'sub $imm,%r64', encodings: 'REX.W 83 /5 ib, REX.W 81 /5 id (mod 11), REX.W 2d id', effect: 'dst −= sign-extended imm', flags: 'CF PF AF ZF SF OF' },
  { id: 'add', syntax: 'add $imm,%r64', encodings: 'REX.W 83 /0 ib, REX.W 81 /0 id (mod 11), REX.W 05 id', effect: 'dst += sign-extended imm', flags: 'CF PF AF ZF SF OF' },
  { id: 'lea', syntax: 'lea disp(%base,%index,scale),%r64 or %r32', encodings: 'REX.W 8d /r, 8d /r (64-bit addressing; not RIP-relative)', effect: 'dst = base + index × scale + disp, modulo 2^64 (a 32-bit dst: the low 32 bits, zero-extended); no memory is accessed', flags: '-' },
  { id: 'store', syntax: 'mov %r64,disp(%rsp) or disp(%rbp)', encodings: 'REX.W 89 /r with a memory operand: base rsp or rbp, no index, no segment prefix', effect: 'the 8 bytes at base + disp = src; only when they lie in the page holding [rsp] (a stack store after a call: the compiler\'s spill of a return value)', flags: '-' },
  { id: 'jmp', syntax: 'jmp rel', encodings: 'eb cb, e9 cd', effect: 'rip = the target (instead of rip += length)', flags: '-' },
];

/**
 * What executing one instruction does, decided from its bytes. Register operands are byte
 * offsets into the raw `user_regs_struct`; immediates are already extended to 64 bits.
 */
export type EmulationPlan =
  | PlanBase<'endbr64' | 'nop'> & { readonly op: 'none' }
  | PlanBase<'push'> & { readonly op: 'push'; readonly src: number }
  | PlanBase<'mov64' | 'mov32'> & { readonly op: 'mov'; readonly dst: number; readonly src: number; readonly width: 32 | 64 }
  | PlanBase<'mov32imm' | 'mov64imm32' | 'movabs'> & { readonly op: 'set'; readonly dst: number; readonly value: bigint }
  | PlanBase<'sub' | 'add'> & { readonly op: 'arith'; readonly dst: number; readonly imm: bigint; readonly sub: boolean }
  /** `base`, `index`: register offsets, or -1 for none; `disp` already sign-extended to 64 bits. */
  | PlanBase<'lea'> & { readonly op: 'lea'; readonly dst: number; readonly width: 32 | 64; readonly base: number; readonly index: number; readonly scale: number; readonly disp: bigint }
  /** An 8-byte store of `src` at `base` + `disp` (base rsp or rbp). */
  | PlanBase<'store'> & { readonly op: 'store'; readonly src: number; readonly base: number; readonly disp: bigint }
  /** `delta`: the target's distance from the instruction's own address (mod 2^64), so the plan holds wherever the code is. */
  | PlanBase<'jmp'> & { readonly op: 'jump'; readonly delta: bigint };

interface PlanBase<F extends FormId> {
  readonly form: F;
  /** Bytes of the instruction: rip moves by this much. */
  readonly length: number;
  /** `push %rbp`, for listings and the bench. */
  readonly text: string;
}

/** The 8 bytes a push stores, and where. */
export interface StackWrite {
  readonly addr: bigint;
  readonly data: Buffer;
}

const M64 = (1n << 64n) - 1n;
const SIGN = 1n << 63n;
const CF = RFLAGS_CF;
const PF = RFLAGS_PF;
const AF = RFLAGS_AF;
const ZF = RFLAGS_ZF;
const SF = RFLAGS_SF;
const OF = RFLAGS_OF;
const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
const ARITH_BITS = RflagsBits.CF | RflagsBits.PF | RflagsBits.AF | RflagsBits.ZF | RflagsBits.SF | RflagsBits.OF;
const PAGE = PAGE_SIZE;

const off = (name: string): number => USER_REGS_NAMES.indexOf(name) * 8;
const RIP = off('rip');
const RSP = off('rsp');
const RFLAGS = off('eflags');
/** iced's GPR numbering is the encoding order (RAX…R15 and EAX…R15D alike): offsets in user_regs_struct. */
const GPR_OFFSET = GPR_ENCODING_ORDER.map(off);

/** The user_regs offset of a 64-bit (or, with `width` 32, a 32-bit) general register; -1 otherwise. */
function gpr(reg: Register, width: 32 | 64): number {
  const i = reg - (width === 64 ? Register.RAX : Register.EAX);
  return i >= 0 && i < 16 ? GPR_OFFSET[i]! : -1;
}

function regText(o: number, width: 32 | 64): string {
  const n = USER_REGS_NAMES[o / 8]!;
  if (width === 64) return `%${n}`;
  return /^r\d+$/.test(n) ? `%${n}d` : `%e${n.slice(1)}`;
}

const hexImm = (v: bigint): string => (v >= SIGN ? `-0x${((M64 + 1n) - v).toString(16)}` : `0x${v.toString(16)}`);

/**
 * The plan for the instruction at the start of `code` (the original bytes, no 0xCC of ours:
 * up to 15 of them), or undefined when it is not in the table and must be stepped over.
 */
export function planFor(code: Uint8Array): EmulationPlan | undefined {
  if (code.length === 0) return undefined;
  const decoder = new Decoder(64, code, DecoderOptions.None);
  const ins = new Instruction();
  try {
    // At address 0: a branch target is then relative to the instruction (EmulationPlan `jump`).
    decoder.ip = 0n;
    decoder.decodeOut(ins);
    if (ins.isInvalid || ins.length > code.length) return undefined;
    const plan = formOf(ins);
    // iced's own account must agree with the row: the flags it writes, none left undefined, and
    // no memory touched but a push's stack slot or a store's. A disagreement means a form we misread.
    if (!plan || ins.rflagsUndefined !== RflagsBits.None) return undefined;
    if (ins.rflagsModified !== (plan.op === 'arith' ? ARITH_BITS : RflagsBits.None)) return undefined;
    if (plan.op === 'push' ? ins.stackPointerIncrement !== -8 : ins.stackPointerIncrement !== 0) return undefined;
    if (usedMemory(ins) !== (plan.op === 'push' || plan.op === 'store' ? 1 : 0)) return undefined;
    return plan;
  } finally {
    ins.free();
    decoder.free();
  }
}

function usedMemory(ins: Instruction): number {
  const factory = new InstructionInfoFactory();
  try {
    const info = factory.info(ins);
    try {
      const used = info.usedMemory();
      for (const u of used) (u as { free(): void }).free();
      return used.length;
    } finally {
      info.free();
    }
  } finally {
    factory.free();
  }
}

function formOf(ins: Instruction): EmulationPlan | undefined {
  const length = ins.length;
  const regOps = (n: number): boolean => {
    for (let i = 0; i < n; i++) if (ins.opKind(i) !== OpKind.Register) return false;
    return true;
  };
  switch (ins.code) {
    case Code.Endbr64:
      return { form: 'endbr64', op: 'none', length, text: 'endbr64' };
    case Code.Nopw:
    case Code.Nopd:
    case Code.Nopq:
    case Code.Nop_rm16:
    case Code.Nop_rm32:
    case Code.Nop_rm64:
      return ins.mnemonic === Mnemonic.Nop ? { form: 'nop', op: 'none', length, text: 'nop' } : undefined;
    case Code.Push_r64: {
      const src = gpr(ins.op0Register, 64);
      return src < 0 ? undefined : { form: 'push', op: 'push', src, length, text: `push ${regText(src, 64)}` };
    }
    case Code.Mov_rm64_r64:
    case Code.Mov_r64_rm64:
    case Code.Mov_rm32_r32:
    case Code.Mov_r32_rm32: {
      if (ins.code === Code.Mov_rm64_r64 && ins.op0Kind === OpKind.Memory) return storeOf(ins, length);
      if (!regOps(2)) return undefined;
      const width = ins.code === Code.Mov_rm64_r64 || ins.code === Code.Mov_r64_rm64 ? 64 : 32;
      const dst = gpr(ins.op0Register, width);
      const src = gpr(ins.op1Register, width);
      if (dst < 0 || src < 0) return undefined;
      return { form: width === 64 ? 'mov64' : 'mov32', op: 'mov', dst, src, width, length, text: `mov ${regText(src, width)},${regText(dst, width)}` };
    }
    case Code.Mov_r32_imm32: {
      const dst = gpr(ins.op0Register, 32);
      const value = BigInt(ins.immediate32 >>> 0);
      return dst < 0 ? undefined : { form: 'mov32imm', op: 'set', dst, value, length, text: `mov $${hexImm(value)},${regText(dst, 32)}` };
    }
    case Code.Mov_rm64_imm32: {
      if (!regOps(1)) return undefined;
      const dst = gpr(ins.op0Register, 64);
      const value = ins.immediate32to64 & M64;
      return dst < 0 ? undefined : { form: 'mov64imm32', op: 'set', dst, value, length, text: `mov $${hexImm(value)},${regText(dst, 64)}` };
    }
    case Code.Mov_r64_imm64: {
      const dst = gpr(ins.op0Register, 64);
      const value = ins.immediate64 & M64;
      return dst < 0 ? undefined : { form: 'movabs', op: 'set', dst, value, length, text: `movabs $${hexImm(value)},${regText(dst, 64)}` };
    }
    case Code.Sub_rm64_imm8:
    case Code.Sub_rm64_imm32:
    case Code.Sub_RAX_imm32:
    case Code.Add_rm64_imm8:
    case Code.Add_rm64_imm32:
    case Code.Add_RAX_imm32: {
      if (!regOps(1)) return undefined;
      const dst = gpr(ins.op0Register, 64);
      if (dst < 0) return undefined;
      const sub = ins.code === Code.Sub_rm64_imm8 || ins.code === Code.Sub_rm64_imm32 || ins.code === Code.Sub_RAX_imm32;
      const imm = (ins.code === Code.Sub_rm64_imm8 || ins.code === Code.Add_rm64_imm8 ? ins.immediate8to64 : ins.immediate32to64) & M64;
      return { form: sub ? 'sub' : 'add', op: 'arith', dst, imm, sub, length, text: `${sub ? 'sub' : 'add'} $${hexImm(imm)},${regText(dst, 64)}` };
    }
    case Code.Lea_r64_m:
    case Code.Lea_r32_m: {
      // RIP-relative forms would need the instruction's own address; 32-bit addressing (0x67)
      // wraps at 2^32: both are stepped over.
      if (ins.isIpRelMemoryOperand) return undefined;
      const width = ins.code === Code.Lea_r64_m ? 64 : 32;
      const dst = gpr(ins.op0Register, width);
      const base = ins.memoryBase === Register.None ? -1 : gpr(ins.memoryBase, 64);
      const index = ins.memoryIndex === Register.None ? -1 : gpr(ins.memoryIndex, 64);
      if (dst < 0 || (base < 0 && ins.memoryBase !== Register.None) || (index < 0 && ins.memoryIndex !== Register.None)) return undefined;
      const disp = ins.memoryDisplacement & M64;
      const scale = ins.memoryIndexScale;
      const addr = [base >= 0 ? regText(base, 64) : '', index >= 0 ? `,${regText(index, 64)},${scale}` : ''].join('');
      return { form: 'lea', op: 'lea', dst, width, base, index, scale, disp, length, text: `lea ${disp === 0n ? '' : hexImm(disp)}(${addr}),${regText(dst, width)}` };
    }
    case Code.Jmp_rel8_64:
    case Code.Jmp_rel32_64: {
      // Decoded at address 0, the target is the displacement plus the length.
      const delta = ins.nearBranchTarget & M64;
      return { form: 'jmp', op: 'jump', delta, length, text: `jmp .${delta >= SIGN ? '-' : '+'}${hexImm(delta).replace('-', '')}` };
    }
    default:
      return undefined;
  }
}

/** `mov %r64,disp(%rsp|%rbp)`: the one memory store in the table, to the stack only. */
function storeOf(ins: Instruction, length: number): EmulationPlan | undefined {
  if (ins.op1Kind !== OpKind.Register || ins.memoryIndex !== Register.None || ins.segmentPrefix !== Register.None || ins.isIpRelMemoryOperand) return undefined;
  if (ins.memoryBase !== Register.RSP && ins.memoryBase !== Register.RBP) return undefined;
  const src = gpr(ins.op1Register, 64);
  const base = gpr(ins.memoryBase, 64);
  if (src < 0 || base < 0) return undefined;
  const disp = ins.memoryDisplacement & M64;
  return { form: 'store', op: 'store', src, base, disp, length, text: `mov ${regText(src, 64)},${disp === 0n ? '' : hexImm(disp)}(${regText(base, 64)})` };
}

/**
 * Whether the plan may run on these registers. A push is left to the CPU when its 8 bytes would
 * leave the page holding the word at rsp (written by the `call` that entered the function): below
 * it the stack may have to grow, or end in a guard page, and the `mem` node's forced write would
 * neither grow it nor fault as the CPU does.
 */
export function planApplies(plan: EmulationPlan, regs: Buffer): boolean {
  if (plan.op === 'store') {
    // The same rule as a push's: the page holding [rsp] is there and writable (the call that
    // entered the function wrote to it); a store anywhere else is left to the CPU.
    const at = (regs.readBigUInt64LE(plan.base) + plan.disp) & M64;
    const page = regs.readBigUInt64LE(RSP) & ~(PAGE - 1n);
    return at >= page && at + 8n <= page + PAGE;
  }
  if (plan.op !== 'push') return true;
  return (regs.readBigUInt64LE(RSP) & (PAGE - 1n)) >= 8n;
}

/**
 * Executes the plan on `regs` (a raw user_regs_struct, changed in place) and returns the stack
 * write a push makes (the caller writes it; nothing else touches memory). Check planApplies first.
 */
export function applyPlan(plan: EmulationPlan, regs: Buffer): StackWrite | undefined {
  let write: StackWrite | undefined;
  switch (plan.op) {
    case 'none':
      break;
    case 'push': {
      const value = regs.readBigUInt64LE(plan.src);
      const rsp = (regs.readBigUInt64LE(RSP) - 8n) & M64;
      regs.writeBigUInt64LE(rsp, RSP);
      const data = Buffer.alloc(8);
      data.writeBigUInt64LE(value);
      write = { addr: rsp, data };
      break;
    }
    case 'mov': {
      const v = regs.readBigUInt64LE(plan.src);
      // A 32-bit destination is zero-extended to 64 bits (SDM vol. 1, 3.4.1.1).
      regs.writeBigUInt64LE(plan.width === 64 ? v : v & 0xffff_ffffn, plan.dst);
      break;
    }
    case 'set':
      regs.writeBigUInt64LE(plan.value, plan.dst);
      break;
    case 'store': {
      const data = Buffer.alloc(8);
      data.writeBigUInt64LE(regs.readBigUInt64LE(plan.src));
      write = { addr: (regs.readBigUInt64LE(plan.base) + plan.disp) & M64, data };
      break;
    }
    case 'lea': {
      let v = plan.disp;
      if (plan.base >= 0) v += regs.readBigUInt64LE(plan.base);
      if (plan.index >= 0) v += regs.readBigUInt64LE(plan.index) * BigInt(plan.scale);
      v &= M64;
      regs.writeBigUInt64LE(plan.width === 64 ? v : v & 0xffff_ffffn, plan.dst);
      break;
    }
    case 'arith': {
      const a = regs.readBigUInt64LE(plan.dst);
      const b = plan.imm;
      const r = (plan.sub ? a - b : a + b) & M64;
      regs.writeBigUInt64LE(r, plan.dst);
      const flags = regs.readBigUInt64LE(RFLAGS) & ~ARITH_FLAGS;
      regs.writeBigUInt64LE(flags | arithFlags(a, b, r, plan.sub), RFLAGS);
      break;
    }
  }
  const step = plan.op === 'jump' ? plan.delta : BigInt(plan.length);
  regs.writeBigUInt64LE((regs.readBigUInt64LE(RIP) + step) & M64, RIP);
  return write;
}

/** CF PF AF ZF SF OF of `r = a ± b` on 64 bits (SDM vol. 1, 3.4.3.1 and appendix A). */
export function arithFlags(a: bigint, b: bigint, r: bigint, sub: boolean): bigint {
  let f = 0n;
  if (sub ? a < b : r < a) f |= CF;
  if (parityEven(Number(r & 0xffn))) f |= PF;
  if (((a ^ b ^ r) & 0x10n) !== 0n) f |= AF;
  if (r === 0n) f |= ZF;
  if ((r & SIGN) !== 0n) f |= SF;
  // Overflow: the operands' signs make the result's sign impossible.
  const ov = sub ? (a ^ b) & (a ^ r) : ~(a ^ b) & (a ^ r);
  if ((ov & SIGN) !== 0n) f |= OF;
  return f;
}

/** PF is set when the low byte of the result has an even number of 1 bits. */
function parityEven(byte: number): boolean {
  let x = byte ^ (byte >> 4);
  x ^= x >> 2;
  x ^= x >> 1;
  return (x & 1) === 0;
}
