/**
 * Opening a file that somebody else named: a debug link in a target's ELF file, a build-id path
 * under a jail's root, a path an agent is asked to read, a node of a `--proc-root` tree. Nothing
 * about such a name is trusted, so one rule serves them all:
 *
 * - opened O_NONBLOCK|O_NOCTTY: opening a FIFO for reading then returns at once instead of
 *   blocking the thread for ever (the hang of a `.gnu_debuglink` naming a FIFO), and a terminal
 *   never becomes pdbg's controlling one;
 * - O_NOFOLLOW where the last component must not be a link (a tree's nodes; a caller that
 *   resolved the path itself);
 * - checked to be a regular file BEFORE it is opened (fstat of an O_PATH descriptor), because a
 *   device can act on open itself: a tape rewinds, a watchdog arms; then opened through that
 *   descriptor, so the file opened is the inode checked; a FIFO or socket gives no end;
 * - refused past a size the caller names, so a 2 GiB sparse file is one line, not seconds of a
 *   blocked event loop.
 *
 * O_NONBLOCK has no effect on a regular file's reads, so the descriptor reads as usual.
 */
import { closeSync, constants, fstatSync, openSync, read as readCb, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fromSystemError, ProcfsError } from './errors.js';
import type { OpenRule, RangedFile } from './source.js';

/** What an untrusted open asks for. */
export interface UntrustedOpen {
  /** Follow a symbolic link in the last component (default false: O_NOFOLLOW). */
  readonly follow?: boolean;
  /** The largest file accepted, in bytes; a larger one is EFBIG. */
  readonly maxSize?: number;
  /** For the error's text and fields. */
  readonly pid?: number;
  readonly what?: string;
}

/** An opened regular file and what fstat said of it. */
export interface UntrustedFd {
  readonly fd: number;
  readonly stat: BigIntStats;
}

export function untrustedFlags(follow: boolean): number {
  return constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (follow ? 0 : constants.O_NOFOLLOW);
}

function kindOf(st: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function sizeText(n: number): string {
  return n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : `${n} bytes`;
}

/** The check applied to an opened descriptor's stat: a regular file within the size bound. */
export function checkRegular(st: BigIntStats, path: string, opts: UntrustedOpen = {}): void {
  const who = opts.what ?? path;
  if (!st.isFile()) throw new ProcfsError('EINVAL', `${who}: ${kindOf(st)}, not a regular file; refused`, opts.pid, opts.what);
  if (opts.maxSize !== undefined && st.size > BigInt(opts.maxSize)) {
    throw new ProcfsError('EFBIG', `${who}: larger than ${sizeText(opts.maxSize)}; refused`, opts.pid, opts.what);
  }
}

/** The opened descriptor must be the inode checked before the open. */
function checkSame(before: BigIntStats, after: BigIntStats, path: string, opts: UntrustedOpen): void {
  if (before.ino !== after.ino || before.dev !== after.dev) {
    throw new ProcfsError('EAGAIN', `${opts.what ?? path}: changed while being opened; refused`, opts.pid, opts.what);
  }
}

/** ELOOP from O_NOFOLLOW on a link, said as what it is. */
function openError(err: unknown, path: string, opts: UntrustedOpen): ProcfsError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ELOOP' && !opts.follow) return new ProcfsError('ELOOP', `${opts.what ?? path}: a symbolic link; refused`, opts.pid, opts.what);
  return fromSystemError(err, opts.pid, opts.what ?? path);
}

/**
 * O_PATH (Linux 2.6.39): a descriptor naming the inode without opening the file, so no driver's
 * open runs and no FIFO waits, and fstat works on it. The file is then opened through
 * /proc/self/fd/N, which reaches that very inode: no window in which a path checked as a
 * regular file is swapped for a device before the real open. Node has no constant for it; this
 * is its value on x86-64 (and every generic-ABI architecture).
 */
const O_PATH = 0o10000000;

function pathFlags(follow: boolean): number {
  return O_PATH | (follow ? 0 : constants.O_NOFOLLOW);
}

/** O_PATH|O_NOFOLLOW opens a link itself instead of failing: refuse it by what fstat says. */
function checkNotLink(st: BigIntStats, path: string, opts: UntrustedOpen): void {
  if (st.isSymbolicLink()) throw new ProcfsError('ELOOP', `${opts.what ?? path}: a symbolic link; refused`, opts.pid, opts.what);
}

