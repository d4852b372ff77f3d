/**
 * What gdb remembers between inspection commands of one session: the value history (`$1`, `$`,
 * `$$2`), and `x`'s last format, unit size and next address (a bare `x` goes on from there).
 * Kept beside the Session (a WeakMap), not in it: the engine does not need it.
 */
import type { EvalContext, Value } from '../engine/expr.js';
import type { Session } from '../engine/session.js';

/** gdb's unit sizes: byte, halfword, word, giant. */
export type UnitSize = 'b' | 'h' | 'w' | 'g';

export interface InspectState {
  /** `print`'s values; `$N` is history[N-1]. */
  readonly history: Value[];
  lastFormat: string;
  lastSize: UnitSize;
  /** Where a bare `x` goes on (after the last unit examined). */
  nextAddress?: bigint;
}

const states = new WeakMap<Session, InspectState>();

export function inspectState(s: Session): InspectState {
  let st = states.get(s);
  if (!st) {
    // gdb starts with x/1xw.
    st = { history: [], lastFormat: 'x', lastSize: 'w' };
    states.set(s, st);
  }
  return st;
}

/**
 * Evaluation over the session's selected frame (its registers: `up` then `p $rsp` is the
 * caller's) and its value history.
 */
export function sessionContext(s: Session, reg: (name: string) => Promise<bigint> = (n) => s.frameReg(n)): EvalContext {
  const st = inspectState(s);
  return {
    reg,
    read: (addr, len) => s.readMem(addr, len),
    // The locator's own ENOENT goes through: it says where it looked (`in pid 812's executable or libraries`).
    symbol: (name) => s.resolve(name),
    history: (i) => st.history[i - 1],
    historyLength: () => st.history.length,
  };
}

/** `main+4` for an address a symbol covers (what gdb puts in `<…>`), else undefined. */
export function symbolizer(s: Session): (addr: bigint) => string | undefined {
  return (addr) => /<(.*)>$/.exec(s.describe(addr))?.[1];
}
