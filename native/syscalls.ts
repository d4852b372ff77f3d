/**
 * pread/pwrite straight through koffi on a /proc/PID/mem fd: Node's fs.readSync adds a few µs
 * of argument checking per call, which dominates a 4 KiB read. Offsets are addresses, so
 * they travel as 64-bit integers (bigint or number).
 */
import { lastErrno, libc } from './libc.js';

type RW = (fd: number, buf: Uint8Array, n: number, off: bigint | number) => number | bigint;
const preadFn = libc.func('intptr_t pread64(int fd, void *buf, size_t n, int64_t off)') as RW;
const pwriteFn = libc.func('intptr_t pwrite64(int fd, void *buf, size_t n, int64_t off)') as RW;
const EINTR = 4;

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
