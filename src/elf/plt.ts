/**
 * `puts@plt`-style names for PLT stubs. The stubs have no symbols of their own; like objdump
 * and gdb (through BFD's synthetic symbols), pdbg derives them from .rela.plt: each stub jumps
 * through one GOT slot, and the relocation of that slot names the function.
 *
 * Stub order need not follow relocation order (libc's .rela.plt lists IRELATIVE slots last but
 * their stubs come first), so stubs are matched by decoding their `jmp *slot(%rip)`; only a PLT
 * that does not decode falls back to "relocation i is stub i". Stubs in .plt.got jump through
 * GLOB_DAT slots of .rela.dyn (a function both called and address-taken), and are named alike.
 */
import { ENDBR64 } from '../arch/x86-64/instructions.js';
import { readSymbolEntries, SHT_DYNSYM } from './symbols.js';
import type { ByteReader, ElfSection, ElfSymbol } from './types.js';
import { sectionBytes, SHT_NOBITS } from './section-data.js';

const R_X86_64_GLOB_DAT = 6;
const R_X86_64_JUMP_SLOT = 7;
const R_X86_64_IRELATIVE = 37;
const PLT_ENTRY = 16;
/**
 * Where `ff 25` (jmp *disp32(%rip)) may start in a stub: at once, after a `bnd` prefix (f2),
 * after endbr64 (4 bytes), or after both.
 */
const JMP_AT = [0, 1, 4, 5];

export async function pltSymbols(sections: readonly ElfSection[], read: ByteReader): Promise<ElfSymbol[]> {
  const rela = sections.find((s) => s.name === '.rela.plt');
  const dynsym = rela && sections[rela.link];
  if (!rela || !dynsym || dynsym.type !== SHT_DYNSYM || rela.type === SHT_NOBITS) return [];
  // With IBT (-fcf-protection, Debian's default) the callable stubs are in .plt.sec and .plt
  // only holds the lazy-binding trampolines; without it, .plt starts with the PLT0 header.
  const sec = sections.find((s) => s.name === '.plt.sec');
  const plt = sections.find((s) => s.name === '.plt');
  if (!sec && !plt) return [];
  const strs = sections[dynsym.link] ? await sectionBytes(read, sections[dynsym.link]!) : Buffer.alloc(0);
  const entries = readSymbolEntries(await sectionBytes(read, dynsym), dynsym.entsize || 24, strs, 'dynsym');
  const data = await sectionBytes(read, rela);
  // Stub names by GOT slot address, and in relocation order for the fallback.
  const bySlot = new Map<bigint, string>();
  const inOrder: (string | undefined)[] = [];
  const dyn = sections.find((x) => x.name === '.rela.dyn');
  const pltGot = sections.find((x) => x.name === '.plt.got');
  if (dyn && pltGot && dyn.type !== SHT_NOBITS && sections[dyn.link] === dynsym) {
    const d = await sectionBytes(read, dyn);
    for (let o = 0; o + 24 <= d.length; o += dyn.entsize || 24) {
      const info = d.readBigUInt64LE(o + 8);
      if (Number(info & 0xffffffffn) !== R_X86_64_GLOB_DAT) continue;
      const target = entries[Number(info >> 32n)];
      if (target?.name) bySlot.set(d.readBigUInt64LE(o), `${target.name}@plt`);
    }
  }
  for (let o = 0; o + 24 <= data.length; o += rela.entsize || 24) {
    const slot = data.readBigUInt64LE(o);
    const info = data.readBigUInt64LE(o + 8);
    const type = Number(info & 0xffffffffn);
    let name: string | undefined;
    if (type === R_X86_64_JUMP_SLOT) {
      const target = entries[Number(info >> 32n)]?.name;
      if (target) name = `${target}@plt`;
    } else if (type === R_X86_64_IRELATIVE) {
      // objdump's and gdb's name for a stub to an IFUNC resolved at load time.
      name = `*ABS*+0x${data.readBigInt64LE(o + 16).toString(16)}@plt`;
    }
    if (name) bySlot.set(slot, name);
    inOrder.push(type === R_X86_64_JUMP_SLOT ? name : undefined);
  }
  const decoded: ElfSymbol[] = [];
  for (const s of [sec, plt]) if (s && s.type !== SHT_NOBITS) decoded.push(...decodeStubs(s, await sectionBytes(read, s), bySlot, PLT_ENTRY));
  const got = pltGot && pltGot.type !== SHT_NOBITS ? decodeStubs(pltGot, await sectionBytes(read, pltGot), bySlot, pltGot.entsize || 8) : [];
  if (decoded.length > 0) return [...decoded, ...got];
  const base = sec ? sec.addr : plt!.addr + BigInt(PLT_ENTRY);
  const out: ElfSymbol[] = [];
  inOrder.forEach((name, i) => {
    if (name) out.push(stub(name, base + BigInt(i * PLT_ENTRY), PLT_ENTRY));
  });
  return [...out, ...got];
}

function decodeStubs(s: ElfSection, bytes: Buffer, bySlot: ReadonlyMap<bigint, string>, entry: number): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (let off = 0; off + entry <= bytes.length; off += entry) {
    for (const p of JMP_AT) {
      const at = off + p;
      if (at + 6 > off + entry || bytes[at] !== 0xff || bytes[at + 1] !== 0x25) continue;
      if ((p === 1 || p === 5) && bytes[at - 1] !== 0xf2) continue;
      if (p >= 4 && bytes.readUInt32BE(off) !== ENDBR64) continue;
      const slot = s.addr + BigInt(at + 6) + BigInt(bytes.readInt32LE(at + 2));
      const name = bySlot.get(slot);
      if (name) out.push(stub(name, s.addr + BigInt(off), entry));
      break;
    }
  }
  return out;
}

function stub(name: string, value: bigint, size: number): ElfSymbol {
  return { name, value, size, kind: 'func', binding: 'local', table: 'plt' };
}
