/**
 * The live source's resolver for files under a target's root (untrusted-file.ts RootResolver):
 * `PROCROOT/PID/root/PATH` is opened O_PATH by openat2 from `/proc/PID/root` with
 * RESOLVE_IN_ROOT (absolute links and `..` stay inside the target's root) and
 * RESOLVE_NO_MAGICLINKS (no `/proc/N/fd/M` jumps out). Mount crossings are allowed: a jail's
 * bind-mounted /usr holds its libraries. Without openat2 (a kernel before 5.6, or a seccomp
 * filter that refuses it) such files are not read at all (ENOSYS): a module then comes from
 * map_files, and a debug file is simply not found.
 */
import { closeSync } from 'node:fs';
import { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, openat, openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../../../../native/resolve.js';
import { errnoName, ProcfsError } from '../../errors.js';
import type { RootResolver } from '../../untrusted-file.js';

const AT_FDCWD = -100;

export function targetRootResolver(procRoot: string): RootResolver {
  const prefix = `${procRoot}/`;
  return (path, follow) => {
    if (!path.startsWith(prefix)) return undefined;
    const m = /^(\d+)\/root(\/.*)$/s.exec(path.slice(prefix.length));
    if (!m) return undefined;
    const pid = Number(m[1]);
    const rootFd = openat(AT_FDCWD, `${prefix}${m[1]}/root`, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootFd < 0) throw new ProcfsError(errnoName(-rootFd), `${path}: ${errnoName(-rootFd)}`, pid);
    try {
      const fd = openat2(rootFd, m[2]!, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
      if (fd < 0) throw new ProcfsError(errnoName(-fd), `${path}: ${-fd === 38 ? 'openat2 is missing: files under a target\'s root are not read' : errnoName(-fd)}`, pid);
      return fd;
    } finally {
      closeSync(rootFd);
    }
  };
}
