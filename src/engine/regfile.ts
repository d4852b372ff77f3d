/**
 * Registers as the engine sees them: the live `regs` node's raw Linux x86-64 `user_regs_struct`
 * (regs.ts `LINUX_X86_64`), read and written by name. The pc is read at its fixed offset so the
 * step loop looks it up without decoding the rest or allocating.
 */
import { HOST_ARCH } from '../arch/host.js';
import { ProcfsError } from '../procfs/errors.js';
import { decodeRegs, getReg, LINUX_X86_64, REG_NAMES, regField, setReg } from '../procfs/regs.js';

export const LAYOUT = LINUX_X86_64;
export const REGS_SIZE = LAYOUT.size;
const PC_OFFSET = HOST_ARCH.pcOffset;

/** Every register by name (Linux names: `rip`, `eflags`, …), unsigned 64-bit. */
export type Registers = Record<string, bigint>;

/** Display order, most looked-at first. */
export const DISPLAY_ORDER: readonly string[] = REG_NAMES;

/** Spellings people type besides the layout's names and regs.ts aliases (`rflags`, `eip`…). */
const ALIASES: Readonly<Record<string, string>> = { pc: HOST_ARCH.pcReg, sp: HOST_ARCH.spReg, fp: HOST_ARCH.fpReg, flags: HOST_ARCH.flagsReg };

/** The register's Linux name, or EINVAL listing the valid ones. */
export function regName(name: string): string {
  const n = name.toLowerCase().replace(/^[$%]/, '');
  const r = ALIASES[n] ?? n;
  const f = regField(LAYOUT, r);
  if (!f) throw new ProcfsError('EINVAL', `unknown register '${name}' (one of ${DISPLAY_ORDER.join(' ')}; or pc sp fp flags)`);
  return f.name;
}

export function decode(raw: Uint8Array): Registers {
  return decodeRegs(LAYOUT, raw);
}

export function readReg(raw: Uint8Array, name: string): bigint {
  return getReg(LAYOUT, raw, regName(name));
}

/** Writes one register into a raw set; values wrap to 64 bits (so -1 is 0xffff…). */
export function writeReg(raw: Uint8Array, name: string, value: bigint): void {
  setReg(LAYOUT, raw, regName(name), value);
}

/** The pc as a number, without a bigint: the breakpoint lookup key on every stop. */
export function pcNumber(raw: Uint8Array): number {
  const o = PC_OFFSET;
  const lo = (raw[o]! | (raw[o + 1]! << 8) | (raw[o + 2]! << 16) | (raw[o + 3]! << 24)) >>> 0;
  const hi = (raw[o + 4]! | (raw[o + 5]! << 8) | (raw[o + 6]! << 16) | (raw[o + 7]! << 24)) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

export function setPc(raw: Uint8Array, pc: number): void {
  const o = PC_OFFSET;
  const lo = pc % 0x1_0000_0000;
  const hi = Math.floor(pc / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) {
    raw[o + i] = (lo >>> (8 * i)) & 0xff;
    raw[o + 4 + i] = (hi >>> (8 * i)) & 0xff;
  }
}
