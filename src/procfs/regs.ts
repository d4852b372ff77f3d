import { USER_REGS_NAMES, USER_REGS_SIZE } from '../arch/x86-64/registers-linux.js';
import { ProcfsError } from './errors.js';

/**
 * Register sets as raw bytes, the way BSD's `regs` node hands out `struct reg` (spec §4).
 * Layouts are data: a name, an offset and a size per register, little-endian. Conversion between
 * layouts goes by register NAME (never by index), because every ABI orders its struct differently.
 */
export interface RegField {
  readonly name: string;
  readonly offset: number;
  readonly size: 2 | 4 | 8;
}

export interface RegLayout {
  /** `linux-x86_64`, `freebsd-amd64` or `freebsd-i386`. */
  readonly name: string;
  /** sizeof the struct: what a whole read of `regs` returns. */
  readonly size: number;
  readonly fields: readonly RegField[];
}

function seq(names: readonly string[], size: 2 | 4 | 8, start = 0): RegField[] {
  return names.map((name, i) => ({ name, offset: start + i * size, size }));
}

/** Linux `user_regs_struct` (arch/x86/include/asm/user_64.h): 27 × u64 = 216 bytes. */
export const LINUX_X86_64: RegLayout = {
  name: 'linux-x86_64',
  size: USER_REGS_SIZE,
  fields: seq(USER_REGS_NAMES, 8),
};

/** FreeBSD amd64 `struct reg` (sys/x86/include/reg.h `__reg64`), 176 bytes, mixed widths. */
export const FREEBSD_AMD64: RegLayout = {
  name: 'freebsd-amd64',
  size: 176,
  fields: [
    ...seq(['r15', 'r14', 'r13', 'r12', 'r11', 'r10', 'r9', 'r8', 'rdi', 'rsi', 'rbp', 'rbx', 'rdx', 'rcx', 'rax'], 8),
    { name: 'trapno', offset: 120, size: 4 },
    { name: 'fs', offset: 124, size: 2 },
    { name: 'gs', offset: 126, size: 2 },
    { name: 'err', offset: 128, size: 4 },
    { name: 'es', offset: 132, size: 2 },
    { name: 'ds', offset: 134, size: 2 },
    ...seq(['rip', 'cs', 'rflags', 'rsp', 'ss'], 8, 136),
  ],
};

/** FreeBSD i386 `struct reg` (`__reg32`): 19 × u32 = 76 bytes. */
export const FREEBSD_I386: RegLayout = {
  name: 'freebsd-i386',
  size: 76,
  fields: seq(
    ['fs', 'es', 'ds', 'edi', 'esi', 'ebp', 'isp', 'ebx', 'edx', 'ecx', 'eax', 'trapno', 'err', 'eip', 'cs', 'eflags', 'esp', 'ss', 'gs'],
    4,
  ),
};

export const REG_LAYOUTS: readonly RegLayout[] = [LINUX_X86_64, FREEBSD_AMD64, FREEBSD_I386];

// The FXSAVE area's size is an arch fact; the regs node's users have always found it here.
export { FPREGS_SIZE } from '../arch/x86-64/registers-linux.js';

/** Display order: what a person looks at first, then the rest, then segments and bases. */
export const REG_NAMES: readonly string[] = [
  'rip', 'rsp', 'rbp', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13',
  'r14', 'r15', 'orig_rax', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base',
];

/**
 * The same register under another ABI's name: FreeBSD says `rflags` where Linux says `eflags`,
 * and i386's 32-bit names are the low halves of amd64's.
 */
const SAME_REGISTER: Readonly<Record<string, string>> = {
  rflags: 'eflags',
  eax: 'rax', ebx: 'rbx', ecx: 'rcx', edx: 'rdx', esi: 'rsi', edi: 'rdi', ebp: 'rbp', esp: 'rsp', eip: 'rip',
};

/** The canonical (Linux x86-64) name of a register, so `rflags` and `eflags` meet. */
export function canonicalRegName(name: string): string {
  return SAME_REGISTER[name] ?? name;
}

const fieldMaps = new WeakMap<RegLayout, Map<string, RegField>>();

