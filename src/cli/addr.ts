/**
 * Command-line spellings of pids, addresses, values and bytes. The parsing itself is the
 * engine's (engine/location.ts, commands/values.ts, shared with scripts and the TUI); here a
 * malformed argument becomes a UsageError (exit 2) before any process is touched.
 */
import { ProcfsError } from '../procfs/errors.js';
import { parseWhere } from '../engine/location.js';
import { regName } from '../engine/regfile.js';
import { parseAssignment, parseHexBytes, parseLength } from '../commands/values.js';
import { UsageError } from './errors.js';

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProcfsError && err.code === 'EINVAL') throw new UsageError(err.message);
    throw err;
  }
}

/** An argument as an error message shows it: control characters escaped (one line), long text cut. */
export function shownArg(value: unknown): string {
  const t = String(value);
  const cut = t.length > 40 ? t.slice(0, 40) + '…' : t;
  return cut.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** pid_t is a C int; Linux's own ceiling (PID_MAX_LIMIT) is lower still, 2^22. */
const PID_MAX = 2 ** 31 - 1;

/**
 * A pid, tid or pgid as typed: decimal digits only, as ps prints them and kill(1) takes them
 * (`0x10` is not pid 16, `1e3` not pid 1000). The text comes in unconverted (the positionals are
 * yargs strings) so the message quotes what was typed, not a NaN.
 */
export function cliPid(value: unknown, what = 'process id'): number {
  const t = String(value);
  if (!/^[0-9]+$/.test(t)) throw new UsageError(`not a ${what}: '${shownArg(t)}' (a decimal number)`);
  const n = Number(t); // exact below 2^53; anything that large fails the range check anyway
  if (n < 1 || n > PID_MAX) throw new UsageError(`${what} ${shownArg(t)} out of range (1-${PID_MAX})`);
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

/** A repeat count (`step -n`): a positive decimal integer, exact. */
export function cliCount(value: unknown): number {
  const t = String(value);
  const n = /^[0-9]+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`not a count: '${shownArg(t)}' (a positive decimal integer)`);
  return n;
}
