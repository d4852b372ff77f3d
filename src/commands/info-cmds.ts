/**
 * gdb's `info` forms over a session: `info symbol`, `info sharedlibrary`, `info proc mappings`,
 * `info registers`, `info breakpoints`, `info threads`, laid out in gdb's columns. Each returns
 * lines and the same result as data.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseMap, type MapPerms } from '../procfs/map.js';
import { evalAddress } from '../engine/expr.js';
import { DISPLAY_ORDER, regName } from '../engine/regfile.js';
import type { ElfImage } from '../elf/parse.js';
import type { Client } from './client.js';
import type { Result } from './debug-command.js';

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function addr16(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

/** `info symbol ADDR`: `main + 4 in section .text of /path`, or gdb's `No symbol matches ADDR.` */
export type SymbolResult = Result<'symbol', { addr: bigint; symbol: string | null; offset?: bigint; section?: string | null; module?: string }> & { readonly asked: string };

export async function infoSymbol(c: Client, text: string): Promise<SymbolResult> {
  const s = c.session;
  if (text.trim() === '') throw new ProcfsError('EINVAL', 'Argument required (address).');
  const addr = await evalAddress(text, c.context());
  let syms = await s.symbolTable();
  // An address in a library mapped since the symbols were read: read the maps again.
  if (!syms?.moduleAt(addr)) syms = await s.symbolTable(true);
  const hit = syms?.symbolAt(addr);
  const mod = syms?.moduleAt(addr);
  if (!hit || !mod) return { kind: 'symbol', data: { addr, symbol: null }, asked: text.trim() };
  const link = addr - mod.bias;
  const sec = mod.image.sections.find((x) => x.addr !== 0n && link >= x.addr && link < x.addr + BigInt(x.size));
  return { kind: 'symbol', data: { addr, symbol: hit.name, offset: hit.offset, section: sec?.name ?? null, module: mod.path }, asked: text.trim() };
}

export function formatSymbol(r: SymbolResult): string[] {
  const d = r.data;
  if (d.symbol === null) return [`No symbol matches ${r.asked}.`];
  const name = d.offset === 0n ? d.symbol : `${d.symbol} + ${d.offset}`;
  return [`${name} in section ${d.section ?? '?'} of ${d.module}`];
}

/**
 * gdb's `(*)` is "no debugging information", in the file or in its separate debug file
 * (libc6-dbg's, found by build ID): DWARF present, not NOBITS as a stripped file's header keeps it.
 */
function hasDebugInfo(image: ElfImage): boolean {
  return image.sections.some((x) => x.name === '.debug_info' && x.type !== SHT_NOBITS && x.size > 0);
}

const SHT_NOBITS = 8;

/**
 * `info sharedlibrary`: each library's `.text` range, as gdb's From/To. The path is the mapped
 * file's (gdb shows the loader's name for it, `/lib64/ld-linux-x86-64.so.2` for the resolved
 * `/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`).
 */
export type SharedLibraries = Result<'shared-libraries', { from: bigint; to: bigint; path: string; debugInfo: boolean }[]>;

export async function infoSharedLibrary(c: Client): Promise<SharedLibraries> {
  const s = c.session;
  // Libraries come and go (dlopen): always the maps as they are now.
  const syms = await s.symbolTable(true);
  const libs = (syms?.modules ?? []).slice(1).map((m) => {
    const text = m.image.sections.find((x) => x.name === '.text');
    const from = text ? text.addr + m.bias : m.ranges[0]!.start;
    const to = text ? from + BigInt(text.size) : m.ranges[m.ranges.length - 1]!.end;
    return { from, to, path: m.path, debugInfo: hasDebugInfo(m.image) || (m.debugImage !== undefined && hasDebugInfo(m.debugImage)) };
  }).sort((a, b) => (a.from < b.from ? -1 : 1));
  return { kind: 'shared-libraries', data: libs };
}

export function formatSharedLibraries({ data: libs }: SharedLibraries): string[] {
  if (libs.length === 0) return ['No shared libraries loaded at this time.'];
  const lines = ['From                To                  Syms Read   Shared Object Library'];
  for (const l of libs) lines.push(`${addr16(l.from)}  ${addr16(l.to)}  ${(l.debugInfo ? 'Yes' : 'Yes (*)').padEnd(12)}${l.path}`);
  if (libs.some((l) => !l.debugInfo)) lines.push('(*): Shared library is missing debugging information.');
  return lines;
}

/**
 * `info proc mappings`, from the `map` node. That node is FreeBSD's line, which has no file
 * offset: the Offset column is 0 where Linux would know it.
 */
