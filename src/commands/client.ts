/**
 * What one user of the engine has: the session, the thread and frame it looks at, gdb's value
 * history and `x`'s defaults, the displays, the trace in progress and who listens to it, and
 * its settings. The engine knows nothing of users; the TUI, `pdbg script`, the one-shot CLI
 * and the coming GDB and DAP servers each hold a Client over a Session (Delve's
 * `service/debugger`). Two clients over one session keep two histories, as two gdb instances
 * would.
 */
import type { EvalContext, Value } from '../engine/expr.js';
import type { Session } from '../engine/session.js';
import type { StackFrame } from '../engine/stack.js';
import type { Tracer } from '../engine/trace.js';

/** gdb's unit sizes: byte, halfword, word, giant. */
export type UnitSize = 'b' | 'h' | 'w' | 'g';

/** gdb's `set breakpoint pending auto|on|off` (break-settings.ts says what each means). */
export type PendingMode = 'auto' | 'on' | 'off';

/** What gdb remembers between inspection commands: `$N`, and where a bare `x` goes on. */
export interface InspectState {
  /** `print`'s values; `$N` is history[N-1]. */
  readonly history: Value[];
  lastFormat: string;
  lastSize: UnitSize;
  /** Where a bare `x` goes on (after the last unit examined). */
  nextAddress?: bigint;
}

/** One `display` expression, shown after every stop. */
export interface Display {
  readonly num: number;
  readonly expr: string;
  /** `/x` for a value format, `/2i` for an x format; '' for none. */
  readonly fmt: string;
  enabled: boolean;
}

export type TraceListener = (line: string) => void;

export class Client {
  // gdb starts with x/1xw.
  readonly inspect: InspectState = { history: [], lastFormat: 'x', lastSize: 'w' };
  /** Interactive use waits for a library (`auto`); a script is gdb's batch mode and sets `off`. */
  pendingMode: PendingMode = 'auto';
  /** gdb's thread numbers by tid, kept for the client's life (thread-cmds.ts). */
  readonly threadNumbers = new Map<number, number>();
  nextThreadNumber = 1;
  displays: Display[] = [];
  nextDisplay = 1;
  /** The `trace` command's tracer while one is planted. */
  tracer: Tracer | undefined;
  private readonly traceListeners = new Set<TraceListener>();

  constructor(readonly session: Session) {}

  /** The selected thread (the engine keeps it: a stop moves it to the thread that stopped). */
  get thread(): number {
    return this.session.current;
  }

  get frame(): number {
    return this.session.selectedFrame;
  }

  select(tid: number): Promise<void> {
    return this.session.select(tid);
  }

  selectFrame(n: number): Promise<StackFrame> {
    return this.session.selectFrame(n);
  }

  /** Subscribes to the lines of the `trace` command; returns the unsubscriber. */
  onTraceOutput(fn: TraceListener): () => void {
    this.traceListeners.add(fn);
    return () => this.traceListeners.delete(fn);
  }

  publishTrace(line: string): void {
    for (const fn of this.traceListeners) fn(line);
  }

  /**
   * Evaluation over the selected frame (its registers: `up` then `p $rsp` is the caller's) and
   * this client's value history.
   */
  context(reg: (name: string) => Promise<bigint> = (n) => this.session.frameReg(n)): EvalContext {
    const s = this.session;
    const st = this.inspect;
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
  readonly symbolize = (addr: bigint): string | undefined => /<(.*)>$/.exec(this.session.describe(addr))?.[1];
}
