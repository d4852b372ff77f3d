/**
 * The breakpoint commands of the table: break, tbreak, condition, ignore, enable, disable,
 * delete, and the breakpoint list in gdb's table (`info breakpoints`) or pdbg's short one
 * (`breakpoints`).
 */
import { basename } from 'node:path';
import { ProcfsError } from '../procfs/errors.js';
import { evalAddress } from '../engine/expr.js';
import type { Session } from '../engine/session.js';
import { parseBreakArgs, parseBreakNumbers } from './break-args.js';
import { notDefined } from './break-settings.js';
import type { Client } from './client.js';
import { arity, command, type Result } from './debug-command.js';

export interface BreakArgsTyped {
  /** `-p`: pending even in batch mode. */
  readonly forcePending: boolean;
  readonly location: string;
  readonly condition?: string;
}

export type BreakResult = Result<'breakpoint-set', {
  id: number;
  pending?: true;
  spec?: string;
  addr?: bigint;
  where?: string;
  temporary: boolean;
  condition: string | null;
  alsoDefinedIn?: string[];
}> & { readonly module?: string };

function parseBreak(words: readonly string[], usage: string): BreakArgsTyped {
  const forcePending = words[0] === '-p' || words[0] === '-pending';
  return { forcePending, ...parseBreakArgs(words.slice(forcePending ? 1 : 0).join(' '), usage) };
}

async function plant(c: Client, a: BreakArgsTyped, temporary: boolean): Promise<BreakResult> {
  const s = c.session;
  const { location, condition } = a;
  // gdb's `*EXPR`: the address an expression gives (`break *$pc+4`); else a symbol or address.
  const where = location.startsWith('*') ? await evalAddress(location.slice(1), c.context()) : location;
  // In a script (batch mode) an unknown name is an error unless pending was asked for; at the
  // exec stop nothing is loaded yet, so a library's name is pending there too (break-settings.ts).
  const pending = a.forcePending || c.pendingMode !== 'off' || (typeof where === 'string' && (await s.inDynamicLinker()));
  let bp;
  try {
    bp = await s.break(where, { temporary, pending, ...(condition === undefined ? {} : { condition }) });
  } catch (err) {
    const name = typeof where === 'string' ? /^([A-Za-z_.$][\w.$]*)$/.exec(where.trim())?.[1] : undefined;
    if (!pending && name && err instanceof ProcfsError && err.code === 'ENOENT') throw await notDefined(s, name);
    throw err;
  }
  if (!('addr' in bp)) {
    return { kind: 'breakpoint-set', data: { id: bp.id, pending: true, spec: bp.spec, temporary, condition: condition ?? null } };
  }
  const others = typeof where === 'string' ? await otherDefinitions(s, where, bp.addr) : [];
  const module = others.length ? basename((await s.symbolTable())?.moduleAt(bp.addr)?.path ?? '?') : undefined;
  return {
    kind: 'breakpoint-set',
    data: { id: bp.id, addr: bp.addr, where: s.describe(bp.addr), temporary, condition: condition ?? null, ...(others.length ? { alsoDefinedIn: others } : {}) },
    ...(module === undefined ? {} : { module }),
  };
}

function formatBreak(r: BreakResult): string[] {
  const d = r.data;
  const kind = `${d.temporary ? 'temporary ' : ''}breakpoint ${d.id}`;
  // gdb's `set breakpoint pending on`, said so a typo does not pass unnoticed.
  if (d.pending) return [`${kind} (${d.spec}) pending: no loaded module defines it; planted when a library that does is loaded`];
  const note = d.alsoDefinedIn
    ? [`  (also defined in ${d.alsoDefinedIn.join(', ')}: calls bind to ${r.module}'s, the first in the dynamic linker's search order; NAME@LIB picks another)`]
    : [];
  return [`${kind} at ${d.where}`, ...note];
}

/**
 * The other modules that export a function of a plain name (`malloc` in libc as well as in
 * jemalloc): gdb would plant a location in each; pdbg plants the one calls reach, and says so.
 */
