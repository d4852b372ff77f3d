/**
 * `puts@plt`-style names for PLT stubs. The stubs have no symbols of their own; like gdb and
 * objdump, pdbg derives them from .rela.plt: relocation i is the jump slot of stub i.
 */
import { readSymbolEntries, SHT_DYNSYM, type ByteReader, type ElfSection, type ElfSymbol } from './elf.js';

const R_X86_64_JUMP_SLOT = 7;
const PLT_ENTRY = 16;

export function pltSymbols(sections: readonly ElfSection[], read: ByteReader): ElfSymbol[] {
  const rela = sections.find((s) => s.name === '.rela.plt');
  const dynsym = rela && sections[rela.link];
  if (!rela || !dynsym || dynsym.type !== SHT_DYNSYM) return [];
  // With IBT (-fcf-protection, Debian's default) the callable stubs are in .plt.sec and .plt
  // only holds the lazy-binding trampolines; without it, .plt starts with the PLT0 header.
  const sec = sections.find((s) => s.name === '.plt.sec');
  const plt = sections.find((s) => s.name === '.plt');
  if (!sec && !plt) return [];
  const base = sec ? sec.addr : plt!.addr + BigInt(PLT_ENTRY);
  const strs = sections[dynsym.link] ? read(sections[dynsym.link]!.offset, sections[dynsym.link]!.size) : Buffer.alloc(0);
  const entries = readSymbolEntries(read(dynsym.offset, dynsym.size), dynsym.entsize || 24, strs, 'dynsym');
  const data = read(rela.offset, rela.size);
  const out: ElfSymbol[] = [];
  for (let i = 0, o = 0; o + 24 <= data.length; i++, o += rela.entsize || 24) {
    const info = data.readBigUInt64LE(o + 8);
    if (Number(info & 0xffffffffn) !== R_X86_64_JUMP_SLOT) continue;
    const name = entries[Number(info >> 32n)]?.name;
    if (!name) continue;
    out.push({ name: `${name}@plt`, value: base + BigInt(i * PLT_ENTRY), size: PLT_ENTRY, kind: 'func', binding: 'local', table: 'plt' });
  }
  return out;
}
