/**
 * The DWARF expression stack machine (DWARF 5 §2.5) as call frame information uses it: values
 * are 64-bit, registers come from the frame being unwound, memory from the target. Location
 * forms that name a register rather than compute an address (DW_OP_reg*, DW_OP_piece) and ops
 * that need debug info (fbreg, call*, entry_value) are not meaningful in CFI and are refused by
 * name.
 */
import { ParseError } from '../procfs/errors.js';
import { Cursor, u64 } from './reader.js';

/** What an expression may read: a register of the frame (undefined if unknown) and 8 bytes of memory. */
export interface ExprContext {
  readonly reg: (n: number) => bigint | undefined;
  /** `size` bytes at addr as an unsigned little-endian value; throws when unreadable. */
  readonly readMem: (addr: bigint, size: number) => Promise<bigint>;
}

const S = (v: bigint): bigint => BigInt.asIntN(64, v);

const NAMES: Record<number, string> = {
  0x03: 'DW_OP_addr', 0x06: 'DW_OP_deref', 0x08: 'DW_OP_const1u', 0x09: 'DW_OP_const1s', 0x0a: 'DW_OP_const2u',
  0x0b: 'DW_OP_const2s', 0x0c: 'DW_OP_const4u', 0x0d: 'DW_OP_const4s', 0x0e: 'DW_OP_const8u', 0x0f: 'DW_OP_const8s',
  0x10: 'DW_OP_constu', 0x11: 'DW_OP_consts', 0x12: 'DW_OP_dup', 0x13: 'DW_OP_drop', 0x14: 'DW_OP_over',
  0x15: 'DW_OP_pick', 0x16: 'DW_OP_swap', 0x17: 'DW_OP_rot', 0x18: 'DW_OP_xderef', 0x19: 'DW_OP_abs',
  0x1a: 'DW_OP_and', 0x1b: 'DW_OP_div', 0x1c: 'DW_OP_minus', 0x1d: 'DW_OP_mod', 0x1e: 'DW_OP_mul',
  0x1f: 'DW_OP_neg', 0x20: 'DW_OP_not', 0x21: 'DW_OP_or', 0x22: 'DW_OP_plus', 0x23: 'DW_OP_plus_uconst',
  0x24: 'DW_OP_shl', 0x25: 'DW_OP_shr', 0x26: 'DW_OP_shra', 0x27: 'DW_OP_xor', 0x28: 'DW_OP_bra',
  0x29: 'DW_OP_eq', 0x2a: 'DW_OP_ge', 0x2b: 'DW_OP_gt', 0x2c: 'DW_OP_le', 0x2d: 'DW_OP_lt', 0x2e: 'DW_OP_ne',
  0x2f: 'DW_OP_skip', 0x90: 'DW_OP_regx', 0x91: 'DW_OP_fbreg', 0x92: 'DW_OP_bregx', 0x93: 'DW_OP_piece',
  0x94: 'DW_OP_deref_size', 0x96: 'DW_OP_nop', 0x9c: 'DW_OP_call_frame_cfa', 0x9d: 'DW_OP_bit_piece',
  0x9e: 'DW_OP_implicit_value', 0x9f: 'DW_OP_stack_value', 0xa3: 'DW_OP_entry_value',
};

/** The name of a DW_OP opcode. */
export function opName(op: number): string {
  if (op >= 0x30 && op <= 0x4f) return `DW_OP_lit${op - 0x30}`;
  if (op >= 0x50 && op <= 0x6f) return `DW_OP_reg${op - 0x50}`;
  if (op >= 0x70 && op <= 0x8f) return `DW_OP_breg${op - 0x70}`;
  return NAMES[op] ?? `DW_OP_0x${op.toString(16)}`;
}

/**
 * Evaluates `expr` with `initial` pushed first (DW_CFA_expression pushes the CFA) and returns
 * the top of the stack. Errors are ParseErrors naming the op.
 */
