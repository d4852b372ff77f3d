import { constants } from 'node:os';

/** The errno names pdbg reports; the numbers are Linux's, from Node's table. */
export type ErrnoName =
  | 'ESRCH' | 'EPERM' | 'EBUSY' | 'EIO' | 'EINVAL' | 'EOPNOTSUPP' | 'ENOENT' | 'EACCES'
  | 'EFAULT' | 'ECHILD' | 'ENOTDIR' | 'EEXIST' | 'ENOSYS' | 'EAGAIN' | 'EINTR' | 'EBADF'
  | 'ELOOP' | 'EFBIG' | 'ETIMEDOUT' | 'EXDEV';

const errnoNumbers = constants.errno as Record<string, number>;
const errnoByNumber = new Map<number, string>(
  Object.entries(errnoNumbers).map(([name, n]) => [n, name]),
);

export function errnoName(n: number): string {
  return errnoByNumber.get(n) ?? `errno ${n}`;
}

export function errnoNumber(name: ErrnoName): number {
  return errnoNumbers[name] ?? -1;
}

/**
 * Every failure of a node read or write, from any source: an errno as BSD procfs would return
 * it, the process and node it concerns, and a sentence for a person. The CLI prints the message
 * on one line and exits non-zero; nothing else turns errors into output.
 */
export class ProcfsError extends Error {
  override readonly name = 'ProcfsError';
  constructor(
    readonly code: ErrnoName | string,
    message: string,
    readonly pid?: number,
    readonly node?: string,
  ) {
    super(message);
  }

  get errno(): number {
    return errnoNumbers[this.code] ?? -1;
  }
}

/** A line of a text node that does not fit its format; `field` names the first wrong field. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    readonly field: string,
    message: string,
    readonly input?: string,
  ) {
    super(message);
  }
}

/**
 * Bad input from the user: a wrong flag value, a malformed address or `--via` hop. Exit status
 * 2 (src/cli/errors.ts). Here, below every layer that parses what a user typed (the chain's hops
 * and limits, the CLI), so none of them imports the CLI for it.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Turns a Node fs error on a path under a proc root into a ProcfsError for that pid and node. */
export function fromSystemError(err: unknown, pid: number | undefined, node: string): ProcfsError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'EIO';
  const who = pid === undefined ? node : `${pid}/${node}`;
  switch (code) {
    case 'ENOENT':
    case 'ESRCH':
      return new ProcfsError('ESRCH', pid === undefined ? `${node}: not found` : `no process ${pid}`, pid, node);
    case 'EACCES':
    case 'EPERM':
      return new ProcfsError(code, `${who}: permission denied`, pid, node);
    default:
      return new ProcfsError(code, `${who}: ${e?.message ?? String(err)}`, pid, node);
  }
}