async function otherDefinitions(s: Session, where: string, chosen: bigint): Promise<string[]> {
  if (!/^[A-Za-z_.$][\w.$]*$/.test(where.trim())) return [];
  const syms = await s.symbolTable();
  if (!syms) return [];
  return syms
    .definitions(where.trim())
    .filter((h) => h.address !== chosen && h.binding !== 'local' && (h.kind === 'func' || h.kind === 'ifunc'))
    .map((h) => basename(h.module));
}

type EnableResult = Result<'breakpoints-enabled', { enabled: number[] } | { disabled: number[] }>;

function enabler(enabled: boolean) {
  return async (c: Client, ids: readonly number[] | undefined): Promise<EnableResult> => {
    const s = c.session;
    const list = ids ?? s.breakpoints().map((b) => b.id);
    for (const id of list) await s.setEnabled(id, enabled);
    return { kind: 'breakpoints-enabled', data: enabled ? { enabled: [...list] } : { disabled: [...list] } };
  };
}

const breakNumbersOrAll = (words: readonly string[]) => (words.length ? parseBreakNumbers(words) : undefined);

/** Rows of the breakpoint list, planted and pending, as `--json` prints them. */
export type BreakpointRow = ReturnType<Session['breakpoints']>[number] & { readonly where: string } | ReturnType<Session['pendingBreakpoints']>[number] & { readonly pending: true };

export type BreakpointList = Result<'breakpoint-list', BreakpointRow[]> & { readonly layout: 'gdb' | 'short' };