export async function evaluate(expr: Buffer, ctx: ExprContext, initial: readonly bigint[] = []): Promise<bigint> {
  const c = new Cursor(expr);
  const stack: bigint[] = [...initial];
  const pop = (op: number): bigint => {
    const v = stack.pop();
    if (v === undefined) throw new ParseError(opName(op), `${opName(op)}: DWARF expression stack underflow`);
    return v;
  };
  const reg = (n: number, op: number): bigint => {
    const v = ctx.reg(n);
    if (v === undefined) throw new ParseError(opName(op), `${opName(op)}: register ${n} is not known in this frame`);
    return v;
  };
  const push = (v: bigint): void => {
    stack.push(u64(v));
  };
  let steps = 0;
  while (!c.done) {
    // A backward DW_OP_skip/bra can loop for ever on corrupt input.
    if (++steps > 10_000) throw new ParseError('DW_OP', 'DWARF expression runs too long (a loop?)');
    const op = c.u8('DW_OP opcode');
    if (op >= 0x30 && op <= 0x4f) {
      push(BigInt(op - 0x30));
      continue;
    }
    if (op >= 0x70 && op <= 0x8f) {
      push(reg(op - 0x70, op) + c.sleb(opName(op)));
      continue;
    }
    switch (op) {
      case 0x03:
        push(c.u64('DW_OP_addr'));
        break;
      case 0x06:
        push(await ctx.readMem(pop(op), 8));
        break;
      case 0x94: {
        const size = c.u8('DW_OP_deref_size');
        if (size < 1 || size > 8) throw new ParseError('DW_OP_deref_size', `DW_OP_deref_size of ${size} bytes`);
        push(await ctx.readMem(pop(op), size));
        break;
      }
      case 0x08:
        push(BigInt(c.u8(opName(op))));
        break;
      case 0x09:
        push(BigInt(c.s8(opName(op))));
        break;
      case 0x0a:
        push(BigInt(c.u16(opName(op))));
        break;
      case 0x0b:
        push(BigInt(c.s16(opName(op))));
        break;
      case 0x0c:
        push(BigInt(c.u32(opName(op))));
        break;
      case 0x0d:
        push(BigInt(c.s32(opName(op))));
        break;
      case 0x0e:
        push(c.u64(opName(op)));
        break;
      case 0x0f:
        push(c.s64(opName(op)));
        break;
      case 0x10:
        push(c.uleb(opName(op)));
        break;
      case 0x11:
        push(c.sleb(opName(op)));
        break;
      case 0x12: {
        const v = pop(op);
        stack.push(v, v);
        break;
      }
      case 0x13:
        pop(op);
        break;
      case 0x14: {
        if (stack.length < 2) throw new ParseError(opName(op), `${opName(op)}: DWARF expression stack underflow`);
        stack.push(stack[stack.length - 2]!);
        break;
      }
      case 0x15: {
        const i = c.u8(opName(op));
        if (i >= stack.length) throw new ParseError(opName(op), `${opName(op)} ${i}: DWARF expression stack underflow`);
        stack.push(stack[stack.length - 1 - i]!);
        break;
      }
      case 0x16: {
        const a = pop(op);
        const b = pop(op);
        stack.push(a, b);
        break;
      }
      case 0x17: {
        const a = pop(op);
        const b = pop(op);
        const d = pop(op);
        stack.push(a, d, b);
        break;
      }
      case 0x19: {
        const v = S(pop(op));
        push(v < 0n ? -v : v);
        break;
      }
      case 0x1f:
        push(-pop(op));
        break;
      case 0x20:
        push(~pop(op));
        break;
      case 0x23:
        push(pop(op) + c.uleb(opName(op)));
        break;
      case 0x1a:
      case 0x1b:
      case 0x1c:
      case 0x1d:
      case 0x1e:
      case 0x21:
      case 0x22:
      case 0x24:
      case 0x25:
      case 0x26:
      case 0x27:
      case 0x29:
      case 0x2a:
      case 0x2b:
      case 0x2c:
      case 0x2d:
      case 0x2e: {
        const b = pop(op);
        const a = pop(op);
        push(binary(op, a, b));
        break;
      }
      case 0x2f: {
        const d = c.s16(opName(op));
        c.pos += d;
        if (c.pos < 0 || c.pos > expr.length) throw new ParseError(opName(op), `${opName(op)} out of the expression`);
        break;
      }
      case 0x28: {
        const d = c.s16(opName(op));
        if (pop(op) !== 0n) {
          c.pos += d;
          if (c.pos < 0 || c.pos > expr.length) throw new ParseError(opName(op), `${opName(op)} out of the expression`);
        }
        break;
      }
      case 0x92: {
        const n = c.ulebN(opName(op));
        push(reg(n, op) + c.sleb(opName(op)));
        break;
      }
      case 0x96:
        break;
      default:
        throw new ParseError(opName(op), `unsupported DWARF expression op ${opName(op)} (0x${op.toString(16)}) in call frame information`);
    }
  }
  const top = stack.pop();
  if (top === undefined) throw new ParseError('DW_OP', 'DWARF expression left nothing on the stack');
  return top;
}

function binary(op: number, a: bigint, b: bigint): bigint {
  switch (op) {
    case 0x1a:
      return a & b;
    case 0x1b:
      if (b === 0n) throw new ParseError('DW_OP_div', 'DW_OP_div by zero');
      return S(a) / S(b);
    case 0x1c:
      return a - b;
    case 0x1d:
      if (b === 0n) throw new ParseError('DW_OP_mod', 'DW_OP_mod by zero');
      return a % b;
    case 0x1e:
      return a * b;
    case 0x21:
      return a | b;
    case 0x22:
      return a + b;
    case 0x24:
      return b >= 64n ? 0n : a << b;
    case 0x25:
      return b >= 64n ? 0n : a >> b;
    case 0x26:
      return S(a) >> (b >= 64n ? 63n : b);
    case 0x27:
      return a ^ b;
    // Comparisons are signed (DWARF 5 §2.5.1.4, generic type).
    case 0x29:
      return a === b ? 1n : 0n;
    case 0x2a:
      return S(a) >= S(b) ? 1n : 0n;
    case 0x2b:
      return S(a) > S(b) ? 1n : 0n;
    case 0x2c:
      return S(a) <= S(b) ? 1n : 0n;
    case 0x2d:
      return S(a) < S(b) ? 1n : 0n;
    default:
      return a !== b ? 1n : 0n;
  }
}