/**
 * Resolves a path that lies under a target's root (`/proc/PID/root/…`) inside that root, giving
 * an O_PATH descriptor of a regular file; undefined for any other path. A link inside the root
 * is followed there (it cannot leave it), `follow` or not: the callers that refuse links check
 * the inode they wanted (module-file.ts). Walked by the kernel through `/proc/PID/root`, an absolute symlink or `..` in a jail
 * resolves against pdbg's own root: a jailed user's `/usr/lib/debug/x.debug -> /etc/shadow`
 * would make pdbg read a host file. The live source registers the resolver (openat2 with
 * RESOLVE_IN_ROOT); the model only knows there may be one.
 */
export type RootResolver = (path: string, follow: boolean) => number | undefined;

let rootResolver: RootResolver | undefined;

export function setRootResolver(r: RootResolver | undefined): void {
  rootResolver = r;
}

function pathFd(path: string, opts: UntrustedOpen): number {
  const inRoot = rootResolver?.(path, opts.follow ?? false);
  if (inRoot !== undefined) return inRoot;
  try {
    return openSync(path, pathFlags(opts.follow ?? false));
  } catch (err) {
    throw openError(err, path, opts);
  }
}

/** Opens `path` by the rule above (synchronously: it cannot block on the kinds of file it refuses). */
export function openUntrustedSync(path: string, opts: UntrustedOpen = {}): UntrustedFd {
  const pfd = pathFd(path, opts);
  try {
    const before = fstatSync(pfd, { bigint: true });
    checkNotLink(before, path, opts);
    checkRegular(before, path, opts);
    let fd: number;
    try {
      fd = openSync(`/proc/self/fd/${pfd}`, untrustedFlags(true));
    } catch (err) {
      throw openError(err, path, opts);
    }
    try {
      const stat = fstatSync(fd, { bigint: true });
      checkRegular(stat, path, opts);
      checkSame(before, stat, path, opts);
      return { fd, stat };
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  } finally {
    closeSync(pfd);
  }
}

/** The same through fs.promises, for callers on the event loop. */
export async function openUntrusted(path: string, opts: UntrustedOpen = {}): Promise<{ handle: FileHandle; stat: BigIntStats }> {
  // An O_PATH open does not block (no driver's open runs, no FIFO waits): synchronous is fine.
  const pfd = pathFd(path, opts);
  const ph = { fd: pfd, stat: async (o: { bigint: true }) => fstatSync(pfd, o), close: async () => closeSync(pfd) };
  try {
    const before = await ph.stat({ bigint: true });
    checkNotLink(before, path, opts);
    checkRegular(before, path, opts);
    let handle: FileHandle;
    try {
      handle = await open(`/proc/self/fd/${ph.fd}`, untrustedFlags(true));
    } catch (err) {
      throw openError(err, path, opts);
    }
    try {
      const stat = await handle.stat({ bigint: true });
      checkRegular(stat, path, opts);
      checkSame(before, stat, path, opts);
      return { handle, stat };
    } catch (err) {
      await handle.close();
      throw err;
    }
  } finally {
    await ph.close();
  }
}

const readFd = promisify(readCb);

/**
 * Opens `path` by the rule above as a RangedFile: the descriptor live Linux backs
 * ProcFs.openFile with, and what a reader of this machine's own files (tests, the bench) opens
 * with. Reads go through the thread pool, so reading a large file in chunks (a debug file's
 * CRC) gives the event loop, which handles SIGINT and releases the target, a turn between them.
 */
export async function openUntrustedFile(path: string, rule: OpenRule & Pick<UntrustedOpen, 'pid' | 'what'> = {}): Promise<RangedFile> {
  const { fd, stat } = openUntrustedSync(path, { ...rule, follow: rule.follow ?? true });
  let open = true;
  return {
    path,
    identity: { dev: stat.dev, ino: stat.ino, size: Number(stat.size), mtimeNs: stat.mtimeNs },
    async read(offset: number, length: number): Promise<Buffer> {
      if (!open) throw new ProcfsError('EBADF', `${path}: read after close`, rule.pid);
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await readFd(fd, buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    },
    async close(): Promise<void> {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
