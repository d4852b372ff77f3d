import { ParseError, ProcfsError, UsageError } from '../procfs/errors.js';
import { displayText } from '../procfs/escape.js';

/** Bad command-line input (defined in the model, where the chain's parsers can throw it too). */
export { UsageError };

/**
 * The single place where an error becomes output: one line on stderr, a non-zero status.
 * Messages quote what the target side said (symbol and file names, tokens of a bad node): shown
 * escaped, so the line stays one line and cannot act on the terminal.
 * A stack trace only with PDBG_DEBUG=1, for pdbg's own bugs.
 */
export function reportError(err: unknown): number {
  const say = (text: string) => process.stderr.write(`pdbg: ${displayText(text)}\n`);
  if (err instanceof UsageError) {
    say(err.message);
    return 2;
  }
  if (err instanceof ProcfsError || err instanceof ParseError) {
    say(err.message);
    return 1;
  }
  const e = err as Error;
  say(`internal error: ${e?.message ?? String(err)}`);
  if (process.env.PDBG_DEBUG && e?.stack) process.stderr.write(e.stack + '\n');
  return 70;
}
