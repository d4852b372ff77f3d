import { ParseError, ProcfsError } from '../procfs/errors.js';

/** Bad command-line input: a wrong flag value, a malformed address. Exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The single place where an error becomes output: one line on stderr, a non-zero status.
 * A stack trace only with PDBG_DEBUG=1, for pdbg's own bugs.
 */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`pdbg: ${err.message}\n`);
    return 2;
  }
  if (err instanceof ProcfsError || err instanceof ParseError) {
    process.stderr.write(`pdbg: ${err.message}\n`);
    return 1;
  }
  const e = err as Error;
  process.stderr.write(`pdbg: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.PDBG_DEBUG && e?.stack) process.stderr.write(e.stack + '\n');
  return 70;
}
