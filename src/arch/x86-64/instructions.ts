/**
 * x86-64 instruction facts pdbg relies on outside the disassembler: the rflags bits the
 * breakpoint emulator (src/engine/emulate.ts) computes, the encoding order of the general
 * registers, and the landing pad the PLT reader skips.
 */

/** rflags arithmetic bits (SDM vol. 1, 3.4.3.1). */
export const RFLAGS_CF = 0x1n;
export const RFLAGS_PF = 0x4n;
export const RFLAGS_AF = 0x10n;
export const RFLAGS_ZF = 0x40n;
export const RFLAGS_SF = 0x80n;
export const RFLAGS_OF = 0x800n;

/** The general registers in encoding order (ModRM/REX numbering 0–15), as user_regs_struct names them. */
export const GPR_ENCODING_ORDER: readonly string[] = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** `endbr64` (f3 0f 1e fa), the IBT landing pad that may open a PLT stub or a function, as a big-endian word. */
export const ENDBR64 = 0xf30f1efa;

/** The page size the stack's guard reasoning assumes (4 KiB pages on x86-64 Linux). */
export const PAGE_SIZE = 4096n;
