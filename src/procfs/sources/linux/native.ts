/**
 * The Linux source's edge to native/: the same modules, with every NativeError a call throws
 * turned into the ProcfsError it stands for (same code, message, pid and node), so that code
 * above native/ sees only the model's errors and native/ imports nothing from src/.
 */
import { ptrace, signal, sys, wait } from '../../../../native/index.js';
import { fromNative } from './native-error.js';

/** A copy of a module whose functions rethrow mapped errors; constants are copied as they are. */
function mapped<T extends object>(mod: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== 'function') {
      out[name] = v;
      continue;
    }
    const f = v as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]) => {
      try {
        return f(...args);
      } catch (e) {
        throw fromNative(e);
      }
    };
  }
  return out as T;
}

export const P = mapped(ptrace);
export const S = mapped(signal);
export const W = mapped(wait);
export const SYS = mapped(sys);
