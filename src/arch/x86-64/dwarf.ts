/** The x86-64 DWARF register numbering (System V x86-64 psABI, Figure 3.36), for CFI unwinding. */

/** DWARF register numbers 0–16 as user_regs_struct names; 16 is the return address column, rip. */
export const DWARF_REG_NAMES: readonly string[] = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip',
];
export const DWARF_RBP = 6;
export const DWARF_RSP = 7;
export const DWARF_RIP = 16;
/** Preserved across calls by the psABI (rbx, rbp, r12–r15): a CFI row without a rule for them means "unchanged". */
export const DWARF_CALLEE_SAVED: readonly number[] = [3, 6, 12, 13, 14, 15];
