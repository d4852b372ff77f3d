/**
 * Byte-level reading for call frame information: fixed-width little-endian integers, LEB128,
 * and the DW_EH_PE_* pointer encodings of .eh_frame and .eh_frame_hdr (LSB "Exception Frames").
 */
import { ParseError } from '../procfs/errors.js';

/** DW_EH_PE_omit: no value present. */
export const DW_EH_PE_omit = 0xff;
export const DW_EH_PE_absptr = 0x00;
export const DW_EH_PE_uleb128 = 0x01;
export const DW_EH_PE_udata2 = 0x02;
export const DW_EH_PE_udata4 = 0x03;
export const DW_EH_PE_udata8 = 0x04;
export const DW_EH_PE_sleb128 = 0x09;
export const DW_EH_PE_sdata2 = 0x0a;
export const DW_EH_PE_sdata4 = 0x0b;
export const DW_EH_PE_sdata8 = 0x0c;
export const DW_EH_PE_pcrel = 0x10;
export const DW_EH_PE_textrel = 0x20;
export const DW_EH_PE_datarel = 0x30;
export const DW_EH_PE_funcrel = 0x40;
export const DW_EH_PE_aligned = 0x50;
export const DW_EH_PE_indirect = 0x80;

const MASK64 = (1n << 64n) - 1n;

/** Wraps to an unsigned 64-bit address, as the target's arithmetic does. */
export function u64(v: bigint): bigint {
  return v & MASK64;
}

/**
 * The bases a relative pointer encoding is added to. `section` is the link-time address of the
 * first byte of the buffer being read, so pcrel = section + position of the field.
 */
export interface PointerBases {
  readonly section?: bigint;
  /** .eh_frame_hdr's own address for its datarel table (the only datarel user on x86-64). */
  readonly data?: bigint;
  readonly text?: bigint;
  /** The FDE's pc_begin, for funcrel (LSDA pointers only). */
  readonly func?: bigint;
}

/** A decoded pointer; `indirect` means the value is the address of the pointer, in target memory. */
export interface EncodedPointer {
  readonly value: bigint;
  readonly indirect: boolean;
}

/** A position in a buffer, reading forward; every overrun is a ParseError naming what was read. */
export class Cursor {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    /** Bytes past this are not part of the entry being read. */
    readonly end = buf.length,
  ) {
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new ParseError(what, `CFI truncated: ${what} at offset 0x${this.pos.toString(16)} needs ${n} bytes`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  s8(what = 's8'): number {
    this.need(1, what);
    return this.buf.readInt8(this.pos++);
  }

  s16(what = 's16'): number {
    this.need(2, what);
    const v = this.buf.readInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  s32(what = 's32'): number {
    this.need(4, what);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  s64(what = 's64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 as a bigint (register numbers and offsets fit a number; see ulebN). */
  uleb(what = 'uleb128'): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8(what);
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
      if (shift > 70n) throw new ParseError(what, `${what}: LEB128 longer than 10 bytes at offset 0x${this.pos.toString(16)}`);
    }
  }

  sleb(what = 'sleb128'): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      b = this.u8(what);
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) throw new ParseError(what, `${what}: LEB128 longer than 10 bytes at offset 0x${this.pos.toString(16)}`);
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }

  /** uleb for counts and register numbers: a number, or a ParseError if it cannot be one. */
  ulebN(what = 'uleb128'): number {
    const v = this.uleb(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(what, `${what} out of range: ${v}`);
    return Number(v);
  }

  slebN(what = 'sleb128'): number {
    const v = this.sleb(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ParseError(what, `${what} out of range: ${v}`);
    return Number(v);
  }

  cstring(what = 'string'): string {
    const at = this.buf.indexOf(0, this.pos);
    if (at < 0 || at >= this.end) throw new ParseError(what, `CFI truncated: unterminated ${what} at offset 0x${this.pos.toString(16)}`);
    const s = this.buf.toString('latin1', this.pos, at);
    this.pos = at + 1;
    return s;
  }

  bytes(n: number, what = 'block'): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /**
   * A pointer in encoding `enc` (DW_EH_PE_*). Throws for DW_EH_PE_omit (the caller checks) and
   * for a relative encoding whose base was not given.
   */
  pointer(enc: number, bases: PointerBases, what = 'pointer'): EncodedPointer {
    if (enc === DW_EH_PE_omit) throw new ParseError(what, `${what}: DW_EH_PE_omit has no value`);
    const app = enc & 0x70;
    // Aligned to the address size; sections holding CFI are at least 8-aligned, so the offset serves.
    if (app === DW_EH_PE_aligned) this.pos = (this.pos + 7) & ~7;
    const at = this.pos;
    let v: bigint;
    switch (enc & 0x0f) {
      case DW_EH_PE_absptr:
        v = this.u64(what);
        break;
      case DW_EH_PE_uleb128:
        v = this.uleb(what);
        break;
      case DW_EH_PE_udata2:
        v = BigInt(this.u16(what));
        break;
      case DW_EH_PE_udata4:
        v = BigInt(this.u32(what));
        break;
      case DW_EH_PE_udata8:
        v = this.u64(what);
        break;
      case DW_EH_PE_sleb128:
        v = this.sleb(what);
        break;
      case DW_EH_PE_sdata2:
        v = BigInt(this.s16(what));
        break;
      case DW_EH_PE_sdata4:
        v = BigInt(this.s32(what));
        break;
      case DW_EH_PE_sdata8:
        v = this.s64(what);
        break;
      default:
        throw new ParseError(what, `${what}: unknown pointer format 0x${(enc & 0x0f).toString(16)} in encoding 0x${enc.toString(16)}`);
    }
    const base = (name: keyof PointerBases): bigint => {
      const b = bases[name];
      if (b === undefined) throw new ParseError(what, `${what}: encoding 0x${enc.toString(16)} needs a ${name} base, none known`);
      return b;
    };
    switch (app) {
      case 0:
      case DW_EH_PE_aligned:
        break;
      case DW_EH_PE_pcrel:
        v += base('section') + BigInt(at);
        break;
      case DW_EH_PE_textrel:
        v += base('text');
        break;
      case DW_EH_PE_datarel:
        v += base('data');
        break;
      case DW_EH_PE_funcrel:
        v += base('func');
        break;
      default:
        throw new ParseError(what, `${what}: unknown pointer application 0x${app.toString(16)} in encoding 0x${enc.toString(16)}`);
    }
    return { value: u64(v), indirect: (enc & DW_EH_PE_indirect) !== 0 };
  }
}

/** Byte size of a fixed-size encoding (for .eh_frame_hdr's table), undefined for LEB128. */
export function encodedSize(enc: number): number | undefined {
  switch (enc & 0x0f) {
    case DW_EH_PE_absptr:
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
      return 8;
    case DW_EH_PE_udata4:
    case DW_EH_PE_sdata4:
      return 4;
    case DW_EH_PE_udata2:
    case DW_EH_PE_sdata2:
      return 2;
    default:
      return undefined;
  }
}