export type Mappings = Result<'mappings', { start: bigint; end: bigint; size: bigint; offset: bigint; perms: MapPerms; path: string | null }[]> & { readonly pid: number };

export async function infoProcMappings(c: Client): Promise<Mappings> {
  const s = c.session;
  const text = (await s.fs.read(s.pid, 'map')).toString('utf8');
  const maps = parseMap(text);
  return { kind: 'mappings', pid: s.pid, data: maps.map((m) => ({ start: m.start, end: m.end, size: m.end - m.start, offset: m.offset, perms: m.perms, path: m.path })) };
}

export function formatMappings({ pid, data: maps }: Mappings): string[] {
  const lines = [`process ${pid}`, 'Mapped address spaces:', '', `  ${'Start Addr'.padStart(18)} ${'End Addr'.padStart(18)} ${'Size'.padStart(10)} ${'Offset'.padStart(10)}  Perms  objfile`];
  for (const m of maps) {
    const perms = `${m.perms.read ? 'r' : '-'}${m.perms.write ? 'w' : '-'}${m.perms.exec ? 'x' : '-'}${m.perms.shared ? 's' : 'p'}`;
    lines.push(`  ${hex(m.start).padStart(18)} ${hex(m.end).padStart(18)} ${hex(m.size).padStart(10)} ${hex(m.offset).padStart(10)}  ${perms}   ${m.path ?? ''}`.trimEnd());
  }
  return lines;
}

const EFLAGS: readonly [number, string][] = [[0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF']];

/** gdb's `[ PF ZF IF ]`. */
export function eflagsText(v: bigint): string {
  return `[ ${EFLAGS.filter(([b]) => (v >> BigInt(b)) & 1n).map(([, n]) => n).join(' ')} ]`.replace('[  ]', '[ ]');
}

/** gdb's general registers, in its order (orig_rax is only shown when asked for). */
const GDB_ORDER = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base'];

/**
 * gdb's `info registers`, or pdbg's `regs` (its short layout: hex, the pc's symbol), of the
 * selected frame (`up` then `regs`: the caller's rip, rsp and saved ones).
 */
export type RegistersResult = Result<'registers', { tid: number; regs: Record<string, bigint> }> & {
  readonly layout: 'gdb' | 'short';
  /** The pc's symbol (`main+4`), for the text. */
  readonly pcSymbol?: string;
  /** `0x… <main+4>` (describe's) for the short layout. */
  readonly pcWhere?: string;
};

export interface RegistersArgs {
  /** Registers to show (none: all, in the layout's order). */
  readonly names: readonly string[];
  readonly layout: 'gdb' | 'short';
}

export async function infoRegisters(c: Client, a: RegistersArgs): Promise<RegistersResult> {
  const s = c.session;
  const r = await s.frameRegs();
  const list = a.names.length ? a.names.map((n) => regName(n)) : a.layout === 'gdb' ? GDB_ORDER.filter((n) => n in r && DISPLAY_ORDER.includes(n)) : DISPLAY_ORDER.filter((n) => n in r);
  const regs: Record<string, bigint> = {};
  for (const n of list) regs[n] = r[n]!;
  const pc = regs.rip;
  const pcSymbol = pc === undefined ? undefined : c.symbolize(pc);
  return {
    kind: 'registers',
    layout: a.layout,
    data: { tid: s.current, regs },
    ...(pcSymbol === undefined ? {} : { pcSymbol }),
    ...(pc === undefined ? {} : { pcWhere: s.describe(pc) }),
  };
}

export function formatRegisters(r: RegistersResult): string[] {
  const entries = Object.entries(r.data.regs);
  if (r.layout === 'short') {
    return entries.map(([n, v]) => {
      const sym = n === 'rip' ? (r.pcWhere ?? '').split(' ').slice(1).join(' ') : '';
      return `${n.padEnd(8)} 0x${v.toString(16).padStart(16, '0')}${sym ? ' ' + sym : ''}`;
    });
  }
  return entries.map(([n, v]) => {
    let nat: string;
    if (n === 'rip') nat = `${hex(v)}${r.pcSymbol ? ` <${r.pcSymbol}>` : ''}`;
    else if (n === 'rsp' || n === 'rbp') nat = hex(v);
    else if (n === 'eflags') nat = eflagsText(v);
    else nat = BigInt.asIntN(64, v).toString();
    // gdb's columns: the value at 15, the natural form at 35 (at least a space after a long value).
    return `${n.padEnd(15)}${(hex(v) + ' ').padEnd(20)}${nat}`;
  });
}
