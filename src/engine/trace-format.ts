/**
 * How `pdbg trace` writes a call: ltrace's look without its prototypes, so every argument is a
 * register shown in hex and the return value is rax as a signed decimal, strace's `= ?` for a
 * call that never returned while traced:
 *
 *   write(0x1, 0x55d0c3a2b2a0, 0x5) = 5
 *   [tid 4242] tf(0x2a)
 *   exit(0x0) = ?
 *
 * and the same as one JSON object a line, `{"tid":4242,"sym":"write","args":["0x1",…],"ret":"5"}`
 * (`"unfinished":true` instead of `ret` for `= ?`). Values are read straight out of the raw
 * `user_regs_struct` the engine already has for the hit: two 32-bit halves, no bigint unless a
 * value needs more than 53 bits.
 */
import { INT_ARG_REGS, INT_RETURN_REG } from '../arch/x86-64/calling-convention.js';
import { USER_REGS_NAMES } from '../arch/x86-64/registers-linux.js';
import { displayText, terminalJson } from '../procfs/escape.js';

const offsetOf = (name: string): number => USER_REGS_NAMES.indexOf(name) * 8;

export const ARG_REGS: readonly string[] = INT_ARG_REGS;
const ARG_OFFSETS: readonly number[] = ARG_REGS.map(offsetOf);
export const MAX_ARGS = ARG_REGS.length;
const RAX = offsetOf(INT_RETURN_REG);
const RSP = offsetOf('rsp');

/** A register as `0x…` (lower case, no padding), from its two halves. */
export function hexAt(regs: Buffer, offset: number): string {
  const lo = regs.readUInt32LE(offset);
  const hi = regs.readUInt32LE(offset + 4);
  return hi === 0 ? '0x' + lo.toString(16) : '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** A register as a signed 64-bit decimal. */
export function signedAt(regs: Buffer, offset: number): string {
  const lo = regs.readUInt32LE(offset);
  const hi = regs.readInt32LE(offset + 4);
  if (hi === 0) return String(lo);
  // Exact as a double while |value| < 2^53, i.e. the high half within ±2^21.
  if (hi >= -0x20_0000 && hi < 0x20_0000) return String(hi * 0x1_0000_0000 + lo);
  return regs.readBigInt64LE(offset).toString();
}

/** The stack pointer as a number (user space fits in 47 bits). */
export function stackPointer(regs: Buffer): number {
  return regs.readUInt32LE(RSP + 4) * 0x1_0000_0000 + regs.readUInt32LE(RSP);
}

/** The return value register, for `= VALUE`. */
export function returnValue(regs: Buffer): string {
  return signedAt(regs, RAX);
}

/** A traced name as it is written: shown escaped on a line, JSON-escaped (C1 controls too) in an object. */
export interface TraceName {
  readonly text: string;
  readonly json: string;
}

export function traceName(name: string): TraceName {
  return { text: displayText(name), json: terminalJson(JSON.stringify(name)) };
}

/**
 * The first `n` argument registers: `0x1, 0x2` for a line, or `"0x1","0x2"` for JSON. Formatted
 * at the entry (by the return the registers hold other things).
 */
export function formatArgs(regs: Buffer, n: number, json: boolean): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const h = hexAt(regs, ARG_OFFSETS[i]!);
    out += i === 0 ? (json ? `"${h}"` : h) : json ? `,"${h}"` : ', ' + h;
  }
  return out;
}

/** `[tid 1234] ` where the target has several threads, else nothing. */
export function threadPrefix(tid: number, several: boolean): string {
  return several ? `[tid ${tid}] ` : '';
}

/** One call as a line: `name(args)`, `name(args) = ret` or `name(args) = ?` (`ret` null: unfinished). */
export function callLine(prefix: string, name: TraceName, args: string, ret?: string | null): string {
  const head = `${prefix}${name.text}(${args})`;
  return ret === undefined ? head : ret === null ? head + ' = ?' : `${head} = ${ret}`;
}

/** One call as a JSON object (no spaces, one line): `args` as formatArgs gives them for JSON. */
export function callJson(tid: number, name: TraceName, args: string, ret?: string | null): string {
  const head = `{"tid":${tid},"sym":${name.json},"args":[${args}]`;
  return ret === undefined ? head + '}' : ret === null ? head + ',"unfinished":true}' : `${head},"ret":"${ret}"}`;
}

/** A `--count` row: how many calls of one name. */
export interface CallCount {
  readonly sym: string;
  readonly calls: number;
}

/**
 * strace -c's table cut to what a breakpoint can count: calls per name, most called first, a
 * rule and the total.
 */
export function formatCountTable(rows: readonly CallCount[]): string[] {
  const sorted = [...rows].sort((a, b) => b.calls - a.calls || (a.sym < b.sym ? -1 : 1));
  const total = sorted.reduce((n, r) => n + r.calls, 0);
  const w = Math.max(7, String(total).length);
  const nameW = Math.max(8, ...sorted.map((r) => displayText(r.sym).length));
  const rule = `${'-'.repeat(w)} ${'-'.repeat(nameW)}`;
  return [
    `${'calls'.padStart(w)} function`,
    rule,
    ...sorted.map((r) => `${String(r.calls).padStart(w)} ${displayText(r.sym)}`),
    rule,
    `${String(total).padStart(w)} total`,
  ];
}