function addr16(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

/** `info breakpoints`: gdb's table with the condition, hit count and ignore lines under each. */
function formatBreakpointTable(list: readonly BreakpointRow[]): string[] {
  if (list.length === 0) return ['No breakpoints or watchpoints.'];
  const head = (id: number, temporary: boolean, enabled: boolean) => `${String(id).padEnd(8)}${'breakpoint'.padEnd(15)}${(temporary ? 'del' : 'keep').padEnd(5)}${(enabled ? 'y' : 'n').padEnd(4)}`;
  const rows = list.map((b) => {
    // gdb's pending rows: `<PENDING>` in the address column, the name as typed.
    if ('pending' in b) return { id: b.id, lines: [`${head(b.id, b.temporary, true)}${'<PENDING>'.padEnd(18)} ${b.spec}`, ...(b.condition !== undefined ? [`\tstop only if ${b.condition}`] : [])] };
    const name = /<(.*)>$/.exec(b.where)?.[1];
    const lines = [`${head(b.id, b.temporary, b.enabled)}${addr16(b.addr)} ${name ? `<${name}>` : ''}`.trimEnd()];
    if (b.condition !== undefined) lines.push(`\tstop only if ${b.condition}`);
    if (b.hits > 0) lines.push(`\tbreakpoint already hit ${b.hits} time${b.hits === 1 ? '' : 's'}`);
    if (b.ignoreCount > 0) lines.push(`\tWill ignore next ${b.ignoreCount} crossings of breakpoint.`);
    return { id: b.id, lines };
  });
  rows.sort((x, y) => x.id - y.id);
  return ['Num     Type           Disp Enb Address            What', ...rows.flatMap((r) => r.lines)];
}

export const BREAK_COMMANDS = [
  command({
    name: 'break', aliases: ['b', 'br'], usage: 'break [-p] SYM|SYM+OFF|ADDR|*EXPR [if COND]', help: 'plant a breakpoint (int3); COND is an expression tested at each hit',
    parse: parseBreak, run: (c, a) => plant(c, a, false), format: formatBreak,
  }),
  command({
    name: 'tbreak', aliases: ['tb'], usage: 'tbreak [-p] SYM|ADDR|*EXPR [if COND]', help: 'plant a breakpoint deleted by its first hit',
    parse: parseBreak, run: (c, a) => plant(c, a, true), format: formatBreak,
  }),
  command({
    name: 'condition', aliases: ['cond'], usage: 'condition N [COND]', help: 'stop at breakpoint N only when COND is non-zero (no COND: always)',
    parse: (a, usage) => {
      if (a.length < 1) throw new ProcfsError('EINVAL', `usage: ${usage}`);
      const cond = a.slice(1).join(' ').trim();
      return { id: parseBreakNumbers(a.slice(0, 1))[0]!, condition: cond === '' ? undefined : cond };
    },
    run: async (c, a: { id: number; condition: string | undefined }) => {
      const bp = c.session.setCondition(a.id, a.condition);
      return { kind: 'condition-set' as const, data: { id: bp.id, condition: bp.condition ?? null } };
    },
    format: (r) => (r.data.condition === null ? [`Breakpoint ${r.data.id} now unconditional.`] : []),
  }),
  command({
    name: 'ignore', usage: 'ignore N COUNT', help: 'let the next COUNT hits of breakpoint N pass',
    parse: (a, usage) => {
      arity(usage, a, 2, 2);
      const [id] = parseBreakNumbers(a.slice(0, 1));
      if (!/^\d+$/.test(a[1]!)) throw new ProcfsError('EINVAL', `not a count: '${a[1]}'`);
      return { id: id!, count: Number(a[1]) };
    },
    run: async (c, a: { id: number; count: number }) => {
      const bp = c.session.setIgnore(a.id, a.count);
      return { kind: 'ignore-set' as const, data: { id: bp.id, ignoreCount: a.count } };
    },
    format: ({ data: { id, ignoreCount: n } }) => [n === 0 ? `Will stop next time breakpoint ${id} is reached.` : n === 1 ? `Will ignore next crossing of breakpoint ${id}.` : `Will ignore next ${n} crossings of breakpoint ${id}.`],
  }),
  command({ name: 'enable', usage: 'enable [N…]', help: 'plant breakpoints N… again (all without N)', parse: breakNumbersOrAll, run: enabler(true), format: () => [] }),
  command({ name: 'disable', aliases: ['disa'], usage: 'disable [N…]', help: 'keep breakpoints N… but take their bytes out (all without N)', parse: breakNumbersOrAll, run: enabler(false), format: () => [] }),
  command({
    name: 'delete', aliases: ['d'], usage: 'delete N…', help: 'remove breakpoints (their original bytes go back)',
    parse: (a, usage) => {
      if (a.length < 1) throw new ProcfsError('EINVAL', `usage: ${usage}`);
      return parseBreakNumbers(a);
    },
    run: async (c, ids: readonly number[]) => {
      for (const id of ids) await c.session.delete(id);
      return { kind: 'breakpoints-deleted' as const, data: ids.length === 1 ? { deleted: ids[0]! } : { deleted: [...ids] }, ids: [...ids] };
    },
    format: (r) => r.ids.map((id) => `deleted breakpoint ${id}`),
  }),
  command({
    name: 'info-breakpoints', aliases: ['info-b', 'info-break', 'ib', 'breakpoints'], usage: 'info breakpoints',
    help: 'gdb\'s breakpoint table: conditions, hit counts, ignore counts; `breakpoints`: pdbg\'s one line each (id, keep/temp, where, hits)',
    parse: (a, usage, as) => {
      arity(usage, a, 0, 0);
      return { layout: as === 'breakpoints' ? ('short' as const) : ('gdb' as const) };
    },
    run: async (c, a: { layout: 'gdb' | 'short' }): Promise<BreakpointList> => {
      const s = c.session;
      const list = s.breakpoints();
      const waiting = s.pendingBreakpoints();
      const data: BreakpointRow[] = [...list.map((b) => ({ ...b, where: s.describe(b.addr) })), ...waiting.map((p) => ({ ...p, pending: true as const }))];
      return { kind: 'breakpoint-list', layout: a.layout, data };
    },
    format: (r) => {
      if (r.layout === 'gdb') return formatBreakpointTable(r.data);
      const rows = r.data
        .map((b) => ({ id: b.id, line: `${String(b.id).padStart(3)} ${b.temporary ? 'temp' : 'keep'} ${'pending' in b ? `<PENDING> ${b.spec}` : `${b.where} hits ${b.hits}`}` }))
        .sort((a, b) => a.id - b.id);
      return rows.length === 0 ? ['no breakpoints'] : rows.map((x) => x.line);
    },
  }),
];
