/**
 * Path resolution that the kernel keeps inside a directory: openat2(2) (Linux 5.6, no glibc
 * wrapper, so through syscall(2)), and the pieces of a walk done by hand where it is missing
 * (openat of one name, statx, readlinkat). Every call returns -errno instead of throwing: the
 * caller (src/procfs/sources/linux/in-root.ts) decides what an errno means.
 *
 * statx is always asked with AT_STATX_DONT_SYNC: on a FUSE file system a plain fstat sends a
 * GETATTR to the file system's daemon, and when that daemon is pdbg itself (a path that
 * re-enters `pdbg mount`), the JS thread would wait on itself for ever.
 */
import { lastErrno, libc } from './libc.js';

import { EINTR } from './errno-linux.js';

// The open flags are x86-64's (arm64 numbers O_DIRECTORY and O_NOFOLLOW otherwise): fcntl-linux-x86-64.ts.
export { AT_FDCWD, O_CLOEXEC, O_DIRECTORY, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY } from './fcntl-linux-x86-64.js';

/** openat2(2): one number on every architecture (added after the tables were unified). */
const SYS_OPENAT2 = 437;

/** openat2's resolve flags (linux/openat2.h). */
export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_IN_ROOT = 0x10;

const AT_EMPTY_PATH = 0x1000;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_STATX_DONT_SYNC = 0x4000;
const STATX_BASIC_STATS = 0x7ff;
const STATX_MNT_ID = 0x1000;

type Openat2 = (nr: number, dirfd: number, path: Buffer, how: Buffer, size: number) => number | bigint;
const openat2Fn = libc.func('long syscall(long nr, int dirfd, void *path, void *how, size_t size)') as Openat2;
const openatFn = libc.func('int openat(int dirfd, void *path, int flags, int mode)') as (d: number, p: Buffer, f: number, m: number) => number;
const statxFn = libc.func('int statx(int dirfd, void *path, int flags, unsigned int mask, void *buf)') as (d: number, p: Buffer, f: number, m: number, b: Buffer) => number;
const readlinkatFn = libc.func('intptr_t readlinkat(int dirfd, void *path, void *buf, size_t size)') as (d: number, p: Buffer, b: Buffer, n: number) => number | bigint;

function cstr(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

const how = Buffer.alloc(24);

/** openat2(dirfd, path, {flags, resolve}): an fd, or -errno (-ENOSYS on a kernel without it). */
export function openat2(dirfd: number, path: string, flags: number, resolve: number): number {
  how.writeBigUInt64LE(BigInt(flags), 0);
  how.writeBigUInt64LE(0n, 8);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const p = cstr(path);
  let r: number;
  do r = Number(openat2Fn(SYS_OPENAT2, dirfd, p, how, 24));
  while (r === -1 && lastErrno() === EINTR);
  return r === -1 ? -lastErrno() : r;
}

/** openat(dirfd, name, flags): an fd, or -errno. */
export function openat(dirfd: number, name: string, flags: number): number {
  const p = cstr(name);
  let r: number;
  do r = openatFn(dirfd, p, flags, 0);
  while (r === -1 && lastErrno() === EINTR);
  return r === -1 ? -lastErrno() : r;
}

/** What statx says of a file (the fields pdbg uses). */
export interface Statx {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  /** st_dev as Node's stat gives it (major << 8 | minor for the small numbers, glibc's encoding). */
  readonly dev: bigint;
  readonly devKey: string;
  /** The mount's id (Linux 5.8), or undefined where the kernel does not give it. */
  readonly mntId: bigint | undefined;
}

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

const statxBuf = Buffer.alloc(256);
const EMPTY = cstr('');

/** statx of the file open at `fd` itself (never following it, never syncing with a FUSE server); -errno on failure. */
export function statxFd(fd: number): Statx | number {
  const r = statxFn(fd, EMPTY, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_MNT_ID, statxBuf);
  if (r !== 0) return -lastErrno();
  const b = statxBuf;
  const mask = b.readUInt32LE(0);
  const major = b.readUInt32LE(136);
  const minor = b.readUInt32LE(140);
  // glibc's makedev: what Node's stat().dev shows.
  const dev = (BigInt(minor & 0xff) | (BigInt(major & 0xfff) << 8n) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n));
  return {
    mode: b.readUInt16LE(28),
    uid: b.readUInt32LE(20),
    gid: b.readUInt32LE(24),
    ino: b.readBigUInt64LE(32),
    size: b.readBigUInt64LE(40),
    mtimeNs: b.readBigInt64LE(112) * 1_000_000_000n + BigInt(b.readUInt32LE(120)),
    dev,
    devKey: `${major}:${minor}`,
    mntId: (mask & STATX_MNT_ID) !== 0 ? b.readBigUInt64LE(144) : undefined,
  };
}

const linkBuf = Buffer.alloc(4096);

/** The text of the symbolic link open (O_PATH|O_NOFOLLOW) at `fd`; -errno on failure. */
export function readlinkFd(fd: number): string | number {
  const n = Number(readlinkatFn(fd, EMPTY, linkBuf, linkBuf.length));
  if (n < 0) return -lastErrno();
  if (n >= linkBuf.length) return -36; // ENAMETOOLONG
  return linkBuf.toString('utf8', 0, n);
}

