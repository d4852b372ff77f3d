/**
 * The `mem` node's errors as every source reports them (spec §5): Linux's /proc/PID/mem answers
 * EIO when the first page is unmapped and a short count when a later one is; FreeBSD says
 * EFAULT. pdbg reports EIO naming the address, and returns short counts as they are.
 */
import { ProcfsError } from './errors.js';

export function hexAddr(addr: bigint): string {
  return `0x${addr.toString(16)}`;
}

export function notMapped(pid: number, addr: bigint): ProcfsError {
  return new ProcfsError('EIO', `pid ${pid}: address ${hexAddr(addr)} is not mapped`, pid, 'mem');
}
