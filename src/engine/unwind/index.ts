/** CFI unwinding for x86-64: the public surface (see unwinder.ts for the walk's rules). */
export { UnwindTable, type UnwindSections } from './table.js';
export { DWARF_REG_NAMES } from '../../arch/x86-64/dwarf.js';
export { unwind, type DwarfRegs, type UnwindModule, type UnwoundFrame, type UnwindOptions } from './unwinder.js';
export { unwindSectionsOf, unwindTableForImage, unwindTableFromFile } from './from-elf.js';
export type { CfaRow, CfaRule, RegRule } from './cfa-program.js';
export type { Cie, Fde } from './cfi.js';
