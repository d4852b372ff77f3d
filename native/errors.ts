/**
 * What a failed C call throws: the errno, its name, and who it concerned. native/ knows nothing
 * of the procfs model above it; the Linux source turns these into ProcfsErrors at its edge
 * (src/procfs/sources/linux/native.ts).
 */
import { constants } from 'node:os';

const errnoByNumber = new Map<number, string>(
  Object.entries(constants.errno as Record<string, number>).map(([name, n]) => [n, name]),
);

/** `ESRCH` for 3, `errno N` for a number Node has no name for. */
export function errnoName(n: number): string {
  return errnoByNumber.get(n) ?? `errno ${n}`;
}

export class NativeError extends Error {
  override readonly name = 'NativeError';
  constructor(
    /** The errno's name (`ESRCH`), as ProcfsError and Node's own errors spell it. */
    readonly code: string,
    message: string,
    readonly errno: number,
    readonly pid?: number,
    readonly node?: string,
  ) {
    super(message);
  }
}