function fieldsByName(layout: RegLayout): Map<string, RegField> {
  let m = fieldMaps.get(layout);
  if (!m) {
    m = new Map();
    for (const f of layout.fields) {
      m.set(f.name, f);
      const canon = canonicalRegName(f.name);
      if (!m.has(canon)) m.set(canon, f);
    }
    for (const [alias, canon] of Object.entries(SAME_REGISTER)) {
      const f = m.get(canon);
      if (f && !m.has(alias)) m.set(alias, f);
    }
    fieldMaps.set(layout, m);
  }
  return m;
}

/** The field for `name` (or an alias of it) in `layout`; undefined when the ABI has no such register. */
export function regField(layout: RegLayout, name: string): RegField | undefined {
  return fieldsByName(layout).get(name);
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function checkSize(layout: RegLayout, buf: Uint8Array): void {
  if (buf.byteLength < layout.size) {
    throw new ProcfsError('EINVAL', `${layout.name} registers need ${layout.size} bytes, got ${buf.byteLength}`, undefined, 'regs');
  }
}

function readField(dv: DataView, f: RegField): bigint {
  switch (f.size) {
    case 8: return dv.getBigUint64(f.offset, true);
    case 4: return BigInt(dv.getUint32(f.offset, true));
    default: return BigInt(dv.getUint16(f.offset, true));
  }
}

function writeField(dv: DataView, f: RegField, value: bigint): void {
  const v = BigInt.asUintN(f.size * 8, value);
  switch (f.size) {
    case 8: dv.setBigUint64(f.offset, v, true); break;
    case 4: dv.setUint32(f.offset, Number(v), true); break;
    default: dv.setUint16(f.offset, Number(v), true);
  }
}

function unknownReg(layout: RegLayout, name: string): ProcfsError {
  return new ProcfsError('EINVAL', `no register '${name}' in ${layout.name}`, undefined, 'regs');
}

/** Every register of `buf` by its layout name, as unsigned bigints. */
export function decodeRegs(layout: RegLayout, buf: Uint8Array): Record<string, bigint> {
  checkSize(layout, buf);
  const dv = view(buf);
  const out: Record<string, bigint> = {};
  for (const f of layout.fields) out[f.name] = readField(dv, f);
  return out;
}

/**
 * Writes the registers named in `values` into `into` (other bytes untouched: read-modify-write,
 * as BSD's regs write). Values are truncated to the field's width; unknown names → EINVAL.
 */
export function encodeRegs(layout: RegLayout, values: Readonly<Record<string, bigint>>, into: Uint8Array): Uint8Array {
  checkSize(layout, into);
  const dv = view(into);
  for (const [name, value] of Object.entries(values)) {
    const f = regField(layout, name);
    if (!f) throw unknownReg(layout, name);
    writeField(dv, f, value);
  }
  return into;
}

/** One register by name (aliases such as `rflags`/`eflags` accepted). */
export function getReg(layout: RegLayout, buf: Uint8Array, name: string): bigint {
  const f = regField(layout, name);
  if (!f) throw unknownReg(layout, name);
  checkSize(layout, buf);
  return readField(view(buf), f);
}

/** Sets one register in place, leaving every other byte as it was. */
export function setReg(layout: RegLayout, buf: Uint8Array, name: string, value: bigint): void {
  const f = regField(layout, name);
  if (!f) throw unknownReg(layout, name);
  checkSize(layout, buf);
  writeField(view(buf), f, value);
}

/**
 * Re-lays `buf` from one ABI's struct into another's, register by register BY NAME. Registers the
 * target layout has and the source lacks keep what `into` held (zero for a fresh buffer).
 */
export function convertRegs(from: RegLayout, to: RegLayout, buf: Uint8Array, into: Uint8Array = Buffer.alloc(to.size)): Uint8Array {
  checkSize(from, buf);
  checkSize(to, into);
  const src = view(buf);
  const dst = view(into);
  for (const f of from.fields) {
    const g = regField(to, canonicalRegName(f.name));
    if (g) writeField(dst, g, readField(src, f));
  }
  return into;
}

/** A live, writable view: `regsView(LINUX_X86_64, buf).rip += 1n` changes the bytes of `buf`. */
export type RegsView = Record<string, bigint>;

export function regsView(layout: RegLayout, buf: Uint8Array): RegsView {
  checkSize(layout, buf);
  const dv = view(buf);
  const out: RegsView = {};
  for (const f of layout.fields) {
    Object.defineProperty(out, f.name, {
      enumerable: true,
      get: () => readField(dv, f),
      set: (v: bigint) => writeField(dv, f, v),
    });
  }
  return out;
}
