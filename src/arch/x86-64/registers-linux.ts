/**
 * The x86-64 Linux register sets as ptrace hands them out: what the live source's `regs` and
 * `fpregs` nodes carry, the step loop reads the pc from and the emulator writes. (native/ keeps
 * its own copy of the two sizes, as it imports nothing from src/: test/regs.test.ts holds them equal.)
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
