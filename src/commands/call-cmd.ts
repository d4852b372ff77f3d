/**
 * gdb's `call FUNC(ARGS)`: the function runs in the current thread (inferior-call-x86-64-linux.ts) and its
 * return value (rax, as a long: pdbg has no types yet) goes into the value history as `$N`.
 */
import { ProcfsError } from '../procfs/errors.js';
import { evalAddress, evalExpr, LONG, numeric } from '../engine/expr.js';
import { callFunction } from '../engine/inferior-call-x86-64-linux.js';
import type { Client } from './client.js';
import { formatValue } from './gdbfmt.js';
import { splitArgs } from './output-cmds.js';
import type { HistoryResult } from './print-cmd.js';

export type CallResult = HistoryResult<'call', { function: string; args: bigint[]; value: bigint }>;

export async function callCmd(c: Client, text: string): Promise<CallResult> {
  const s = c.session;
  const m = /^\s*(.+?)\s*\((.*)\)\s*$/s.exec(text);
  if (!m) throw new ProcfsError('EINVAL', 'usage: call FUNC(ARG, …) (integer and pointer arguments)');
  const ctx = c.context();
  const fn = await evalAddress(m[1]!.replace(/^\*/, ''), ctx);
  const args: bigint[] = [];
  for (const a of splitArgs(m[2]!)) args.push(BigInt.asUintN(64, numeric(await evalExpr(a, ctx))));
  const { value } = await callFunction(s, fn, args);
  const v = { bits: value, type: LONG };
  const st = c.inspect;
  st.history.push(v);
  const shown = formatValue(v, '', c.symbolize);
  return { kind: 'call', data: { history: st.history.length, function: s.describe(fn), args, value }, shown };
}
