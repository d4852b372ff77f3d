/**
 * The call stack of the current thread at a stop, as the engine shows and selects it: frames
 * unwound by CFI (unwind/), named by the process's symbols, and one of them selected (`frame N`,
 * `up`, `down`) so that registers, `x` and `print` see that frame's registers, as in gdb.
 *
 * A caller frame's registers are the unwinder's recovered ones over the inner frame's (gdb's
 * "same value" for the rest): rip is the return address, rsp the CFA, the callee-saved ones
 * from their save slots. The caller-saved ones (rax, rdi…) are not known there; gdb shows the
 * inner value too, and so does pdbg.
 */
import { ProcfsError } from '../procfs/errors.js';
import type { ReadMemory } from '../arch/x86-64/disasm.js';
import type { Registers } from './regfile.js';
import type { LoadedModule, ProcessSymbols, SymbolHit } from './symbols/index.js';
import { unwind, type UnwindModule, type UnwoundFrame } from './unwind/index.js';

export interface StackFrame {
  readonly index: number;
  /** Frame 0: the pc; callers: the return address (above a signal frame: the interrupted pc). */
  readonly pc: bigint;
  /** The frame's canonical frame address (its caller's rsp), when the unwinder knew it. */
  readonly cfa?: bigint;
  /** The registers as this frame sees them (see the file comment). */
  readonly regs: Registers;
  /** `cfi`, or `fp` where the callee had no unwind table and the frame pointer was followed. */
  readonly how: 'cfi' | 'fp' | 'guess';
  /** The frame is a signal trampoline (`__restore_rt`). */
  readonly signalFrame: boolean;
  /** The function the frame is in, looked up at pc-1 for a caller (a call may be a function's last instruction). */
  readonly symbol?: SymbolHit;
  /** The file the pc is in, and the pc's offset from where that file is mapped. */
  readonly module?: string;
  readonly moduleOffset?: bigint;
}

export interface StackOptions {
  /** Most frames (default 256). */
  readonly max?: number;
  /** Go on past `main` into libc's start-up (gdb: `set backtrace past-main on`). */
  readonly pastMain?: boolean;
}

/** Supplies the unwind table of a module (its sections are read through the source: asynchronous). */
export type TableOf = (mod: LoadedModule) => UnwindModule['table'] | undefined | Promise<UnwindModule['table'] | undefined>;

/** Unwinds from `regs` with the process's modules; never throws for a frame it cannot unwind (the walk ends there). */
export async function unwindStack(regs: Registers, read: ReadMemory, syms: ProcessSymbols | undefined, tableOf: TableOf, opts: StackOptions = {}): Promise<StackFrame[]> {
  const modules = new Map<LoadedModule, UnwindModule | null>();
  const moduleAt = async (pc: bigint): Promise<UnwindModule | undefined> => {
    const mod = syms?.moduleAt(pc);
    if (!mod) return undefined;
    let u = modules.get(mod);
    if (u === undefined) {
      let table: UnwindModule['table'] | undefined;
      try {
        table = await tableOf(mod);
      } catch {
        table = undefined;
      }
      u = table ? { bias: mod.bias, table, name: mod.path } : null;
      modules.set(mod, u);
    }
    return u ?? undefined;
  };
  // gdb's default `backtrace past-main off`: main's callers are libc's start-up, not the program.
  const isOuterFrame = opts.pastMain ? undefined : (pc: bigint): boolean => (syms?.symbolAt(pc - 1n) ?? syms?.symbolAt(pc))?.name === 'main';
  const raw = await unwind(regs, read, moduleAt, { max: opts.max ?? 256, ...(isOuterFrame ? { isOuterFrame } : {}) });
  const out: StackFrame[] = [];
  let inner: Registers = regs;
  for (const f of raw) {
    const frameRegs: Registers = { ...inner, ...f.regs };
    frameRegs.rip = f.pc;
    if (f.index > 0 && f.cfa === undefined) delete frameRegs.rsp;
    out.push(describeFrame(f, frameRegs, syms, out[out.length - 1]));
    inner = frameRegs;
  }
  return out;
}

function describeFrame(f: UnwoundFrame, regs: Registers, syms: ProcessSymbols | undefined, callee: StackFrame | undefined): StackFrame {
  // A return address may be one past the calling function's last byte (a call to a noreturn
  // function): name the caller by pc-1, unless the callee is a signal frame (the pc is exact).
  const lookup = f.index === 0 || callee?.signalFrame ? f.pc : f.pc - 1n;
  const sym = syms?.symbolAt(lookup);
  const mod = syms?.moduleAt(lookup);
  const base = mod ? mod.ranges.reduce((lo, r) => (r.start < lo ? r.start : lo), mod.ranges[0]!.start) : undefined;
  return {
    index: f.index,
    pc: f.pc,
    ...(f.cfa !== undefined ? { cfa: f.cfa } : {}),
    regs,
    how: f.how,
    signalFrame: f.signalFrame === true,
    ...(sym ? { symbol: { ...sym, offset: f.pc - sym.address } } : {}),
    ...(mod ? { module: mod.path, moduleOffset: f.pc - base! } : {}),
  };
}

/** `main+12`, or `?? (libc.so.6+0x1234)` where no symbol covers the pc. */
export function frameWhere(f: StackFrame): string {
  if (f.symbol) return f.symbol.offset === 0n ? f.symbol.name : `${f.symbol.name}+${f.symbol.offset}`;
  if (f.module !== undefined) return `?? (${basename(f.module)}+0x${f.moduleOffset!.toString(16)})`;
  return '??';
}

/** `#1 0x401136 main+12 (prog)`: one frame a line, as `pdbg bt` prints it. */
export function frameLine(f: StackFrame): string {
  const lib = f.symbol && f.module !== undefined ? ` (${basename(f.module)})` : '';
  const how = f.how === 'cfi' ? '' : ` [${f.how === 'fp' ? 'frame pointer' : 'guess'}]`;
  return `#${f.index} 0x${f.pc.toString(16)} ${frameWhere(f)}${lib}${f.signalFrame ? ' <signal handler called>' : ''}${how}`;
}

/** A frame as data (`bt --json`). */
export function frameData(f: StackFrame): Record<string, unknown> {
  return {
    index: f.index,
    pc: f.pc,
    symbol: f.symbol?.name ?? null,
    offset: f.symbol ? f.symbol.offset : null,
    module: f.module ?? null,
    moduleOffset: f.moduleOffset ?? null,
    how: f.how,
    ...(f.cfa !== undefined ? { cfa: f.cfa } : {}),
    ...(f.signalFrame ? { signalFrame: true } : {}),
  };
}

function basename(p: string): string {
  return p.replace(/ \(deleted\)$/, '').replace(/.*\//, '');
}

/** The frame number typed by a person: a decimal within the stack. */
export function frameNumber(text: string, frames: readonly StackFrame[]): number {
  if (!/^\d+$/.test(text)) throw new ProcfsError('EINVAL', `not a frame number: '${text}'`);
  const n = Number(text);
  if (n >= frames.length) throw new ProcfsError('EINVAL', `no frame ${n}: the stack has ${frames.length} frame${frames.length === 1 ? '' : 's'} (0-${frames.length - 1})`);
  return n;
}
