/**
 * ptrace(2) register access on x86-64 Linux: requests that exist on x86 only (arm64 has
 * PTRACE_GETREGSET alone) and the sizes of the structs they fill. native/ imports nothing from
 * src/, so src/arch/x86-64/registers-linux.ts states the same sizes: test/regs.test.ts holds
 * them equal.
 */
export const PTRACE_GETREGS = 12;
export const PTRACE_SETREGS = 13;
export const PTRACE_GETFPREGS = 14;
export const PTRACE_SETFPREGS = 15;

/** sizeof(struct user_regs_struct) and sizeof(struct user_fpregs_struct) (arch/x86/include/asm/user_64.h). */
export const USER_REGS_SIZE = 216;
export const USER_FPREGS_SIZE = 512;
