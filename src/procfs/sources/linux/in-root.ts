/**
 * Opening a path as a process sees it, kept inside that process's root, and (for a server's
 * caller) with that caller's permissions: what `PID/root/PATH` of the mount, the agent's
 * READFILE and the engine's own reads of target files go through.
 *
 * The attacks this shuts (issue 17): the daemon used to open `/proc/PID/root/PATH` as itself,
 * so (1) any user owning a process read any file as root (`root/etc/shadow`, a root process's
 * deleted file as `root/proc/ROOTPID/fd/3`); (2) an absolute symlink in a jail's root, or a
 * `..`, resolved against the host's root (`/evil -> /etc/shadow` read host files); (3) a path
 * that went through `root/` back into the mount itself blocked the daemon on its own requests.
 *
 * So: resolution starts at the root's directory fd with openat2(RESOLVE_IN_ROOT: absolute links
 * and `..` stay inside; RESOLVE_NO_MAGICLINKS: no /proc/PID/fd jumps; RESOLVE_NO_XDEV: never onto
 * another mount, so never onto a FUSE mount whose server may be this very thread). A path that
 * does cross a mount (a jail's bind-mounted /usr, a separate /home), and a kernel without
 * openat2 (ENOSYS, before 5.6), go through a walk by hand: one name at a time with
 * openat(O_PATH|O_NOFOLLOW) from the directory fd before it, links read and resolved inside the
 * root by the walk itself, `..` popped off the walk's own stack (never opened), and every mount
 * crossed looked up in mountinfo: FUSE (this mount or any other: its server can block us
 * forever), procfs, sysfs and the other kernel file systems are refused with EXDEV.
 *
 * The file is first opened O_PATH (which opens no device, FIFO or socket: nothing acts on an
 * O_PATH open), checked to be a regular file, then reopened for reading through
 * /proc/self/fd/N with O_NONBLOCK|O_NOCTTY. With a caller's credentials every step (the walk's
 * directory searches and the reopen's read permission) runs under the caller's fsuid, fsgid and
 * groups (native/fs-creds.ts), so the kernel applies exactly the checks it applies to the
 * caller's own open, ACLs and LSMs included.
 *
 * All of it is synchronous on the calling thread: credentials are per thread, and none of these
 * calls can wait on a FUSE server (statx is asked DONT_SYNC; the mounts that could block are
 * refused before anything is looked up on them).
 */
import { closeSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { asFsCreds } from '../../../../native/fs-creds.js';
import {
  AT_FDCWD, O_CLOEXEC, O_DIRECTORY, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, openat, openat2, readlinkFd, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_XDEV,
  S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, statxFd, type Statx,
} from '../../../../native/resolve.js';
import { errnoName, ProcfsError } from '../../errors.js';
import type { FileCaller } from '../../source.js';

const { ENOSYS, EXDEV, ENOTDIR, ELOOP, EPERM } = constants.errno;
/** Links followed in one resolution, as the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;

/** File systems a walk never enters: FUSE (any server may block the walk), and the kernel's own. */
const REFUSED_FS = /^(fuse(\..*)?|fuseblk|proc|sysfs|debugfs|tracefs|securityfs|bpf|configfs|efivarfs|pstore|binfmt_misc|autofs|cgroup2?|devpts|mqueue|nsfs)$/;

/** How a path is resolved: openat2 with the walk for mount crossings (default), or the walk alone (a kernel without openat2; tests). */
export type ResolveMode = 'openat2' | 'walk';

export interface InRootOptions {
  /** Open with this caller's permissions; absent: the daemon's own. */
  readonly as?: FileCaller;
  /** The process whose mounts a walk may cross (its mountinfo names them); absent: this process's. */
  readonly pid?: number;
  readonly mode?: ResolveMode;
  /** For error messages. */
  readonly what?: string;
  /**
   * False: give back the O_PATH descriptor, for a stat (which needs the directories' search
   * permission only, as stat(2) does), not one opened for reading. Default true.
   */
  readonly forRead?: boolean;
}

/** An open regular file (O_PATH where `forRead` was false) and its statx. */
export interface InRootFile {
  readonly fd: number;
  readonly st: Statx;
}

let openat2Missing = false;

function fail(errno: number, what: string, pid: number | undefined, why?: string): ProcfsError {
  const code = errnoName(errno);
  return new ProcfsError(code, `${what}: ${why ?? code}`, pid);
}

function closeQuiet(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** Mount id (or dev, on kernels before 5.8) → file system type, from the mountinfo of a process and of pdbg. */
class MountTypes {
  private byMnt = new Map<string, string>();
  private byDev = new Map<string, string>();
  private readAt = 0;

  constructor(private readonly pid: number | undefined) {}

  /**
   * The type of the mount `st` is on; undefined when no mountinfo names it. By mount id first;
   * then by dev, which is the superblock's and so the same in every namespace and bind (a
   * chrooted process's mountinfo leaves out its root's mount, and another namespace's mount
   * ids are in no mountinfo pdbg reads, but this mount's dev is in the daemon's own).
   */
  typeOf(st: Statx): string | undefined {
    if (this.readAt === 0) this.load();
    return (st.mntId !== undefined ? this.byMnt.get(String(st.mntId)) : undefined) ?? this.byDev.get(st.devKey);
  }

  private load(): void {
    this.readAt = Date.now();
    for (const file of [...(this.pid !== undefined ? [`/proc/${this.pid}/mountinfo`] : []), '/proc/self/mountinfo']) {
      let text: string;
      try {
        text = readFileSync(file, 'latin1');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const f = line.split(' ');
        const dash = f.indexOf('-');
        if (dash < 0 || f.length < dash + 2) continue;
        this.byMnt.set(f[0]!, f[dash + 1]!);
        this.byDev.set(f[2]!, f[dash + 1]!);
      }
    }
  }
}

/**
 * EXDEV unless the mount `st` is on may be walked into. A mount no mountinfo names is let
 * through when its dev is a block device's (a disk file system; a btrfs subvolume's own dev on
 * a kernel without mount ids), refused when it is an anonymous one (major 0: FUSE is, and a
 * FUSE mount of another namespace is out of every mountinfo pdbg can read).
 */
function checkMount(types: MountTypes, st: Statx, what: string, pid: number | undefined): void {
  const type = types.typeOf(st);
  if (type === undefined ? st.devKey.startsWith('0:') : REFUSED_FS.test(type)) {
    throw fail(EXDEV, what, pid, `leads onto ${type === undefined ? 'an unknown mount' : `a ${type} file system`}; refused`);
  }
}

function statOrThrow(fd: number, what: string, pid: number | undefined): Statx {
  const st = statxFd(fd);
  if (typeof st === 'number') throw fail(-st, what, pid);
  return st;
}

/** The walk by hand (see the file comment): an O_PATH fd of what `path` names inside `rootFd`. */
function walkInRoot(rootFd: number, rootSt: Statx, path: string, types: MountTypes, what: string, pid: number | undefined): number {
  const stack: { fd: number; st: Statx }[] = [{ fd: rootFd, st: rootSt }];
  let parts = path.split('/');
  let links = 0;
  try {
    while (parts.length > 0) {
      const name = parts.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (stack.length > 1) closeQuiet(stack.pop()!.fd);
        continue;
      }
      const top = stack[stack.length - 1]!;
      if ((top.st.mode & S_IFMT) !== S_IFDIR) throw fail(ENOTDIR, what, pid);
      const fd = openat(top.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) throw fail(-fd, what, pid);
      let st: Statx;
      try {
        st = statOrThrow(fd, what, pid);
        // A mount crossed (by mount id where the kernel gives it: a btrfs subvolume changes the dev only).
        if (st.mntId !== undefined ? st.mntId !== top.st.mntId : st.dev !== top.st.dev) checkMount(types, st, what, pid);
      } catch (e) {
        closeQuiet(fd);
        throw e;
      }
      if ((st.mode & S_IFMT) === S_IFLNK) {
        const text = readlinkFd(fd);
        closeQuiet(fd);
        if (typeof text === 'number') throw fail(-text, what, pid);
        if (++links > MAX_LINKS) throw fail(ELOOP, what, pid);
        if (text.startsWith('/')) while (stack.length > 1) closeQuiet(stack.pop()!.fd);
        parts = [...text.split('/'), ...parts];
        continue;
      }
      stack.push({ fd, st });
    }
    if (stack.length === 1) throw new ProcfsError('EINVAL', `${what}: a directory, not a regular file; refused`, pid);
    return stack.pop()!.fd;
  } finally {
    for (const e of stack.slice(1)) closeQuiet(e.fd);
  }
}

/** An O_PATH fd of `path` inside `rootFd`: openat2 where the kernel has it, the walk otherwise or across mounts. */
function resolve(rootFd: number, rootSt: Statx, path: string, mode: ResolveMode, types: MountTypes, what: string, pid: number | undefined): number {
  if (mode === 'openat2' && !openat2Missing) {
    const fd = openat2(rootFd, path, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
    if (fd >= 0) return fd;
    // EPERM too: a seccomp filter (older Docker profiles) that does not know the syscall.
    if (fd === -ENOSYS || fd === -EPERM) openat2Missing = true;
    else if (fd !== -EXDEV) throw fail(-fd, what, pid);
  }
  return walkInRoot(rootFd, rootSt, path, types, what, pid);
}

/**
 * Opens `path` as seen from the directory `rootDir` (a process's `/proc/PID/root`, or `/`),
 * for reading, by the rules of the file comment. The caller closes the fd.
 */
export function openInRoot(rootDir: string, path: string, opts: InRootOptions = {}): InRootFile {
  const what = opts.what ?? path;
  const pid = opts.pid;
  if (path.includes('\0')) throw new ProcfsError('EINVAL', `${what}: a NUL in the path`, pid);
  const rootFd = openat(AT_FDCWD, rootDir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootFd < 0) throw fail(-rootFd, rootDir, pid);
  try {
    const types = new MountTypes(pid);
    const rootSt = statOrThrow(rootFd, what, pid);
    // A root that is itself on a FUSE mount (a chroot into this mount's own root/): nothing under it can be looked up here.
    checkMount(types, rootSt, what, pid);
    const open = (): InRootFile => {
      let pathFd = resolve(rootFd, rootSt, path, opts.mode ?? 'openat2', types, what, pid);
      try {
        const st = statOrThrow(pathFd, what, pid);
        if ((st.mode & S_IFMT) !== S_IFREG) throw new ProcfsError('EINVAL', `${what}: ${kindOf(st.mode)}, not a regular file; refused`, pid);
        if (opts.forRead === false) {
          const fd = pathFd;
          pathFd = -1;
          return { fd, st };
        }
        // The reopen is where read permission is checked (an O_PATH open checks none).
        const fd = openat(AT_FDCWD, `/proc/self/fd/${pathFd}`, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) throw fail(-fd, what, pid);
        return { fd, st };
      } finally {
        if (pathFd >= 0) closeQuiet(pathFd);
      }
    };
    // An unprivileged pdbg cannot take another's ids; for its own uid it opens as itself.
    if (!opts.as || (opts.as.uid === process.geteuid?.() && process.geteuid?.() !== 0)) return open();
    try {
      return asFsCreds(opts.as, open);
    } catch (e) {
      if (e instanceof ProcfsError) throw e;
      const code = (e as { code?: string }).code ?? 'EACCES';
      throw new ProcfsError(code, `${what}: ${(e as Error).message}`, pid);
    }
  } finally {
    closeQuiet(rootFd);
  }
}

function kindOf(mode: number): string {
  switch (mode & S_IFMT) {
    case 0o010000:
      return 'a FIFO';
    case 0o140000:
      return 'a socket';
    case 0o020000:
    case 0o060000:
      return 'a device';
    case S_IFDIR:
      return 'a directory';
    default:
      return 'not a regular file';
  }
}
