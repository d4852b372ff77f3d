/**
 * pread/pwrite straight through koffi on a /proc/PID/mem fd: Node's fs.readSync adds a few µs
 * of argument checking per call, which dominates a 4 KiB read. Offsets are addresses, so
 * they travel as 64-bit integers (bigint or number).
 */
import { EINTR } from './errno-linux.js';
import { koffi, lastErrno, libc } from './libc.js';

type RW = (fd: number, buf: Uint8Array, n: number, off: bigint | number) => number | bigint;
const preadFn = libc.func('intptr_t pread64(int fd, void *buf, size_t n, int64_t off)') as RW;
const pwriteFn = libc.func('intptr_t pwrite64(int fd, void *buf, size_t n, int64_t off)') as RW;

/** Bytes read, or -errno. */
export function pread(fd: number, buf: Uint8Array, n: number, off: bigint | number): number {
  let r: number;
  do r = Number(preadFn(fd, buf, n, off));
  while (r === -1 && lastErrno() === EINTR);
  return r === -1 ? -lastErrno() : r;
}

/** Bytes written, or -errno. */
export function pwrite(fd: number, buf: Uint8Array, n: number, off: bigint | number): number {
  let r: number;
  do r = Number(pwriteFn(fd, buf, n, off));
  while (r === -1 && lastErrno() === EINTR);
  return r === -1 ? -lastErrno() : r;
}

type VmRead = (pid: number, local: BigUint64Array, nl: number, remote: BigUint64Array, nr: number, flags: number) => number | bigint;
const vmReadFn = libc.func('intptr_t process_vm_readv(int pid, void *local, unsigned long nl, void *remote, unsigned long nr, unsigned long flags)') as VmRead;
const localIov = new BigUint64Array(2);
const remoteIov = new BigUint64Array(2);

/**
 * One process_vm_readv into `buf`: several times faster than pread on /proc/PID/mem for big
 * reads (no page-by-page copy through a kernel bounce page). Bytes read, or -errno (EFAULT
 * when the first page is unmapped); a short count when a later page is.
 */
export function vmRead(pid: number, buf: Uint8Array, n: number, addr: bigint): number {
  localIov[0] = koffi.address(buf);
  localIov[1] = BigInt(n);
  remoteIov[0] = addr;
  remoteIov[1] = BigInt(n);
  let r: number;
  do r = Number(vmReadFn(pid, localIov, 1, remoteIov, 1, 0));
  while (r === -1 && lastErrno() === EINTR);
  return r === -1 ? -lastErrno() : r;
}
