/**
 * ptrace(2) through koffi, x86-64 Linux (its numbers: ptrace-linux.ts, ptrace-linux-x86-64.ts).
 * Every request must come from the thread that attached, which for pdbg is the main JS thread;
 * only waiting may happen elsewhere (wait.ts).
 *
 * glibc's ptrace is variadic; declaring it with four fixed integer/pointer arguments is what
 * the x86-64 ABI passes anyway, and keeps koffi's call on its fast path (variadic calls are
 * slower and cannot run async). Two declarations: one with integer data, one with a buffer.
 */
import { errnoError, koffi, lastErrno, libc } from './libc.js';

import {
  PTRACE_ATTACH, PTRACE_CONT, PTRACE_DETACH, PTRACE_GETEVENTMSG, PTRACE_GETSIGINFO, PTRACE_INTERRUPT, PTRACE_KILL,
  PTRACE_LISTEN, PTRACE_PEEKSIGINFO, PTRACE_SEIZE, PTRACE_SETOPTIONS, PTRACE_SINGLESTEP, SIGINFO_SIZE,
} from './ptrace-linux.js';
import { PTRACE_GETFPREGS, PTRACE_GETREGS, PTRACE_SETFPREGS, PTRACE_SETREGS, USER_FPREGS_SIZE, USER_REGS_SIZE } from './ptrace-linux-x86-64.js';

// The constants travel with the calls: callers write `ptrace.PTRACE_O_TRACECLONE` (native/index.ts).
export * from './ptrace-linux.js';
export * from './ptrace-linux-x86-64.js';

const ptraceInt = libc.func('long ptrace(int request, int pid, uintptr_t addr, uintptr_t data)') as (
  req: number, pid: number, addr: number, data: number,
) => number;
const ptraceBuf = libc.func('ptrace', 'long', ['int', 'int', 'uintptr_t', 'void *']) as (
  req: number, pid: number, addr: number, data: Uint8Array | BigUint64Array,
) => number;
void koffi;

const REQUEST_NAMES: Record<number, string> = {
  [PTRACE_CONT]: 'PTRACE_CONT', [PTRACE_SINGLESTEP]: 'PTRACE_SINGLESTEP', [PTRACE_GETREGS]: 'PTRACE_GETREGS',
  [PTRACE_SETREGS]: 'PTRACE_SETREGS', [PTRACE_GETFPREGS]: 'PTRACE_GETFPREGS', [PTRACE_SETFPREGS]: 'PTRACE_SETFPREGS',
  [PTRACE_ATTACH]: 'PTRACE_ATTACH', [PTRACE_DETACH]: 'PTRACE_DETACH', [PTRACE_SETOPTIONS]: 'PTRACE_SETOPTIONS',
  [PTRACE_GETEVENTMSG]: 'PTRACE_GETEVENTMSG', [PTRACE_GETSIGINFO]: 'PTRACE_GETSIGINFO', [PTRACE_SEIZE]: 'PTRACE_SEIZE',
  [PTRACE_INTERRUPT]: 'PTRACE_INTERRUPT', [PTRACE_LISTEN]: 'PTRACE_LISTEN', [PTRACE_KILL]: 'PTRACE_KILL',
  [PTRACE_PEEKSIGINFO]: 'PTRACE_PEEKSIGINFO',
};

function fail(req: number, tid: number): never {
  throw errnoError(`${REQUEST_NAMES[req] ?? `ptrace ${req}`} ${tid}`, lastErrno(), tid);
}

/** A request with integer arguments; throws a NativeError carrying the errno on failure. */
export function ptrace(req: number, tid: number, addr = 0, data = 0): number {
  const r = ptraceInt(req, tid, addr, data);
  if (r === -1) fail(req, tid);
  return r;
}

/** The same request, returning the errno (0 on success) instead of throwing: for cleanup paths. */
export function ptraceErrno(req: number, tid: number, addr = 0, data = 0): number {
  return ptraceInt(req, tid, addr, data) === -1 ? lastErrno() : 0;
}

function withBuf(req: number, tid: number, buf: Uint8Array | BigUint64Array, min: number): void {
  if (buf.byteLength < min) throw new RangeError(`${REQUEST_NAMES[req]}: buffer of ${buf.byteLength} bytes, need ${min}`);
  if (ptraceBuf(req, tid, 0, buf) === -1) fail(req, tid);
}

export const seize = (tid: number, options: number): void => void ptrace(PTRACE_SEIZE, tid, 0, options);
export const interrupt = (tid: number): void => void ptrace(PTRACE_INTERRUPT, tid);
export const setOptions = (tid: number, options: number): void => void ptrace(PTRACE_SETOPTIONS, tid, 0, options);
export const cont = (tid: number, sig = 0): void => void ptrace(PTRACE_CONT, tid, 0, sig);
export const singleStep = (tid: number, sig = 0): void => void ptrace(PTRACE_SINGLESTEP, tid, 0, sig);
export const detach = (tid: number, sig = 0): void => void ptrace(PTRACE_DETACH, tid, 0, sig);

/** Fills the first 216 bytes of `into` with the thread's user_regs_struct. */
export const getRegs = (tid: number, into: Uint8Array): void => withBuf(PTRACE_GETREGS, tid, into, USER_REGS_SIZE);
export const setRegs = (tid: number, from: Uint8Array): void => withBuf(PTRACE_SETREGS, tid, from, USER_REGS_SIZE);
export const getFpRegs = (tid: number, into: Uint8Array): void => withBuf(PTRACE_GETFPREGS, tid, into, USER_FPREGS_SIZE);
export const setFpRegs = (tid: number, from: Uint8Array): void => withBuf(PTRACE_SETFPREGS, tid, from, USER_FPREGS_SIZE);
export const getSigInfo = (tid: number, into: Uint8Array): void => withBuf(PTRACE_GETSIGINFO, tid, into, SIGINFO_SIZE);

const eventMsg = new BigUint64Array(1);
/** The message of the last PTRACE_EVENT stop (the new thread's tid for a clone). */
export function getEventMsg(tid: number): number {
  withBuf(PTRACE_GETEVENTMSG, tid, eventMsg, 8);
  return Number(eventMsg[0]);
}

const peekArgs = Buffer.alloc(16);
const peekBuf = Buffer.alloc(SIGINFO_SIZE * 8);
const ptracePeek = libc.func('ptrace', 'long', ['int', 'int', 'void *', 'void *']) as (
  req: number, pid: number, addr: Uint8Array, data: Uint8Array,
) => number;

/**
 * Whether `sig` waits in the thread's private signal queue (PTRACE_PEEKSIGINFO, flags 0): a
 * SIGTRAP forced by a finished single step or an int3 sits there when an interrupt stop was
 * reported first, and would kill the target once it is detached. One ptrace call, ~1 µs.
 */
export function privatePending(tid: number, sig: number): boolean {
  for (let off = 0; off < 64; off += 8) {
    peekArgs.writeBigUInt64LE(BigInt(off), 0);
    peekArgs.writeUInt32LE(0, 8);
    peekArgs.writeInt32LE(8, 12);
    const n = ptracePeek(PTRACE_PEEKSIGINFO, tid, peekArgs, peekBuf);
    if (n <= 0) return false;
    for (let i = 0; i < n; i++) if (peekBuf.readInt32LE(i * SIGINFO_SIZE) === sig) return true;
    if (n < 8) return false;
  }
  return false;
}
