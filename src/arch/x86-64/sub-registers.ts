/**
 * The x86-64 register names gdb's expressions accept (`$eax`, `$al`, `$ah`, `$r8d`, `$pc`…), each
 * as the part of a user_regs_struct register it reads: what the expression evaluator
 * (src/engine/expr.ts) needs to know of the instruction set's sub-registers.
 */

/** A sub-register: the low `size` bytes of `of` (shifted right by `shift` bits for ah…dh). */
export interface RegRef {
  readonly of: string;
  readonly size: 1 | 2 | 4 | 8;
  readonly shift: number;
}

/** The 64-bit general registers, in the order gdb lists them. */
export const GPR64: readonly string[] = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
/** The other whole registers of user_regs_struct. */
export const OTHER64: readonly string[] = ['rip', 'eflags', 'orig_rax', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base'];
const ALIAS: Readonly<Record<string, string>> = { pc: 'rip', sp: 'rsp', fp: 'rbp', flags: 'eflags', rflags: 'eflags' };

/** Every name, with what it reads. */
export const REGS: Map<string, RegRef> = new Map();
for (const r of [...GPR64, ...OTHER64]) REGS.set(r, { of: r, size: 8, shift: 0 });
for (const [a, r] of Object.entries(ALIAS)) REGS.set(a, { of: r, size: 8, shift: 0 });
for (const x of ['a', 'b', 'c', 'd']) {
  REGS.set(`e${x}x`, { of: `r${x}x`, size: 4, shift: 0 });
  REGS.set(`${x}x`, { of: `r${x}x`, size: 2, shift: 0 });
  REGS.set(`${x}l`, { of: `r${x}x`, size: 1, shift: 0 });
  REGS.set(`${x}h`, { of: `r${x}x`, size: 1, shift: 8 });
}
for (const x of ['si', 'di', 'bp', 'sp']) {
  REGS.set(`e${x}`, { of: `r${x}`, size: 4, shift: 0 });
  // gdb's $sp is the whole stack pointer (its alias wins over the 16-bit register).
  if (!REGS.has(x)) REGS.set(x, { of: `r${x}`, size: 2, shift: 0 });
  REGS.set(`${x}l`, { of: `r${x}`, size: 1, shift: 0 });
}
for (let i = 8; i <= 15; i++) {
  REGS.set(`r${i}d`, { of: `r${i}`, size: 4, shift: 0 });
  REGS.set(`r${i}w`, { of: `r${i}`, size: 2, shift: 0 });
  REGS.set(`r${i}l`, { of: `r${i}`, size: 1, shift: 0 });
}
REGS.set('eip', { of: 'rip', size: 4, shift: 0 });

/**
 * Names read as a register without `$`: the 64- and 32-bit ones and pc/sp/fp. The 16- and 8-bit
 * and segment names (`si`, `al`, `cs`…) need `$`: short names like those are often symbols too.
 */
export const BARE = new Set<string>([...GPR64, 'rip', 'eflags', 'pc', 'sp', 'fp', ...[...REGS].filter(([, r]) => r.size === 4).map(([n]) => n)]);
