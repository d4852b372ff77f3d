/**
 * Symbol-table entries (.symtab, .dynsym) and the string tables they name: shared by the parser
 * (parse.ts) and the PLT synthesizer (plt.ts), which reads .dynsym on its own.
 */
import type { ElfSymbol } from './types.js';

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_DYNSYM = 11;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;

/** A NUL-terminated name at `off` of a string table. */
export function cstring(table: Buffer, off: number): string {
  if (off >= table.length) return '';
  let end = table.indexOf(0, off);
  if (end < 0) end = table.length;
  return table.toString('latin1', off, end);
}

export function readSymbolEntries(
  data: Buffer,
  entsize: number,
  strs: Buffer,
  table: ElfSymbol['table'],
  isCode: (shndx: number) => boolean = () => false,
): (ElfSymbol | { readonly name: string; readonly undefined: true })[] {
  const out: (ElfSymbol | { name: string; undefined: true })[] = [];
  for (let o = 0; o + 24 <= data.length; o += entsize) {
    const info = data[o + 4]!;
    const type = info & 0xf;
    const bind = info >> 4;
    const shndx = data.readUInt16LE(o + 6);
    const name = plainName(cstring(strs, data.readUInt32LE(o)));
    const label = type === STT_NOTYPE && isCode(shndx);
    if (shndx === SHN_UNDEF || (type !== STT_FUNC && type !== STT_OBJECT && type !== STT_GNU_IFUNC && !label) || !name) {
      out.push({ name, undefined: true });
      continue;
    }
    out.push({
      name,
      value: data.readBigUInt64LE(o + 8),
      size: Number(data.readBigUInt64LE(o + 16)),
      kind: type === STT_FUNC || label ? 'func' : type === STT_OBJECT ? 'object' : 'ifunc',
      binding: bind === 0 ? 'local' : bind === 2 ? 'weak' : 'global',
      table,
    });
  }
  return out;
}

/** `write@@GLIBC_2.2.5` and `memcpy@GLIBC_2.2.5` name `write` and `memcpy`. */
export function plainName(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}
