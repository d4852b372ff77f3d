/**
 * gdb's `info` forms over a session: `info symbol`, `info sharedlibrary`, `info proc mappings`,
 * `info registers`, `info breakpoints`, `info threads`, laid out in gdb's columns. Each returns
 * lines and the same result as data.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseMap } from '../procfs/map.js';
import type { CommandOutput } from './command-output.js';
import { evalAddress } from '../engine/expr.js';
import { sessionContext, symbolizer } from './inspect-state.js';
import { DISPLAY_ORDER, regName } from '../engine/regfile.js';
import type { Session } from '../engine/session.js';
import type { ElfImage } from '../elf/parse.js';

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function addr16(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

/** `info symbol ADDR`: `main + 4 in section .text of /path`, or gdb's `No symbol matches ADDR.` */
export async function infoSymbol(s: Session, text: string): Promise<CommandOutput> {
  if (text.trim() === '') throw new ProcfsError('EINVAL', 'Argument required (address).');
  const addr = await evalAddress(text, sessionContext(s));
  let syms = await s.symbolTable();
  // An address in a library mapped since the symbols were read: read the maps again.
  if (!syms?.moduleAt(addr)) syms = await s.symbolTable(true);
  const hit = syms?.symbolAt(addr);
  const mod = syms?.moduleAt(addr);
  if (!hit || !mod) return { lines: [`No symbol matches ${text.trim()}.`], data: { addr, symbol: null } };
  const link = addr - mod.bias;
  const sec = mod.image.sections.find((x) => x.addr !== 0n && link >= x.addr && link < x.addr + BigInt(x.size));
  const name = hit.offset === 0n ? hit.name : `${hit.name} + ${hit.offset}`;
  const line = `${name} in section ${sec?.name ?? '?'} of ${mod.path}`;
  return { lines: [line], data: { addr, symbol: hit.name, offset: hit.offset, section: sec?.name ?? null, module: mod.path } };
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
export async function infoSharedLibrary(s: Session): Promise<CommandOutput> {
  // Libraries come and go (dlopen): always the maps as they are now.
  const syms = await s.symbolTable(true);
  const libs = (syms?.modules ?? []).slice(1).map((m) => {
    const text = m.image.sections.find((x) => x.name === '.text');
    const from = text ? text.addr + m.bias : m.ranges[0]!.start;
    const to = text ? from + BigInt(text.size) : m.ranges[m.ranges.length - 1]!.end;
    return { from, to, path: m.path, debugInfo: hasDebugInfo(m.image) || (m.debugImage !== undefined && hasDebugInfo(m.debugImage)) };
  }).sort((a, b) => (a.from < b.from ? -1 : 1));
  if (libs.length === 0) return { lines: ['No shared libraries loaded at this time.'], data: [] };
  const lines = ['From                To                  Syms Read   Shared Object Library'];
  for (const l of libs) lines.push(`${addr16(l.from)}  ${addr16(l.to)}  ${(l.debugInfo ? 'Yes' : 'Yes (*)').padEnd(12)}${l.path}`);
  if (libs.some((l) => !l.debugInfo)) lines.push('(*): Shared library is missing debugging information.');
  return { lines, data: libs };
}

/**
 * `info proc mappings`, from the `map` node. That node is FreeBSD's line, which has no file
 * offset: the Offset column is 0 where Linux would know it.
 */
export async function infoProcMappings(s: Session): Promise<CommandOutput> {
  const text = (await s.fs.read(s.pid, 'map')).toString('utf8');
  const maps = parseMap(text);
  const lines = [`process ${s.pid}`, 'Mapped address spaces:', '', `  ${'Start Addr'.padStart(18)} ${'End Addr'.padStart(18)} ${'Size'.padStart(10)} ${'Offset'.padStart(10)}  Perms  objfile`];
  for (const m of maps) {
    const perms = `${m.perms.read ? 'r' : '-'}${m.perms.write ? 'w' : '-'}${m.perms.exec ? 'x' : '-'}${m.perms.shared ? 's' : 'p'}`;
    lines.push(`  ${hex(m.start).padStart(18)} ${hex(m.end).padStart(18)} ${hex(m.end - m.start).padStart(10)} ${hex(m.offset).padStart(10)}  ${perms}   ${m.path ?? ''}`.trimEnd());
  }
  return { lines, data: maps.map((m) => ({ start: m.start, end: m.end, size: m.end - m.start, offset: m.offset, perms: m.perms, path: m.path })) };
}

const EFLAGS: readonly [number, string][] = [[0, 'CF'], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF']];

/** gdb's `[ PF ZF IF ]`. */
export function eflagsText(v: bigint): string {
  return `[ ${EFLAGS.filter(([b]) => (v >> BigInt(b)) & 1n).map(([, n]) => n).join(' ')} ]`.replace('[  ]', '[ ]');
}

/** gdb's general registers, in its order (orig_rax is only shown when asked for). */
const GDB_ORDER = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'fs_base', 'gs_base'];

/** `info registers [REG…]`: gdb's three columns, name, hex, natural (`<sym>` for rip, flags for eflags). */
export async function infoRegisters(s: Session, names: readonly string[]): Promise<CommandOutput> {
  const r = await s.frameRegs();
  const list = names.length ? names.map((n) => regName(n)) : GDB_ORDER.filter((n) => n in r && DISPLAY_ORDER.includes(n));
  const symbolize = symbolizer(s);
  const lines = list.map((n) => {
    const v = r[n]!;
    let nat: string;
    if (n === 'rip') nat = `${hex(v)}${symbolize(v) ? ` <${symbolize(v)}>` : ''}`;
    else if (n === 'rsp' || n === 'rbp') nat = hex(v);
    else if (n === 'eflags') nat = eflagsText(v);
    else nat = BigInt.asIntN(64, v).toString();
    // gdb's columns: the value at 15, the natural form at 35 (at least a space after a long value).
    return `${n.padEnd(15)}${(hex(v) + ' ').padEnd(20)}${nat}`;
  });
  const data: Record<string, bigint> = {};
  for (const n of list) data[n] = r[n]!;
  return { lines, data: { tid: s.current, regs: data } };
}

/** `info breakpoints`: gdb's table with the condition, hit count and ignore lines under each. */
export function infoBreakpoints(s: Session): CommandOutput {
  const list = s.breakpoints();
  const waiting = s.pendingBreakpoints();
  if (list.length === 0 && waiting.length === 0) return { lines: ['No breakpoints or watchpoints.'], data: [] };
  const symbolize = symbolizer(s);
  const rows: { id: number; lines: string[] }[] = [];
  const head = (id: number, temporary: boolean, enabled: boolean) => `${String(id).padEnd(8)}${'breakpoint'.padEnd(15)}${(temporary ? 'del' : 'keep').padEnd(5)}${(enabled ? 'y' : 'n').padEnd(4)}`;
  for (const b of list) {
    const name = symbolize(b.addr);
    const lines = [`${head(b.id, b.temporary, b.enabled)}${addr16(b.addr)} ${name ? `<${name}>` : ''}`.trimEnd()];
    if (b.condition !== undefined) lines.push(`\tstop only if ${b.condition}`);
    if (b.hits > 0) lines.push(`\tbreakpoint already hit ${b.hits} time${b.hits === 1 ? '' : 's'}`);
    if (b.ignoreCount > 0) lines.push(`\tWill ignore next ${b.ignoreCount} crossings of breakpoint.`);
    rows.push({ id: b.id, lines });
  }
  // gdb's pending rows: `<PENDING>` in the address column, the name as typed.
  for (const p of waiting) {
    const lines = [`${head(p.id, p.temporary, true)}${'<PENDING>'.padEnd(18)} ${p.spec}`];
    if (p.condition !== undefined) lines.push(`\tstop only if ${p.condition}`);
    rows.push({ id: p.id, lines });
  }
  rows.sort((x, y) => x.id - y.id);
  return {
    lines: ['Num     Type           Disp Enb Address            What', ...rows.flatMap((r) => r.lines)],
    data: [...list.map((b) => ({ ...b, where: s.describe(b.addr) })), ...waiting.map((p) => ({ ...p, pending: true }))],
  };
}
