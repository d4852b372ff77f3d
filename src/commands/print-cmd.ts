/**
 * gdb's `print[/FMT] EXPR`: evaluates, records the value in the history and prints `$N = …`.
 * FMT is one letter of x d u o t c a z s (no count or size, as gdb refuses those for print).
 */
import { ProcfsError } from '../procfs/errors.js';
import type { CommandOutput } from './command-output.js';
import { evalExpr } from '../engine/expr.js';
import { formatValue, VALUE_FORMATS } from './gdbfmt.js';
import { inspectState, sessionContext, symbolizer } from './inspect-state.js';
import type { Session } from '../engine/session.js';

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

export async function printCommand(s: Session, fmtText: string | undefined, exprText: string): Promise<CommandOutput> {
  const fmt = parsePrintFormat(fmtText);
  const st = inspectState(s);
  // gdb: a bare `print` shows the last value again (as a new history entry).
  const v = exprText.trim() === '' ? st.history[st.history.length - 1] : await evalExpr(exprText, sessionContext(s));
  if (!v) throw new ProcfsError('EINVAL', 'history is empty: print needs an expression');
  st.history.push(v);
  const n = st.history.length;
  const text = formatValue(v, fmt, symbolizer(s));
  const type = v.type.kind === 'ptr' ? 'pointer' : `${v.type.signed ? 'int' : 'uint'}${v.type.size * 8}`;
  return { lines: [`$${n} = ${text}`], data: { history: n, value: v.bits, type, text } };
}
