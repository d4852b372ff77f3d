/**
 * Values and bytes as debugger commands take and print them: register values (`42`, `-1`,
 * `0x7ffd…`), hex byte strings (`90 90`, `0xcc`, `deadbeef`), and memory dumps.
 */
import { ProcfsError } from '../procfs/errors.js';

/** A register value: decimal (optionally negative, stored two's complement) or 0x-hex. */
export function parseValue(text: string): bigint {
  const t = text.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new ProcfsError('EINVAL', `not a number: '${text}' (decimal or 0x-hex)`);
  const neg = t.startsWith('-');
  const v = BigInt(neg ? t.slice(1) : t);
  if (v >= 1n << 64n) throw new ProcfsError('EINVAL', `value ${text} does not fit in 64 bits`);
  return BigInt.asUintN(64, neg ? -v : v);
}

/** A byte count: positive decimal or 0x-hex, at most `max`. */
export function parseLength(text: string, max = 1 << 20): number {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw new ProcfsError('EINVAL', `not a length: '${text}'`);
  const n = Number(BigInt(t));
  if (n < 1 || n > max) throw new ProcfsError('EINVAL', `length ${text} out of range (1-${max})`);
  return n;
}

/** `REG=VALUE` (also `$REG=VALUE`) as a pair; the name is checked by the session. */
export function parseAssignment(text: string): { name: string; value: bigint } {
  const m = /^\s*\$?([A-Za-z_][\w]*)\s*=\s*(\S+)\s*$/.exec(text);
  if (!m) throw new ProcfsError('EINVAL', `expected REG=VALUE, got '${text}'`);
  return { name: m[1]!, value: parseValue(m[2]!) };
}

/**
 * Hex bytes: `90`, `deadbeef`, `0x9090`, `\xcc\x90`, `de ad be ef`, `90,90`. Whitespace, commas
 * and colons separate groups, and each group is whole bytes (an even number of digits after an
 * optional `0x`, or `\xHH` units): `0 0` is refused rather than read as the one byte 00, and
 * `f 00` is not 0xf0 0x0.
 */
export function parseHexBytes(text: string): Buffer {
  const groups = text.split(/[\s,:]+/).filter((g) => g !== '');
  const bad = (why: string) => new ProcfsError('EINVAL', `bad hex bytes '${text}': ${why} (two hex digits a byte, e.g. 90, de ad or 0xdeadbeef)`);
  if (groups.length === 0) throw bad('no bytes');
  let hex = '';
  for (const g of groups) {
    const digits = /^(\\x[0-9a-f]{2})+$/i.test(g) ? g.replace(/\\x/gi, '') : g.replace(/^0x/i, '');
    if (!/^[0-9a-f]+$/i.test(digits)) throw bad(`'${g}' is not hex`);
    if (digits.length % 2 !== 0) throw bad(`'${g}' has an odd number of hex digits`);
    hex += digits;
  }
  return Buffer.from(hex, 'hex');
}

/** Lines of `0xADDR: hh hh … |ascii|`, 16 bytes a line. */
export function hexdump(addr: bigint, bytes: Uint8Array): string[] {
  const out: string[] = [];
  const width = (addr + BigInt(bytes.length)).toString(16).length;
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hexPart = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`0x${(addr + BigInt(i)).toString(16).padStart(width, '0')}: ${hexPart.padEnd(47)}  |${text}|`);
  }
  return out;
}
