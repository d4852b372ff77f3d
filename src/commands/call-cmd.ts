/**
 * gdb's `call FUNC(ARGS)`: the function runs in the current thread (inferior-call-x86-64-linux.ts) and its
 * return value (rax, as a long: pdbg has no types yet) goes into the value history as `$N`.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { CommandOutput } from './command-output.js';
import { evalAddress, evalExpr, LONG, numeric } from '../engine/expr.js';
import { formatValue } from './gdbfmt.js';
import { callFunction } from '../engine/inferior-call-x86-64-linux.js';
import { inspectState, sessionContext, symbolizer } from './inspect-state.js';
import { splitArgs } from './output-cmds.js';
import type { Session } from '../engine/session.js';

export async function callCmd(s: Session, text: string): Promise<CommandOutput> {
  const m = /^\s*(.+?)\s*\((.*)\)\s*$/s.exec(text);
  if (!m) throw new ProcfsError('EINVAL', 'usage: call FUNC(ARG, …) (integer and pointer arguments)');
  const ctx = sessionContext(s);
  const fn = await evalAddress(m[1]!.replace(/^\*/, ''), ctx);
  const args: bigint[] = [];
  for (const a of splitArgs(m[2]!)) args.push(BigInt.asUintN(64, numeric(await evalExpr(a, ctx))));
  const { value } = await callFunction(s, fn, args);
  const v = { bits: value, type: LONG };
  const st = inspectState(s);
  st.history.push(v);
  const shown = formatValue(v, '', symbolizer(s));
  return { lines: [`$${st.history.length} = ${shown}`], data: { history: st.history.length, function: s.describe(fn), args, value } };
}
