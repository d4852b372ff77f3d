/**
 * The System V AMD64 calling convention (psABI §3.2): where a call's integer arguments and its
 * result travel, and the stack below the stack pointer a function may use without moving it.
 * `pdbg trace` reads arguments and results by it; gdb's `call` places them by it.
 */

/** The integer and pointer argument registers, in order (§3.2.3). */
export const INT_ARG_REGS: readonly string[] = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'];

/** Where an integer or pointer result comes back. */
export const INT_RETURN_REG = 'rax';

/** Bytes below rsp the interrupted code may be using without having moved rsp (§3.2.2). */
export const RED_ZONE = 128n;
