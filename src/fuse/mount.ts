/**
 * Mounting a FUSE file system: the mount point checked, /dev/fuse opened, and the mount made
 * by mount(2) as root or by fusermount3 otherwise. The session (session.ts) then serves the fd.
 *
 * The mount point is opened with O_NOFOLLOW and mounted through /proc/self/fd/N, so the
 * directory checked is the one mounted on even if the path is swapped meanwhile, and a
 * symlink is refused rather than followed (a root daemon must not be steered onto /etc).
 */
import { spawn } from 'node:child_process';
import { closeSync, constants as fsc, fstatSync, lstatSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import * as fuse from '../../native/fuse.js';
import { findMount, isMounted, type MountLine } from './mountinfo.js';
import { startWatchdog, type PlantedByte, type Watchdog } from './watchdog.js';

export interface MountOptions {
  readonly allowOther?: boolean;
  /** The mount's source, shown by mount(8) and df (default `pdbg`). */
  readonly fsName?: string;
  /** default true */
  readonly autoUnmount?: boolean;
  /** How to mount: mount(2) (default for root) or fusermount3 (the only way otherwise). */
  readonly via?: 'syscall' | 'fusermount3';
}

export interface FuseMount {
  readonly dir: string;
  readonly fd: number;
  /** unmounts (idempotent): umount2(MNT_DETACH) as root, `fusermount3 -u -z` otherwise */
  unmount(): Promise<void>;
  /** The auto-unmount process (our watchdog, or fusermount3's), for tests and diagnostics. */
  readonly watchdogPid?: number;
  /** Tells our watchdog the int3 bytes to put back should the daemon die (absent under fusermount3's). */
  planted?(bytes: readonly PlantedByte[]): void;
}

/** What `mount -t` and mountinfo show for us: the `fuse` type with the `pdbg` subtype. */
export const FS_TYPE = 'fuse.pdbg';

/** A mount that cannot be made: one line for the user, with an errno name when there is one. */
export class MountError extends Error {
  override readonly name = 'MountError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'EIO';
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Opens DIR as the mount point after the checks; returns its fd and real path. */
function openMountPoint(dir: string): { fd: number; path: string } {
  const path = resolve(dir);
  let fd: number;
  try {
    fd = openSync(path, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
  } catch (e) {
    const code = codeOf(e);
    // O_NOFOLLOW|O_DIRECTORY on a symlink to a directory gives ENOTDIR, on others ELOOP.
    if (code === 'ELOOP' || (code === 'ENOTDIR' && isSymlink(path))) throw new MountError(`mount point ${path} is a symlink; give the directory itself`, code);
    if (code === 'ENOTDIR') throw new MountError(`mount point ${path} is not a directory`, code);
    if (code === 'ENOENT') throw new MountError(`mount point ${path} does not exist`, code);
    throw new MountError(`mount point ${path}: ${code}`, code);
  }
  try {
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    if (real !== path) throw new MountError(`mount point ${path} passes through a symlink (it is ${real}); give the real path`, 'ELOOP');
    const st = fstatSync(fd);
    const euid = process.geteuid?.() ?? -1;
    if (st.uid !== euid) throw new MountError(`mount point ${path} is owned by uid ${st.uid}, not by you (uid ${euid})`, 'EPERM');
    if (readdirSync(`/proc/self/fd/${fd}`).length > 0) throw new MountError(`mount point ${path} is not empty`, 'ENOTEMPTY');
    return { fd, path };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function mountOptions(fd: number, opts: MountOptions): string {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return `fd=${fd},rootmode=40000,user_id=${uid},group_id=${gid}${opts.allowOther ? ',allow_other' : ''}`;
}

export async function mountFuse(dir: string, opts: MountOptions = {}): Promise<FuseMount> {
  const root = process.geteuid?.() === 0;
  const via = opts.via ?? (root ? 'syscall' : 'fusermount3');
  const point = openMountPoint(dir);
  try {
    return via === 'syscall' ? mountBySyscall(point.fd, point.path, opts) : await mountByFusermount(point.path, opts);
  } finally {
    closeSync(point.fd);
  }
}

function mountBySyscall(dirFd: number, path: string, opts: MountOptions): FuseMount {
  let fd: number;
  try {
    fd = fuse.openFuseDevice();
  } catch (e) {
    throw new MountError(`cannot open /dev/fuse (${codeOf(e)}): mounting needs root or read-write access to /dev/fuse`, codeOf(e));
  }
  try {
    fuse.mount(opts.fsName ?? 'pdbg', `/proc/self/fd/${dirFd}`, FS_TYPE, fuse.MS_NOSUID | fuse.MS_NODEV, mountOptions(fd, opts));
  } catch (e) {
    fuse.close(fd);
    throw new MountError(`cannot mount ${path}: ${codeOf(e)}`, codeOf(e));
  }
  const line: MountLine | undefined = findMount(path, FS_TYPE);
  if (!line) {
    fuse.umount2(path, fuse.MNT_DETACH | fuse.UMOUNT_NOFOLLOW);
    fuse.close(fd);
    throw new MountError(`mounted ${path} but cannot find it in /proc/self/mountinfo`, 'EIO');
  }
  const ours = line;
  const watchdog: Watchdog | undefined = opts.autoUnmount === false ? undefined : startWatchdog(ours);
  let done: Promise<void> | undefined;
  return {
    dir: path,
    fd,
    ...(watchdog ? { watchdogPid: watchdog.pid, planted: (bytes: readonly PlantedByte[]) => watchdog.planted(bytes) } : {}),
    unmount() {
      if (!done) {
        // Unmount only while the mount is still ours: after an outside `umount` something else
        // may be mounted at the path.
        if (isMounted(ours)) fuse.umount2(path, fuse.MNT_DETACH | fuse.UMOUNT_NOFOLLOW);
        fuse.close(fd);
        done = watchdog ? watchdog.release() : Promise.resolve();
      }
      return done;
    },
  };
}

/**
 * fusermount3 (setuid root) mounts for us and sends the /dev/fuse fd back over the socket in
 * _FUSE_COMMFD. With `auto_unmount` it stays behind, watching that socket, and unmounts when
 * it closes — the same guarantee as our watchdog, from libfuse's own helper.
 */
async function mountByFusermount(path: string, opts: MountOptions): Promise<FuseMount> {
  const [mine, theirs] = fuse.socketpair();
  const o = [`fsname=${opts.fsName ?? 'pdbg'}`, 'subtype=pdbg', 'nosuid', 'nodev'];
  if (opts.allowOther) o.push('allow_other');
  if (opts.autoUnmount !== false) o.push('auto_unmount');
  const child = spawn('fusermount3', ['-o', o.join(','), '--', path], {
    stdio: ['ignore', 'ignore', 'pipe', theirs],
    env: { ...process.env, _FUSE_COMMFD: '3' },
  });
  fuse.close(theirs);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.on('error', () => (exited = 127));
  let lingered = 0;
  const fd = await new Promise<number>((res, rej) => {
    const poll = () => {
      let r: number | 'again' | 'closed';
      try {
        r = fuse.recvFd(mine);
      } catch (e) {
        return rej(e);
      }
      if (typeof r === 'number') return res(r);
      // The socket closes before Node sees the exit: wait for it (and its last stderr line), so
      // the line says why, not "exited with null".
      if (r === 'closed' && exited === null && (lingered += 2) < 2000) return void setTimeout(poll, 2);
      if (r === 'closed' || exited !== null) {
        const why = stderr.trim().split('\n').pop() || (exited === 127 ? 'fusermount3 not found' : `fusermount3 exited with ${exited}`);
        return rej(new MountError(`cannot mount ${path}: ${why}`, 'EPERM'));
      }
      setTimeout(poll, 2);
    };
    poll();
  }).catch((e: unknown) => {
    fuse.close(mine);
    throw e;
  });
  child.unref();
  child.stderr?.destroy();
  fuse.setNonblocking(fd);
  const line = findMount(path, FS_TYPE);
  let done: Promise<void> | undefined;
  return {
    dir: path,
    fd,
    ...(opts.autoUnmount !== false && child.pid ? { watchdogPid: child.pid } : {}),
    unmount() {
      if (!done) {
        done = (async () => {
          if (!line || isMounted(line)) {
            await new Promise<void>((res) => {
              const u = spawn('fusermount3', ['-u', '-z', '--', path], { stdio: 'ignore' });
              u.on('exit', () => res());
              u.on('error', () => res());
            });
          }
          fuse.close(fd);
          // Closing our end tells fusermount3's auto-unmount helper we are done; it exits.
          fuse.close(mine);
        })();
      }
      return done;
    },
  };
}
