/** The typed C surface pdbg uses; nothing outside native/ sees koffi. */
export * as ptrace from './ptrace.js';
export * as wait from './wait.js';
export * as signal from './signal.js';
export * as sys from './syscalls.js';
export { errnoError, lastErrno } from './libc.js';
export { errnoName, NativeError } from './errors.js';
