/**
 * Linux namespaces through setns(2): enter a process's UTS namespace, read its hostname, come
 * back. setns changes only the calling thread, so this runs on the main JS thread and always
 * returns to the namespace it started in (a saved fd to /proc/thread-self/ns/uts).
 */
import { openSync } from 'node:fs';
import { hostname } from 'node:os';
import { NativeError } from './errors.js';
import { errnoError, libc } from './libc.js';

const CLONE_NEWUTS = 0x04000000;
const setns = libc.func('int setns(int fd, int nstype)') as (fd: number, nstype: number) => number;

let homeFd = -1;

/**
 * The hostname of the UTS namespace open at `fd` (`nsPath`, `/proc/PID/ns/uts`, names it in
 * errors). Throws a NativeError when it cannot be entered (EPERM without CAP_SYS_ADMIN). The
 * caller opens and closes `fd`, so that it maps the open's failure (the process gone) itself.
 */
export function utsHostname(fd: number, nsPath: string, pid?: number): string {
  if (homeFd < 0) homeFd = openSync('/proc/thread-self/ns/uts', 'r');
  if (setns(fd, CLONE_NEWUTS) !== 0) throw errnoError(`setns ${nsPath}`, undefined, pid, 'jail');
  try {
    return hostname();
  } finally {
    // Staying in the jail's namespace would make every later hostname wrong: no way on.
    if (setns(homeFd, CLONE_NEWUTS) !== 0) {
      const e = errnoError('setns back to the host UTS namespace');
      throw new NativeError(e.code, `${e.message}; cannot continue`, e.errno);
    }
  }
}
