import { P } from './native.js';

/**
 * The registers read to classify a trap, kept for the `regs` read every client makes next
 * (the breakpoint round trip: one PTRACE_GETREGS instead of two). Valid for one thread until
 * anything resumes a thread or writes registers.
 */
export class StopRegs {
  private readonly buf = Buffer.alloc(P.USER_REGS_SIZE);
  private tid = 0;

  /** Reads `tid`'s registers into the cache; throws as PTRACE_GETREGS does. */
  capture(tid: number): Buffer {
    P.getRegs(tid, this.buf);
    this.tid = tid;
    return this.buf;
  }

  /** Fills `into` with `tid`'s cached registers, if the cache has them. */
  copyTo(tid: number, into: Uint8Array): boolean {
    if (tid !== this.tid || into.byteLength < P.USER_REGS_SIZE) return false;
    this.buf.copy(into, 0, 0, P.USER_REGS_SIZE);
    return true;
  }

  /** Stale for every thread (registers written, a target released). */
  forget(): void {
    this.tid = 0;
  }

  /** Stale for `tid` (it is resumed). */
  forgetThread(tid: number): void {
    if (tid === this.tid) this.tid = 0;
  }
}
