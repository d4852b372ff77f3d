/** GDB's amd64 register numbering: what a GDB remote server's `g` packet would carry. */

/** One register of GDB's numbering: its name (user_regs_struct's where both have it) and width in bytes. */
export interface GdbReg {
  readonly name: string;
  readonly size: 4 | 8 | 10 | 16;
}

/**
 * GDB's amd64 register numbering (gdb/amd64-tdep.h, `g` packet order without a target
 * description): 16 general registers in gdb's order, rip, eflags, six segment selectors, the
 * x87 stack and control words, the SSE registers, mxcsr, and amd64-linux's orig_rax (57).
 * fs_base and gs_base exist only in a target description (64bit-segments.xml), so not here.
 */
export const GDB_REGS: readonly GdbReg[] = [
  ...['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip']
    .map((name): GdbReg => ({ name, size: 8 })),
  ...['eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs'].map((name): GdbReg => ({ name, size: 4 })),
  ...Array.from({ length: 8 }, (_, i): GdbReg => ({ name: `st${i}`, size: 10 })),
  ...['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'].map((name): GdbReg => ({ name, size: 4 })),
  ...Array.from({ length: 16 }, (_, i): GdbReg => ({ name: `xmm${i}`, size: 16 })),
  { name: 'mxcsr', size: 4 },
  { name: 'orig_rax', size: 8 },
];
