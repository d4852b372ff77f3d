/**
 * The live source's resolver for files under a target's root (untrusted-file.ts RootResolver):
 * `PROCROOT/PID/root/PATH` is resolved by the same in-root rules the mount serves `root/` by
 * (in-root.ts: openat2 RESOLVE_IN_ROOT|NO_MAGICLINKS, or the walk by hand where openat2 is
 * missing or the path crosses a mount), as pdbg's own user, and handed back as the O_PATH
 * descriptor untrusted-file.ts checks and reopens. Absolute links and `..` stay inside the
 * target's root, so a jail's debug link cannot name a host file.
 */
import { openInRoot } from './in-root.js';
import type { RootResolver } from '../../untrusted-file.js';

export function targetRootResolver(procRoot: string): RootResolver {
  const prefix = `${procRoot}/`;
  return (path) => {
    if (!path.startsWith(prefix)) return undefined;
    const m = /^(\d+)\/root(\/.*)$/s.exec(path.slice(prefix.length));
    if (!m) return undefined;
    return openInRoot(`${prefix}${m[1]}/root`, m[2]!, { pid: Number(m[1]), what: path, forRead: false }).fd;
  };
}
