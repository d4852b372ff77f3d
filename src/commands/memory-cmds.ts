/**
 * Memory commands: `x` (gdb's `x/NFU EXPR`, a bare `x` going on, or pdbg's `x EXPR [LEN]`
 * hexdump, which the TUI takes as "point the memory pane there") and `write`.
 */
import { evalAddress } from '../engine/expr.js';
import type { Client } from './client.js';
import { command, type Result } from './debug-command.js';
import { examine, type ExamineResult } from './examine.js';
import { hexdump, parseHexBytes, parseLength } from './values.js';
import { ProcfsError } from '../procfs/errors.js';

export type ExamineArgs =
  /** gdb's form: a format (or none: the last one) and an expression (empty: go on). */
  | { readonly form: 'format'; readonly fmt: string | undefined; readonly expr: string }
  /** pdbg's form: one address expression and a plain length (default 16). */
  | { readonly form: 'dump'; readonly expr: string; readonly len?: number };

export type ExamineCmdResult =
  | Result<'examine', ExamineResult>
  | Result<'hexdump', { addr: bigint; where: string; bytes: string }>;

export const examineCommand = command({
  name: 'x', aliases: ['mem', 'examine'], usage: 'x/NFU EXPR | x EXPR [LEN]',
  help: 'examine memory: N units of size U (b h w g) in format F (x d u o t c a z s i); or a hexdump of LEN bytes (default 16); the TUI points its memory pane there',
  parse: (a): ExamineArgs => {
    if (a.length === 0 || a[0]!.startsWith('/')) return { form: 'format', fmt: a[0], expr: a.slice(1).join(' ') };
    // pdbg's own form: one address word and a plain length (gdb spells that x/LENxb).
    if (a.length > 2 || (a.length === 2 && !/^(0x[0-9a-f]+|\d+)$/i.test(a[1]!))) return { form: 'format', fmt: undefined, expr: a.join(' ') };
    return { form: 'dump', expr: a[0]!, ...(a[1] === undefined ? {} : { len: parseLength(a[1]) }) };
  },
  run: async (c, a: ExamineArgs): Promise<ExamineCmdResult> => {
    if (a.form === 'format') return { kind: 'examine', data: await examine(c, a.fmt, a.expr) };
    const s = c.session;
    const addr = await evalAddress(a.expr, c.context());
    const bytes = await s.readMem(addr, a.len ?? 16);
    return { kind: 'hexdump', data: { addr, where: s.describe(addr), bytes: bytes.toString('hex') } };
  },
  format: (r) => (r.kind === 'examine' ? r.data.lines.map((l) => l.text) : hexdump(r.data.addr, Buffer.from(r.data.bytes, 'hex'))),
});

export interface WriteArgs {
  readonly where: string;
  readonly bytes: Buffer;
}

export const writeCommand = command({
  name: 'write', aliases: ['w'], usage: 'write SYM|ADDR HEX', help: 'write bytes to memory (text too)',
  parse: (a): WriteArgs => {
    if (a.length < 2) throw new ProcfsError('EINVAL', 'usage: write SYM|ADDR HEX');
    // Words stay groups (`write ADDR 0 0` is refused, not read as one byte 00).
    return { where: a[0]!, bytes: parseHexBytes(a.slice(1).join(' ')) };
  },
  run: async (c, a: WriteArgs) => {
    const s = c.session;
    const addr = await s.resolve(a.where);
    await s.writeMem(addr, a.bytes);
    return { kind: 'written' as const, data: { addr, bytes: a.bytes.toString('hex') }, where: s.describe(addr) };
  },
  format: (r) => {
    const bytes = Buffer.from(r.data.bytes, 'hex');
    // The bytes as written, so a typo shows: at most 16 of them, then how many more.
    const shown = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (bytes.length > 16 ? ` … (+${bytes.length - 16})` : '');
    return [`wrote ${bytes.length} byte${bytes.length === 1 ? '' : 's'} at ${r.where}: ${shown}`];
  },
});
