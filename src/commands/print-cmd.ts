/**
 * gdb's `print[/FMT] EXPR`: evaluates, records the value in the history and prints `$N = …`.
 * FMT is one letter of x d u o t c a z s (no count or size, as gdb refuses those for print).
 */
import { ProcfsError } from '../procfs/errors.js';
import { evalExpr } from '../engine/expr.js';
import type { Client } from './client.js';
import type { Result } from './debug-command.js';
import { formatValue, VALUE_FORMATS } from './gdbfmt.js';

/** `/x` → `x`; undefined → natural. */
export function parsePrintFormat(text: string | undefined): string {
  if (text === undefined) return '';
  const m = /^\/([a-z])$/i.exec(text);
  if (!m || !VALUE_FORMATS.includes(m[1]!)) {
    if (/^\/\d/.test(text) || /^\/[a-z]*[bhwg]/i.test(text)) throw new ProcfsError('EINVAL', `item count and size are not meaningful for print: '${text}' (x/NFU is for that)`);
    throw new ProcfsError('EINVAL', `undefined output format '${text}' (print/F: x d u o t c a z s)`);
  }
  return m[1]!;
}

/** A value entered in the history as `$N` (print, call). */
export type HistoryResult<K extends string, D> = Result<K, D & { history: number; text?: string }> & { readonly shown: string };

export function formatHistoryValue<R extends HistoryResult<string, object>>(r: R): string[] {
  return [`$${r.data.history} = ${r.shown}`];
}

export type PrintResult = HistoryResult<'value', { value: bigint; type: string; text: string }>;

export async function printCommand(c: Client, fmtText: string | undefined, exprText: string): Promise<PrintResult> {
  const fmt = parsePrintFormat(fmtText);
  const st = c.inspect;
  // gdb: a bare `print` shows the last value again (as a new history entry).
  const v = exprText.trim() === '' ? st.history[st.history.length - 1] : await evalExpr(exprText, c.context());
  if (!v) throw new ProcfsError('EINVAL', 'history is empty: print needs an expression');
  st.history.push(v);
  const n = st.history.length;
  const text = formatValue(v, fmt, c.symbolize);
  const type = v.type.kind === 'ptr' ? 'pointer' : `${v.type.signed ? 'int' : 'uint'}${v.type.size * 8}`;
  return { kind: 'value', data: { history: n, value: v.bits, type, text }, shown: text };
}
