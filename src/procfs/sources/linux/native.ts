/**
 * The Linux source's edge to native/: the same modules, with every NativeError a call throws
 * turned into the ProcfsError it stands for (same code, message, pid and node), so that code
 * above native/ sees only the model's errors and native/ imports nothing from src/.
 */
import { ptrace, signal, sys, wait } from '../../../../native/index.js';
import { fromNative } from './native-error.js';

type Fn = (...args: unknown[]) => unknown;

/**
 * `f` with its errors mapped. `f.apply(this, arguments)` passes the arguments on without the
 * array a rest parameter and a spread allocate per call (V8 forwards `arguments` as is): mem
 * reads, steps and waits call through here millions of times. Every argument is passed, so
 * optional trailing parameters (`ptrace(req, tid, addr = 0, data = 0)`) keep working.
 */
function wrap(f: Fn): Fn {
  return function (this: unknown): unknown {
    try {
      // eslint-disable-next-line prefer-rest-params
      return f.apply(this, arguments as unknown as unknown[]);
    } catch (e) {
      throw fromNative(e);
    }
  };
}

/** A copy of a module whose functions rethrow mapped errors; constants are copied as they are. */
function mapped<T extends object>(mod: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== 'function') {
      out[name] = v;
      continue;
    }
    out[name] = wrap(v as (...args: unknown[]) => unknown);
  }
  return out as T;
}

export const P = mapped(ptrace);
export const S = mapped(signal);
export const W = mapped(wait);
/** pread, pwrite and process_vm_readv return -errno and throw nothing: called as they are, a mem dump's 4 KiB reads pay no wrapper. */
export const SYS = sys;
