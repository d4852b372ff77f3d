/**
 * The C half of a FUSE mount: opening /dev/fuse, mount(2)/umount2(2), the socket fusermount3
 * hands the device back through (_FUSE_COMMFD, SCM_RIGHTS), the eventfd that wakes the reader
 * thread (fuse-reader.ts), and the one writev(2) each reply is.
 */
import { errnoError, koffi, lastErrno, libc } from './libc.js';

const O_RDWR = 0o2;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EINTR = 4;
const EAGAIN = 11;

export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MNT_DETACH = 2;
export const UMOUNT_NOFOLLOW = 8;

const openFn = libc.func('int open(const char *path, int flags, int mode)') as (p: string, f: number, m: number) => number;
const closeFn = libc.func('int close(int fd)') as (fd: number) => number;
const mountFn = libc.func('int mount(const char *src, const char *target, const char *type, unsigned long flags, const char *data)') as (
  s: string,
  t: string,
  ty: string,
  f: number,
  d: string,
) => number;
const umount2Fn = libc.func('int umount2(const char *target, int flags)') as (t: string, f: number) => number;
const socketpairFn = libc.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)') as (d: number, t: number, p: number, sv: Int32Array) => number;
const recvmsgFn = libc.func('intptr_t recvmsg(int fd, void *msg, int flags)') as (fd: number, msg: Buffer, flags: number) => number | bigint;
const eventfdFn = libc.func('int eventfd(unsigned int initval, int flags)') as (v: number, f: number) => number;
const writeFn = libc.func('intptr_t write(int fd, const void *buf, size_t n)') as (fd: number, b: Uint8Array, n: number) => number | bigint;
const writevFn = libc.func('intptr_t writev(int fd, void *iov, int n)') as (fd: number, iov: BigUint64Array, n: number) => number | bigint;

/**
 * /dev/fuse, read-write, close-on-exec (a child must not keep the connection alive after we
 * die) and non-blocking: the reader thread polls it together with its wake-up eventfd, so a
 * stop never waits on a read the kernel may not end.
 */
export function openFuseDevice(): number {
  const fd = openFn('/dev/fuse', O_RDWR | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0) throw errnoError('open /dev/fuse');
  return fd;
}

const fcntlFn = libc.func('int fcntl(int fd, int cmd, int arg)') as (fd: number, cmd: number, arg: number) => number;
const F_GETFL = 3;
const F_SETFL = 4;

/** O_NONBLOCK on an fd we were given (fusermount3's /dev/fuse fd is blocking). */
export function setNonblocking(fd: number): void {
  const fl = fcntlFn(fd, F_GETFL, 0);
  if (fl < 0 || fcntlFn(fd, F_SETFL, fl | O_NONBLOCK) < 0) throw errnoError('fcntl O_NONBLOCK');
}

export function close(fd: number): void {
  closeFn(fd);
}

export function mount(source: string, target: string, type: string, flags: number, data: string): void {
  if (mountFn(source, target, type, flags, data) !== 0) throw errnoError(`mount ${target}`);
}

/** 0, or the errno (EINVAL: not a mount point any more; ENOENT: the path is gone). */
export function umount2(target: string, flags: number): number {
  return umount2Fn(target, flags) === 0 ? 0 : lastErrno();
}

/** A connected AF_UNIX stream pair, both ends close-on-exec (spawn's stdio dup2 clears it in the child). */
export function socketpair(): [number, number] {
  const sv = new Int32Array(2);
  if (socketpairFn(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) !== 0) throw errnoError('socketpair');
  return [sv[0]!, sv[1]!];
}

/**
 * One non-blocking recvmsg on `sock` for a descriptor passed with SCM_RIGHTS (what fusermount3
 * sends: one byte of data and the /dev/fuse fd). `again` when nothing has arrived yet,
 * `closed` when the peer closed without sending one.
 */
export function recvFd(sock: number): number | 'again' | 'closed' {
  const data = Buffer.alloc(8);
  const iov = new BigUint64Array([koffi.address(data) as bigint, 1n]);
  const control = Buffer.alloc(64);
  const msg = Buffer.alloc(56); // struct msghdr on x86-64
  msg.writeBigUInt64LE(koffi.address(iov) as bigint, 16);
  msg.writeBigUInt64LE(1n, 24);
  msg.writeBigUInt64LE(koffi.address(control) as bigint, 32);
  msg.writeBigUInt64LE(BigInt(control.length), 40);
  let n: number;
  do n = Number(recvmsgFn(sock, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
  while (n < 0 && lastErrno() === EINTR);
  if (n < 0) {
    if (lastErrno() === EAGAIN) return 'again';
    throw errnoError('recvmsg (fusermount3 socket)');
  }
  const controlLen = Number(msg.readBigUInt64LE(40));
  // struct cmsghdr: size_t len, int level, int type, then the data (the fd).
  if (controlLen >= 20 && control.readInt32LE(8) === SOL_SOCKET && control.readInt32LE(12) === SCM_RIGHTS) return control.readInt32LE(16);
  return 'closed';
}

/** An eventfd (non-blocking, close-on-exec): writing to it wakes a poll(2) on it. */
export function eventfd(): number {
  const fd = eventfdFn(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw errnoError('eventfd');
  return fd;
}

const one = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
export function signalEventfd(fd: number): void {
  writeFn(fd, one, 8);
}

const iov = new BigUint64Array(4);

/**
 * One reply to /dev/fuse: the header block and, if given, a data block, in one writev(2) (the
 * kernel takes a reply only whole, in one write). The device never blocks a write: the kernel
 * copies into the waiting request or drops it. 0, or the errno (ENOENT: the request was
 * interrupted or aborted meanwhile, which is no error of ours).
 */
export function writeReply(fd: number, head: Uint8Array, headLen: number, data?: Uint8Array, dataLen = 0): number {
  iov[0] = koffi.address(head) as bigint;
  iov[1] = BigInt(headLen);
  let n = 1;
  if (data && dataLen > 0) {
    iov[2] = koffi.address(data) as bigint;
    iov[3] = BigInt(dataLen);
    n = 2;
  }
  let r: number;
  do r = Number(writevFn(fd, iov, n));
  while (r < 0 && lastErrno() === EINTR);
  return r < 0 ? lastErrno() : 0;
}
