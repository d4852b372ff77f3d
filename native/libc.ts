/**
 * The one door to C. Only files in native/ import koffi; everything else calls the typed
 * wrappers beside this file (ptrace.ts, wait.ts, signal.ts, ns.ts).
 *
 * koffi over ffi-napi: ffi-napi 4.0.3 does not build on Node 20, and its maintained fork costs
 * ~5 µs a call against koffi's ~0.3 µs; a single step is ~25 µs of kernel time.
 */
import koffi from 'koffi';
import { errnoName, NativeError } from './errors.js';

export const libc = koffi.load('libc.so.6');
export { koffi };

/** errno of the last libc call made through koffi on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** A NativeError for the errno of a failed libc call. */
export function errnoError(what: string, errno = lastErrno(), pid?: number, node?: string): NativeError {
  const code = errnoName(errno);
  return new NativeError(code, `${what}: ${code}`, errno, pid, node);
}
