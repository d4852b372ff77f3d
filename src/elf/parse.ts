/**
 * A small ELF64 little-endian reader: just what symbolization needs (the loadable segments for
 * the load bias, .symtab/.dynsym with their string tables, and the PLT relocations).
 *
 * Written here rather than taken from npm: the ELF packages there are unmaintained toys or
 * whole-binary parsers that read every byte; this one reads the headers and the few sections
 * it needs at their offsets, so a 100 MB executable costs a few reads.
 */
import { ParseError } from '../procfs/errors.js';
import { findBuildId, findDebugLink, type NoteExtent } from './notes.js';
import { cstring, readSymbolEntries, SHT_DYNSYM, SHT_SYMTAB } from './symbols.js';
import type { ByteReader, ElfFileIdentity, ElfImage, ElfSection, ElfSegment, ElfSymbol } from './types.js';
import { pltSymbols } from './plt.js';
import { sectionBytes, SHT_NOBITS } from './section-data.js';

// The parser's vocabulary, where its users have always imported it.
export type * from './types.js';
export { cstring, plainName, readSymbolEntries, SHT_DYNSYM, SHT_RELA, SHT_STRTAB, SHT_SYMTAB } from './symbols.js';

const PT_LOAD = 1;
const PT_NOTE = 4;
const PF_X = 1;
const SHF_EXECINSTR = 0x4;

export function bufferReader(buf: Buffer): ByteReader {
  return async (offset, length) => buf.subarray(offset, offset + length);
}

function need(buf: Buffer, length: number, what: string): Buffer {
  if (buf.length < length) throw new ParseError(what, `ELF truncated: ${what} needs ${length} bytes, file has ${buf.length}`);
  return buf;
}

function num(v: bigint, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError(what, `ELF ${what} out of range: ${v}`);
  return Number(v);
}

/** Parses an ELF64 LE image through `read`; throws ParseError naming the first thing wrong. */
export async function parseElf(read: ByteReader, file?: ElfFileIdentity): Promise<ElfImage> {
  const eh = need(await read(0, 64), 64, 'header');
  if (eh.readUInt32BE(0) !== 0x7f454c46) throw new ParseError('magic', 'not an ELF file');
  if (eh[4] !== 2) throw new ParseError('class', 'not a 64-bit ELF file (pdbg reads ELF64 only)');
  if (eh[5] !== 1) throw new ParseError('data', 'not a little-endian ELF file');
  const eType = eh.readUInt16LE(16);
  const entry = eh.readBigUInt64LE(24);
  const phoff = num(eh.readBigUInt64LE(32), 'e_phoff');
  const shoff = num(eh.readBigUInt64LE(40), 'e_shoff');
  const phentsize = eh.readUInt16LE(54);
  const phnum = eh.readUInt16LE(56);
  const shentsize = eh.readUInt16LE(58);
  const shnum = eh.readUInt16LE(60);
  const shstrndx = eh.readUInt16LE(62);

  const segments: ElfSegment[] = [];
  const notes: NoteExtent[] = [];
  if (phnum > 0) {
    const ph = need(await read(phoff, phnum * phentsize), phnum * phentsize, 'program headers');
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      const ptype = ph.readUInt32LE(o);
      if (ptype === PT_NOTE) {
        notes.push({ offset: num(ph.readBigUInt64LE(o + 8), 'p_offset'), size: num(ph.readBigUInt64LE(o + 32), 'p_filesz'), align: num(ph.readBigUInt64LE(o + 48), 'p_align') });
      }
      if (ptype !== PT_LOAD) continue;
      segments.push({
        exec: (ph.readUInt32LE(o + 4) & PF_X) !== 0,
        offset: ph.readBigUInt64LE(o + 8),
        vaddr: ph.readBigUInt64LE(o + 16),
        filesz: ph.readBigUInt64LE(o + 32),
        memsz: ph.readBigUInt64LE(o + 40),
      });
    }
  }

  const raw: Omit<ElfSection, 'name'>[] = [];
  const sections: ElfSection[] = [];
  if (shnum > 0 && shoff > 0) {
    const sh = need(await read(shoff, shnum * shentsize), shnum * shentsize, 'section headers');
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      nameOffs.push(sh.readUInt32LE(o));
      raw.push({
        type: sh.readUInt32LE(o + 4),
        flags: num(sh.readBigUInt64LE(o + 8), 'sh_flags'),
        addr: sh.readBigUInt64LE(o + 16),
        offset: num(sh.readBigUInt64LE(o + 24), 'sh_offset'),
        size: num(sh.readBigUInt64LE(o + 32), 'sh_size'),
        link: sh.readUInt32LE(o + 40),
        addralign: num(sh.readBigUInt64LE(o + 48), 'sh_addralign'),
        entsize: num(sh.readBigUInt64LE(o + 56), 'sh_entsize'),
      });
    }
    const shstr = shstrndx < raw.length && raw[shstrndx]!.type !== SHT_NOBITS ? await read(raw[shstrndx]!.offset, raw[shstrndx]!.size) : Buffer.alloc(0);
    raw.forEach((s, i) => sections.push({ ...s, name: cstring(shstr, nameOffs[i]!) }));
  }

  const symbols: ElfSymbol[] = [];
  const tables: Record<string, ElfSymbol[]> = {};
  // Untyped labels in code (ld.so's `_start`, hand-written assembly entries) are names gdb shows.
  const isCode = (shndx: number): boolean => shndx < sections.length && (sections[shndx]!.flags & SHF_EXECINSTR) !== 0;
  for (const s of sections) {
    // A debug file's .dynsym has type NOBITS (header kept, entries not), so it is skipped here.
    if (s.type !== SHT_SYMTAB && s.type !== SHT_DYNSYM) continue;
    const table = s.type === SHT_SYMTAB ? 'symtab' : 'dynsym';
    const strs = s.link < sections.length ? await sectionBytes(read, sections[s.link]!) : Buffer.alloc(0);
    const list = readSymbols(await sectionBytes(read, s), s.entsize || 24, strs, table, isCode);
    tables[table] = list;
    symbols.push(...list);
  }
  symbols.push(...(await pltSymbols(sections, read)));

  symbols.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    type: eType === 2 ? 'exec' : eType === 3 ? 'dyn' : 'other',
    entry,
    segments,
    sections,
    symbols,
    hasSymtab: tables.symtab !== undefined,
    buildId: await findBuildId(sections, notes, read),
    debugLink: await findDebugLink(sections, read),
    ...(file ? { file } : {}),
  };
}

/**
 * Every entry of a symbol table, with undefined and non-code/data entries kept as `null` so that
 * relocation indexes (which count from the table's start) still line up.
 */
function readSymbols(data: Buffer, entsize: number, strs: Buffer, table: ElfSymbol['table'], isCode: (shndx: number) => boolean): ElfSymbol[] {
  return readSymbolEntries(data, entsize, strs, table, isCode).filter((s): s is ElfSymbol => !('undefined' in s));
}
