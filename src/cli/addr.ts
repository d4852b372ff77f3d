/**
 * Command-line spellings of pids, addresses, values and bytes. The parsing itself is the
 * engine's (debugger/location.ts, debugger/values.ts, shared with scripts and the TUI); here a
 * malformed argument becomes a UsageError (exit 2) before any process is touched.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseWhere } from '../debugger/location.js';
import { regName } from '../debugger/regfile.js';
import { parseAssignment, parseHexBytes, parseLength } from '../debugger/values.js';
import { UsageError } from './errors.js';

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProcfsError && err.code === 'EINVAL') throw new UsageError(err.message);
    throw err;
  }
}

export function cliPid(value: unknown, what = 'pid'): number {
  const n = typeof value === 'number' ? value : Number(String(value));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`not a ${what}: '${String(value)}'`);
  return n;
}

/** An address or symbol, syntax-checked now, resolved later by the session. */
export function cliWhere(text: unknown): string {
  const t = String(text);
  usage(() => parseWhere(t));
  return t;
}

export function cliLength(text: unknown): number {
  return usage(() => parseLength(String(text)));
}

export function cliHex(text: unknown): Buffer {
  return usage(() => parseHexBytes(String(text)));
}

/** `REG=VALUE` pairs, register names checked (EINVAL → usage error) before attaching. */
export function cliAssignments(list: readonly unknown[]): { name: string; value: bigint }[] {
  return list.map((a) =>
    usage(() => {
      const p = parseAssignment(String(a));
      return { name: regName(p.name), value: p.value };
    }),
  );
}

export function cliCount(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`not a count: '${String(value)}' (a positive integer)`);
  return n;
}
