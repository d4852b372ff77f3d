/**
 * A mapping's file through `/proc/PID/map_files/START-END`: the very file mapped, even deleted
 * or out of reach by path (a chroot whose maps show host paths).
 *
 * The kernel lets only CAP_SYS_ADMIN open map_files (proc_map_files_get_link), so it cannot be
 * opened with a caller's credentials as in-root.ts does for paths: the daemon opens it, and a
 * caller (`as`) is then checked against the opened file's owner, group and mode the way the
 * kernel's DAC check would (root: always; the owner's bits if it owns it, else the group's if
 * the file's group is its gid or one of its groups, else the others'). That is an
 * approximation: ACLs, LSMs and the search permission of the directories on the file's path are
 * not looked at. It is the right one for what map_files serves, the file a process the caller
 * may debug has mapped: the mapped range is readable through that process's `mem` anyway, and
 * the rest of the file only where its mode lets the caller read it.
 */
import { closeSync } from 'node:fs';
import { AT_FDCWD, O_CLOEXEC, O_NOCTTY, O_NONBLOCK, O_PATH, openat, S_IFMT, S_IFREG, statxFd, type Statx } from '../../../../native/resolve.js';
import { errnoName, ProcfsError } from '../../errors.js';
import type { FileCaller } from '../../source.js';
import type { InRootFile } from './in-root.js';

/** May `c` read a file of this owner, group and mode, by the permission bits? */
export function modeAllowsRead(c: FileCaller, st: Pick<Statx, 'mode' | 'uid' | 'gid'>): boolean {
  if (c.uid === 0) return true;
  if (st.uid === c.uid) return (st.mode & 0o400) !== 0;
  if (st.gid === c.gid || c.groups.includes(st.gid)) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}

export function openMapping(link: string, opts: { pid: number; what: string; as?: FileCaller; forRead?: boolean }): InRootFile {
  const fail = (errno: number): ProcfsError => new ProcfsError(errnoName(errno), `${opts.what}: ${errnoName(errno)}`, opts.pid);
  const pathFd = openat(AT_FDCWD, link, O_PATH | O_CLOEXEC);
  if (pathFd < 0) throw fail(-pathFd);
  try {
    const st = statxFd(pathFd);
    if (typeof st === 'number') throw fail(-st);
    if ((st.mode & S_IFMT) !== S_IFREG) throw new ProcfsError('EINVAL', `${opts.what}: not a regular file; refused`, opts.pid);
    if (opts.forRead === false) return { fd: openat(AT_FDCWD, `/proc/self/fd/${pathFd}`, O_PATH | O_CLOEXEC), st };
    if (opts.as && !modeAllowsRead(opts.as, st)) {
      throw new ProcfsError('EACCES', `${opts.what}: uid ${opts.as.uid} may not read it (mode ${(st.mode & 0o7777).toString(8)}, owner ${st.uid}:${st.gid})`, opts.pid);
    }
    const fd = openat(AT_FDCWD, `/proc/self/fd/${pathFd}`, O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) throw fail(-fd);
    return { fd, st };
  } finally {
    closeSync(pathFd);
  }
}
