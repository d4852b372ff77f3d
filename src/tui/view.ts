/**
 * What the panes show, gathered from the engine after each stop: registers (and which changed),
 * disassembly around the pc, a memory dump, a backtrace. A client of the Session only: it never
 * touches ptrace or /proc itself.
 */
import { disassemble, disassembleAround, type DisasmLine } from '../arch/x86-64/disasm.js';
import type { Registers, Session, StopEvent } from '../engine/session.js';
import type { StackFrame } from '../engine/stack.js';
import type { ProcessSymbols } from '../engine/symbols/process-symbols.js';
import { changedRegisters } from './panes/registers.js';

/** The biggest function decoded whole (and cached) for the disassembly pane. */
const WHOLE_FUNCTION_MAX = 16384;

export class DebugView {
  regs: Registers | undefined;
  changed: Set<string> = new Set();
  disasm: DisasmLine[] = [];
  disasmNote: string | undefined;
  /** Memory pane address; undefined = follow the stack pointer. */
  memAddr: bigint | undefined;
  memExpr = 'rsp';
  memLen = 256;
  memShown: bigint = 0n;
  memBytes: Uint8Array | undefined;
  memError: string | undefined;
  /** The current thread's frames, and which one the panes show (`up`/`down`). */
  bt: StackFrame[] | undefined;
  frame = 0;
  /** The thread's own registers (frame 0): what `changed` compares. */
  private threadRegs: Registers | undefined;
  /**
   * What the last stop (or register write) changed in the thread's own registers, and which
   * stop and thread that was: a redraw of the same stop (a resize, `x`, `print`, `up` and back)
   * keeps the marks instead of comparing the registers with themselves.
   */
  private ownChanged: Set<string> = new Set();
  private seenStop: StopEvent | undefined;
  private seenTid: number | undefined;
  symbols: ProcessSymbols | undefined;
  symbolsNote: string | undefined;
  private prev: Registers | undefined;
  /** Decoded whole functions by start address: stepping inside one decodes nothing. */
  private readonly fnCache = new Map<bigint, DisasmLine[]>();

  constructor(private readonly s: Session) {}

  /** Reloads symbols (after attach, exec, or when the pc is in a file not yet known). */
  async loadSymbols(): Promise<void> {
    // The session's own table: one load per stop for the engine and the panes alike.
    this.symbols = await this.s.symbolTable(true);
    this.symbolsNote = this.symbols ? undefined : 'no symbols for this target';
    this.fnCache.clear();
  }

  where = (addr: bigint): string | undefined => this.symbols?.describe(addr);

  /** `0x… <main+4>`. */
  describe = (addr: bigint): string => {
    const w = this.where(addr);
    return w ? `0x${addr.toString(16)} <${w}>` : `0x${addr.toString(16)}`;
  };

  /** What the panes say while there is nothing to show: `target running`, `target exited`. */
  absent = 'target running';

  /** The target runs: what was shown is stale. */
  running(): void {
    this.absent = 'target running';
    if (this.threadRegs) this.prev = this.threadRegs;
    this.regs = undefined;
    this.bt = undefined;
    this.memBytes = undefined;
    this.memError = undefined;
    this.disasm = [];
    this.disasmNote = 'target running';
  }

  /** Reads everything the panes show; `rows` = how many disassembly lines fit. */
  async refresh(rows: number, memRows: number, bytesPerRow: number): Promise<void> {
    if (this.s.state !== 'stopped') {
      this.running();
      this.absent = `target ${this.s.state}`;
      this.disasmNote = this.absent;
      return;
    }
    const own = await this.s.regs();
    const stop = this.s.lastStop;
    if (this.s.current !== this.seenTid) this.ownChanged = new Set();
    else if (stop !== this.seenStop) this.ownChanged = changedRegisters(own, this.prev ?? this.threadRegs);
    else if (this.threadRegs && changedRegisters(own, this.threadRegs).size > 0) this.ownChanged = changedRegisters(own, this.threadRegs);
    this.seenStop = stop;
    this.seenTid = this.s.current;
    this.prev = undefined;
    this.threadRegs = own;
    this.bt = await this.s.frames().catch(() => undefined);
    this.frame = this.s.selectedFrame;
    // The selected frame's view: its registers, code around its pc, the stack at its rsp.
    const regs = this.frame === 0 ? own : await this.s.frameRegs();
    this.changed = this.frame === 0 ? this.ownChanged : new Set();
    this.regs = regs;
    const pc = regs.rip!;
    if (this.symbols && !this.symbols.moduleAt(pc)) await this.loadSymbols();
    await this.refreshDisasm(pc, rows);
    await this.refreshMemory(memRows * bytesPerRow);
  }

  /** Records the registers as "before" so the next refresh highlights what a command changed. */
  keepForCompare(): void {
    if (this.threadRegs) this.prev = this.threadRegs;
  }

  private async refreshDisasm(pc: bigint, rows: number): Promise<void> {
    this.disasmNote = undefined;
    const before = Math.max(1, Math.floor(rows / 3));
    const fn = this.symbols?.symbolAt(pc);
    try {
      if (fn && fn.kind !== 'object' && fn.size > 0 && fn.size <= WHOLE_FUNCTION_MAX) {
        let lines = this.fnCache.get(fn.address);
        if (!lines) {
          lines = disassemble(await this.s.readMem(fn.address, fn.size), fn.address, { symbolize: this.where });
          this.fnCache.set(fn.address, lines);
        }
        const i = lines.findIndex((l) => l.address === pc);
        if (i >= 0) {
          let start = Math.max(0, i - before);
          // Past the function's end, show the following code rather than leave rows empty.
          if (lines.length - start < rows && i + rows - before > lines.length) start = Math.max(0, Math.min(start, lines.length - rows));
          this.disasm = lines.slice(start, start + rows);
          if (this.disasm.length < rows) {
            const last = this.disasm[this.disasm.length - 1]!;
            const next = last.address + BigInt(last.length);
            const more = await this.s.readMem(next, (rows - this.disasm.length) * 15).catch(() => undefined);
            if (more) this.disasm = [...this.disasm, ...disassemble(more, next, { max: rows - this.disasm.length, symbolize: this.where })];
          }
          return;
        }
      }
      this.disasm = await disassembleAround((a, n) => this.s.readMem(a, n), pc, {
        before,
        after: rows - before,
        symbolize: this.where,
        ...(fn && fn.kind !== 'object' ? { functionStart: fn.address } : {}),
      });
    } catch (err) {
      this.disasm = [];
      this.disasmNote = `cannot read code at 0x${pc.toString(16)}: ${(err as Error).message}`;
    }
  }

  private async refreshMemory(len: number): Promise<void> {
    const addr = this.memAddr ?? this.regs?.rsp ?? 0n;
    this.memShown = addr;
    try {
      this.memBytes = await this.s.readMem(addr, Math.max(16, len));
      this.memError = undefined;
    } catch (err) {
      this.memBytes = undefined;
      this.memError = (err as Error).message;
    }
  }
}
