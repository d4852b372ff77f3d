/**
 * Acting on files as somebody else, for one synchronous call: the calling thread's fsuid, fsgid
 * and supplementary groups set to a caller's, the call made, the daemon's own put back.
 *
 * Credentials are per thread in the kernel, so this changes only the JS thread that runs it
 * (the libuv pool and the FUSE reader keep the daemon's). That is why it goes through raw
 * syscall(2): glibc's setgroups (and setfsuid's siblings setuid/setgid) broadcast the change to
 * every thread of the process (the NPTL "setxid" signal), which would hand the caller's
 * identity to every concurrent request. The restore sits in a finally: a thread left with a
 * user's fsuid would serve every later request as that user.
 *
 * setfsuid from 0 to another uid drops the file-system capabilities (CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER …) from the effective set, and back to 0 raises them again
 * (capabilities(7)), so root's opens check the caller's permissions in between.
 */
import { NativeError } from './errors.js';
import { lastErrno, libc } from './libc.js';
import { SYS_GETGROUPS, SYS_SETFSGID, SYS_SETFSUID, SYS_SETGROUPS } from './syscall-numbers-linux-x86-64.js';

const NGROUPS_MAX = 65536;

const setfsFn = libc.func('long syscall(long nr, unsigned int id)') as (nr: number, id: number) => number | bigint;
const groupsFn = libc.func('long syscall(long nr, long n, void *list)') as (nr: number, n: number, list: Uint32Array | null) => number | bigint;

/** Whose permissions an open is checked against. */
export interface FsCreds {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

function threadGroups(): Uint32Array {
  const n = Number(groupsFn(SYS_GETGROUPS, 0, null));
  if (n < 0) throw new NativeError('EPERM', `getgroups: errno ${lastErrno()}`, lastErrno());
  const list = new Uint32Array(Math.max(n, 1));
  const got = Number(groupsFn(SYS_GETGROUPS, n, list));
  return list.subarray(0, Math.max(got, 0));
}

/** setfsuid/setfsgid report the previous id, never an error: a second call tells whether the first took. */
function setFs(nr: number, id: number): number {
  const before = Number(setfsFn(nr, id));
  const now = Number(setfsFn(nr, id));
  if (now !== id) {
    setfsFn(nr, before);
    throw new NativeError('EPERM', `cannot take ${nr === SYS_SETFSUID ? 'uid' : 'gid'} ${id} to open a file as its caller (pdbg runs unprivileged)`, 1);
  }
  return before;
}

/** `fn()` run with the calling thread's file-system identity set to `c`; the thread's own restored after. */
export function asFsCreds<T>(c: FsCreds, fn: () => T): T {
  if (c.groups.length > NGROUPS_MAX) throw new NativeError('EINVAL', 'too many supplementary groups', 22);
  const savedGroups = threadGroups();
  const oldGid = setFs(SYS_SETFSGID, c.gid);
  let groupsSet = false;
  let oldUid: number | undefined;
  try {
    const list = Uint32Array.from(c.groups);
    if (Number(groupsFn(SYS_SETGROUPS, list.length, list.length ? list : null)) !== 0) {
      throw new NativeError('EPERM', `cannot take the caller's supplementary groups: errno ${lastErrno()}`, lastErrno());
    }
    groupsSet = true;
    oldUid = setFs(SYS_SETFSUID, c.uid);
    return fn();
  } finally {
    if (oldUid !== undefined) setfsFn(SYS_SETFSUID, oldUid);
    if (groupsSet) groupsFn(SYS_SETGROUPS, savedGroups.length, savedGroups.length ? savedGroups : null);
    setfsFn(SYS_SETFSGID, oldGid);
  }
}
