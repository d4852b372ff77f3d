/**
 * A native/ failure as the model's error. Apart from native.ts so that what must not load koffi
 * (the UTS resolver a listing uses) can map errors too.
 */
import { NativeError } from '../../../../native/errors.js';
import { ProcfsError } from '../../errors.js';

/** The ProcfsError a NativeError stands for (same code, message, pid and node); anything else as is. */
export function fromNative(e: unknown): unknown {
  return e instanceof NativeError ? new ProcfsError(e.code, e.message, e.pid, e.node) : e;
}
