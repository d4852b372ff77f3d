/** CFI unwinding for x86-64: the public surface (see unwinder.ts for the walk's rules). */
export { UnwindTable, type UnwindSections } from '../../dwarf/cfi-table.js';
export { DWARF_REG_NAMES } from '../../arch/x86-64/dwarf.js';
export { unwind, type DwarfRegs, type UnwindModule, type UnwoundFrame, type UnwindOptions } from './unwinder.js';
export { moduleUnwindTable } from './module-table.js';
export type { CfaRow, CfaRule, RegRule } from '../../dwarf/cfa-program.js';
export type { Cie, Fde } from '../../dwarf/cfi.js';
