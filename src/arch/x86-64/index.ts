/**
 * x86-64 as an `Arch` (../arch.ts): the one object the engine and the sources take their
 * instruction-set facts from. The facts themselves sit in files named for what they are:
 * registers-linux.ts (ptrace's register sets), breakpoint.ts (int3), instructions.ts (rflags,
 * register encoding, endbr64), dwarf.ts and gdb.ts (register numberings), disasm.ts (iced-x86).
 */
import type { Arch } from '../arch.js';
import { INT3, INT3_PC_ADVANCE } from './breakpoint.js';
import { FPREGS_SIZE, USER_REGS_NAMES, USER_REGS_RIP_OFFSET, USER_REGS_SIZE } from './registers-linux.js';

export const x86_64: Arch = Object.freeze({
  name: 'x86-64',
  breakpoint: Uint8Array.of(INT3),
  trapPcAdvance: INT3_PC_ADVANCE,
  pcReg: 'rip',
  spReg: 'rsp',
  fpReg: 'rbp',
  flagsReg: 'eflags',
  userRegs: USER_REGS_NAMES,
  userRegsSize: USER_REGS_SIZE,
  pcOffset: USER_REGS_RIP_OFFSET,
  fpregsSize: FPREGS_SIZE,
});
