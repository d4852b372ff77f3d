/**
 * The x86-64 facts pdbg depends on, in one place: the Linux register set's layout, the
 * breakpoint instruction, the DWARF and GDB register numberings, and the instruction bytes the
 * symbolizer recognizes. At the bottom of the layering: it imports nothing, so the model, the
 * sources and the engine can all use it. (native/ptrace.ts keeps its own struct sizes: native/
 * imports nothing from src/.)
 */

/** Linux `user_regs_struct` (arch/x86/include/asm/user_64.h) in field order: 27 × u64. */
export const USER_REGS_NAMES: readonly string[] = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
  'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
];

/** sizeof(struct user_regs_struct): what PTRACE_GETREGS fills and a whole `regs` read returns. */
export const USER_REGS_SIZE = USER_REGS_NAMES.length * 8;

/** Byte offset of `rip` in user_regs_struct: the step loop reads the pc there without decoding the rest. */
export const USER_REGS_RIP_OFFSET = USER_REGS_NAMES.indexOf('rip') * 8;

/** Linux `user_fpregs_struct` (the FXSAVE area): raw bytes, read and written whole. */
export const FPREGS_SIZE = 512;

/** The one-byte breakpoint instruction; after it traps, the pc is one past it. */
export const INT3 = 0xcc;

/** `endbr64` (f3 0f 1e fa), the IBT landing pad that may open a PLT stub or a function, as a big-endian word. */
export const ENDBR64 = 0xf30f1efa;

/**
 * DWARF register numbers 0–16 (System V x86-64 psABI, Figure 3.36) as user_regs_struct names;
 * 16 is the return address column, rip.
 */
export const DWARF_REG_NAMES: readonly string[] = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip',
];
export const DWARF_RBP = 6;
export const DWARF_RSP = 7;
export const DWARF_RIP = 16;
/** Preserved across calls by the psABI (rbx, rbp, r12–r15): a CFI row without a rule for them means "unchanged". */
export const DWARF_CALLEE_SAVED: readonly number[] = [3, 6, 12, 13, 14, 15];

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
