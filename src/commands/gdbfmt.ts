/**
 * gdb's output formats for one value (`print/FMT`, each unit of `x/FMT`): x d u o t c a z, and
 * the natural format from the value's type. `x` pads hex and binary to the unit's size; `print`
 * does not (gdb's `print_scalar_formatted` with and without a size).
 */
import { ProcfsError } from '../procfs/errors.js';
import { numeric, type Value, type ValueType } from '../engine/expr.js';

/** Names an address (`main+4`), or undefined. */
export type Symbolize = (addr: bigint) => string | undefined;

/** The letters gdb takes for a value format. */
export const VALUE_FORMATS = 'xduotcazs';

const CHAR_ESCAPES: Readonly<Record<number, string>> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\033' };

/** One byte as gdb shows it inside quotes `q` (' or "): `\n`, `\\`, `\000`-style octal for the rest. */
export function escapeChar(b: number, q: string): string {
  if (CHAR_ESCAPES[b] !== undefined) return CHAR_ESCAPES[b]!;
  if (b === 0x5c) return '\\\\';
  if (String.fromCharCode(b) === q) return '\\' + q;
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return '\\' + b.toString(8).padStart(3, '0');
}

/** `104 'h'`: the numeric value (signed char) and the character. */
export function charText(bits: bigint): string {
  const b = Number(bits & 0xffn);
  return `${b >= 128 ? b - 256 : b} '${escapeChar(b, "'")}'`;
}

function typeName(t: ValueType | 'void' | 'code'): string {
  if (t === 'void') return 'void';
  if (t === 'code') return 'void (*)()';
  if (t.kind === 'ptr') return t.to === 'code' ? 'void (**)()' : `${typeName(t.to)} *`;
  const n = t.size === 1 ? 'char' : t.size === 2 ? 'short' : t.size === 4 ? 'int' : 'long';
  return t.signed ? n : `unsigned ${n}`;
}

/** `(void *)`, `(int *)`, `(void (*)())`: the type gdb shows before a pointer. */
export function pointerTypeName(t: ValueType): string {
  if (t.kind !== 'ptr') return typeName(t);
  return t.to === 'code' ? 'void (*)()' : `${typeName(t.to)} *`;
}

/** `0x555555555131 <main+8>` (gdb's `print_address`). */
export function addressText(a: bigint, symbolize: Symbolize): string {
  const name = symbolize(a);
  return `0x${a.toString(16)}${name ? ` <${name}>` : ''}`;
}

/**
 * One value in format `fmt` over `size` bytes. `pad`: zero-fill hex and binary to the size (x's
 * units). A natural format ('s' or '') follows the type.
 */
export function formatValue(v: Value, fmt: string, symbolize: Symbolize, opts: { size?: number; pad?: boolean } = {}): string {
  const size = opts.size ?? (v.type.kind === 'int' ? v.type.size : 8);
  const bits = BigInt.asUintN(size * 8, v.bits);
  const signed = BigInt.asIntN(size * 8, bits);
  switch (fmt) {
    case 'x':
      return '0x' + (opts.pad ? bits.toString(16).padStart(size * 2, '0') : bits.toString(16));
    case 'z':
      return '0x' + bits.toString(16).padStart(size * 2, '0');
    case 'd':
      return signed.toString();
    case 'u':
      return bits.toString();
    case 'o':
      return bits === 0n ? '0' : '0' + bits.toString(8);
    case 't':
      return opts.pad ? bits.toString(2).padStart(size * 8, '0') : bits.toString(2);
    case 'c':
      return charText(bits);
    case 'a':
      return addressText(bits, symbolize);
    case 's':
    case '':
      return natural(v, symbolize);
  }
  throw new ProcfsError('EINVAL', `undefined output format '${fmt}' (one of x d u o t c a z s)`);
}

/** gdb's natural format: decimal by signedness, `104 'h'` for a char, `(void *) 0x… <sym>` for a pointer. */
export function natural(v: Value, symbolize: Symbolize): string {
  if (v.type.kind === 'ptr') return `(${pointerTypeName(v.type)}) ${addressText(v.bits, symbolize)}`;
  if (v.type.size === 1) return charText(v.bits);
  return numeric(v).toString();
}
