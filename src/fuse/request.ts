/**
 * One kernel request while the file system works on it: who asked (FuseCaller), the request's
 * unique id, and its INTERRUPT state.
 *
 * The AbortSignal is made only when the file system reads `signal`: most requests (a read of
 * `status`) never look, and an AbortController per request is the largest allocation on the
 * hot path. An INTERRUPT that comes first leaves `interrupted` set, so a signal made after it
 * is born aborted.
 */
import type { FuseCaller } from './filesystem.js';

/** The abort reason: an Error whose `code` a file system may rethrow as it is (EINTR). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly code = 'EINTR';
  constructor() {
    super('interrupted by the caller (FUSE INTERRUPT)');
  }
}

export class FuseRequest implements FuseCaller {
  /** Set by INTERRUPT: whatever the file system then rejects with, the reply is EINTR. */
  interrupted = false;
  private controller: AbortController | undefined;

  constructor(
    readonly uid: number,
    readonly gid: number,
    readonly pid: number,
    /** The unique id's two 32-bit halves, written back into the reply as they came. */
    readonly uniqueLo: number,
    readonly uniqueHi: number,
  ) {}

  /** The unique id as a Map key; exact while it stays below 2^53 (the kernel counts up from 0 by 2). */
  get key(): number {
    return uniqueKey(this.uniqueLo, this.uniqueHi);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.interrupted) this.controller.abort(new InterruptedError());
    }
    return this.controller.signal;
  }

  interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    this.controller?.abort(new InterruptedError());
  }
}

export function uniqueKey(lo: number, hi: number): number {
  return hi * 0x1_0000_0000 + lo;
}
